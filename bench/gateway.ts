// deno-lint-ignore-file no-console
// The gateway layer's load benchmark: `ngw2f dev` (the reference server) against its anchors —
// Flask's own dev server (what `ngw2f dev` replaces), gunicorn (1 sync worker) with the bare
// WSGI app and with Flask, raw `Deno.serve`, and nginx's `return 200` as the ceiling.
//
//   deno run -A bench/gateway.ts [--seconds 5] [--rounds 3] [--connections 64]
//
// Needs wrk, and for the anchors nginx, gunicorn and python3-flask (Debian packages); a case
// whose program is missing is skipped. Writes bench/results/gateway.md.

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
  table,
} from "./_load.ts";

const root = new URL("..", import.meta.url).pathname;
const { seconds, rounds, connections, only } = benchArgs();
const deno = Deno.execPath();

const ngw2f = (app: string, extra: string[] = []): BenchCase["args"] => (port) => [
  "run",
  "-A",
  `${root}main.ts`,
  "dev",
  "--no-access-log",
  "--log-level",
  "warning",
  "-b",
  `127.0.0.1:${port}`,
  ...extra,
  `${root}${app}`,
];

const cases: BenchCase[] = [
  { name: "ngw2f dev, hello", cmd: deno, args: ngw2f("examples/part-II-gateway/app.ts") },
  {
    name: "ngw2f dev, classic hello",
    cmd: deno,
    args: ngw2f("examples/part-II-gateway/classic.ts"),
  },
  {
    name: "ngw2f dev, middleware chain",
    cmd: deno,
    args: ngw2f("examples/part-II-gateway/middleware.ts"),
  },
  {
    name: "Deno.serve, hello",
    cmd: deno,
    args: (port) => ["run", "-A", `${root}bench/anchors/deno_hello.ts`, String(port)],
  },
  {
    name: "deno serve, part II app",
    cmd: deno,
    args: (port) => [
      "serve",
      "-A",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      `${root}examples/part-II-gateway/app.ts`,
    ],
  },
];
// The Flask dev server runs on the Python gunicorn runs on (Debian's, with python3-flask).
const python = anchorPython();
if (pythonPackageVersion(python, "flask")) {
  cases.push({
    name: "Flask dev server (werkzeug), hello",
    cmd: python,
    args: (port) => [`${root}bench/anchors/flask_hello.py`, String(port)],
  });
}
if (has("gunicorn")) {
  cases.push(
    {
      name: "gunicorn -w1 sync, WSGI hello",
      cmd: "gunicorn",
      args: (
        port,
      ) => ["-w", "1", "-b", `127.0.0.1:${port}`, "--log-level", "warning", "wsgi_hello"],
      cwd: `${root}bench/anchors`,
    },
    {
      name: "gunicorn -w1 sync, Flask hello",
      cmd: "gunicorn",
      args: (port) => [
        "-w",
        "1",
        "-b",
        `127.0.0.1:${port}`,
        "--log-level",
        "warning",
        "flask_hello:app",
      ],
      cwd: `${root}bench/anchors`,
    },
  );
}
if (has("nginx")) {
  cases.push({
    name: "nginx 1 worker, return 200",
    cmd: "nginx",
    args: (port, dir) => {
      const conf = Deno.readTextFileSync(`${root}bench/anchors/nginx.conf`)
        .replaceAll("PREFIX", dir).replaceAll("PORT", String(port));
      Deno.writeTextFileSync(`${dir}/nginx.conf`, conf);
      return ["-p", dir, "-c", `${dir}/nginx.conf`];
    },
  });
}

const selected = only ? cases.filter((c) => c.name.includes(only!)) : cases;
const results: BenchResult[] = [];
for (const bench of selected) {
  const runs: BenchResult[] = [];
  for (let round = 0; round < rounds; round++) {
    runs.push(await measure(bench, { seconds, connections }));
  }
  const result = median(runs);
  results.push(result);
  console.error(
    `${bench.name}: ${Math.round(result.rps)} req/s, ${
      result.cpuUsPerRequest.toFixed(1)
    } µs CPU/req`,
  );
}

const cpu = cpuModel();
const report = `# Gateway layer: the reference server (\`ngw2f dev\`) and its anchors

Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${cpu}
(${navigator.hardwareConcurrency} cores), Deno ${Deno.version.deno}. \`wrk -t1 -c${connections} -d${seconds}s\`
on loopback, median of ${rounds} rounds by req/s; µs CPU/req is the server's utime+stime (all its
processes) over the run ÷ requests. All cases answer the same 14-byte \`Hello, World!\\n\`.

${table(results, "ngw2f dev, hello")}

Reproduce: \`deno run -A bench/gateway.ts --seconds ${seconds} --rounds ${rounds}\`.
`;
console.log(report);
await Deno.mkdir(`${root}bench/results`, { recursive: true });
await Deno.writeTextFile(`${root}bench/results/gateway.md`, report);
