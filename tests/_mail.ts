// End-to-end helpers for the SMTP proxy: the Debian tools' check, a real backend (Debian's
// aiosmtpd), swaks and smtplib runners, the proxy itself on free ports with its config snippets,
// the steps of a raw dialogue; and, from tests/fixtures/mail/, the recording backend, the
// auth_http service and a raw SMTP client.

import assert from "node:assert/strict";
import { root } from "./_cli.ts";
import { type RunningProxy, startProxy, type Tree } from "./_proxy.ts";
import { freePort, until, within } from "./_tcp.ts";
import { type AuthService, startAuthService } from "./fixtures/mail/auth_service.ts";
import { plain, SmtpDialog } from "./fixtures/mail/smtp_dialog.ts";

export {
  type AuthService,
  type AuthUser,
  cramMd5,
  type Refusal,
  startAuthService,
} from "./fixtures/mail/auth_service.ts";
export { type RecordingBackend, startRecordingBackend } from "./fixtures/mail/recording_backend.ts";
export { plain, SmtpDialog } from "./fixtures/mail/smtp_dialog.ts";
export { freePort, until } from "./_tcp.ts";

/** Debian's Python, the one with python3-aiosmtpd (the PATH's may be another). */
export const PYTHON = "/usr/bin/python3";
const FIXTURES = `${root}/tests/fixtures/mail`;
const decoder = new TextDecoder();

