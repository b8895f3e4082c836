// Server-side TLS over an accepted Deno.Conn, against a Deno.startTls client.

import assert from "node:assert/strict";
import type { TunnelEnd } from "../upstream/mod.ts";
import { startTls } from "./_starttls.ts";
import { hasOpenssl, testPki } from "./_test_util.ts";

async function pair(): Promise<{ server: Deno.Conn; client: Deno.TcpConn }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({
    hostname: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
  });
  const server = await accepted;
  listener.close();
  return { server, client };
}

async function readAll(end: TunnelEnd, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(32 * 1024);
  while (total <= limit) {
    const n = await end.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const chunk of chunks) all.set(chunk, (off += chunk.length) - chunk.length);
  return all;
}

async function writeAll(end: TunnelEnd, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await end.write(bytes.subarray(off));
}

Deno.test({
  name: "startTls() carries bytes both ways and passes a half-close on",
  ignore: !hasOpenssl,
  async fn() {
    const pki = await testPki();
    const { server, client } = await pair();
    const [secure, clientTls] = await Promise.all([
      startTls(server, { tls: pki.pairs.localhost, timeout: 5_000 }),
      Deno.startTls(client, { hostname: "localhost", caCerts: [pki.ca] }),
    ]);
    // 1 MiB each way; the first while the server reads nothing for a while (it pauses).
    const big = new Uint8Array(1 << 20).map((_, i) => i % 251);
    const sending = (async () => {
      await writeAll(clientTls, big);
      await clientTls.closeWrite();
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fromClient = await readAll(secure, big.length);
    await sending;
    assert.equal(fromClient.length, big.length);
    assert.deepEqual(fromClient, big);
    const [fromServer] = await Promise.all([
      readAll(clientTls, big.length),
      (async () => {
        await writeAll(secure, big);
        await secure.closeWrite();
      })(),
    ]);
    assert.deepEqual(fromServer, big);
    secure.close();
    clientTls.close();
  },
});

Deno.test({
  name: "startTls() rejects when the handshake times out, and closes the connection",
  ignore: !hasOpenssl,
  async fn() {
    const tls = (await testPki()).pairs.localhost;
    const { server, client } = await pair();
    const start = Date.now();
    await assert.rejects(startTls(server, { tls, timeout: 150 }), /handshake timed out/);
    assert.ok(Date.now() - start >= 140);
    assert.equal(await client.read(new Uint8Array(10)), null);
    client.close();
  },
});
