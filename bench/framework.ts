// deno-lint-ignore-file no-console
// The framework layer's load benchmark: the talk's hello and one route of a 50-route app
// (`/r25/items/42` → `{"route":25,"id":42}`), written with the framework
// (bench/anchors/framework_app.ts), with Hono (bench/anchors/hono_app.ts) and by hand on the
// gateway (bench/anchors/deno_hello.ts, hello only), each under raw `Deno.serve` (one thread),
// plus the framework under `ngw2f serve -w1` and Flask under gunicorn -w1 (sync worker,
// bench/anchors/flask_routes.py). Anchor: Hono.
//
//   deno run -A bench/framework.ts [--seconds 5] [--rounds 3] [--connections 64] [--only TEXT]
//
// Needs wrk, and gunicorn + python3-flask (Debian packages) for the Flask rows. Run by hand, not
// in CI. Writes bench/results/framework.md.

import {
  benchArgs,
  type BenchCase,
  groupTable,
  has,
  loadAverage,
  measureRounds,
  type Row,
  serveArgs,
} from "./_load.ts";

const root = new URL("..", import.meta.url).pathname;
const anchors = `${root}bench/anchors`;
const { seconds, rounds, connections, only } = benchArgs();
const deno = Deno.execPath();

interface FrameworkCase extends BenchCase {
  group: string;
}

const denoServe = (app: string): BenchCase["args"] => (port) => [
  "run",
  "-A",
  `${anchors}/deno_serve_app.ts`,
  String(port),
  `${anchors}/${app}`,
];
const ngw2f: BenchCase["args"] = (port) =>
  serveArgs(`127.0.0.1:${port}`, 1, `${anchors}/framework_app.ts`);
const gunicorn: BenchCase["args"] = (port) => [
  "-w",
  "1",
  "-b",
  `127.0.0.1:${port}`,
  "--log-level",
  "warning",
  "flask_routes:app",
];

const ANCHOR = "Hono, Deno.serve";
const cases: FrameworkCase[] = [];
for (
  const [group, path] of [["Hello", "/"], ["1 of 50 routes, int param, JSON", "/r25/items/42"]]
) {
  const base = { group, path };
  cases.push(
    {
      ...base,
      name: "framework, Deno.serve",
      cmd: deno,
      cwd: root,
      args: denoServe("framework_app.ts"),
    },
    { ...base, name: ANCHOR, cmd: deno, cwd: root, args: denoServe("hono_app.ts") },
    { ...base, name: "framework, ngw2f serve -w1", cmd: deno, cwd: root, args: ngw2f },
  );
  if (path === "/") {
    cases.push({
      ...base,
      name: "hand-written gateway app, Deno.serve",
      cmd: deno,
      args: (port) => ["run", "-A", `${anchors}/deno_hello.ts`, String(port)],
    });
  }
  if (has("gunicorn")) {
    cases.push({
      ...base,
      name: "Flask, gunicorn -w1",
      cmd: "gunicorn",
      cwd: anchors,
      args: gunicorn,
    });
  }
}

const selected = only
  ? cases.filter((c) => c.group.includes(only!) || c.name.includes(only!))
  : cases;
const loadBefore = loadAverage();
const rows: Row<FrameworkCase>[] = await measureRounds(selected, { rounds, seconds, connections });
const loadAfter = loadAverage();
const groups = [...new Set(selected.map((c) => c.group))];
const tables = groups.map((group) => groupTable(rows, group, ANCHOR));
const report = `# Framework layer: against Hono and Flask

Measured ${
  new Date().toISOString().slice(0, 16).replace("T", " ")
} UTC (${navigator.hardwareConcurrency} cores),
Deno ${Deno.version.deno}. \`wrk -t1 -c${connections} -d${seconds}s\` on loopback after a 1 s
warm-up; ${rounds} rounds interleaved over all cases, median round by req/s. µs CPU/req is the
server's utime+stime over its process tree ÷ requests. Load average ${loadBefore} before,
${loadAfter} after.

${tables.join("\n\n")}

Command: \`deno run -A bench/framework.ts --seconds ${seconds} --rounds ${rounds} --connections ${connections}${
  only ? ` --only '${only}'` : ""
}\`
`;
await Deno.writeTextFile(`${root}bench/results/framework.md`, report);
console.log(report);
