// STARTTLS (RFC 3207) in the SMTP session over real loopback sockets, the client being
// Deno.startTls with the test CA's certificate: `starttls on` and `only`, the plaintext
// injection after STARTTLS (CVE-2011-0411), implicit TLS, and the relay over TLS.

import assert from "node:assert/strict";
import type { MailServerConfig } from "../config/mod.ts";
import {
  b64,
  EHLO_AUTH,
  hasOpenssl,
  SmtpTestClient,
  startSmtp,
  testPki,
  type TestSmtp,
} from "./_test_util.ts";

/** A test that needs openssl (for the certificates). */
function tlsTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, ignore: !hasOpenssl, fn });
}

/** A session server with `server`'s settings and localhost's certificate, and a client on it. */
interface TlsSmtp extends TestSmtp {
  client: SmtpTestClient;
  /** The CA the client trusts the certificate by. */
  ca: string;
}

/** Starts a {@linkcode TlsSmtp}; its client speaks TLS from the first byte with `implicit`. */
async function startTlsSmtp(server: Partial<MailServerConfig>, implicit = false): Promise<TlsSmtp> {
  const pki = await testPki();
  const smtp = await startSmtp({ server, tls: pki.pairs.localhost });
  const client = await SmtpTestClient.connect(smtp.port, implicit ? pki.ca : undefined);
  return {
    ...smtp,
    client,
    ca: pki.ca,
    async [Symbol.asyncDispose]() {
      client.close();
      await smtp[Symbol.asyncDispose]();
    },
  };
}

const AUTH_BOB = `AUTH PLAIN ${b64("\0bob\0pw")}`;

tlsTest(
  "serveSmtp() with starttls on offers STARTTLS, starts TLS, forgets EHLO, and relays over TLS",
  async () => {
    await using smtp = await startTlsSmtp({ starttls: "on" });
    const { client } = smtp;
    await client.reply();
    assert.equal(
      await client.command("EHLO c"),
      "250-mx.test\n250-PIPELINING\n250-8BITMIME\n250-STARTTLS\n250 AUTH PLAIN LOGIN CRAM-MD5",
    );
    assert.equal(await client.command("STARTTLS now"), "501 5.5.4 Invalid argument");
    assert.equal(await client.command("STARTTLS"), "220 2.0.0 Start TLS");
    await client.startTls(smtp.ca);
    // The EHLO before TLS is forgotten.
    assert.equal(await client.command(AUTH_BOB), "503 5.5.1 Send HELO or EHLO first");
    assert.equal(await client.command("EHLO c"), EHLO_AUTH);
    assert.equal(await client.command("STARTTLS"), "503 5.5.1 TLS already active");
    await client.send(`${AUTH_BOB}\r\nMAIL FROM:<bob@x>\r\n`);
    assert.equal(await client.reply(), "235 2.0.0 OK");
    assert.equal(await client.line(), "MAIL FROM:<bob@x>"); // echoed by the backend, over TLS
    await client.send("QUIT\r\n");
    assert.equal(await client.line(), "QUIT");
    assert.equal(smtp.auths[0].helo, "c");
  },
);

tlsTest(
  "serveSmtp() with starttls only refuses AUTH and MAIL before TLS, and hides AUTH",
  async () => {
    await using smtp = await startTlsSmtp({ starttls: "only" });
    const { client } = smtp;
    await client.reply();
    assert.equal(
      await client.command("EHLO c"),
      "250-mx.test\n250-PIPELINING\n250-8BITMIME\n250 STARTTLS",
    );
    const must = "530 5.7.0 Must issue a STARTTLS command first";
    assert.equal(await client.command(AUTH_BOB), must);
    assert.equal(await client.command("MAIL FROM:<a@b>"), must);
    assert.equal(await client.command("RCPT TO:<a@b>"), must);
    assert.equal(await client.command("STARTTLS"), "220 2.0.0 Start TLS");
    await client.startTls(smtp.ca);
    assert.equal(await client.command("EHLO c"), EHLO_AUTH);
    assert.equal(await client.command(AUTH_BOB), "235 2.0.0 OK");
    assert.equal(smtp.auths.length, 1);
  },
);

tlsTest("serveSmtp() drops the plaintext sent along with STARTTLS (CVE-2011-0411)", async () => {
  await using smtp = await startTlsSmtp({ starttls: "on" });
  const { client } = smtp;
  await client.reply();
  await client.command("EHLO c");
  // A man in the middle appends commands to the client's STARTTLS in the same packet.
  await client.send(`STARTTLS\r\nEHLO evil\r\nAUTH PLAIN ${b64("\0mallory\0pw")}\r\nNOOP\r\n`);
  assert.equal(await client.reply(), "220 2.0.0 Start TLS");
  await client.startTls(smtp.ca);
  // None of them was run: the first reply over TLS is to the first command over TLS.
  assert.equal(await client.command("QUIT"), "221 2.0.0 Bye");
  assert.equal(smtp.auths.length, 0);
  assert.ok(smtp.log.lines.some((l) => /bytes after STARTTLS: dropped/.test(l)));
});

Deno.test("serveSmtp() answers 502 to STARTTLS when starttls is off", async () => {
  await using smtp = await startSmtp();
  using client = await SmtpTestClient.connect(smtp.port);
  await client.reply();
  assert.equal(await client.command("STARTTLS"), "502 5.5.1 STARTTLS not available");
  assert.equal(await client.command("NOOP"), "250 2.0.0 OK");
});

tlsTest(
  "serveSmtp() on an ssl listener is already TLS: no STARTTLS offered, AUTH allowed",
  async () => {
    await using smtp = await startTlsSmtp(
      { starttls: "only", listen: [{ address: "127.0.0.1:0", ssl: true }] },
      true,
    );
    const { client } = smtp;
    assert.equal(await client.reply(), "220 mx.test ESMTP ready");
    assert.equal(await client.command("EHLO c"), EHLO_AUTH);
    assert.equal(await client.command("STARTTLS"), "503 5.5.1 TLS already active");
    assert.equal(await client.command(AUTH_BOB), "235 2.0.0 OK");
  },
);

tlsTest("serveSmtp() ends the session when the client fails the TLS handshake", async () => {
  await using smtp = await startTlsSmtp({ starttls: "on" });
  const { client } = smtp;
  await client.reply();
  assert.equal(await client.command("STARTTLS"), "220 2.0.0 Start TLS");
  await client.send("this is not a TLS ClientHello\r\n");
  assert.ok(await client.closed());
  assert.ok(smtp.log.lines.some((l) => /Cannot start TLS/.test(l)), smtp.log.lines.join("\n"));
});
