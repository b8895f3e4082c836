/**
 * One client's SMTP dialogue, command by command (see `smtp_session.ts`): the greeting,
 * EHLO/HELO, STARTTLS, AUTH or the envelope, the `auth_http` answer, the backend, the relay;
 * replies queued and written together, `max_errors`, the idle `timeout`.
 *
 * @module
 */

import type { MailServerConfig } from "../config/mod.ts";
import { tunnel, type TunnelEnd } from "../upstream/mod.ts";
import type { AuthAnswer } from "./auth_http.ts";
import { BackendError, type BackendIntro } from "./smtp_backend.ts";
import type { SmtpClient, SmtpSessionOptions } from "./smtp_session.ts";
import { LineReader } from "./_lines.ts";
import { writeWithin } from "./_smtp_reply.ts";
import { type Credentials, readCredentials, type SaslMethod } from "./_sasl.ts";
import { startTls } from "./_starttls.ts";

const OK = "250 2.0.0 OK";
const BAD_SEQUENCE = "503 5.5.1 Bad sequence of commands";
const INVALID_ARGUMENT = "501 5.5.4 Invalid argument";
const NO_HELLO = "503 5.5.1 Send HELO or EHLO first";
const encoder = new TextEncoder();

/**
 * One client's dialogue; `run()` holds it to its end (`serveSmtp()` is the way in).
 *
 * @example
 * ```ts ignore
 * await new SmtpSession(session, { server, tls: null, deps, log }).run();
 * ```
 */
export class SmtpSession {
  readonly #server: MailServerConfig;
  readonly #options: SmtpSessionOptions;
  readonly #ip: string;
  readonly #adopt: (closable: { close(): void }) => void;
  #client: TunnelEnd;
  #lines: LineReader;
  #out: string[] = [];
  #tls: boolean;
  #helo = "";
  #esmtp = false;
  #from: string | null = null;
  #errors = 0;
  #attempt = 0;
  #done = false;

  /** A dialogue with `client`, not started. */
  constructor(client: SmtpClient, options: SmtpSessionOptions) {
    this.#server = options.server;
    this.#options = options;
    this.#ip = client.info.remoteAddr;
    this.#adopt = (closable) => client.adopt(closable);
    this.#client = client.conn;
    this.#tls = client.info.tls;
    this.#lines = new LineReader(client.conn, { maxLine: options.server.smtpClientBuffer });
  }

  /** Greets, answers until the end, a failure or the relay's end; the caller closes the client. */
  async run(): Promise<void> {
    const server = this.#server;
    if (server.smtpGreetingDelay > 0) {
      const early = await this.#lines.waitForData(server.smtpGreetingDelay);
      if (early === "end") return;
      if (early === "data") {
        this.#options.log.info(`SMTP client ${this.#ip} spoke before the greeting`);
        this.#reply("554 5.7.0 Invalid pipelining");
        await this.#flush();
        return;
      }
    }
    this.#reply(`220 ${server.serverName} ESMTP ready`);
    while (!this.#done) {
      const line = await this.#nextLine();
      if (line !== null) await this.#command(line);
    }
    await this.#flush();
  }

  /** The next command line; null (the reply queued) when there is none to act on. */
  async #nextLine(): Promise<string | null> {
    if (!this.#lines.ready() && !(await this.#flush())) return null;
    if (this.#done) return null;
    const result = await this.#lines.next(this.#server.timeout);
    switch (result.kind) {
      case "line":
        return result.text;
      case "long":
        this.#error("500 5.5.6 Line too long");
        return null;
      case "bad":
        this.#error("500 5.5.2 Bare CR or NUL in the command");
        return null;
      case "timeout":
        this.#options.log.info(`SMTP client ${this.#ip} timed out`);
        this.#reply(`421 4.4.2 ${this.#server.serverName} Timeout`);
        this.#done = true;
        return null;
      case "end":
        this.#done = true;
        return null;
    }
  }

  #command(text: string): Promise<void> | void {
    const space = text.indexOf(" ");
    const verb = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    const arg = space < 0 ? "" : text.slice(space + 1).trim();
    switch (verb) {
      case "EHLO":
      case "HELO":
        return this.#hello(verb === "EHLO", arg);
      case "STARTTLS":
        return this.#startTls(arg);
      case "AUTH":
        return this.#auth(arg);
      case "MAIL":
        return this.#mail(text, arg);
      case "RCPT":
        return this.#rcpt(text, arg);
      case "DATA":
        return this.#error(BAD_SEQUENCE);
      case "RSET":
        this.#from = null;
        return this.#reply(OK);
      case "NOOP":
        return this.#reply(OK);
      case "VRFY":
        return this.#reply("252 2.5.0 Cannot VRFY user");
      case "QUIT":
        this.#reply("221 2.0.0 Bye");
        this.#done = true;
        return;
      default:
        return this.#error("500 5.5.1 Invalid command");
    }
  }

