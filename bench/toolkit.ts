// deno-lint-ignore-file no-console
// The toolkit layer's load benchmark: what the toolkit costs in a real server, side by side with
// what Werkzeug costs under gunicorn and with nginx's static handler.
//
// 1. A Werkzeug-style app (bench/anchors/toolkit_app.ts: `RequestWrapper`, the `RouteMap` with an
//    int converter, `json()`; `GET /users/42?fields=name` → `{"id":42,"fields":"name"}`, and a
//    404 path) under `ngw2f serve -w1` and `-w2`, under raw `Deno.serve` (no master), and the
//    same answers hand-written with no toolkit under raw `Deno.serve` (the toolkit's own cost);
//    anchor: the same app written with Werkzeug (bench/anchors/werkzeug_app.py) under gunicorn
//    sync workers.
// 2. Static files (1 KiB and 100 KiB, and a conditional request answered 304): the toolkit's
//    `sendFromDirectory` under `ngw2f serve -w1` (bench/anchors/toolkit_static.ts); anchor:
//    nginx with 1 worker (bench/anchors/nginx_static.conf); beside them Werkzeug's
//    SharedDataMiddleware under gunicorn -w1 and raw `Deno.serve` + `Deno.readFile`.
//
//   deno run -A bench/toolkit.ts [--seconds 5] [--rounds 3] [--connections 64] [--only TEXT]
//
// Rounds are interleaved (round 1 of every case, then round 2…), so a burst of load from
// elsewhere on the machine hits all cases alike; each row is the median round by req/s. --only
// keeps the cases whose group or name contains TEXT, plus each kept group's anchor. Needs wrk,
// and for the anchors nginx, gunicorn and python3-werkzeug (Debian packages); a case whose
// program is missing is skipped. Run by hand, not in CI. Writes bench/results/toolkit.md.

import {
  anchorPython,
  benchArgs,
  type BenchCase,
  cpuModel,
  groupTable,
  has,
  loadAverage,
  measureRounds,
  pythonPackageVersion,
  type Row,
  serveArgs,
  sh,
} from "./_load.ts";

const root = new URL("..", import.meta.url).pathname;
const anchors = `${root}bench/anchors`;
const { seconds, rounds, connections, only } = benchArgs();
const deno = Deno.execPath();

/** A case, the table it goes in, and what a correct answer looks like. */
interface ToolkitCase extends BenchCase {
  group: string;
  /** The status every measured response has (404 rows: not counted as errors). */
  status: number;
  /** The body a correct answer has, or its length in bytes. */
  body?: string | number;
  /** Also send `If-None-Match` with the ETag the server gives for the path. */
  conditional?: boolean;
}

// gunicorn runs the interpreter of its shebang: ask that one for Werkzeug.
const werkzeugVersion = pythonPackageVersion(anchorPython(), "werkzeug");

// The static files: printable bytes, so every server sends them as text/plain.
const staticDir = await Deno.makeTempDir({ prefix: "ngw2f-bench-static-" });
await Deno.chmod(staticDir, 0o755); // nginx's workers run as nobody when started by root
const FILES = { "1k.txt": 1024, "100k.txt": 100 * 1024 };
for (const [name, size] of Object.entries(FILES)) {
  const line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_=+.,;!?#\n";
  await Deno.writeTextFile(
    `${staticDir}/${name}`,
    line.repeat(Math.ceil(size / 64)).slice(0, size),
  );
  await Deno.chmod(`${staticDir}/${name}`, 0o644);
}
const env = { STATIC_DIR: staticDir };

const USER_PATH = "/users/42?fields=name";
const USER_BODY = '{"id":42,"fields":"name"}';
const MISSING_PATH = "/nothing/here";

const ngw2f = (workers: number, app: string): BenchCase["args"] => (port) =>
  serveArgs(`127.0.0.1:${port}`, workers, `${anchors}/${app}`, ["--graceful-timeout", "2"]);
