// End-to-end: `ngw2f proxy` as nginx's SMTP proxy ([[mail.server]]). Real clients (swaks,
// Python's smtplib, raw sockets) talk to the real CLI; an auth_http service started here picks
// the backend: Debian's aiosmtpd, or a recording backend that offers XCLIENT. Needs swaks,
// python3-aiosmtpd and openssl from Debian: without them these tests fail and say so.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  type AuthService,
  freePort,
  plain,
  requireMailTools,
  SmtpDialog,
  smtplib,
  startAiosmtpd,
  startAuthService,
  startMailProxy,
  startRecordingBackend,
  swaks,
  testCertificate,
} from "./_mail.ts";

/** `[mail]` with the auth service and our name, then the servers. */
function mailConfig(auth: AuthService | string, servers: string): string {
  const url = typeof auth === "string" ? auth : auth.url;
  return `[mail]\nauth_http = "${url}"\nauth_http_timeout = "10s"\nserver_name = "mx.test"\n\n${servers}`;
}

/** One `[[mail.server]]` on `port` (`ssl`: TLS from the first byte). */
function mailServer(port: number, settings = "", ssl = false): string {
  return `[[mail.server]]\nlisten = "127.0.0.1:${port}${ssl ? " ssl" : ""}"\n${settings}\n`;
}

const TLS_FILES = 'ssl_certificate = "cert.pem"\nssl_certificate_key = "key.pem"';

/** Reads the greeting and says EHLO; returns the EHLO reply's lines without their codes. */
async function ehlo(dialog: SmtpDialog, name = "client.test"): Promise<string[]> {
  assert.equal(await dialog.read(), "220 mx.test ESMTP ready\r\n");
  return capabilities(await dialog.command(`EHLO ${name}`));
}

function capabilities(reply: string): string[] {
  assert.match(reply, /^250[- ]/, reply);
  return reply.trimEnd().split("\r\n").map((line) => line.slice(4));
}

/** Connects, says EHLO and authenticates with AUTH PLAIN; returns the dialog in relay. */
async function login(port: number, user: string, pass: string): Promise<SmtpDialog> {
  const dialog = await SmtpDialog.connect(port);
  await ehlo(dialog);
  assert.equal(await dialog.command(`AUTH PLAIN ${plain(user, pass)}`), "235 2.0.0 OK\r\n");
  return dialog;
}

/** One transaction on a relayed dialog: the message is `Subject: MARKER` and MARKER. */
async function send(dialog: SmtpDialog, marker: string, to = "bob@example.com"): Promise<void> {
  assert.match(await dialog.command("MAIL FROM:<alice@example.com>"), /^250 /);
  assert.match(await dialog.command(`RCPT TO:<${to}>`), /^250 /);
  assert.match(await dialog.command("DATA"), /^354 /);
  assert.match(await dialog.command(`Subject: ${marker}\r\n\r\n${marker}\r\n.`), /^250 /);
}

/** swaks with a message marked `marker`, from alice@example.com to bob@example.com. */
function swaksMessage(port: number, marker: string, args: string[]) {
  return swaks(port, [
    "--helo",
    "client.test",
    "--from",
    "alice@example.com",
    "--to",
    "bob@example.com",
    "--header",
    `Subject: ${marker}`,
    "--body",
    `${marker}\nsecond line\n.a line that starts with a dot`,
    ...args,
  ]);
}