function runs(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Fails (never skips) when a Debian tool the mail tests need is missing, naming its package. */
export function requireMailTools(tools: { swaks?: boolean; aiosmtpd?: boolean } = {}): void {
  const missing: string[] = [];
  if (!runs("openssl", ["version"])) missing.push("openssl (Debian package openssl)");
  if (tools.swaks !== false && !runs("swaks", ["--version"])) {
    missing.push("swaks (Debian package swaks)");
  }
  if (tools.aiosmtpd !== false && !runs(PYTHON, ["-c", "import aiosmtpd"])) {
    missing.push(`${PYTHON} with aiosmtpd (Debian package python3-aiosmtpd)`);
  }
  if (missing.length) {
    throw new Error(
      `Cannot run the SMTP proxy tests: missing ${missing.join(", ")}; ` +
        `install with: apt-get install swaks python3-aiosmtpd openssl`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// TLS

let certificate: Promise<{ cert: string; key: string }> | null = null;

/** A self-signed certificate for localhost (P-256), made once per test file with openssl. */
export function testCertificate(): Promise<{ cert: string; key: string }> {
  certificate ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "ngw2f-mail-cert-" });
    try {
      const out = await new Deno.Command("openssl", {
        args: [
          ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
          ...["-days", "3", "-subj", "/CN=localhost"],
          ...["-addext", "basicConstraints=critical,CA:FALSE"],
          ...["-addext", "subjectAltName=DNS:localhost"],
          ...["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(`openssl failed: ${decoder.decode(out.stderr)}`);
      return {
        cert: await Deno.readTextFile(`${dir}/cert.pem`),
        key: await Deno.readTextFile(`${dir}/key.pem`),
      };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return certificate;
}

// ---------------------------------------------------------------------------------------------
// Backends

/** A message an SMTP backend accepted. */
export interface StoredMessage {
  mailFrom: string;
  rcptTos: string[];
  /** The EHLO/HELO name the backend heard last. */
  helo: string | null;
  /** The user that authenticated to the backend (aiosmtpd with `auth`). */
  login: string | null;
  /** The message bytes after DATA, dot-unstuffed, ending with CRLF. */
  data: Uint8Array;
  /** The same, as text. */
  text: string;
}

/** Debian's aiosmtpd on 127.0.0.1, started by tests/fixtures/mail/backend.py. */
export interface AiosmtpdBackend extends AsyncDisposable {
  port: number;
  /** The messages stored so far, in arrival order. */
  messages(): Promise<StoredMessage[]>;
  /** Waits until `count` messages are stored. */
  waitForMessages(count: number, ms?: number): Promise<StoredMessage[]>;
}

/** Starts aiosmtpd; with `auth` (user → password) clients must authenticate. */
export async function startAiosmtpd(
  options: { auth?: Record<string, string> } = {},
): Promise<AiosmtpdBackend> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-aiosmtpd-" });
  const args = [`${FIXTURES}/backend.py`, dir];
  for (const [user, pass] of Object.entries(options.auth ?? {})) {
    args.push("--auth", `${user}:${pass}`);
  }
  const child = new Deno.Command(PYTHON, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const errors = (async () => {
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk);
  })();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    first += value;
  }
  clearTimeout(timer);
  const port = Number(first.trim());
  const stdin = child.stdin.getWriter();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    stdin.close().catch(() => {});
    // backend.py exits within ~2 s of SIGTERM; a fixture that does not is killed, not waited on.
    await within(child.status, 10_000, "aiosmtpd to exit").catch(() => {
      child.kill("SIGKILL");
      return child.status;
    });
    await reader.cancel().catch(() => {});
    await within(errors, 10_000, "aiosmtpd's stderr to end");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  if (!(port > 0)) {
    await stop();
    throw new Error(`Cannot start aiosmtpd: ${first}${stderr}`);
  }
  const messages = async () => {
    const names: number[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.endsWith(".json")) names.push(Number(entry.name.slice(0, -5)));
    }
    names.sort((a, b) => a - b);
    return await Promise.all(names.map(async (n) => {
      const meta = JSON.parse(await Deno.readTextFile(`${dir}/${n}.json`));
      const data = await Deno.readFile(`${dir}/${n}.eml`);
      return {
        mailFrom: meta.mail_from,
        rcptTos: meta.rcpt_tos,
        helo: meta.helo,
        login: meta.login,
        data,
        text: decoder.decode(data),
      };
    }));
  };
  return {
    port,
    messages,
    async waitForMessages(count, ms = 20_000) {
      let got: StoredMessage[] = [];
      await until(async () => (got = await messages()).length >= count, ms, `${count} messages`)
        .catch((error) => {
          throw new Error(`${error.message} (got ${got.length}); aiosmtpd said: ${stderr}`);
        });
      return got;
    },
    [Symbol.asyncDispose]: stop,
  };
}

// ---------------------------------------------------------------------------------------------
// Clients

/** What a client program printed and returned. */
export interface ClientRun {
  code: number;
  output: string;
}

async function run(cmd: string, args: string[], ms: number): Promise<ClientRun> {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", stdin: "null" })
    .spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const out = await child.output();
  clearTimeout(timer);
  return {
    code: out.code,
    output: decoder.decode(out.stdout) + decoder.decode(out.stderr),
  };
}

/** Runs `swaks --server 127.0.0.1:PORT ARGS` (its transcript is the output). */
export function swaks(port: number, args: string[], ms = 30_000): Promise<ClientRun> {
  return run("swaks", ["--server", `127.0.0.1:${port}`, "--timeout", "20", ...args], ms);
}

/** swaks's arguments to authenticate with `method` as `user`. */
export function swaksAuth(method: string, user = "alice", pass = "secret"): string[] {
  return ["--auth", method, "--auth-user", user, "--auth-password", pass];
}

/** send.py's (smtplib's) arguments to log in as `user`. */
export function smtplibAuth(user = "alice", pass = "secret"): string[] {
  return ["--user", user, "--password", pass];
}

/** swaks with a message marked `marker`, from alice@example.com to bob@example.com. */
export function swaksMessage(port: number, marker: string, args: string[]): Promise<ClientRun> {
  return swaks(port, [
    ...["--helo", "client.test", "--from", "alice@example.com", "--to", "bob@example.com"],
    ...["--header", `Subject: ${marker}`],
    ...["--body", `${marker}\nsecond line\n.a line that starts with a dot`],
    ...args,
  ]);
}

/** Runs tests/fixtures/mail/send.py (Python's smtplib) and parses its JSON line. */
export async function smtplib(
  port: number,
  args: string[],
  ms = 60_000,
): Promise<ClientRun & { result: { ok: boolean; code?: number; error?: string } }> {
  const out = await run(PYTHON, [`${FIXTURES}/send.py`, `${port}`, ...args], ms);
  const line = out.output.trim().split("\n").at(-1) ?? "";
  let result = { ok: false, error: out.output } as { ok: boolean; code?: number; error?: string };
  try {
    result = JSON.parse(line);
  } catch { /* not JSON: keep the output */ }
  return { ...out, result };
}

// ---------------------------------------------------------------------------------------------
// The proxy

/** A running `ngw2f proxy` with mail servers on free ports. */
export interface MailProxy extends AsyncDisposable {
  proxy: RunningProxy;
  /** Everything the proxy printed so far. */
  output(): string;
}

/**
 * Starts `ngw2f proxy` with `mail` (the `[mail]` and `[[mail.server]]` tables) after a small
 * HTTP `[[server]]` (the "Listening at:" line), the certificate as cert.pem/key.pem in its
 * prefix, and waits for "SMTP proxy listening at ADDR" for every address in `ports`.
 */
export async function startMailProxy(
  mail: string,
  ports: number[],
  options: { workers?: number; tree?: Tree } = {},
): Promise<MailProxy> {
  const { cert, key } = await testCertificate();
  const toml = `workers = ${options.workers ?? 1}
pid = "proxy.pid"
error_log = "- info"
access_log = "off"
worker_shutdown_timeout = "30s"

[[server]]
listen = "127.0.0.1:0"
return = 204

${mail}`;
  const proxy = await startProxy(toml, { "cert.pem": cert, "key.pem": key, ...options.tree });
  try {
    for (const port of ports) {
      await proxy.cli.waitFor(new RegExp(`SMTP proxy listening at 127\\.0\\.0\\.1:${port}\\b`));
    }
  } catch (error) {
    await proxy[Symbol.asyncDispose]();
    throw error;
  }
  return {
    proxy,
    output: () => proxy.cli.output(),
    [Symbol.asyncDispose]: () => proxy[Symbol.asyncDispose](),
  };
}

/** `[mail]` with the auth service (or its URL) and the name mx.test, then the `servers`. */
export function mailConfig(auth: AuthService | string, servers: string): string {
  const url = typeof auth === "string" ? auth : auth.url;
  return `[mail]\nauth_http = "${url}"\nauth_http_timeout = "10s"\nserver_name = "mx.test"\n\n${servers}`;
}

/** One `[[mail.server]]` on `port` (`ssl`: TLS from the first byte). */
export function mailServer(port: number, settings = "", ssl = false): string {
  return `[[mail.server]]\nlisten = "127.0.0.1:${port}${ssl ? " ssl" : ""}"\n${settings}\n`;
}

/** The settings naming the certificate {@linkcode startMailProxy} writes to the prefix. */
export const TLS_FILES = 'ssl_certificate = "cert.pem"\nssl_certificate_key = "key.pem"';

/** aiosmtpd, an auth service sending alice (password "secret") to it, and the proxy before. */
export interface AliceSetup extends AsyncDisposable {
  backend: AiosmtpdBackend;
  auth: AuthService;
  proxy: MailProxy;
  /** The mail server's port. */
  port: number;
}

/** Starts an {@linkcode AliceSetup} with one `[[mail.server]]` of `settings`. */
export async function startAliceSetup(
  settings = "",
  options: { workers?: number } = {},
): Promise<AliceSetup> {
  await using stack = new AsyncDisposableStack();
  const backend = stack.use(await startAiosmtpd());
  const auth = stack.use(
    startAuthService({ users: { alice: { pass: "secret", port: backend.port } } }),
  );
  const port = freePort();
  const proxy = stack.use(
    await startMailProxy(mailConfig(auth, mailServer(port, settings)), [port], options),
  );
  const owned = stack.move();
  return { backend, auth, proxy, port, [Symbol.asyncDispose]: () => owned.disposeAsync() };
}

// ---------------------------------------------------------------------------------------------
// The dialogue (over SmtpDialog, with a server named mx.test)

/** Reads the greeting and says EHLO; returns the EHLO reply's lines without their codes. */
export async function ehlo(dialog: SmtpDialog, name = "client.test"): Promise<string[]> {
  assert.equal(await dialog.read(), "220 mx.test ESMTP ready\r\n");
  return capabilities(await dialog.command(`EHLO ${name}`));
}

/** A 250 EHLO reply's lines without their codes. */
export function capabilities(reply: string): string[] {
  assert.match(reply, /^250[- ]/, reply);
  return reply.trimEnd().split("\r\n").map((line) => line.slice(4));
}

/** Connects, says EHLO and authenticates with AUTH PLAIN; returns the dialog in relay. */
export async function login(port: number, user: string, pass: string): Promise<SmtpDialog> {
  const dialog = await SmtpDialog.connect(port);
  await ehlo(dialog);
  assert.equal(await dialog.command(`AUTH PLAIN ${plain(user, pass)}`), "235 2.0.0 OK\r\n");
  return dialog;
}

/** One transaction on a relayed dialog: the message is `Subject: MARKER` and MARKER. */
export async function send(
  dialog: SmtpDialog,
  marker: string,
  to = "bob@example.com",
): Promise<void> {
  assert.match(await dialog.command("MAIL FROM:<alice@example.com>"), /^250 /);
  assert.match(await dialog.command(`RCPT TO:<${to}>`), /^250 /);
  assert.match(await dialog.command("DATA"), /^354 /);
  assert.match(await dialog.command(`Subject: ${marker}\r\n\r\n${marker}\r\n.`), /^250 /);
}

/** The Subject of each message, in order. */
export function subjects(messages: StoredMessage[]): (string | undefined)[] {
  return messages.map((m) => /^Subject: (.*)\r$/m.exec(m.text)?.[1]);
}
