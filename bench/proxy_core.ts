// deno-lint-ignore-file no-console
// The proxy's HTTP/1.1 core under load, beside its anchors: the core (layers/proxy/http) and raw
// `Deno.serve` each answering a fixed 1 KiB body from memory, and nginx (1 worker) answering the
// same 1 KiB with `return 200` — the core alone, without the proxy's pipeline or files.
//
//   deno run -A bench/proxy_core.ts [--seconds 5] [--rounds 3] [--connections 64] [--only TEXT]
//
// Rounds are interleaved (round 1 of every case, then round 2…); each row is the median round by
// req/s; µs CPU/req is the server's utime+stime over the run ÷ requests. Needs wrk; nginx is
// skipped when /usr/sbin/nginx (or nginx on the PATH) is missing. Writes
// bench/results/proxy_core.md.

import {
  benchArgs,
  type BenchCase,
  type BenchResult,
  has,
  measure,
  median,
  table,
} from "./_load.ts";

const root = new URL("..", import.meta.url).pathname;
const { seconds, rounds, connections, only } = benchArgs();
const deno = Deno.execPath();
const denoEnv = { DENO_SERVE_AUTOMATIC_COMPRESSION: "0" };

const cases: BenchCase[] = [
  {
    name: "ngw2f proxy core, 1 KiB",
    cmd: deno,
    args: (port) => ["run", "-A", `${root}bench/anchors/proxy_core_1k.ts`, String(port)],
    env: denoEnv,
  },
  {
    name: "Deno.serve, 1 KiB",
    cmd: deno,
    args: (port) => ["run", "-A", `${root}bench/anchors/deno_serve_1k.ts`, String(port)],
    env: denoEnv,
  },
];
const nginx = has("nginx") ? "nginx" : has("/usr/sbin/nginx") ? "/usr/sbin/nginx" : null;
if (nginx) {
  cases.push({
    name: "nginx 1 worker, return 200 1 KiB",
    cmd: nginx,
    args: (port, dir) => {
      const conf = Deno.readTextFileSync(`${root}bench/anchors/nginx.conf`)
        .replaceAll("PREFIX", dir).replaceAll("PORT", String(port))
        .replace('default_type "text/plain; charset=utf-8";', "default_type text/plain;")
        .replace('"Hello, World!\\n"', `"${"a".repeat(1024)}"`);
      Deno.writeTextFileSync(`${dir}/nginx.conf`, conf);
      return ["-p", dir, "-c", `${dir}/nginx.conf`];
    },
  });
}

const selected = only ? cases.filter((c) => c.name.includes(only)) : cases;
const runs = new Map<string, BenchResult[]>(selected.map((c) => [c.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const bench of selected) {
    const result = await measure(bench, { seconds, connections });
    runs.get(bench.name)!.push(result);
    console.error(
      `round ${round + 1}: ${bench.name}: ${Math.round(result.rps)} req/s, ` +
        `${result.cpuUsPerRequest.toFixed(1)} µs CPU/req, ${result.errors} errors`,
    );
  }
}
const results = selected.map((c) => median(runs.get(c.name)!));

const report = `# Proxy layer: the HTTP/1.1 core and its anchors

Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC
(${navigator.hardwareConcurrency} cores), Deno ${Deno.version.deno}. \`wrk -t1 -c${connections} -d${seconds}s\`
on loopback, median of ${rounds} interleaved rounds by req/s; µs CPU/req is the server's
utime+stime over the run ÷ requests. Every case answers \`GET /\` with the same 1 KiB body
from memory.

${table(results, "nginx 1 worker, return 200 1 KiB")}

Reproduce: \`deno run -A bench/proxy_core.ts --seconds ${seconds} --rounds ${rounds}\`.
`;
console.log(report);
await Deno.mkdir(`${root}bench/results`, { recursive: true });
await Deno.writeTextFile(`${root}bench/results/proxy_core.md`, report);
