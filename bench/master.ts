// deno-lint-ignore-file no-console
// The master layer's load benchmark: `ngw2f serve` (the part II hello under the master) with 1
// and 2 workers — default core, `--protected`, and `-k process` — against anchors with the same
// worker count: raw `Deno.serve` in N Web Workers sharing the port by reusePort (the fair
// anchor, bench/anchors/deno_hello_workers.ts), gunicorn sync workers + Flask, and nginx's
// `return 200` with N worker processes. Every row's ratios are against the Deno.serve anchor with
// the same worker count.
//
//   deno run -A bench/master.ts [--seconds 5] [--rounds 3] [--connections 64] [--only TEXT]
//
// --only keeps the cases whose name contains TEXT, plus the Deno.serve anchor of each worker
// count it keeps (the ratios need it). Needs wrk, and for the anchors nginx, gunicorn and
// python3-flask (Debian packages); a case whose program is missing is skipped. Run by hand, not
// in CI. Writes bench/results/master.md.

import {
  anchorPython,
  benchArgs,
  type BenchCase,
  type BenchResult,
  cpuModel,
  has,
  measure,
  median,
  pythonPackageVersion,
  serveArgs,
  sh,
} from "./_load.ts";

const root = new URL("..", import.meta.url).pathname;
const { seconds, rounds, connections, only } = benchArgs();
const deno = Deno.execPath();

/** A case and the worker count its ratios are taken at. */
interface MasterCase extends BenchCase {
  workers: number;
}

const anchorName = (workers: number) => `Deno.serve, ${workers} worker${workers > 1 ? "s" : ""}`;

function ngw2f(workers: number, extra: string[] = []): MasterCase {
  return {
    name: `ngw2f serve -w${workers}${extra.length ? " " + extra.join(" ") : ""}`,
    workers,
    cmd: deno,
    cwd: root, // deno.json's unstable "net" (reusePort) applies
    args: (port) =>
      serveArgs(`127.0.0.1:${port}`, workers, `${root}examples/part-II-gateway/app.ts`, [
        "--graceful-timeout",
        "2",
        ...extra,
      ]),
  };
}

function denoServe(workers: number): MasterCase {
  return {
    name: anchorName(workers),
    workers,
    cmd: deno,
    args: (port) => [
      "run",
      "-A",
      "--unstable-net",
      `${root}bench/anchors/deno_hello_workers.ts`,
      String(port),
      String(workers),
    ],
  };
}

function gunicorn(workers: number): MasterCase {
  return {
    name: `gunicorn -w${workers} sync + Flask`,
    workers,
    cmd: "gunicorn",
    args: (port) => [
      "-w",
      String(workers),
      "-b",
      `127.0.0.1:${port}`,
      "--log-level",
      "warning",
      "flask_hello:app",
    ],
    cwd: `${root}bench/anchors`,
  };
}

function nginx(workers: number): MasterCase {
  return {
    name: `nginx ${workers} worker${workers > 1 ? "s" : ""}, return 200`,
    workers,
    cmd: "nginx",
    args: (port, dir) => {
      const conf = Deno.readTextFileSync(`${root}bench/anchors/nginx.conf`)
        .replace(/worker_processes\s+\d+;/, `worker_processes ${workers};`)
        .replaceAll("PREFIX", dir).replaceAll("PORT", String(port));
      Deno.writeTextFileSync(`${dir}/nginx.conf`, conf);
      return ["-p", dir, "-c", `${dir}/nginx.conf`];
    },
  };
}

const withFlask = has("gunicorn") && has("python3") &&
  new Deno.Command("python3", { args: ["-c", "import flask"], stdout: "null", stderr: "null" })
    .outputSync().success;
const cases: MasterCase[] = [];
for (const workers of [1, 2]) {
  cases.push(ngw2f(workers), ngw2f(workers, ["--protected"]));
  if (workers > 1) cases.push(ngw2f(workers, ["-k", "process"]));
  cases.push(denoServe(workers));
  if (withFlask) cases.push(gunicorn(workers));
  if (has("nginx")) cases.push(nginx(workers));
}

const selected = only
  ? cases.filter((c) =>
    c.name.includes(only!) ||
    (c.name === anchorName(c.workers) &&
      cases.some((o) => o.workers === c.workers && o.name.includes(only!)))
  )
  : cases;

const results: { result: BenchResult; workers: number }[] = [];
for (const bench of selected) {
  const runs: BenchResult[] = [];
  for (let round = 0; round < rounds; round++) {
    runs.push(await measure(bench, { seconds, connections }));
  }
  const result = median(runs);
  results.push({ result, workers: bench.workers });
  console.error(
    `${bench.name}: ${Math.round(result.rps)} req/s, ${
      result.cpuUsPerRequest.toFixed(1)
    } µs CPU/req`,
  );
}

