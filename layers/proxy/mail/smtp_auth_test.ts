// SMTP AUTH in the session, over real loopback sockets with a fake auth_http and a fake backend
// (an echo server): PLAIN, LOGIN, CRAM-MD5, their initial responses, cancel and bad base64,
// the auth service's answers, and the relay after success.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { BackendError } from "./smtp_backend.ts";
import { b64, SmtpTestClient, startSmtp, type TestSmtp } from "./_test_util.ts";

const PLAIN = b64("\0bob\0s3cret");

async function hello(smtp: TestSmtp): Promise<SmtpTestClient> {
  const client = await SmtpTestClient.connect(smtp.port);
  await client.reply();
  await client.command("EHLO client.example");
  return client;
}

function assertNoPassword(smtp: TestSmtp): void {
  for (const line of smtp.log.lines) assert.ok(!line.includes("s3cret"), line);
}

Deno.test("serveSmtp() takes AUTH PLAIN with an initial response and relays to the backend", async () => {
  await using smtp = await startSmtp({
    answer: () => ({ kind: "ok", server: "192.0.2.5", port: 25 }),
  });
  using client = await hello(smtp);
  // AUTH and a command after it in one write: the command is the backend's.
  await client.send(`AUTH PLAIN ${PLAIN}\r\nMAIL FROM:<bob@example.com>\r\n`);
  assert.equal(await client.reply(), "235 2.0.0 OK");
  assert.equal(await client.line(), "MAIL FROM:<bob@example.com>");
  await client.send("RCPT TO:<x@y>\r\n");
  assert.equal(await client.line(), "RCPT TO:<x@y>");
  assert.deepEqual(smtp.auths, [{
    method: "plain",
    user: "bob",
    pass: "s3cret",
    attempt: 1,
    clientIp: "127.0.0.1",
    helo: "client.example",
  }]);
  const [{ address, intro }] = smtp.backends;
  assert.deepEqual(address, { hostname: "192.0.2.5", port: 25 });
  assert.equal(intro.login, "bob");
  assert.equal(intro.proxyAuth, undefined);
  assert.equal(intro.xclient, true);
  assert.equal(intro.helo, "client.example");
  assert.equal(intro.clientIp, "127.0.0.1");
  assert.ok(
    smtp.log.lines.some((l) =>
      /^info SMTP client 127\.0\.0\.1 logged in as "bob".*192\.0\.2\.5:25/.test(l)
    ),
    smtp.log.lines.join("\n"),
  );
  assertNoPassword(smtp);
});

Deno.test("serveSmtp() takes AUTH PLAIN with the message after a 334", async () => {
  await using smtp = await startSmtp();
  using client = await hello(smtp);
  assert.equal(await client.command("AUTH PLAIN"), "334 ");
  assert.equal(await client.command(b64("admin\0bob\0s3cret")), "235 2.0.0 OK");
  assert.equal(smtp.auths[0].user, "bob");
  assert.equal(smtp.auths[0].pass, "s3cret");
  assertNoPassword(smtp);
});

Deno.test("serveSmtp() takes AUTH LOGIN, with or without the user name in the command", async () => {
  await using smtp = await startSmtp();
  {
    using client = await hello(smtp);
    assert.equal(await client.command("AUTH LOGIN"), "334 VXNlcm5hbWU6");
    assert.equal(await client.command(b64("alice")), "334 UGFzc3dvcmQ6");
    assert.equal(await client.command(b64("s3cret")), "235 2.0.0 OK");
  }
  {
    using client = await hello(smtp);
    assert.equal(await client.command(`auth login ${b64("carol")}`), "334 UGFzc3dvcmQ6");
    assert.equal(await client.command(b64("s3cret")), "235 2.0.0 OK");
  }
  // nginx tells auth_http "plain" for LOGIN as well.
  assert.deepEqual(smtp.auths.map((a) => [a.method, a.user, a.pass]), [
    ["plain", "alice", "s3cret"],
    ["plain", "carol", "s3cret"],
  ]);
});

Deno.test("serveSmtp() takes AUTH CRAM-MD5 and passes the challenge as Auth-Salt", async () => {
  await using smtp = await startSmtp();
  using client = await hello(smtp);
  const reply = await client.command("AUTH CRAM-MD5");
  const match = /^334 (\S+)$/.exec(reply);
  assert.ok(match, reply);
  const challenge = atob(match[1]);
  assert.match(challenge, /^<\d+\.\d+@mx\.test>$/);
  const digest = createHmac("md5", "s3cret").update(challenge).digest("hex");
  assert.equal(await client.command(b64(`dave ${digest}`)), "235 2.0.0 OK");
  const [request] = smtp.auths;
  assert.equal(request.method, "cram-md5");
  assert.equal(request.user, "dave");
  assert.equal(request.pass, digest);
  assert.equal(request.salt, challenge);
});

