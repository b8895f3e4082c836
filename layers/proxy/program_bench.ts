// Proxied requests through a whole proxy worker, in one thread:
// `deno bench -A layers/proxy/program_bench.ts`.
//
// The clients, the worker program (HTTP core, pipeline, proxy_pass, upstream pool) and a
// Deno.serve upstream all run in this isolate: no other thread or process competes with the
// proxy, so two versions of its hot path compare within a few per cent here, where wrk runs
// against the real servers move ±10–20% between runs on this machine. What the proxy adds to a
// request is the difference from the baseline, the same requests straight to the upstream.
// bench/proxy_pass.ts measures the real thing (workers, wrk, nginx and a featureless relay).

import { silentLogger } from "../gateway/mod.ts";
import { parseProxyConfig } from "./config/mod.ts";
import { start } from "./program.ts";

const encoder = new TextEncoder();
const HELLO = "Hello, World!\n";
const PAGE = "x".repeat(3500);

const upstream = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  (request) =>
    new Response(new URL(request.url).pathname === "/page" ? PAGE : HELLO, {
      headers: { "content-type": "text/plain; charset=utf-8" },
    }),
);
upstream.unref();

/** A free loopback port (bind and close). */
function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

const proxyPort = freePort();
const config = parseProxyConfig(
  `error_log = "- warn"
access_log = "off"

[upstream.app]
server = ["127.0.0.1:${upstream.addr.port}"]
keepalive = 64

[[server]]
listen = "127.0.0.1:${proxyPort}"

[[server.location]]
match = "/"
proxy_pass = "http://app"
proxy_set_header = { Host = "$host" }
`,
  "/bench/ngw2f.toml",
);
await start({
  workerId: 1,
  workerCount: 1,
  generation: 1,
  config: { config },
  log: silentLogger,
  retire() {},
  beginRequest: () => 0,
  endRequest() {},
});

/** A keep-alive client on `port` that sends one GET and reads its whole response. */
async function client(port: number, path: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = encoder.encode(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n`,
  );
  const buf = new Uint8Array(65536);
  const CL = encoder.encode("ontent-length: ");
  return async function get(): Promise<void> {
    await conn.write(request);
    let got = 0;
    let need = -1;
    while (need < 0 || got < need) {
      const n = await conn.read(got === 0 ? buf : buf.subarray(got));
      if (n === null) throw new Error("The server closed the connection");
      got += n;
      if (need >= 0) continue;
      const end = buf.subarray(0, got).indexOf(10, 0);
      if (end === -1) continue;
      // Content-Length's digits (either case of its C), then the empty line.
      let at = -1;
      for (let i = 0; i + CL.length < got && at === -1; i++) {
        if ((buf[i] | 0x20) !== 0x63) continue;
        let j = 0;
        while (j < CL.length && (buf[i + 1 + j] | 0x20) === CL[j]) j++;
        if (j === CL.length) at = i + 1 + j;
      }
      let length = 0;
      while (at !== -1 && buf[at] >= 0x30 && buf[at] <= 0x39) {
        length = length * 10 + buf[at++] - 0x30;
      }
      for (let i = 3; i < got; i++) {
        if (buf[i] === 10 && buf[i - 2] === 10) {
          need = i + 1 + length;
          break;
        }
      }
    }
  };
}

const cases = [
  { name: "straight to the upstream (Deno.serve)", port: upstream.addr.port },
  { name: "through ngw2f proxy (proxy_pass, keepalive pool)", port: proxyPort },
];
// Eight keep-alive clients, one GET each per iteration: the event loop batches their reads and
// writes as it does under load (one client at a time would mostly measure event-loop turns).
const CLIENTS = 8;
for (const [path, group] of [["/", "hello"], ["/page", "3.5 KB page"]]) {
  for (const [i, { name, port }] of cases.entries()) {
    const gets = await Promise.all(Array.from({ length: CLIENTS }, () => client(port, path)));
    Deno.bench(
      `${CLIENTS} × GET ${path}: ${name}`,
      { group, baseline: i === 0 },
      async () => {
        await Promise.all(gets.map((get) => get()));
      },
    );
  }
}