const denoServe = (app: string): BenchCase["args"] => (port) => [
  "run",
  "-A",
  `${anchors}/deno_serve_app.ts`,
  String(port),
  `${anchors}/${app}`,
];
const gunicorn = (workers: number, app: string): BenchCase["args"] => (port) => [
  "-w",
  String(workers),
  "-b",
  `127.0.0.1:${port}`,
  "--log-level",
  "warning",
  `werkzeug_app:${app}`,
];
const nginx: BenchCase["args"] = (port, dir) => {
  const conf = Deno.readTextFileSync(`${anchors}/nginx_static.conf`)
    .replaceAll("PREFIX", dir).replaceAll("PORT", String(port)).replaceAll("ROOT", staticDir);
  Deno.writeTextFileSync(`${dir}/nginx.conf`, conf);
  return ["-p", dir, "-c", `${dir}/nginx.conf`];
};

/** Each group's anchor: its ratio columns divide by this case. */
const ANCHOR: Record<string, string> = {
  "App, 1 worker": "gunicorn -w1 + Werkzeug",
  "App, 404 path, 1 worker": "gunicorn -w1 + Werkzeug",
  "App, 2 workers": "gunicorn -w2 + Werkzeug",
  "Static 1 KiB, 1 worker": "nginx 1 worker",
  "Static 100 KiB, 1 worker": "nginx 1 worker",
  "Static 1 KiB, If-None-Match → 304, 1 worker": "nginx 1 worker",
};

const withWerkzeug = has("gunicorn") && werkzeugVersion !== "";
const cases: ToolkitCase[] = [];
{
  const app = (group: string, path: string, status: number, body?: string) => {
    const base = { group, path, status, body };
    cases.push(
      { ...base, name: "ngw2f serve -w1", cmd: deno, cwd: root, args: ngw2f(1, "toolkit_app.ts") },
      {
        ...base,
        name: "Deno.serve + toolkit app",
        cmd: deno,
        cwd: root,
        args: denoServe("toolkit_app.ts"),
      },
    );
    {
      cases.push({
        ...base,
        name: "Deno.serve, no toolkit",
        cmd: deno,
        cwd: root,
        args: denoServe("plain_app.ts"),
      });
    }
    if (withWerkzeug) {
      cases.push({
        ...base,
        name: ANCHOR[group],
        cmd: "gunicorn",
        cwd: anchors,
        args: gunicorn(1, "application"),
      });
    }
  };
  app("App, 1 worker", USER_PATH, 200, USER_BODY);
  app("App, 404 path, 1 worker", MISSING_PATH, 404);

  const two = { group: "App, 2 workers", path: USER_PATH, status: 200, body: USER_BODY };
  cases.push({
    ...two,
    name: "ngw2f serve -w2",
    cmd: deno,
    cwd: root,
    args: ngw2f(2, "toolkit_app.ts"),
  });
  if (withWerkzeug) {
    cases.push({
      ...two,
      name: ANCHOR[two.group],
      cmd: "gunicorn",
      cwd: anchors,
      args: gunicorn(2, "application"),
    });
  }

  const files = (group: string, file: keyof typeof FILES, conditional = false) => {
    const base = {
      group,
      path: `/static/${file}`,
      status: conditional ? 304 : 200,
      body: conditional ? 0 : FILES[file],
      conditional,
      env,
    };
    cases.push({
      ...base,
      name: "ngw2f serve -w1, sendFromDirectory",
      cmd: deno,
      cwd: root,
      args: ngw2f(1, "toolkit_static.ts"),
    });
    if (has("nginx")) cases.push({ ...base, name: ANCHOR[group], cmd: "nginx", args: nginx });
    if (withWerkzeug) {
      cases.push({
        ...base,
        name: "gunicorn -w1 + SharedDataMiddleware",
        cmd: "gunicorn",
        cwd: anchors,
        args: gunicorn(1, "static_app"),
      });
    }
    if (!conditional) {
      cases.push({
        ...base,
        name: "Deno.serve + Deno.readFile",
        cmd: deno,
        cwd: root,
        args: denoServe("deno_static.ts"),
      });
    }
  };
  files("Static 1 KiB, 1 worker", "1k.txt");
  files("Static 100 KiB, 1 worker", "100k.txt");
  files("Static 1 KiB, If-None-Match → 304, 1 worker", "1k.txt", true);
}

/**
 * Checks one answer of the freshly started server (status, body), and gives the headers wrk
 * sends: `If-None-Match` with the server's own ETag for conditional cases.
 */
