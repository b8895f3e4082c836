// The SMTP dialogue before authentication, over real loopback sockets: greeting, EHLO/HELO,
// the small commands, pipelining, error counting, line limits, timeouts, and the envelope of
// `smtp_auth none`.

import assert from "node:assert/strict";
import type { TunnelEnd } from "../upstream/mod.ts";
import { EHLO_AUTH, mailServer, memoryLog, SmtpTestClient, startSmtp, WAIT } from "./_test_util.ts";
import { serveSmtp } from "./smtp_session.ts";

Deno.test("serveSmtp() greets, answers EHLO with capabilities and AUTH, and HELO with its name", async () => {
  await using smtp = await startSmtp();
  using client = await SmtpTestClient.connect(smtp.port);
  assert.equal(await client.reply(), "220 mx.test ESMTP ready");
  assert.equal(await client.command("EHLO client.example"), EHLO_AUTH);
  assert.equal(await client.command("HELO client.example"), "250 mx.test");
  assert.equal(await client.command("EHLO"), "501 5.5.4 Invalid argument");
  assert.equal(await client.command("QUIT"), "221 2.0.0 Bye");
  assert.ok(await client.closed());
});

Deno.test("serveSmtp() answers RSET, NOOP, VRFY, unknown commands, and DATA/RCPT out of order", async () => {
  await using smtp = await startSmtp();
  using client = await SmtpTestClient.connect(smtp.port);
  await client.reply();
  assert.equal(await client.command("NOOP"), "250 2.0.0 OK");
  assert.equal(await client.command("rset"), "250 2.0.0 OK");
  assert.equal(await client.command("VRFY postmaster"), "252 2.5.0 Cannot VRFY user");
  assert.equal(await client.command("XYZZY"), "500 5.5.1 Invalid command");
  assert.equal(await client.command(""), "500 5.5.1 Invalid command");
  assert.equal(await client.command("DATA"), "503 5.5.1 Bad sequence of commands");
  assert.equal(await client.command("RCPT TO:<a@b>"), "503 5.5.1 Bad sequence of commands");
  assert.equal(await client.command("AUTH PLAIN"), "503 5.5.1 Send HELO or EHLO first");
  await client.command("EHLO c");
  assert.equal(await client.command("MAIL FROM:<a@b>"), "530 5.7.0 Authentication required");
  assert.equal(smtp.auths.length, 0);
});

Deno.test("serveSmtp() answers commands sent together in order, in one write", async () => {
  // A client end that counts the session's writes.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const writes: string[] = [];
  const served = (async () => {
    const conn = await listener.accept();
    const counted: TunnelEnd = {
      read: (p) => conn.read(p),
      write: (p) => (writes.push(new TextDecoder().decode(p)), conn.write(p)),
      closeWrite: () => conn.closeWrite(),
      close: () => conn.close(),
    };
    const info = {
      remoteAddr: "127.0.0.1",
      remotePort: 1,
      serverAddr: "",
      serverPort: 0,
      tls: false,
    };
    const log = memoryLog();
    const deps = {
      auth: () => Promise.reject(new Error("unused")),
      connect: () => Promise.reject(new Error("unused")),
    };
    await serveSmtp({ conn: counted, info, adopt() {} }, {
      server: mailServer(),
      tls: null,
      deps,
      log,
    });
    conn.close();
  })();
  using client = await SmtpTestClient.connect((listener.addr as Deno.NetAddr).port);
  assert.equal(await client.reply(), "220 mx.test ESMTP ready");
  await client.send("HELO c\r\nNOOP\r\nBOGUS\r\nRSET\r\nQUIT\r\n");
  assert.equal(await client.reply(), "250 mx.test");
  assert.equal(await client.reply(), "250 2.0.0 OK");
  assert.equal(await client.reply(), "500 5.5.1 Invalid command");
  assert.equal(await client.reply(), "250 2.0.0 OK");
  assert.equal(await client.reply(), "221 2.0.0 Bye");
  assert.ok(await client.closed());
  await served;
  listener.close();
  // The greeting, then all five replies at once: the input ran dry only after QUIT.
  assert.equal(writes.length, 2, JSON.stringify(writes));
});

