// End-to-end: `ngw2f proxy` as nginx's SMTP proxy ([[mail.server]]), the session around the
// authentication: XCLIENT to a recording backend that offers it, STARTTLS and implicit TLS,
// pipelining, 100 concurrent sessions, a 20 MiB message, max_errors / timeout /
// smtp_greeting_delay, and a session kept across a reload. Real clients (swaks, Python's
// smtplib, raw sockets) talk to the real CLI. Needs swaks, python3-aiosmtpd and openssl from
// Debian: without them these tests fail and say so.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  capabilities,
  ehlo,
  freePort,
  login,
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
  subjects,
  swaksAuth,
  swaksMessage,
  testCertificate,
  TLS_FILES,
} from "./_mail.ts";

Deno.test("SMTP proxy: XCLIENT tells a backend that offers it the client, then its EHLO or HELO", async () => {
  requireMailTools({ aiosmtpd: false });
  await using backend = startRecordingBackend();
  await using auth = startAuthService({ users: { alice: { pass: "secret", port: backend.port } } });
  const [port, quiet] = [freePort(), freePort()];
  await using _proxy = await startMailProxy(
    mailConfig(auth, mailServer(port) + mailServer(quiet, "xclient = false")),
    [port, quiet],
  );

  const run = await swaksMessage(port, "xclient", swaksAuth("PLAIN"));
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(backend.sessions[0], [
    "EHLO mx.test",
    "XCLIENT ADDR=127.0.0.1 LOGIN=alice NAME=[UNAVAILABLE] HELO=client.test",
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
    "XCLIENT ADDR=127.0.0.1 LOGIN=alice NAME=[UNAVAILABLE] HELO=old.test",
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
  const alice = swaksAuth("PLAIN");
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

    const run = await swaksMessage(on, "starttls-on-swaks", ["--tls", ...alice]);
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

    const refused = await swaksMessage(only, "starttls-only-plain", alice);
    assert.notEqual(refused.code, 0, refused.output);
    const run = await swaksMessage(only, "starttls-only-swaks", ["--tls", ...alice]);
    assert.equal(run.code, 0, run.output);
    delivered++;
    const python = await smtplib(only, [...smtplibAuth(), "--tls", "starttls"]);
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

      const run = await swaksMessage(implicit, "implicit-swaks", ["--tlsc", ...alice]);
      assert.equal(run.code, 0, run.output);
      delivered++;
      const python = await smtplib(implicit, [...smtplibAuth(), "--tls", "implicit"]);
      assert.ok(python.result.ok, python.output);
      delivered++;
    },
  );

  const messages = await backend.waitForMessages(delivered);
  assert.deepEqual(subjects(messages), [
    "starttls-on-raw",
    "starttls-on-swaks",
    "starttls-only-raw",
    "starttls-only-swaks",
    "smtplib",
    "implicit-swaks",
    "smtplib",
  ]);
});

Deno.test("SMTP proxy: pipelined clients (swaks --pipeline, commands after AUTH in one write)", async () => {
  requireMailTools();
  await using setup = await startAliceSetup();
  const { backend, port } = setup;

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
  assert.deepEqual(subjects(messages), ["pipeline-swaks", "pipeline-two", "pipeline-one"]);
});

Deno.test("SMTP proxy: 100 concurrent sessions on 2 workers each deliver their message", async () => {
  requireMailTools({ swaks: false });
  await using setup = await startAliceSetup("", { workers: 2 });
  const { backend, auth, port } = setup;

  const started = performance.now();
  await Promise.all(Array.from({ length: 100 }, async (_, i) => {
    using dialog = await login(port, "alice", "secret");
    await send(dialog, `concurrent-${i}`);
    assert.match(await dialog.command("QUIT"), /^221 /);
  }));
  const messages = await backend.waitForMessages(100, 30_000);
  const markers = new Set(subjects(messages));
  assert.equal(markers.size, 100);
  for (let i = 0; i < 100; i++) assert.ok(markers.has(`concurrent-${i}`), `message ${i}`);
  assert.equal(auth.requests.length, 100);
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 45, `100 sessions took ${seconds.toFixed(1)} s`);
});

Deno.test("SMTP proxy: a 20 MiB message is relayed intact (smtplib, SHA-256)", async () => {
  requireMailTools({ swaks: false });
  await using setup = await startAliceSetup();
  const { backend, port } = setup;

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
    const run = await smtplib(port, [...smtplibAuth(), "--file", `${dir}/big.eml`]);
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
  // timeout = 1s: an idle dialogue gets 421 4.4.2, no sooner. The proxy starts its last 1 s
  // wait after it got our EHLO, so timing from before we send it, the close can only come 1 s
  // or more later: the proxy's deadline is Date.now() + 1000 in whole ms, up to 1 ms short.
  {
    using dialog = await SmtpDialog.connect(idle);
    const started = performance.now();
    await ehlo(dialog);
    assert.ok(
      await dialog.waitClosed(10_000),
      `the proxy closes an idle session: ${dialog.rest()}`,
    );
    const waited = performance.now() - started;
    assert.ok(waited >= 995, `closed after ${Math.round(waited)} ms of a 1 s timeout`);
    assert.match(dialog.rest(), /^421 4\.4\.2 /);
  }
  // smtp_greeting_delay = 1s: a client that talks before the greeting is refused (spam engines).
  {
    using dialog = await SmtpDialog.connect(delayed);
    await dialog.write("EHLO eager.test\r\n");
    assert.match(await dialog.read(), /^554 /, "as nginx: refused at once, without a greeting");
    assert.ok(await dialog.waitClosed(), `then closed; got ${dialog.rest()}`);
  }
  // The proxy starts the delay when it accepts, after we start connecting: timed from before
  // connect(), the greeting can only come 1 s or more later (less up to 1 ms of Date.now()).
  {
    const started = performance.now();
    using dialog = await SmtpDialog.connect(delayed);
    await ehlo(dialog);
    const waited = performance.now() - started;
    assert.ok(waited >= 995, `greeted after ${Math.round(waited)} ms of a 1 s delay`);
  }
  assert.equal(auth.requests.length, 0);
});

Deno.test("SMTP proxy: a relayed session lives on across a SIGHUP reload", async () => {
  requireMailTools();
  await using setup = await startAliceSetup();
  const { backend, proxy, port } = setup;

  using dialog = await login(port, "alice", "secret");
  assert.match(await dialog.command("MAIL FROM:<alice@example.com>"), /^250 /);
  proxy.proxy.cli.child.kill("SIGHUP");
  await proxy.proxy.cli.waitFor("Reload done");
  assert.match(await dialog.command("RCPT TO:<bob@example.com>"), /^250 /);
  assert.match(await dialog.command("DATA"), /^354 /);
  assert.match(await dialog.command("Subject: across-reload\r\n\r\nstill here\r\n."), /^250 /);
  assert.match(await dialog.command("QUIT"), /^221 /);

  const run = await swaksMessage(port, "after-reload", swaksAuth("PLAIN"));
  assert.equal(run.code, 0, run.output);
  const messages = await backend.waitForMessages(2);
  assert.deepEqual(subjects(messages), ["across-reload", "after-reload"]);
});
