// deno-lint-ignore-file no-console
// The reverse proxy's load benchmark: `ngw2f proxy` → a Deno hello upstream, side by side
// with nginx (same worker count, upstream keepalive 64) → the same upstream, a featureless Deno
// relay (the floor: Deno's socket I/O alone), a lean proxy hot path (what ours could cost), the
// same lean hot path on libc's sockets through FFI (what Deno's socket ops cost), the obvious Deno
// proxy (Deno.serve + fetch()), and a direct hit on the upstream. The upstream runs once for all
// cases; µs CPU/req counts the proxy's processes only (the direct case: the upstream's).
//
//   deno run -A bench/proxy_pass.ts [--seconds 5] [--rounds 3] [--connections 64] [--only TEXT]
//
// Needs wrk and nginx (Debian packages). Run by hand, not in CI. Writes
// bench/results/proxy_pass.md.

import {
  benchArgs,
  type BenchCase,
  cpuModel,
  freePort,
  groupTable,
  has,
  loadAverage,
  measureRounds,
  type Row,
  sh,
  writeProxyConfig,
} from "./_load.ts";

const root = new URL("..", import.meta.url).pathname;
const anchors = `${root}bench/anchors`;
const { seconds, rounds, connections, only } = benchArgs();
const deno = Deno.execPath();

interface PassCase extends BenchCase {
  group: string;
}

// The upstream every proxy case forwards to.
const upstreamPort = freePort();
const upstream = new Deno.Command(deno, {
  args: ["run", "-A", `${anchors}/deno_hello.ts`, String(upstreamPort)],
  stdout: "null",
  stderr: "inherit",
}).spawn();
for (let i = 0; i < 100; i++) {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort })).close();
    break;
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ngw2f = (workers: number): BenchCase["args"] => (port, dir) => [
  "run",
  "-A",
  `${root}main.ts`,
  "proxy",
  "-c",
  writeProxyConfig(dir, port, `127.0.0.1:${upstreamPort}`, workers),
];
const nginx = (workers: number): BenchCase["args"] => (port, dir) => {
  const conf = Deno.readTextFileSync(`${anchors}/nginx_proxy.conf`)
    .replaceAll("WORKERS", String(workers)).replaceAll("PREFIX", dir)
    .replaceAll("UPSTREAM", String(upstreamPort)).replaceAll("PORT", String(port));
  Deno.writeTextFileSync(`${dir}/nginx.conf`, conf);
  return ["-p", dir, "-c", `${dir}/nginx.conf`];
};

const anchorOf = (workers: number) => `nginx ${workers} worker${workers > 1 ? "s" : ""}`;
const cases: PassCase[] = [];
for (const workers of [1, 2]) {
  const group = `Proxy → Deno hello, ${workers} worker${workers > 1 ? "s" : ""}`;
  cases.push({
    group,
    name: `ngw2f proxy, ${workers} worker${workers > 1 ? "s" : ""}`,
    cmd: deno,
    cwd: root,
    args: ngw2f(workers),
  });
  if (has("nginx")) {
    cases.push({ group, name: anchorOf(workers), cmd: "nginx", args: nginx(workers) });
  }
  const s = workers > 1 ? "s" : "";
  for (
    const [name, script, ...extra] of [
      [`lean Deno proxy hot path, ${workers} worker${s}`, "deno_lean_proxy.ts"],
      [
        `lean hot path on raw sockets (FFI epoll), ${workers} worker${s}`,
        "deno_lean_proxy.ts",
        "raw",
      ],
      [`featureless Deno relay (the floor), ${workers} worker${s}`, "deno_relay.ts"],
    ]
  ) {
    cases.push({
      group,
      name,
      cmd: deno,
      args: (port) => [
        "run",
        "-A",
        "--unstable-net",
        `${anchors}/${script}`,
        String(port),
        String(upstreamPort),
        String(workers),
        ...extra,
      ],
    });
  }
  if (workers === 1) {
    cases.push({
      group,
      name: "Deno.serve + fetch() proxy",
      cmd: deno,
      args: (
        port,
      ) => ["run", "-A", `${anchors}/deno_fetch_proxy.ts`, String(port), String(upstreamPort)],
    });
    cases.push({
      group,
      name: "direct to the upstream (no proxy)",
      cmd: deno,
      args: (port) => ["run", "-A", `${anchors}/deno_hello.ts`, String(port)],
    });
  }
}