Deno.test("serveSmtp() ends the session with 421 when errors reach max_errors", async () => {
  await using smtp = await startSmtp({ server: { maxErrors: 3 } });
  using client = await SmtpTestClient.connect(smtp.port);
  await client.reply();
  await client.send("FOO\r\nHELO\r\nBAR\r\nNOOP\r\n");
  assert.equal(await client.reply(), "500 5.5.1 Invalid command");
  assert.equal(await client.reply(), "501 5.5.4 Invalid argument");
  assert.equal(await client.reply(), "421 4.7.0 mx.test Too many errors");
  assert.ok(await client.closed());
  assert.ok(smtp.log.lines.some((l) => /too many errors/.test(l)), smtp.log.lines.join("\n"));
});

Deno.test("serveSmtp() refuses a line longer than smtp_client_buffer and reads on after it", async () => {
  await using smtp = await startSmtp({ server: { smtpClientBuffer: 512 } });
  using client = await SmtpTestClient.connect(smtp.port);
  await client.reply();
  // Exactly 512 bytes with CRLF fits.
  assert.equal(await client.command(`NOOP ${"x".repeat(512 - 7)}`), "250 2.0.0 OK");
  // Refused as soon as it is too long, before its end comes...
  await client.send(`NOOP ${"x".repeat(3000)}`);
  assert.equal(await client.reply(), "500 5.5.6 Line too long");
  // ...and the rest of it, to the LF, is skipped without another reply.
  await client.send(`${"y".repeat(3000)}\r\nNOOP ${"z".repeat(600)}\r\nNOOP\r\n`);
  assert.equal(await client.reply(), "500 5.5.6 Line too long"); // the "z" line
  assert.equal(await client.reply(), "250 2.0.0 OK");
});

Deno.test("serveSmtp() takes LF line ends and refuses a bare CR or a NUL", async () => {
  await using smtp = await startSmtp();
  using client = await SmtpTestClient.connect(smtp.port);
  await client.reply();
  await client.send("NOOP\n");
  assert.equal(await client.reply(), "250 2.0.0 OK");
  await client.send("NO\rOP\r\nNO\0OP\r\nNOOP\r\n");
  assert.equal(await client.reply(), "500 5.5.2 Bare CR or NUL in the command");
  assert.equal(await client.reply(), "500 5.5.2 Bare CR or NUL in the command");
  assert.equal(await client.reply(), "250 2.0.0 OK");
});

Deno.test("serveSmtp() says 421 Timeout and closes a client idle longer than timeout", async () => {
  await using smtp = await startSmtp({ server: { timeout: 200 } });
  const start = Date.now();
  using client = await SmtpTestClient.connect(smtp.port);
  await client.reply();
  assert.equal(await client.reply(), "421 4.4.2 mx.test Timeout");
  assert.ok(Date.now() - start >= 190, `closed after ${Date.now() - start} ms`);
  assert.ok(await client.closed());
});

Deno.test("serveSmtp() greets after smtp_greeting_delay, and refuses a client that talks first", async () => {
  await using smtp = await startSmtp({ server: { smtpGreetingDelay: 300 } });
  {
    const start = Date.now();
    using client = await SmtpTestClient.connect(smtp.port);
    assert.equal(await client.reply(), "220 mx.test ESMTP ready");
    assert.ok(Date.now() - start >= 290, `greeted after ${Date.now() - start} ms`);
    assert.equal(await client.command("NOOP"), "250 2.0.0 OK");
  }
  using eager = await SmtpTestClient.connect(smtp.port);
  await eager.send("EHLO spammer\r\n");
  assert.equal(await eager.reply(), "554 5.7.0 Invalid pipelining");
  assert.ok(await eager.closed());
});