Deno.test("serveSmtp() answers 501 to a cancelled AUTH, bad base64 or a bad message, 504 to an unknown one", async () => {
  await using smtp = await startSmtp({ server: { smtpAuth: ["plain", "login"] } });
  using client = await hello(smtp);
  assert.equal(await client.command("AUTH LOGIN"), "334 VXNlcm5hbWU6");
  assert.equal(await client.command("*"), "501 5.7.0 Authentication cancelled");
  assert.equal(await client.command("AUTH PLAIN"), "334 ");
  assert.equal(await client.command("*"), "501 5.7.0 Authentication cancelled");
  assert.equal(
    await client.command("AUTH PLAIN !!notbase64"),
    "501 5.5.2 Cannot decode the response",
  );
  assert.equal(
    await client.command(`AUTH PLAIN ${b64("bob:s3cret")}`),
    "501 5.5.2 Invalid PLAIN message",
  );
  assert.equal(await client.command("AUTH LOGIN"), "334 VXNlcm5hbWU6");
  assert.equal(await client.command("Ym9i="), "501 5.5.2 Cannot decode the response");
  assert.equal(await client.command("AUTH CRAM-MD5"), "504 5.5.4 Unrecognized authentication type");
  assert.equal(await client.command("AUTH"), "501 5.5.4 Invalid argument");
  assert.equal(await client.command("AUTH PLAIN a b"), "501 5.5.4 Invalid argument");
  assert.equal(smtp.auths.length, 0);
  assert.equal(await client.command("NOOP"), "250 2.0.0 OK");
});

Deno.test("serveSmtp() replies the refusal and closes when auth_http refuses without Auth-Wait", async () => {
  await using smtp = await startSmtp({
    answer: () => ({ kind: "refused", message: "Invalid login or password" }),
  });
  using client = await hello(smtp);
  assert.equal(await client.command(`AUTH PLAIN ${PLAIN}`), "535 5.7.8 Invalid login or password");
  assert.ok(await client.closed());
  assert.equal(smtp.backends.length, 0);
  assert.ok(smtp.log.lines.some((l) => /^info SMTP client 127\.0\.0\.1 refused as "bob"/.test(l)));
  assertNoPassword(smtp);
});

Deno.test("serveSmtp() waits Auth-Wait seconds, replies Auth-Error-Code, and lets the client try again", async () => {
  await using smtp = await startSmtp({
    answer: (request) =>
      request.attempt === 1
        ? { kind: "refused", message: "Try later", code: "451 4.7.0", wait: 0.2 }
        : { kind: "ok", server: "127.0.0.1", port: 25 },
  });
  using client = await hello(smtp);
  const start = Date.now();
  assert.equal(await client.command(`AUTH PLAIN ${PLAIN}`), "451 4.7.0 Try later");
  assert.ok(Date.now() - start >= 190, `answered after ${Date.now() - start} ms`);
  assert.equal(await client.command(`AUTH PLAIN ${PLAIN}`), "235 2.0.0 OK");
  assert.deepEqual(smtp.auths.map((a) => a.attempt), [1, 2]);
});

Deno.test("serveSmtp() answers 454 when auth_http fails, and goes on", async () => {
  await using smtp = await startSmtp({
    answer: () => ({ kind: "failed", why: "connection refused" }),
    server: { maxErrors: 2 },
  });
  using client = await hello(smtp);
  assert.equal(
    await client.command(`AUTH PLAIN ${PLAIN}`),
    "454 4.7.0 Temporary authentication failure",
  );
  assert.equal(await client.command("NOOP"), "250 2.0.0 OK");
  // It counts as an error.
  assert.equal(await client.command(`AUTH PLAIN ${PLAIN}`), "421 4.7.0 mx.test Too many errors");
  assert.ok(smtp.log.lines.some((l) => /^error Cannot authenticate .*connection refused/.test(l)));
  assertNoPassword(smtp);
});

Deno.test("serveSmtp() gives the client a BackendError's reply and closes", async () => {
  await using smtp = await startSmtp({
    connect: () =>
      Promise.reject(
        new BackendError("Cannot connect", "451 4.4.1 Cannot reach the mail server\r\n"),
      ),
  });
  using client = await hello(smtp);
  assert.equal(
    await client.command(`AUTH PLAIN ${PLAIN}`),
    "451 4.4.1 Cannot reach the mail server",
  );
  assert.ok(await client.closed());
  assert.ok(smtp.log.lines.some((l) => /^error Cannot relay SMTP client 127\.0\.0\.1/.test(l)));
});

Deno.test("serveSmtp() with proxy_smtp_auth passes the credentials on, Auth-User/Auth-Pass first", async () => {
  let answerUser = true;
  await using smtp = await startSmtp({
    server: { proxySmtpAuth: true },
    answer: () =>
      answerUser
        ? { kind: "ok", server: "127.0.0.1", port: 25, user: "bob@example.com", pass: "backend-pw" }
        : { kind: "ok", server: "127.0.0.1", port: 25 },
  });
  {
    using client = await hello(smtp);
    assert.equal(await client.command(`AUTH PLAIN ${PLAIN}`), "235 2.0.0 OK");
  }
  answerUser = false;
  {
    using client = await hello(smtp);
    assert.equal(await client.command(`AUTH PLAIN ${PLAIN}`), "235 2.0.0 OK");
  }
  assert.deepEqual(smtp.backends.map((b) => [b.intro.login, b.intro.proxyAuth]), [
    ["bob@example.com", { user: "bob@example.com", pass: "backend-pw" }],
    ["bob", { user: "bob", pass: "s3cret" }],
  ]);
});
