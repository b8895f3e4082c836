// Anchor: the floor of a reverse proxy written in Deno — bytes relayed as they come, with none of
// a proxy's work: no parsing, no header rewriting, no pool (one upstream connection per client
// connection), no timeouts, no logging. It assumes each request and each response arrives in
// one read (true for bench/proxy_pass.ts's small GETs and hello page), so it is not a proxy, only
// a measure of what Deno's socket I/O alone costs per proxied request. N Web Workers listen with
// reusePort, as `ngw2f proxy`'s do. Needs --unstable-net (reusePort).
//
//   deno run -A --unstable-net bench/anchors/deno_relay.ts PORT UPSTREAM_PORT [N]

const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !==
  "undefined";

async function relay(client: Deno.Conn, upstreamPort: number): Promise<void> {
  const upstream = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
  (client as Deno.TcpConn).setNoDelay(true);
  upstream.setNoDelay(true);
  const buf = new Uint8Array(65536);
  try {
    while (true) {
      const n = await client.read(buf);
      if (n === null) break;
      await upstream.write(buf.subarray(0, n));
      const m = await upstream.read(buf);
      if (m === null) break;
      await client.write(buf.subarray(0, m));
    }
  } catch {
    /* a peer went away */
  } finally {
    client.close();
    upstream.close();
  }
}

if (inWorker) {
  const [port, upstreamPort] = (self as unknown as { name: string }).name.split(":").map(Number);
  const listener = Deno.listen({ hostname: "127.0.0.1", port, reusePort: true });
  for await (const conn of listener) relay(conn, upstreamPort);
} else {
  const [port, upstreamPort] = [Number(Deno.args[0]), Number(Deno.args[1])];
  const count = Math.max(1, Number(Deno.args[2] ?? 1));
  for (let i = 0; i < count; i++) {
    new Worker(import.meta.url, { type: "module", name: `${port}:${upstreamPort}` });
  }
}