Deno.test("serveSmtp() with smtp_auth none takes MAIL locally and relays from RCPT's auth answer", async () => {
  await using smtp = await startSmtp({
    server: { smtpAuth: ["none"] },
    answer: () => ({ kind: "ok", server: "10.0.0.7", port: 2525 }),
    backendReply: "250 2.1.5 Recipient OK\r\n",
  });
  using client = await SmtpTestClient.connect(smtp.port);
  await client.reply();
  assert.equal(await client.command("EHLO c.example"), "250-mx.test\n250-PIPELINING\n250 8BITMIME");
  assert.equal(await client.command("AUTH PLAIN"), "504 5.5.4 Unrecognized authentication type");
  assert.equal(
    await client.command("RCPT TO:<b@example.org>"),
    "503 5.5.1 Bad sequence of commands",
  );
  assert.equal(await client.command("MAIL FROM:bad"), "501 5.5.4 Invalid argument");
  assert.equal(await client.command("MAIL FROM:<a@example.com> SIZE=100"), "250 2.1.0 OK");
  assert.equal(
    await client.command("MAIL FROM:<a@example.com>"),
    "503 5.5.1 Bad sequence of commands",
  );
  assert.equal(await client.command("RCPT TO:<>"), "501 5.5.4 Invalid argument");
  // RCPT and what follows it in the same write: the rest goes to the backend.
  await client.send("RCPT TO:<b@example.org>\r\nDATA\r\n");
  assert.equal(await client.reply(), "250 2.1.5 Recipient OK");
  assert.equal(await client.line(), "DATA"); // echoed by the backend
  assert.equal(smtp.auths.length, 1);
  const [request] = smtp.auths;
  assert.equal(request.method, "none");
  assert.equal(request.user, "");
  assert.equal(request.from, "MAIL FROM:<a@example.com> SIZE=100");
  assert.equal(request.to, "RCPT TO:<b@example.org>");
  assert.equal(request.helo, "c.example");
  assert.equal(request.clientIp, "127.0.0.1");
  assert.equal(request.attempt, 1);
  const [backend] = smtp.backends;
  assert.deepEqual(backend.address, { hostname: "10.0.0.7", port: 2525 });
  assert.deepEqual(backend.intro.envelope, {
    from: "MAIL FROM:<a@example.com> SIZE=100",
    to: "RCPT TO:<b@example.org>",
  });
  assert.equal(backend.intro.login, undefined);
  assert.equal(backend.intro.esmtp, true);
  assert.equal(backend.intro.serverName, "mx.test");
  assert.equal(backend.intro.timeout, WAIT);
});

Deno.test("serveSmtp() with smtp_auth none lets RCPT try again after a refusal with Auth-Wait", async () => {
  let calls = 0;
  await using smtp = await startSmtp({
    server: { smtpAuth: ["none"] },
    answer: () =>
      ++calls === 1
        ? { kind: "refused", message: "Unknown recipient", code: "550 5.1.1", wait: 0 }
        : { kind: "ok", server: "127.0.0.1", port: 25 },
    backendReply: "250 2.1.5 OK\r\n",
  });
  using client = await SmtpTestClient.connect(smtp.port);
  await client.reply();
  await client.command("HELO c");
  await client.command("MAIL FROM:<>");
  assert.equal(await client.command("RCPT TO:<nobody@x>"), "550 5.1.1 Unknown recipient");
  assert.equal(await client.command("RCPT TO:<b@x>"), "250 2.1.5 OK");
  assert.deepEqual(smtp.auths.map((a) => [a.attempt, a.to]), [
    [1, "RCPT TO:<nobody@x>"],
    [2, "RCPT TO:<b@x>"],
  ]);
  assert.equal(smtp.backends[0].intro.esmtp, false);
});