function prepare(bench: ToolkitCase): ToolkitCase {
  return {
    ...bench,
    headers: async (port) => {
      const url = `http://127.0.0.1:${port}${bench.path}`;
      const first = await fetch(url);
      const body = await first.text();
      const etag = first.headers.get("etag");
      if (bench.conditional && etag === null) {
        throw new Error(`Cannot send a conditional request: ${url} gave no ETag`);
      }
      const headers = bench.conditional ? [`If-None-Match: ${etag}`] : [];
      const response = bench.conditional
        ? await fetch(url, { headers: { "if-none-match": etag! } })
        : null;
      await response?.body?.cancel();
      const status = response?.status ?? first.status;
      const wrong = status !== bench.status ||
        (typeof bench.body === "string" && !bench.conditional && body !== bench.body) ||
        (typeof bench.body === "number" && !bench.conditional && body.length !== bench.body);
      if (wrong) {
        throw new Error(
          `Cannot measure: ${url} gave ${status} and ${JSON.stringify(body.slice(0, 80))}, ` +
            `expected ${bench.status}`,
        );
      }
      return headers;
    },
  };
}

const selected = only
  ? cases.filter((c) =>
    c.group.includes(only!) || c.name.includes(only!) ||
    (c.name === ANCHOR[c.group] &&
      cases.some((o) => o.group === c.group && (o.name.includes(only!))))
  )
  : cases;

const loadBefore = loadAverage();
let measured: Row<ToolkitCase>[];
try {
  measured = await measureRounds(selected, { rounds, seconds, connections, prepare });
} finally {
  await Deno.remove(staticDir, { recursive: true }).catch(() => {});
}
const loadAfter = loadAverage();

// wrk counts every 4xx as an error: a 404 row's errors are what is left beyond the 404s.
const rows = measured.map(({ bench, result, spread }) => {
  const errors = bench.status >= 400 ? Math.max(0, result.errors - result.requests) : result.errors;
  return { bench, result: { ...result, errors }, spread };
});

const x = (n?: number) => (n === undefined || !Number.isFinite(n) ? "" : n.toFixed(2) + "×");
const find = (group: string, name: string) =>
  rows.find((r) => r.bench.group === group && r.bench.name === name)?.result;

const groups = [...new Set(rows.map((r) => r.bench.group))];

/** "A reaches X× B's req/s at Y× its CPU per request", or "" when one did not run. */
function compare(group: string, name: string, other: string): string {
  const a = find(group, name);
  const b = find(group, other);
  if (!a || !b) return "";
  return `${group}: \`${name}\` reaches ${x(a.rps / b.rps)} the req/s of \`${other}\` at ` +
    `${x(a.cpuUsPerRequest / b.cpuUsPerRequest)} its CPU per request`;
}

/** "A costs N µs CPU/req more than B" (the price of what A adds), or "". */
function extra(group: string, name: string, other: string, what: string): string {
  const a = find(group, name);
  const b = find(group, other);
  if (!a || !b) return "";
  return `${group}: ${what} costs ${
    (a.cpuUsPerRequest - b.cpuUsPerRequest).toFixed(1)
  } µs CPU per ` +
    `request (\`${name}\` ${a.cpuUsPerRequest.toFixed(1)} µs against \`${other}\` ` +
    `${b.cpuUsPerRequest.toFixed(1)} µs)`;
}

const APP = "App, 1 worker";
const NF = "App, 404 path, 1 worker";
const S1 = "Static 1 KiB, 1 worker";
const S100 = "Static 100 KiB, 1 worker";
const S304 = "Static 1 KiB, If-None-Match → 304, 1 worker";
const STATIC = "ngw2f serve -w1, sendFromDirectory";
const readings = [
  compare(APP, "ngw2f serve -w1", ANCHOR[APP]),
  compare(NF, "ngw2f serve -w1", ANCHOR[NF]),
  compare("App, 2 workers", "ngw2f serve -w2", ANCHOR["App, 2 workers"]),
  extra(APP, "Deno.serve + toolkit app", "Deno.serve, no toolkit", "the toolkit itself"),
  extra(APP, "ngw2f serve -w1", "Deno.serve + toolkit app", "the master and gateway context"),
  extra(NF, "Deno.serve + toolkit app", "Deno.serve, no toolkit", "the toolkit's 404 page"),
  compare(S1, STATIC, ANCHOR[S1]),
  compare(S1, STATIC, "Deno.serve + Deno.readFile"),
  compare(S100, STATIC, ANCHOR[S100]),
  compare(S100, STATIC, "Deno.serve + Deno.readFile"),
  compare(S304, STATIC, ANCHOR[S304]),
  compare(S1, "gunicorn -w1 + SharedDataMiddleware", ANCHOR[S1]),
].filter(Boolean);