/** Each row's req/s and CPU/req as a ratio of the Deno.serve anchor with the same workers. */
function ratios(r: BenchResult, workers: number): { rps?: number; cpu?: number } {
  const base = results.find((b) => b.result.name === anchorName(workers))?.result;
  return base ? { rps: r.rps / base.rps, cpu: r.cpuUsPerRequest / base.cpuUsPerRequest } : {};
}

function masterTable(): string {
  const x = (n?: number) => (n === undefined || !Number.isFinite(n) ? "" : n.toFixed(2) + "×");
  const rows = results.map(({ result: r, workers }) => {
    const ratio = ratios(r, workers);
    return `| ${r.name} | ${workers} | ${Math.round(r.rps).toLocaleString("en")} | ` +
      `${x(ratio.rps)} | ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} | ${r.rssMiB.toFixed(0)} | ` +
      `${r.cpuUsPerRequest.toFixed(1)} | ${x(ratio.cpu)} | ${r.errors} |`;
  });
  return [
    "| case | workers | req/s | vs Deno.serve same workers | p50 / p99 ms | RSS MiB | " +
    "µs CPU/req | CPU/req vs Deno.serve same workers | errors |",
    "|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

/** "X× the req/s at Y× the CPU/req" for one case, or "" when it or its anchor did not run. */
function reading(name: string): string {
  const row = results.find((r) => r.result.name === name);
  if (!row) return "";
  const ratio = ratios(row.result, row.workers);
  if (ratio.rps === undefined || ratio.cpu === undefined) return "";
  return `\`${name}\` reaches ${ratio.rps.toFixed(2)}× the req/s at ${
    ratio.cpu.toFixed(2)
  }× the CPU per request`;
}

const cpu = cpuModel();
const versions = [
  `Deno ${Deno.version.deno}`,
  sh("nginx -v 2>&1 | cut -d/ -f2"),
  sh("gunicorn --version 2>/dev/null | grep -o '[0-9][0-9.]*'"),
  pythonPackageVersion(anchorPython(), "flask"),
];
const machine = `${cpu} (${navigator.hardwareConcurrency} cores), ${versions[0]}` +
  (versions[1] ? `, nginx ${versions[1]}` : "") +
  (versions[2] ? `, gunicorn ${versions[2]}` : "") +
  (versions[3] ? `, Flask ${versions[3]}` : "");
const command = `deno run -A bench/master.ts --seconds ${seconds} --rounds ${rounds} ` +
  `--connections ${connections}${only ? ` --only '${only}'` : ""}`;
const highlights = [
  reading("ngw2f serve -w1"),
  reading("ngw2f serve -w2"),
  reading("ngw2f serve -w2 --protected"),
  reading("ngw2f serve -w2 -k process"),
].filter(Boolean);

const report = `# Master layer: \`ngw2f serve\` and its anchors, by worker count

Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machine}.
\`wrk -t1 -c${connections} -d${seconds}s\` on loopback after a 1 s warm-up, median of ${rounds}
round${rounds > 1 ? "s" : ""} by req/s. µs CPU/req is the server's utime+stime summed over its
whole process tree (master and workers) during the run ÷ requests; RSS is summed over the same
processes (shared pages count once per process). All cases answer the same 14-byte
\`Hello, World!\\n\`; \`ngw2f serve\` runs examples/part-II-gateway/app.ts. The two ratio columns
divide each row by the raw \`Deno.serve\` anchor with the same worker count (N Web Workers, each
\`Deno.serve\` with reusePort on one port — bench/anchors/deno_hello_workers.ts).

${masterTable()}

Command: \`${command}\`

Reading: the anchor is what the same Deno runtime does with no framework at all, so a row's
"vs Deno.serve same workers" is the share of that ceiling a server keeps (1.00× = as fast as raw
\`Deno.serve\`), and its "CPU/req vs Deno.serve same workers" is the price per request of
everything it adds (the master, the gateway context, per-request limits; with \`--protected\`
ngw2f's own HTTP/1.1 core, with \`-k process\` a subprocess per worker).${
  highlights.length ? "\n" + highlights.join(";\n") + "." : ""
}
The load comes from one wrk thread on the same ${navigator.hardwareConcurrency}-core machine, and
\`wrk -t1\` saturates near 130–170k req/s here: once a server is that fast, req/s measures wrk
rather than the server, and a second worker competes with wrk for a core, so the 2-worker rows
can gain little throughput or even lose some. For the fast cases (\`Deno.serve\`, \`ngw2f
serve\`'s default core, nginx) the µs CPU/req column is what separates the servers; req/s still
separates them from gunicorn + Flask, which Python's per-request cost bounds well below wrk.
`;
console.log(report);
await Deno.mkdir(`${root}bench/results`, { recursive: true });
await Deno.writeTextFile(`${root}bench/results/master.md`, report);