Deno.test("SMTP proxy: AUTH PLAIN, LOGIN and CRAM-MD5 ask auth_http and deliver intact to aiosmtpd", async () => {
  requireMailTools();
  await using backend = await startAiosmtpd();
  await using auth = startAuthService({
    users: {
      alice: { pass: "secret", port: backend.port },
      "carol@example.com": { pass: "p@ss word%+&", port: backend.port },
    },
  });
  const port = freePort();
  await using proxy = await startMailProxy(
    mailConfig(
      auth,
      mailServer(
        port,
        `smtp_auth = ["plain", "login", "cram-md5"]\nsmtp_capabilities = ["PIPELINING", "8BITMIME", "SIZE 52428800"]`,
      ),
    ),
    [port],
  );

  // The dialogue itself: nginx's greeting, the EHLO list, QUIT.
  {
    using dialog = await SmtpDialog.connect(port);
    const caps = await ehlo(dialog);
    assert.deepEqual(caps, [
      "mx.test",
      "PIPELINING",
      "8BITMIME",
      "SIZE 52428800",
      "AUTH PLAIN LOGIN CRAM-MD5",
    ]);
    assert.match(await dialog.command("QUIT"), /^221 /);
    assert.ok(await dialog.waitClosed(), "the proxy closes after QUIT");
  }

  for (const method of ["PLAIN", "LOGIN", "CRAM-MD5"]) {
    const run = await swaksMessage(port, `swaks-${method}`, [
      "--auth",
      method,
      "--auth-user",
      "alice",
      "--auth-password",
      "secret",
    ]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /<- {2}235 2\.0\.0 OK/);
  }
  const exact = "Subject: smtplib\r\nX-Test: exact\r\n\r\nline 1\r\n.line 2 starts with a dot\r\n";
  for (const method of ["CRAM-MD5", "LOGIN"]) {
    const run = await smtplib(port, [
      "--user",
      "carol@example.com",
      "--password",
      "p@ss word%+&",
      "--method",
      method,
      "--text",
      exact,
    ]);
    assert.ok(run.result.ok, run.output);
  }

  const messages = await backend.waitForMessages(5);
  assert.equal(messages.length, 5);
  for (const [i, method] of ["PLAIN", "LOGIN", "CRAM-MD5"].entries()) {
    const message = messages[i];
    assert.equal(message.mailFrom, "alice@example.com");
    assert.deepEqual(message.rcptTos, ["bob@example.com"]);
    assert.equal(message.helo, "client.test", "the backend hears the client's EHLO name");
    assert.match(message.text, new RegExp(`^Subject: swaks-${method}\r\n`, "m"));
    assert.match(message.text, new RegExp(`\r\n\r\nswaks-${method}\r\nsecond line\r\n\\.a line`));
  }
  for (const message of messages.slice(3)) {
    assert.equal(message.text, exact, "smtplib's message arrives byte for byte");
    assert.equal(message.helo, "smtplib.test");
  }

  // What the auth service was asked (nginx's protocol).
  assert.equal(auth.requests.length, 5, JSON.stringify(auth.requests));
  assert.deepEqual(
    auth.requests.map((r) => r["auth-method"]),
    ["plain", "plain", "cram-md5", "cram-md5", "plain"],
    "AUTH LOGIN is Auth-Method plain, as nginx sends it",
  );
  for (const [i, request] of auth.requests.entries()) {
    assert.equal(request["auth-protocol"], "smtp");
    assert.equal(request["auth-login-attempt"], "1");
    assert.equal(request["client-ip"], "127.0.0.1");
    assert.equal(request["client-host"], "[UNAVAILABLE]");
    assert.equal(request["auth-smtp-helo"], i < 3 ? "client.test" : "smtplib.test");
    const user = decodeURIComponent(request["auth-user"]);
    assert.equal(user, i < 3 ? "alice" : "carol@example.com");
    if (request["auth-method"] === "cram-md5") {
      assert.ok(request["auth-salt"]?.length > 2, "Auth-Salt holds the challenge");
      assert.match(request["auth-pass"], /^[0-9a-f]{32}$/, "Auth-Pass holds the digest");
    } else {
      assert.equal(request["auth-salt"], undefined);
      const pass = request["auth-pass"];
      assert.match(pass, /^[\x21-\x7e]+$/, `Auth-Pass is URL-escaped: ${pass}`);
      assert.equal(decodeURIComponent(pass), i < 3 ? "secret" : "p@ss word%+&");
    }
  }
  assert.doesNotMatch(proxy.output(), /secret|p@ss/, "passwords are never logged");
  assert.match(
    proxy.output(),
    /\[warn\][^\n]*XCLIENT/,
    "a backend without XCLIENT is worth a warning",
  );
});