const cpu = cpuModel();
const nginxVersion = sh("nginx -v 2>&1 | cut -d/ -f2");
const gunicornVersion = sh("gunicorn --version 2>/dev/null | grep -o '[0-9][0-9.]*'");
const versions = [
  `Deno ${Deno.version.deno}`,
  nginxVersion && `nginx ${nginxVersion}`,
  gunicornVersion && `gunicorn ${gunicornVersion}`,
  werkzeugVersion && `Werkzeug ${werkzeugVersion} (${anchorPython()})`,
].filter(Boolean);
const machine = `${cpu} (${navigator.hardwareConcurrency} cores), ${versions.join(", ")}`;
const command = `deno run -A bench/toolkit.ts --seconds ${seconds} --rounds ${rounds} ` +
  `--connections ${connections}${only ? ` --only '${only}'` : ""}`;
const worstSpread = Math.max(...rows.map((r) => r.spread));

const report = `# Toolkit layer: the toolkit in a real server, and its anchors

Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machine}.
\`wrk -t1 -c${connections} -d${seconds}s\` on loopback after a 1 s warm-up; ${rounds} round${
  rounds > 1 ? "s" : ""
} interleaved over all cases, median round by req/s. µs CPU/req is the server's utime+stime
summed over its process tree during the run ÷ requests; RSS is summed over the same processes.
"req/s spread" is ±half the range of the rounds' req/s around the median (the worst was ±${
  (worstSpread * 50).toFixed(0)
}%); load average ${loadBefore} before the run, ${loadAfter} after (other work shares this
machine). A 404 row's errors exclude the 404s themselves. Every server is started by the script on
a free port and checked with one request before it is measured.

The app (bench/anchors/toolkit_app.ts) answers \`GET ${USER_PATH}\` with \`${USER_BODY}\`
through \`RequestWrapper\`, the toolkit \`RouteMap\` (\`/users/<int:id>\`) and \`json()\`, and
\`GET ${MISSING_PATH}\` with the toolkit's 404 page; \`Deno.serve + toolkit app\` runs the same
module under raw \`Deno.serve\` (bench/anchors/deno_serve_app.ts, no master, no gateway context);
\`Deno.serve, no toolkit\` gives the same answers from a hand-written split, one regex and
\`JSON.stringify\` (bench/anchors/plain_app.ts). The anchor is the same app written with Werkzeug
(\`Request\`, \`Map\`/\`Rule\`, \`Response\`; bench/anchors/werkzeug_app.py) under gunicorn sync
workers. Static files come from one directory: the toolkit's \`sendFromDirectory\` under
\`ngw2f serve\` (bench/anchors/toolkit_static.ts: ETag, Last-Modified, ranges; files up to 64 KiB
read in one synchronous call, larger ones streamed in 64 KiB reads), nginx's static handler with
1 worker and \`sendfile on\` (bench/anchors/nginx_static.conf), Werkzeug's SharedDataMiddleware
under gunicorn -w1, and raw \`Deno.serve\` + \`Deno.readFile\` per request (no validators at all).
The 304 rows send \`If-None-Match\` with the ETag the server itself gave.

${groups.map((group) => groupTable(rows, group, ANCHOR[group])).join("\n\n")}

Command: \`${command}\`

Reading (computed from the tables above):

${readings.map((line) => `- ${line}.`).join("\n")}

Against gunicorn the toolkit wins on Deno's per-request cost, not on its own cleverness: a
Werkzeug request pays Python's WSGI environ, the wrappers and a new connection per request (sync
workers close keep-alive connections), so gunicorn is bounded far below wrk. Against nginx the
question is the reverse — how close a JavaScript file server gets to C with sendfile — and the
µs CPU/req column answers it better than req/s, because \`wrk -t1\` saturates near 130–170k req/s
on this ${navigator.hardwareConcurrency}-core machine and shares its cores with the server.
`;
console.log(report);
await Deno.mkdir(`${root}bench/results`, { recursive: true });
await Deno.writeTextFile(`${root}bench/results/toolkit.md`, report);