  #hello(esmtp: boolean, arg: string): void {
    if (!/^\S+$/.test(arg)) return this.#error(INVALID_ARGUMENT);
    this.#helo = arg;
    this.#esmtp = esmtp;
    this.#from = null;
    const server = this.#server;
    if (!esmtp) return this.#reply(`250 ${server.serverName}`);
    const lines = [server.serverName, ...server.smtpCapabilities];
    if (server.starttls !== "off" && !this.#tls) lines.push("STARTTLS");
    const methods = this.#methods();
    if (methods.length && !this.#needsTls()) {
      lines.push(`AUTH ${methods.map((m) => m.toUpperCase()).join(" ")}`);
    }
    lines.forEach((line, i) => this.#reply(`250${i === lines.length - 1 ? " " : "-"}${line}`));
  }

  async #startTls(arg: string): Promise<void> {
    if (arg) return this.#error(INVALID_ARGUMENT);
    const pair = this.#options.tls;
    if (this.#server.starttls === "off" || !pair) {
      return this.#error("502 5.5.1 STARTTLS not available");
    }
    if (this.#tls) return this.#error("503 5.5.1 TLS already active");
    this.#reply("220 2.0.0 Start TLS");
    if (!(await this.#flush())) return;
    // Bytes sent along with STARTTLS were never encrypted: a man in the middle may have put
    // them there (CVE-2011-0411). They are dropped, unread.
    const injected = this.#lines.rest().length;
    if (injected) {
      this.#options.log.info(
        `SMTP client ${this.#ip} sent ${injected} bytes after STARTTLS: dropped`,
      );
    }
    let secure: TunnelEnd;
    try {
      secure = await startTls(this.#client, { tls: pair, timeout: this.#server.timeout });
    } catch (error) {
      this.#options.log.info(`SMTP client ${this.#ip}: ${(error as Error).message}`);
      this.#done = true;
      return;
    }
    this.#adopt(secure);
    this.#client = secure;
    this.#lines = new LineReader(secure, { maxLine: this.#server.smtpClientBuffer });
    this.#tls = true;
    this.#helo = "";
    this.#esmtp = false;
    this.#from = null;
  }

  async #auth(arg: string): Promise<void> {
    if (this.#refuseBeforeTls()) return;
    if (!this.#helo) return this.#error(NO_HELLO);
    if (this.#from !== null) return this.#error(BAD_SEQUENCE);
    const words = arg.split(/\s+/);
    if (!arg || words.length > 2) return this.#error(INVALID_ARGUMENT);
    const [mechanism, initial] = words;
    const method = mechanism.toLowerCase();
    if (!(this.#methods() as string[]).includes(method)) {
      return this.#error("504 5.5.4 Unrecognized authentication type");
    }
    const credentials = await readCredentials(method as SaslMethod, initial, {
      serverName: this.#server.serverName,
      ask: async (challenge) => {
        this.#reply(`334 ${challenge}`);
        return await this.#nextLine();
      },
      fail: (line) => this.#error(line),
    });
    if (credentials) await this.#authenticate(credentials);
  }

  async #authenticate(credentials: Credentials): Promise<void> {
    const { method, user, pass, salt } = credentials;
    const answer = await this.#options.deps.auth(this.#server, {
      method,
      user,
      pass,
      ...(salt === undefined ? {} : { salt }),
      attempt: ++this.#attempt,
      clientIp: this.#ip,
      helo: this.#helo,
    });
    const who = `as ${JSON.stringify(user)} (${method === "cram-md5" ? method : "plain"})`;
    if (answer.kind !== "ok") return this.#denied(answer, who);
    // Auth-User and Auth-Pass, when sent, stand for the client's (nginx's s->login, s->passwd).
    const login = answer.user ?? user;
    const proxyAuth = { user: login, pass: answer.pass ?? pass };
    await this.#relay(answer, {
      login,
      ...(this.#server.proxySmtpAuth ? { proxyAuth } : {}),
    }, `logged in ${who}`);
  }

  #mail(text: string, arg: string): void {
    if (this.#refuseBeforeTls()) return;
    if (!this.#server.smtpAuth.includes("none")) {
      return this.#error("530 5.7.0 Authentication required");
    }
    if (!this.#helo) return this.#error(NO_HELLO);
    if (this.#from !== null) return this.#error(BAD_SEQUENCE);
    if (!/^FROM:\s*<[^<>\s]*>(?:\s+\S.*)?$/i.test(arg)) return this.#error(INVALID_ARGUMENT);
    this.#from = text;
    this.#reply("250 2.1.0 OK");
  }

  async #rcpt(text: string, arg: string): Promise<void> {
    if (this.#refuseBeforeTls()) return;
    const from = this.#from;
    if (from === null) return this.#error(BAD_SEQUENCE);
    if (!/^TO:\s*<[^<>\s]+>(?:\s+\S.*)?$/i.test(arg)) return this.#error(INVALID_ARGUMENT);
    const answer = await this.#options.deps.auth(this.#server, {
      method: "none",
      user: "",
      pass: "",
      attempt: ++this.#attempt,
      clientIp: this.#ip,
      helo: this.#helo,
      from,
      to: text,
    });
    const who = `for ${JSON.stringify(arg)}`;
    if (answer.kind !== "ok") return this.#denied(answer, who);
    await this.#relay(answer, { envelope: { from, to: text } }, `sent mail ${who}`);
  }

  /** A refused or failed `auth_http` answer: the client told, and closed or let try again. */
  async #denied(answer: Exclude<AuthAnswer, { kind: "ok" }>, who: string): Promise<void> {
    const log = this.#options.log;
    if (answer.kind === "failed") {
      log.error(`Cannot authenticate SMTP client ${this.#ip} ${who}: ${answer.why}`);
      return this.#error("454 4.7.0 Temporary authentication failure");
    }
    log.info(`SMTP client ${this.#ip} refused ${who}: ${JSON.stringify(answer.message)}`);
    const line = `${oneLine(answer.code ?? "535 5.7.8")} ${oneLine(answer.message)}`;
    if (answer.wait === undefined) {
      this.#reply(line);
      this.#done = true;
      return;
    }
    if (!(await this.#flush())) return;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, answer.wait! * 1000)));
    this.#error(line);
  }

  /** Readies the backend `answer` named, gives the client its reply, and relays. */
  async #relay(
    answer: Extract<AuthAnswer, { kind: "ok" }>,
    intro: Pick<BackendIntro, "login" | "proxyAuth" | "envelope">,
    what: string,
  ): Promise<void> {
    const server = this.#server;
    const at = answer.server.includes(":")
      ? `[${answer.server}]:${answer.port}`
      : `${answer.server}:${answer.port}`;
    this.#done = true;
    let backend;
    try {
      backend = await this.#options.deps.connect({ hostname: answer.server, port: answer.port }, {
        serverName: server.serverName,
        helo: this.#helo,
        esmtp: this.#esmtp,
        clientIp: this.#ip,
        xclient: server.xclient,
        timeout: server.timeout,
        ...intro,
      });
    } catch (error) {
      this.#options.log.error(
        `Cannot relay SMTP client ${this.#ip} to ${at}: ${(error as Error).message}`,
      );
      const reply = error instanceof BackendError
        ? error.reply
        : "451 4.3.0 Cannot reach the mail server\r\n";
      this.#out.push(reply.endsWith("\r\n") ? reply : `${reply}\r\n`);
      return;
    }
    this.#adopt(backend.conn);
    this.#options.log.info(`SMTP client ${this.#ip} ${what}, backend ${at}`);
    if (server.xclient && backend.xclient === false) {
      this.#options.log.warn(
        `The mail server ${at} offers no XCLIENT: it sees the proxy, not the client ${this.#ip}`,
      );
    }
    this.#out.push(backend.reply);
    if (!(await this.#flush())) return;
    const rest = this.#lines.rest();
    await tunnel(this.#client, rest, backend.conn, backend.early, server.proxyTimeout);
  }

  /** The AUTH methods offered (`smtp_auth` without `none`). */
  #methods(): MailServerConfig["smtpAuth"] {
    return this.#server.smtpAuth.filter((m) => m !== "none");
  }

  /** Whether `starttls only` still waits for STARTTLS. */
  #needsTls(): boolean {
    return this.#server.starttls === "only" && !this.#tls;
  }

  /** Replies 530 when STARTTLS must come first; true then. */
  #refuseBeforeTls(): boolean {
    if (!this.#needsTls()) return false;
    this.#error("530 5.7.0 Must issue a STARTTLS command first");
    return true;
  }

  #reply(line: string): void {
    this.#out.push(`${line}\r\n`);
  }

  /** An error reply; the one that reaches `max_errors` is a 421, and the session ends. */
  #error(line: string): void {
    if (++this.#errors < this.#server.maxErrors) return this.#reply(line);
    this.#options.log.info(`SMTP client ${this.#ip} made too many errors`);
    this.#reply(`421 4.7.0 ${this.#server.serverName} Too many errors`);
    this.#done = true;
  }

  /** Writes the queued replies; false (the session over) when the client cannot take them. */
  async #flush(): Promise<boolean> {
    if (!this.#out.length) return true;
    const bytes = encoder.encode(this.#out.join(""));
    this.#out = [];
    if (await writeWithin(this.#client, bytes, this.#server.timeout)) return true;
    this.#done = true;
    try {
      this.#client.close();
    } catch { /* already closed */ }
    return false;
  }
}

/** Text fit for one reply line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\0]+/g, " ");
}