Deno.test("SMTP proxy: XCLIENT tells a backend that offers it the client, then its EHLO or HELO", async () => {
  requireMailTools({ aiosmtpd: false });
  await using backend = startRecordingBackend();
  await using auth = startAuthService({ users: { alice: { pass: "secret", port: backend.port } } });
  const [port, quiet] = [freePort(), freePort()];
  await using _proxy = await startMailProxy(
    mailConfig(auth, mailServer(port) + mailServer(quiet, "xclient = false")),
    [port, quiet],
  );

  const run = await swaksMessage(port, "xclient", [
    "--auth",
    "PLAIN",
    "--auth-user",
    "alice",
    "--auth-password",
    "secret",
  ]);
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(backend.sessions[0], [
    "EHLO mx.test",
    "XCLIENT ADDR=127.0.0.1 LOGIN=alice NAME=[UNAVAILABLE]",
    "EHLO client.test",
    "MAIL FROM:<alice@example.com>",
    "RCPT TO:<bob@example.com>",
    "DATA",
    "QUIT",
  ]);
  assert.match(backend.messages[0].data, /\r\n\r\nxclient\r\nsecond line\r\n\.a line/);

  // A client that said HELO: the backend hears HELO after XCLIENT.
  {
    using dialog = await SmtpDialog.connect(port);
    assert.equal(await dialog.read(), "220 mx.test ESMTP ready\r\n");
    assert.match(await dialog.command("HELO old.test"), /^250 mx\.test\r\n$/);
    assert.equal(
      await dialog.command(`AUTH PLAIN ${plain("alice", "secret")}`),
      "235 2.0.0 OK\r\n",
    );
    await send(dialog, "helo");
    assert.match(await dialog.command("QUIT"), /^221 /);
  }
  assert.deepEqual(backend.sessions[1].slice(0, 3), [
    "EHLO mx.test",
    "XCLIENT ADDR=127.0.0.1 LOGIN=alice NAME=[UNAVAILABLE]",
    "HELO old.test",
  ]);

  // xclient = false: no XCLIENT even though the backend offers it.
  {
    using dialog = await login(quiet, "alice", "secret");
    await send(dialog, "quiet");
  }
  const third = backend.sessions[2];
  assert.ok(third.every((line) => !line.startsWith("XCLIENT")), third.join("\n"));
  assert.ok(third.includes("EHLO client.test"), third.join("\n"));
  assert.equal(backend.messages.length, 3);
});

