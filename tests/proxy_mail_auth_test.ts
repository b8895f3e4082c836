// End-to-end: `ngw2f proxy` as nginx's SMTP proxy ([[mail.server]]), authentication: an
// auth_http service started here picks the backend (Debian's aiosmtpd, or a recording backend);
// AUTH PLAIN/LOGIN/CRAM-MD5 from swaks and Python's smtplib, refusals (Auth-Wait,
// Auth-Error-Code), auth_http or the backend down, `smtp_auth none`, proxy_smtp_auth. Needs
// swaks, python3-aiosmtpd and openssl from Debian: without them these tests fail and say so.

import assert from "node:assert/strict";
import {
  ehlo,
  freePort,
  mailConfig,
  mailServer,
  plain,
  requireMailTools,
  send,
  SmtpDialog,
  smtplib,
  smtplibAuth,
  startAiosmtpd,
  startAliceSetup,
  startAuthService,
  startMailProxy,
  startRecordingBackend,
  swaks,
  swaksAuth,
  swaksMessage,
} from "./_mail.ts";

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
    const run = await swaksMessage(port, `swaks-${method}`, swaksAuth(method));
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /<- {2}235 2\.0\.0 OK/);
  }
  const exact = "Subject: smtplib\r\nX-Test: exact\r\n\r\nline 1\r\n.line 2 starts with a dot\r\n";
  for (const method of ["CRAM-MD5", "LOGIN"]) {
    const run = await smtplib(port, [
      ...smtplibAuth("carol@example.com", "p@ss word%+&"),
      ...["--method", method, "--text", exact],
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

Deno.test("SMTP proxy: a refusal with Auth-Wait is answered after the wait and the client may retry", async () => {
  requireMailTools({ swaks: false });
  await using setup = await startAliceSetup();
  const { backend, auth, port } = setup;
  auth.refusal = { message: "Invalid login or password", wait: 1 };

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
  const run = await swaksMessage(port, "after-down", swaksAuth("LOGIN"));
  assert.equal(run.code, 0, run.output);
  const [message] = await backend.waitForMessages(1);
  assert.match(message.text, /^Subject: after-down\r$/m);
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
    "XCLIENT ADDR=127.0.0.1 NAME=[UNAVAILABLE] HELO=client.test",
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
    const run = await swaksMessage(port, `backend-auth-${user}`, swaksAuth("PLAIN", user, pass));
    assert.equal(run.code, 0, run.output);
  }
  const messages = await backend.waitForMessages(2);
  assert.deepEqual(
    messages.map((m) => m.login),
    ["alice", "relay"],
    "the client's credentials, or the service's Auth-User/Auth-Pass",
  );
});
