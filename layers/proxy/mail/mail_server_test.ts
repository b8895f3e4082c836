// startMailServer() from a parsed config: its listeners (plain and implicit TLS), the
// certificate files for STARTTLS, the 421 for a refused connection, and auth_http being down.

import assert from "node:assert/strict";
import { parseProxyConfig } from "../config/mod.ts";
import type { TcpServerContext } from "../stream/mod.ts";
import { startMailServer } from "./mail_server.ts";
import { b64, hasOpenssl, memoryLog, SmtpTestClient, testPki } from "./_test_util.ts";

async function context(
  dir: string,
  toml: string,
): Promise<TcpServerContext & { log: ReturnType<typeof memoryLog> }> {
  const tls = (await testPki()).pairs.localhost;
  await Deno.writeTextFile(`${dir}/cert.pem`, tls.cert);
  await Deno.writeTextFile(`${dir}/key.pem`, tls.key);
  const config = parseProxyConfig(toml, `${dir}/ngw2f.toml`, { prefix: dir, cpuCount: 1 });
  return { config, log: memoryLog(), workerId: 1 };
}

const EHLO_TLS =
  "250-mx.example.test\n250-PIPELINING\n250-8BITMIME\n250-ENHANCEDSTATUSCODES\n250 AUTH PLAIN";

/** `count` distinct ports nothing listens on now (bound together, then closed). */
function freePorts(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  for (const listener of listeners) listener.close();
  return listeners.map((l) => (l.addr as Deno.NetAddr).port);
}

Deno.test({
  name: "startMailServer() serves SMTP with STARTTLS and implicit TLS from the certificate files",
  ignore: !hasOpenssl,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ngw2f-mail-" });
    try {
      const [authPort, plainPort, sslPort] = freePorts(3);
      const ctx = await context(
        dir,
        `[mail]
auth_http = "http://127.0.0.1:${authPort}/auth"
auth_http_timeout = "2s"
server_name = "mx.example.test"
[[mail.server]]
listen = ["127.0.0.1:${plainPort}", "127.0.0.1:${sslPort} ssl"]
starttls = "on"
ssl_certificate = "cert.pem"
ssl_certificate_key = "key.pem"
smtp_auth = ["plain"]
`,
      );
      const { ca } = await testPki();
      const service = await startMailServer(ctx.config.mailServers[0], ctx);
      try {
        const [plain, implicit] = service.addresses;
        {
          using client = await SmtpTestClient.connect(plain.port);
          assert.equal(await client.reply(), "220 mx.example.test ESMTP ready");
          assert.match(await client.command("EHLO c"), /\n250-STARTTLS\n250 AUTH PLAIN$/);
          assert.equal(await client.command("STARTTLS"), "220 2.0.0 Start TLS");
          await client.startTls(ca);
          assert.equal(await client.command("EHLO c"), EHLO_TLS);
          // The auth service is down: a temporary failure, and the session goes on.
          assert.equal(
            await client.command(`AUTH PLAIN ${b64("\0bob\0s3cret")}`),
            "454 4.7.0 Temporary authentication failure",
          );
          assert.equal(await client.command("QUIT"), "221 2.0.0 Bye");
        }
        {
          using client = await SmtpTestClient.connect(implicit.port, ca);
          assert.equal(await client.reply(), "220 mx.example.test ESMTP ready");
          assert.equal(await client.command("EHLO c"), EHLO_TLS);
        }
      } finally {
        await service.drain(1_000);
      }
      assert.ok(ctx.log.lines.some((l) => /^error Cannot authenticate SMTP client/.test(l)));
      for (const line of ctx.log.lines) assert.ok(!line.includes("s3cret"), line);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("startMailServer() answers 421 to a connection over worker_connections", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-mail-" });
  try {
    const ctx = await context(
      dir,
      `worker_connections = 1
[mail]
auth_http = "http://127.0.0.1:9/auth"
server_name = "mx.example.test"
[[mail.server]]
listen = "127.0.0.1:0"
`,
    );
    const service = await startMailServer(ctx.config.mailServers[0], ctx);
    try {
      const { port } = service.addresses[0];
      using first = await SmtpTestClient.connect(port);
      assert.equal(await first.reply(), "220 mx.example.test ESMTP ready");
      using second = await SmtpTestClient.connect(port);
      assert.equal(
        await second.reply(),
        "421 4.7.0 mx.example.test Too many connections, try again later",
      );
      assert.ok(await second.closed());
      assert.equal(await first.command("NOOP"), "250 2.0.0 OK");
    } finally {
      await service.drain(1_000);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startMailServer() refuses a client over limit_conn and over limit_req with 421", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-mail-" });
  try {
    const ctx = await context(
      dir,
      `[limit_conn_zone.peraddr]
key = "$binary_remote_addr"
[limit_req_zone.sessions]
key = "$remote_addr"
rate = "1r/m"
[mail]
auth_http = "http://127.0.0.1:9/auth"
server_name = "mx.example.test"
[[mail.server]]
listen = "127.0.0.1:0"
limit_conn = { zone = "peraddr", limit = 1 }
[[mail.server]]
listen = "127.0.0.1:0"
limit_req = { zone = "sessions", burst = 1 }
`,
    );
    const byConn = await startMailServer(ctx.config.mailServers[0], ctx);
    const byRate = await startMailServer(ctx.config.mailServers[1], ctx);
    const refused = "421 4.7.0 mx.example.test Too many connections, try again later";
    try {
      // limit_conn: one session at a time per address; the place comes back when it ends.
      const connPort = byConn.addresses[0].port;
      {
        using first = await SmtpTestClient.connect(connPort);
        assert.equal(await first.reply(), "220 mx.example.test ESMTP ready");
        using second = await SmtpTestClient.connect(connPort);
        assert.equal(await second.reply(), refused);
        assert.ok(await second.closed());
        assert.equal(await first.command("QUIT"), "221 2.0.0 Bye");
        assert.ok(await first.closed());
      }
      let again = "";
      for (let i = 0; i < 50 && again !== "220 mx.example.test ESMTP ready"; i++) {
        using third = await SmtpTestClient.connect(connPort);
        again = await third.reply();
        if (again !== "220 mx.example.test ESMTP ready") {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      assert.equal(again, "220 mx.example.test ESMTP ready", "the place was given back");
      // limit_req at 1 per minute with a burst of 1: two sessions pass, the third is refused.
      const ratePort = byRate.addresses[0].port;
      const replies: string[] = [];
      for (let i = 0; i < 3; i++) {
        using client = await SmtpTestClient.connect(ratePort);
        replies.push(await client.reply());
      }
      assert.deepEqual(replies, [
        "220 mx.example.test ESMTP ready",
        "220 mx.example.test ESMTP ready",
        refused,
      ]);
    } finally {
      await byConn.drain(1_000);
      await byRate.drain(1_000);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