Deno.test("SMTP proxy: STARTTLS (on, only) and implicit TLS (listen ... ssl)", async (t) => {
  requireMailTools();
  const { cert } = await testCertificate();
  await using backend = await startAiosmtpd();
  await using auth = startAuthService({ users: { alice: { pass: "secret", port: backend.port } } });
  const [on, only, implicit] = [freePort(), freePort(), freePort()];
  await using _proxy = await startMailProxy(
    mailConfig(
      auth,
      mailServer(on, `starttls = "on"\n${TLS_FILES}`) +
        mailServer(only, `starttls = "only"\n${TLS_FILES}`) +
        mailServer(implicit, TLS_FILES, true),
    ),
    [on, only, implicit],
  );
  const credentials = ["--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "secret"];
  let delivered = 0;

  await t.step("starttls = on offers STARTTLS and AUTH; after TLS, AUTH only", async () => {
    using dialog = await SmtpDialog.connect(on);
    const before = await ehlo(dialog);
    assert.ok(before.includes("STARTTLS"), before.join("\n"));
    assert.ok(before.includes("AUTH PLAIN LOGIN"), before.join("\n"));
    // Bytes sent after STARTTLS in the same write are thrown away (CVE-2011-0411).
    assert.match(await dialog.startTls(cert, "NOOP\r\n"), /^220 /);
    const after = capabilities(await dialog.command("EHLO client.test"));
    assert.equal(after[0], "mx.test", "the first reply inside TLS is EHLO's, not NOOP's");
    assert.ok(!after.includes("STARTTLS"), after.join("\n"));
    assert.ok(after.includes("AUTH PLAIN LOGIN"), after.join("\n"));
    assert.equal(
      await dialog.command(`AUTH PLAIN ${plain("alice", "secret")}`),
      "235 2.0.0 OK\r\n",
    );
    await send(dialog, "starttls-on-raw");
    delivered++;

    const run = await swaksMessage(on, "starttls-on-swaks", ["--tls", ...credentials]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /TLS started/);
    delivered++;
  });

  await t.step("starttls = only refuses AUTH and MAIL with 530 before TLS", async () => {
    const asked = auth.requests.length;
    using dialog = await SmtpDialog.connect(only);
    const before = await ehlo(dialog);
    assert.ok(before.includes("STARTTLS"), before.join("\n"));
    assert.ok(!before.some((c) => c.startsWith("AUTH")), before.join("\n"));
    assert.match(await dialog.command(`AUTH PLAIN ${plain("alice", "secret")}`), /^530 /);
    assert.match(await dialog.command("MAIL FROM:<alice@example.com>"), /^530 /);
    assert.equal(auth.requests.length, asked, "nothing is asked before TLS");
    assert.match(await dialog.startTls(cert), /^220 /);
    const after = capabilities(await dialog.command("EHLO client.test"));
    assert.ok(after.includes("AUTH PLAIN LOGIN"), after.join("\n"));
    assert.equal(
      await dialog.command(`AUTH PLAIN ${plain("alice", "secret")}`),
      "235 2.0.0 OK\r\n",
    );
    await send(dialog, "starttls-only-raw");
    delivered++;

    const refused = await swaksMessage(only, "starttls-only-plain", credentials);
    assert.notEqual(refused.code, 0, refused.output);
    const run = await swaksMessage(only, "starttls-only-swaks", ["--tls", ...credentials]);
    assert.equal(run.code, 0, run.output);
    delivered++;
    const python = await smtplib(only, [
      "--user",
      "alice",
      "--password",
      "secret",
      "--tls",
      "starttls",
    ]);
    assert.ok(python.result.ok, python.output);
    delivered++;
  });

  await t.step(
    "listen ... ssl speaks TLS from the first byte (swaks --tlsc, smtplib)",
    async () => {
      using dialog = await SmtpDialog.connect(implicit, { tls: { cert } });
      const caps = await ehlo(dialog);
      assert.ok(!caps.includes("STARTTLS"), caps.join("\n"));
      assert.match(await dialog.command("QUIT"), /^221 /);

      const run = await swaksMessage(implicit, "implicit-swaks", ["--tlsc", ...credentials]);
      assert.equal(run.code, 0, run.output);
      delivered++;
      const python = await smtplib(implicit, [
        "--user",
        "alice",
        "--password",
        "secret",
        "--tls",
        "implicit",
      ]);
      assert.ok(python.result.ok, python.output);
      delivered++;
    },
  );

  const messages = await backend.waitForMessages(delivered);
  const subjects = messages.map((m) => /^Subject: (.*)\r$/m.exec(m.text)?.[1]);
  assert.deepEqual(subjects, [
    "starttls-on-raw",
    "starttls-on-swaks",
    "starttls-only-raw",
    "starttls-only-swaks",
    "smtplib",
    "implicit-swaks",
    "smtplib",
  ]);
});

Deno.test("SMTP proxy: a refusal with Auth-Wait is answered after the wait and the client may retry", async () => {
  requireMailTools({ swaks: false });
  await using backend = await startAiosmtpd();
  await using auth = startAuthService({ users: { alice: { pass: "secret", port: backend.port } } });
  auth.refusal = { message: "Invalid login or password", wait: 1 };
  const port = freePort();
  await using _proxy = await startMailProxy(mailConfig(auth, mailServer(port)), [port]);

  using dialog = await SmtpDialog.connect(port);
  await ehlo(dialog);
  const started = performance.now();
  const refused = await dialog.command(`AUTH PLAIN ${plain("alice", "wrong")}`);
  const waited = performance.now() - started;
  assert.match(refused, /^535 5\.7\.\d Invalid login or password\r\n$/);
  assert.ok(
    waited >= 990,
    `the refusal came after ${Math.round(waited)} ms, before Auth-Wait's 1 s`,
  );
  assert.equal(await dialog.command(`AUTH PLAIN ${plain("alice", "secret")}`), "235 2.0.0 OK\r\n");
  assert.deepEqual(auth.requests.map((r) => r["auth-login-attempt"]), ["1", "2"]);
  await send(dialog, "after-retry");
  const [message] = await backend.waitForMessages(1);
  assert.match(message.text, /^Subject: after-retry\r$/m);
});

Deno.test("SMTP proxy: a refusal without Auth-Wait gets Auth-Error-Code and the session ends", async () => {
  requireMailTools({ swaks: false, aiosmtpd: false });
  await using auth = startAuthService({ users: { alice: { pass: "secret", port: freePort() } } });
  auth.refusal = { message: "Go away", code: "535 5.7.1" };
  const port = freePort();
  await using _proxy = await startMailProxy(mailConfig(auth, mailServer(port)), [port]);

  using dialog = await SmtpDialog.connect(port);
  await ehlo(dialog);
  assert.equal(
    await dialog.command(`AUTH PLAIN ${plain("alice", "wrong")}`),
    "535 5.7.1 Go away\r\n",
  );
  assert.ok(await dialog.waitClosed(), `the proxy closes the session; then: ${dialog.rest()}`);
});

Deno.test("SMTP proxy: 454 when auth_http is down, and the same session works once it is up", async () => {
  requireMailTools({ swaks: false });
  await using backend = await startAiosmtpd();
  const authPort = freePort();
  const port = freePort();
  await using proxy = await startMailProxy(
    mailConfig(`http://127.0.0.1:${authPort}/auth`, mailServer(port)),
    [port],
  );

  using dialog = await SmtpDialog.connect(port);
  await ehlo(dialog);
  assert.match(await dialog.command(`AUTH PLAIN ${plain("alice", "secret")}`), /^454 4\.7\.0 /);
  assert.match(await dialog.command("NOOP"), /^250 /, "the session goes on");
  await using auth = startAuthService({
    port: authPort,
    users: { alice: { pass: "secret", port: backend.port } },
  });
  assert.equal(await dialog.command(`AUTH PLAIN ${plain("alice", "secret")}`), "235 2.0.0 OK\r\n");
  await send(dialog, "auth-back");
  await backend.waitForMessages(1);
  assert.equal(auth.requests.length, 1);
  assert.doesNotMatch(proxy.output(), /secret/);
});

Deno.test("SMTP proxy: a backend that is down gets the client a 4xx and the proxy keeps serving", async () => {
  requireMailTools();
  await using backend = await startAiosmtpd();
  await using auth = startAuthService({
    users: {
      alice: { pass: "secret", port: backend.port },
      dave: { pass: "secret", port: freePort() },
    },
  });
  const port = freePort();
  await using _proxy = await startMailProxy(mailConfig(auth, mailServer(port)), [port]);

  {
    using dialog = await SmtpDialog.connect(port);
    await ehlo(dialog);
    assert.match(await dialog.command(`AUTH PLAIN ${plain("dave", "secret")}`), /^4\d\d /);
  }
  const run = await swaksMessage(port, "after-down", [
    "--auth",
    "LOGIN",
    "--auth-user",
    "alice",
    "--auth-password",
    "secret",
  ]);
  assert.equal(run.code, 0, run.output);
  const [message] = await backend.waitForMessages(1);
  assert.match(message.text, /^Subject: after-down\r$/m);
});

Deno.test("SMTP proxy: pipelined clients (swaks --pipeline, commands after AUTH in one write)", async () => {
  requireMailTools();
  await using backend = await startAiosmtpd();
  await using auth = startAuthService({ users: { alice: { pass: "secret", port: backend.port } } });
  const port = freePort();
  await using _proxy = await startMailProxy(mailConfig(auth, mailServer(port)), [port]);

  const run = await swaksMessage(port, "pipeline-swaks", [
    "--pipeline",
    "--auth",
    "PLAIN",
    "--auth-user",
    "alice",
    "--auth-password",
    "secret",
  ]);
  assert.equal(run.code, 0, run.output);

  // EHLO and AUTH in one write, then the transaction in one write.
  {
    using dialog = await SmtpDialog.connect(port);
    assert.equal(await dialog.read(), "220 mx.test ESMTP ready\r\n");
    await dialog.write(`EHLO client.test\r\nAUTH PLAIN ${plain("alice", "secret")}\r\n`);
    capabilities(await dialog.read());
    assert.equal(await dialog.read(), "235 2.0.0 OK\r\n");
    await dialog.write("MAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
    assert.match(await dialog.read(), /^250 /);
    assert.match(await dialog.read(), /^250 /);
    assert.match(await dialog.read(), /^354 /);
    await dialog.write("Subject: pipeline-two\r\n\r\ntwo writes\r\n.\r\nQUIT\r\n");
    assert.match(await dialog.read(), /^250 /);
    assert.match(await dialog.read(), /^221 /);
  }
  // Everything up to DATA in one write: what follows AUTH goes to the backend.
  {
    using dialog = await SmtpDialog.connect(port);
    assert.equal(await dialog.read(), "220 mx.test ESMTP ready\r\n");
    await dialog.write(
      `EHLO client.test\r\nAUTH PLAIN ${plain("alice", "secret")}\r\n` +
        "MAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n",
    );
    capabilities(await dialog.read());
    assert.equal(await dialog.read(), "235 2.0.0 OK\r\n");
    assert.match(await dialog.read(), /^250 /);
    assert.match(await dialog.read(), /^250 /);
    assert.match(await dialog.read(), /^354 /);
    await dialog.write("Subject: pipeline-one\r\n\r\none write\r\n.\r\nQUIT\r\n");
    assert.match(await dialog.read(), /^250 /);
    assert.match(await dialog.read(), /^221 /);
  }
  const messages = await backend.waitForMessages(3);
  assert.deepEqual(
    messages.map((m) => /^Subject: (.*)\r$/m.exec(m.text)?.[1]),
    ["pipeline-swaks", "pipeline-two", "pipeline-one"],
  );
});

Deno.test("SMTP proxy: smtp_auth none sends the envelope to auth_http and replays it to the backend", async () => {
  requireMailTools({ aiosmtpd: false });
  await using backend = startRecordingBackend();
  await using auth = startAuthService({ recipients: { "bob@rec.test": backend.port } });
  auth.refusal = { message: "Recipient unknown", code: "550 5.1.1" };
  const port = freePort();
  await using _proxy = await startMailProxy(
    mailConfig(auth, mailServer(port, 'smtp_auth = "none"')),
    [port],
  );

  const run = await swaks(port, [
    "--helo",
    "client.test",
    "--from",
    "alice@example.com",
    "--to",
    "bob@rec.test",
    "--header",
    "Subject: envelope",
    "--body",
    "by envelope",
  ]);
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /<- {2}250 2\.1\.5 Recipient ok/, "the client gets the backend's reply");
  assert.deepEqual(backend.sessions[0], [
    "EHLO mx.test",
    "XCLIENT ADDR=127.0.0.1 NAME=[UNAVAILABLE]",
    "EHLO client.test",
    "MAIL FROM:<alice@example.com>",
    "RCPT TO:<bob@rec.test>",
    "DATA",
    "QUIT",
  ]);
  assert.match(backend.messages[0].data, /^Subject: envelope\r$/m);
  const [request] = auth.requests;
  assert.equal(request["auth-method"], "none");
  assert.equal(request["auth-user"] ?? "", "");
  assert.equal(request["auth-pass"] ?? "", "");
  assert.equal(request["auth-smtp-helo"], "client.test");
  assert.equal(request["auth-smtp-from"], "MAIL FROM:<alice@example.com>");
  assert.equal(request["auth-smtp-to"], "RCPT TO:<bob@rec.test>");
  assert.equal(request["client-ip"], "127.0.0.1");

  using dialog = await SmtpDialog.connect(port);
  const caps = await ehlo(dialog);
  assert.ok(!caps.some((c) => c.startsWith("AUTH")), caps.join("\n"));
  assert.match(await dialog.command("MAIL FROM:<alice@example.com>"), /^250 /);
  assert.equal(
    await dialog.command("RCPT TO:<nobody@rec.test>"),
    "550 5.1.1 Recipient unknown\r\n",
  );
  assert.equal(backend.sessions.length, 1, "a refused envelope reaches no backend");
});

Deno.test("SMTP proxy: 100 concurrent sessions on 2 workers each deliver their message", async () => {
  requireMailTools({ swaks: false });
  await using backend = await startAiosmtpd();
  await using auth = startAuthService({ users: { alice: { pass: "secret", port: backend.port } } });
  const port = freePort();
  await using _proxy = await startMailProxy(mailConfig(auth, mailServer(port)), [port], {
    workers: 2,
  });

  const started = performance.now();
  await Promise.all(Array.from({ length: 100 }, async (_, i) => {
    using dialog = await login(port, "alice", "secret");
    await send(dialog, `concurrent-${i}`);
    assert.match(await dialog.command("QUIT"), /^221 /);
  }));
  const messages = await backend.waitForMessages(100, 30_000);
  const markers = new Set(messages.map((m) => /^Subject: (.*)\r$/m.exec(m.text)?.[1]));
  assert.equal(markers.size, 100);
  for (let i = 0; i < 100; i++) assert.ok(markers.has(`concurrent-${i}`), `message ${i}`);
  assert.equal(auth.requests.length, 100);
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 45, `100 sessions took ${seconds.toFixed(1)} s`);
});