const selected = only
  ? cases.filter((c) => c.group.includes(only!) || c.name.includes(only!))
  : cases;
const loadBefore = loadAverage();
let rows: Row<PassCase>[];
try {
  rows = await measureRounds(selected, { rounds, seconds, connections });
} finally {
  upstream.kill("SIGTERM");
  await upstream.status;
}
const loadAfter = loadAverage();
const groups = [...new Set(selected.map((c) => c.group))];
const tables = groups.map((group) =>
  groupTable(rows, group, anchorOf(group.endsWith("2 workers") ? 2 : 1))
);
const direct = rows.find((r) => r.bench.name.startsWith("direct"))?.result;
const added = direct
  ? rows.filter((r) => r.bench !== rows.find((x) => x.result === direct)?.bench).map((r) =>
    `| ${r.result.name} | ${(r.result.p50 - direct.p50).toFixed(2)} | ${
      (r.result.p99 - direct.p99).toFixed(2)
    } |`
  )
  : [];

const cpu = cpuModel();
const nginxVersion = sh("nginx -v 2>&1 | cut -d/ -f2");
const report = `# Proxy layer: reverse proxy against nginx

Measured ${
  new Date().toISOString().slice(0, 16).replace("T", " ")
} UTC on ${cpu} (${navigator.hardwareConcurrency} cores),
Deno ${Deno.version.deno}${
  nginxVersion ? `, nginx ${nginxVersion}` : ""
}. \`wrk -t1 -c${connections} -d${seconds}s\` on
loopback after a 1 s warm-up; ${rounds} rounds interleaved over all cases, median round by req/s.
One upstream (bench/anchors/deno_hello.ts, \`Deno.serve\` answering "Hello, World!") serves every
proxy case; µs CPU/req is the proxy's utime+stime ÷ requests (the upstream's own CPU is not
counted; in the direct case it is the upstream's). nginx: bench/anchors/nginx_proxy.conf
(keepalive 64, HTTP/1.1); \`ngw2f proxy\`: an upstream group with keepalive 64 and
\`proxy_set_header Host $host\`, its defaults otherwise (X-Forwarded-* and Forwarded added);
\`Deno.serve + fetch()\`: bench/anchors/deno_fetch_proxy.ts; the featureless relay:
bench/anchors/deno_relay.ts (bytes relayed as they come, one upstream connection per client, no
parsing: what Deno's socket I/O alone costs, the floor for a proxy in Deno); the lean hot path:
bench/anchors/deno_lean_proxy.ts (a GET's per-request work done lean: heads parsed and rewritten,
a keep-alive pool, one write each way; no bodies, timeouts, retries or logging); on raw sockets:
the same with \`raw\` (bench/anchors/_raw_sockets.ts: accept4, recv and send on libc through FFI,
one edge-triggered epoll per worker thread, so none of Deno's socket ops). Load average ${loadBefore} before,
${loadAfter} after.

${tables.join("\n\n")}

Added latency over a direct hit, same run (ms):

| case | p50 | p99 |
|---|---:|---:|
${added.join("\n")}

Command: \`deno run -A bench/proxy_pass.ts --seconds ${seconds} --rounds ${rounds} --connections ${connections}${
  only ? ` --only '${only}'` : ""
}\`
`;
await Deno.writeTextFile(`${root}bench/results/proxy_pass.md`, report);
console.log(report);