Deno.test("SMTP proxy: a 20 MiB message is relayed intact (smtplib, SHA-256)", async () => {
  requireMailTools({ swaks: false });
  await using backend = await startAiosmtpd();
  await using auth = startAuthService({ users: { alice: { pass: "secret", port: backend.port } } });
  const port = freePort();
  await using _proxy = await startMailProxy(mailConfig(auth, mailServer(port)), [port]);

  // Base64 lines of random bytes, 76 characters each, with CRLF: a little over 20 MiB.
  const random = new Uint8Array(57 * 1024);
  const lines: string[] = [];
  let size = 0;
  while (size < 20 * 1024 * 1024) {
    crypto.getRandomValues(random);
    const text = btoa(String.fromCharCode(...random));
    for (let i = 0; i < text.length; i += 76) {
      lines.push(text.slice(i, i + 76));
      size += 78;
    }
  }
  const message = new TextEncoder().encode(
    `Subject: big\r\nContent-Transfer-Encoding: base64\r\n\r\n${lines.join("\r\n")}\r\n`,
  );
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-mail-big-" });
  try {
    await Deno.writeFile(`${dir}/big.eml`, message);
    const run = await smtplib(port, [
      "--user",
      "alice",
      "--password",
      "secret",
      "--file",
      `${dir}/big.eml`,
    ]);
    assert.ok(run.result.ok, run.output);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const [stored] = await backend.waitForMessages(1, 30_000);
  const hex = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
  assert.equal(stored.data.length, message.length);
  assert.equal(hex(stored.data), hex(message));
});

Deno.test("SMTP proxy: max_errors, timeout and smtp_greeting_delay end sessions", async () => {
  requireMailTools({ swaks: false, aiosmtpd: false });
  await using auth = startAuthService();
  const [errors, idle, delayed] = [freePort(), freePort(), freePort()];
  await using _proxy = await startMailProxy(
    mailConfig(
      auth,
      mailServer(errors, "max_errors = 3") + mailServer(idle, 'timeout = "1s"') +
        mailServer(delayed, 'smtp_greeting_delay = "1s"'),
    ),
    [errors, idle, delayed],
  );

  // max_errors = 3: the third bad command closes the session with 421.
  {
    using dialog = await SmtpDialog.connect(errors);
    await ehlo(dialog);
    assert.match(await dialog.command("BOGUS one"), /^5\d\d /);
    assert.match(await dialog.command("BOGUS two"), /^5\d\d /);
    assert.match(await dialog.command("NOOP"), /^250 /, "a good command in between is fine");
    await dialog.write("BOGUS three\r\n");
    assert.ok(await dialog.waitClosed(), `the proxy closes the session; got ${dialog.rest()}`);
    assert.match(dialog.rest(), /^(?:5\d\d [^\r\n]*\r\n)?421 4\.7\.0 [^\r\n]*\r\n$/);
  }
  // timeout = 1s: an idle dialogue gets 421 4.4.2, no sooner.
  {
    using dialog = await SmtpDialog.connect(idle);
    await ehlo(dialog);
    const started = performance.now();
    assert.ok(
      await dialog.waitClosed(10_000),
      `the proxy closes an idle session: ${dialog.rest()}`,
    );
    const waited = performance.now() - started;
    assert.ok(waited >= 990, `closed after ${Math.round(waited)} ms of a 1 s timeout`);
    assert.match(dialog.rest(), /^421 4\.4\.2 /);
  }
  // smtp_greeting_delay = 1s: a client that talks before the greeting is refused (spam engines).
  {
    using dialog = await SmtpDialog.connect(delayed);
    await dialog.write("EHLO eager.test\r\n");
    assert.match(await dialog.read(), /^554 /, "as nginx: refused at once, without a greeting");
    assert.ok(await dialog.waitClosed(), `then closed; got ${dialog.rest()}`);
  }
  {
    using dialog = await SmtpDialog.connect(delayed);
    const started = performance.now();
    await ehlo(dialog);
    assert.ok(performance.now() - started >= 990, "the greeting waits for the delay");
  }
  assert.equal(auth.requests.length, 0);
});

Deno.test("SMTP proxy: proxy_smtp_auth authenticates to an aiosmtpd that requires AUTH", async () => {
  requireMailTools();
  await using backend = await startAiosmtpd({ auth: { alice: "secret", relay: "relay-pass" } });
  await using auth = startAuthService({
    users: {
      alice: { pass: "secret", port: backend.port },
      erin: {
        pass: "erin-pass",
        port: backend.port,
        backendUser: "relay",
        backendPass: "relay-pass",
      },
    },
  });
  const port = freePort();
  await using _proxy = await startMailProxy(
    mailConfig(auth, mailServer(port, "proxy_smtp_auth = true")),
    [port],
  );

  for (const [user, pass] of [["alice", "secret"], ["erin", "erin-pass"]]) {
    const run = await swaksMessage(port, `backend-auth-${user}`, [
      "--auth",
      "PLAIN",
      "--auth-user",
      user,
      "--auth-password",
      pass,
    ]);
    assert.equal(run.code, 0, run.output);
  }
  const messages = await backend.waitForMessages(2);
  assert.deepEqual(
    messages.map((m) => m.login),
    ["alice", "relay"],
    "the client's credentials, or the service's Auth-User/Auth-Pass",
  );
});

Deno.test("SMTP proxy: a relayed session lives on across a SIGHUP reload", async () => {
  requireMailTools();
  await using backend = await startAiosmtpd();
  await using auth = startAuthService({ users: { alice: { pass: "secret", port: backend.port } } });
  const port = freePort();
  await using proxy = await startMailProxy(mailConfig(auth, mailServer(port)), [port]);

  using dialog = await login(port, "alice", "secret");
  assert.match(await dialog.command("MAIL FROM:<alice@example.com>"), /^250 /);
  proxy.proxy.cli.child.kill("SIGHUP");
  await proxy.proxy.cli.waitFor("Reload done");
  assert.match(await dialog.command("RCPT TO:<bob@example.com>"), /^250 /);
  assert.match(await dialog.command("DATA"), /^354 /);
  assert.match(await dialog.command("Subject: across-reload\r\n\r\nstill here\r\n."), /^250 /);
  assert.match(await dialog.command("QUIT"), /^221 /);

  const run = await swaksMessage(port, "after-reload", [
    "--auth",
    "PLAIN",
    "--auth-user",
    "alice",
    "--auth-password",
    "secret",
  ]);
  assert.equal(run.code, 0, run.output);
  const messages = await backend.waitForMessages(2);
  assert.deepEqual(
    messages.map((m) => /^Subject: (.*)\r$/m.exec(m.text)?.[1]),
    ["across-reload", "after-reload"],
  );
});
