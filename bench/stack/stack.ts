// deno-lint-ignore-file no-console
// The whole stack, layer by layer: the talk's nginx → gunicorn → Flask against `ngw2f up`, and
// each side swapped alone (nginx → `ngw2f serve`, `ngw2f proxy` → gunicorn), on two pages: the
// hello and a rendered template (a layout, a loop over 20 items, autoescaped values; the same
// template for Jinja2 and Nunjucks: bench/anchors/stack_templates/). Same worker counts
// everywhere (proxy 2, app server 2); gunicorn listens on a unix socket, `ngw2f serve` on a
// loopback port (see below); the proxy keeps connections to it alive where it can (gunicorn's
// sync workers close each one). µs CPU/req and
// RSS count every process of the stack: the process trees of all the processes a case starts.
// Bounds measured in the same rounds: a bare-minimum proxy in Deno in front of `ngw2f serve`
// (both pages), and the floor (hello): raw `Deno.serve` behind a do-nothing byte relay and
// behind nginx. Each case is also compared with the talk's stack round by round.
//
//   deno run -A bench/stack/stack.ts [--seconds 5] [--rounds 3] [--connections 64] [--only TEXT]
//
// Needs wrk, nginx, gunicorn and Flask (Debian packages). Run by hand, not in CI. Writes
// bench/results/stack.md and bench/results/stack.svg.

import {
  anchorPython,
  benchArgs,
  cpuModel,
  freePort,
  has,
  loadAverage,
  medianOf,
  pythonPackageVersion,
  serveArgs,
  sh,
  writeProxyConfig,
} from "../_load.ts";
import { barChart, type BarGroup } from "./_chart.ts";
import { measureStackRounds, type ProcessSpec, type StackCase, type StackRow } from "./_measure.ts";

const root = new URL("../..", import.meta.url).pathname;
const anchors = `${root}bench/anchors`;
const { seconds, rounds, connections, only } = benchArgs();
const deno = Deno.execPath();
const WORKERS = 2;

// Where the app server listens. gunicorn's sync workers all accept on one unix socket (its best
// setup); a unix path takes one listener in Deno, so only one of `ngw2f serve`'s thread workers
// could serve it: ngw2f's app server listens on loopback TCP, where every worker takes connections
// (SO_REUSEPORT). The same ADDRESS syntax works for gunicorn -b, nginx's and ngw2f's `server`.
const unixSocket = (dir: string) => `unix:${dir}/app.sock`;
const loopbackPort = () => `127.0.0.1:${freePort()}`;

// The app servers, on ADDRESS.
const gunicorn = (app: string): ProcessSpec => ({
  label: "gunicorn",
  cmd: "gunicorn",
  cwd: anchors,
  args: [
    "-w",
    String(WORKERS),
    "-k",
    "sync",
    "-b",
    app,
    "--log-level",
    "warning",
    "stack_flask:app",
  ],
});
const ngw2fServe = (app: string): ProcessSpec => ({
  label: "ngw2f serve",
  cmd: deno,
  cwd: root,
  args: serveArgs(app, WORKERS, `${anchors}/stack_app.ts`),
});

// The proxies, on 127.0.0.1:PORT → the app server at ADDRESS. nginx's workers run as the user running the
// bench (started as root they would be `nobody`, and the app server's socket is not theirs).
const user = new TextDecoder().decode(new Deno.Command("id", { args: ["-un"] }).outputSync().stdout)
  .trim();
const nginx = (port: number, dir: string, app: string): ProcessSpec => {
  const conf = Deno.readTextFileSync(`${anchors}/stack_nginx.conf`)
    .replaceAll("USER", user).replaceAll("WORKERS", String(WORKERS)).replaceAll("PREFIX", dir)
    .replaceAll("SERVER", app).replaceAll("PORT", String(port));
  Deno.writeTextFileSync(`${dir}/nginx.conf`, conf);
  return { label: "nginx", cmd: "nginx", args: ["-p", dir, "-c", `${dir}/nginx.conf`] };
};
/** An ngw2f.toml for `ngw2f proxy` (and, with `app`, for `ngw2f up`). */
const ngw2fConfig = (port: number, dir: string, upstream: string, app: boolean): string =>
  writeProxyConfig(
    dir,
    port,
    upstream,
    WORKERS,
    app
      ? [
        "[app]",
        `module = "${anchors}/stack_app.ts"`,
        `bind = ["${upstream}"]`,
        `workers = ${WORKERS}`,
        `log_level = "warning"`,
      ]
      : [],
  );
const ngw2fProxy = (port: number, dir: string, app: string): ProcessSpec => ({
  label: "ngw2f proxy",
  cmd: deno,
  cwd: root,
  args: ["run", "-A", `${root}main.ts`, "proxy", "-c", ngw2fConfig(port, dir, app, false)],
});
const ngw2fUp = (port: number, dir: string, app: string): ProcessSpec => ({
  label: "ngw2f up",
  cmd: deno,
  cwd: root,
  args: ["run", "-A", `${root}main.ts`, "up", "-c", ngw2fConfig(port, dir, app, true)],
});

// The floor of any stack built on Deno with these worker counts (hello page only): a proxy that
// only relays bytes (no parsing, no pool: bench/anchors/deno_relay.ts) in front of raw
// `Deno.serve` answering a constant hello (bench/anchors/deno_hello_workers.ts); and raw
// `Deno.serve` behind nginx. Neither is a stack a user would run: they bound what one can reach.
const rawHello = (app: string): ProcessSpec => ({
  label: "raw Deno.serve",
  cmd: deno,
  cwd: root,
  args: ["run", "-A", `${anchors}/deno_hello_workers.ts`, app.split(":")[1], String(WORKERS)],
});
const relay = (port: number, _dir: string, app: string): ProcessSpec => ({
  label: "byte relay",
  cmd: deno,
  cwd: root,
  args: ["run", "-A", `${anchors}/deno_relay.ts`, String(port), app.split(":")[1], String(WORKERS)],
});

const lean = (port: number, _dir: string, app: string): ProcessSpec => ({
  label: "bare-minimum proxy",
  cmd: deno,
  cwd: root,
  args: [
    "run",
    "-A",
    `${anchors}/deno_lean_proxy.ts`,
    String(port),
    app.split(":")[1],
    String(WORKERS),
  ],
});

/** A stack's processes: `server` on a free loopback port, `proxy` in front of it. */
const behind = (
  server: (app: string) => ProcessSpec,
  proxy: (port: number, dir: string, app: string) => ProcessSpec,
) =>
(port: number, dir: string): ProcessSpec[] => {
  const app = loopbackPort();
  return [server(app), proxy(port, dir, app)];
};

const TALK = "nginx → gunicorn → Flask";
const FLOOR = "floor: byte relay (Deno) → raw Deno.serve";
const BARE = "bare-minimum proxy (Deno) → ngw2f serve → framework";
const UP = "ngw2f up (proxy → serve → framework)";
const PAGES = [
  ["Hello", "/"],
  ["Template page (layout, 20-item loop, autoescape)", "/items"],
] as const;
const cases: StackCase[] = [];
for (const [group, path] of PAGES) {
  const base = { group, path };
  const python = has("gunicorn");
  if (python && has("nginx")) {
    cases.push({
      ...base,
      name: TALK,
      processes: (port, dir) => [gunicorn(unixSocket(dir)), nginx(port, dir, unixSocket(dir))],
    });
  }
  cases.push({ ...base, name: UP, processes: (port, dir) => [ngw2fUp(port, dir, loopbackPort())] });
  if (has("nginx")) {
    cases.push({
      ...base,
      name: "nginx → ngw2f serve → framework",
      processes: behind(ngw2fServe, nginx),
    });
  }
  if (python) {
    cases.push({
      ...base,
      name: "ngw2f proxy → gunicorn → Flask",
      processes: (port, dir) => [gunicorn(unixSocket(dir)), ngw2fProxy(port, dir, unixSocket(dir))],
    });
  }
  // A proxy that does a GET's bare minimum in Deno (parse, rebuild, pool, response head
  // rewritten; no locations, timeouts, retries or logs): what a proxy in Deno could reach.
  cases.push({ ...base, name: BARE, processes: behind(ngw2fServe, lean) });
  if (path === "/") {
    cases.push({ ...base, name: FLOOR, processes: behind(rawHello, relay) });
    if (has("nginx")) {
      cases.push({
        ...base,
        name: "floor: nginx → raw Deno.serve",
        processes: behind(rawHello, nginx),
      });
    }
  }
}

const selected = only
  ? cases.filter((c) => c.group.includes(only!) || c.name.includes(only!))
  : cases;
const loadBefore = loadAverage();
const rows: StackRow[] = await measureStackRounds(selected, { rounds, seconds, connections });
const loadAfter = loadAverage();

const ratio = (n?: number) => (n === undefined || !Number.isFinite(n) ? "" : n.toFixed(2) + "×");
const groups = [...new Set(selected.map((c) => c.group))];
const tables = groups.map((group) => {
  const mine = rows.filter((r) => r.stack.group === group);
  const base = mine.find((r) => r.stack.name === TALK)?.result;
  return [
    `### ${group}: \`GET ${mine[0].stack.path}\` (anchor: ${TALK})`,
    "",
    "| case | req/s | vs talk | p50 / p99 ms | p99 vs talk | RSS MiB (procs) | µs CPU/req | " +
    "CPU/req vs talk | req/s spread | errors |",
    "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ...mine.map(({ result: r, spread }) =>
      `| ${r.name} | ${Math.round(r.rps).toLocaleString("en")} | ${
        ratio(base && r.rps / base.rps)
      } | ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} | ${ratio(base && r.p99 / base.p99)} | ` +
      `${r.rssMiB.toFixed(0)} (${r.processes}) | ${r.cpuUsPerRequest.toFixed(1)} | ` +
      `${ratio(base && r.cpuUsPerRequest / base.cpuUsPerRequest)} | ` +
      `±${(spread * 50).toFixed(0)}% | ${r.errors} |`
    ),
  ].join("\n");
});

// The issue's goal: ngw2f up ≥ 5× the talk's stack in req/s at ≤ 1/3 of its p99.
const goal = groups.map((group) => {
  const talk = rows.find((r) => r.stack.group === group && r.stack.name === TALK)?.result;
  const up = rows.find((r) => r.stack.group === group && r.stack.name === UP)?.result;
  if (!talk || !up) return `- ${group}: not measured (both stacks are needed).`;
  const speed = up.rps / talk.rps;
  const tail = up.p99 / talk.p99;
  const met = speed >= 5 && tail <= 1 / 3;
  return `- ${group}: ${speed.toFixed(2)}× the req/s (goal ≥ 5×) at ${tail.toFixed(2)}× the p99 ` +
    `(goal ≤ 0.33×): **${met ? "met" : "not met"}**` +
    (met ? "." : ` (${
      [speed < 5 ? "req/s short" : "", tail > 1 / 3 ? "p99 too high" : ""]
        .filter(Boolean).join(", ")
    }).`) + perRound(group);
});

/**
 * The ratios of `up` to the talk's stack round by round: each round ran both within a minute,
 * which a machine whose speed drifts between rounds does not disturb as much as it does the
 * medians' ratio above.
 */
function perRound(group: string): string {
  const of = (name: string) =>
    rows.find((r) => r.stack.group === group && r.stack.name === name)?.rounds ?? [];
  const talk = of(TALK);
  const up = of(UP);
  if (talk.length !== up.length || talk.length < 2) return "";
  const list = (values: number[]) =>
    `${values.map((v) => v.toFixed(2)).join(", ")} (median ${medianOf(values).toFixed(2)})`;
  return ` Round by round, req/s: ${list(up.map((u, i) => u.rps / talk[i].rps))}; ` +
    `p99: ${list(up.map((u, i) => u.p99 / talk[i].p99))}.`;
}

// Every case against the talk's stack round by round (each round ran all cases back to back):
// which stacks reach the goal's line on this machine, and how often.
const byRound = groups.map((group) => {
  const talk = rows.find((r) => r.stack.group === group && r.stack.name === TALK)?.rounds;
  if (!talk || talk.length < 2) return "";
  const span = (values: number[]) =>
    `${medianOf(values).toFixed(2)}× (${Math.min(...values).toFixed(2)}–${
      Math.max(...values).toFixed(2)
    })`;
  const lines = rows.filter((r) => r.stack.group === group && r.stack.name !== TALK).map(
    ({ stack, rounds: mine }) => {
      const speed = mine.map((r, i) => r.rps / talk[i].rps);
      const tail = mine.map((r, i) => r.p99 / talk[i].p99);
      const met = speed.filter((v, i) => v >= 5 && tail[i] <= 1 / 3).length;
      return `| ${stack.name} | ${span(speed)} | ${span(tail)} | ${met} of ${mine.length} |`;
    },
  );
  return [
    `${group}, each case against the talk's stack in the same round: median (min–max).`,
    "",
    "| case | req/s vs talk | p99 vs talk | rounds at the goal (≥ 5×, ≤ 0.33×) |",
    "|---|---:|---:|---:|",
    ...lines,
  ].join("\n");
}).filter(Boolean);

const cpu = cpuModel();
const versions = [
  `Deno ${Deno.version.deno}`,
  sh("nginx -v 2>&1 | cut -d' ' -f3 | tr / ' '"),
  sh("gunicorn --version 2>&1 | sed 's/[()]//g; s/version //'"),
  ...["Flask", "Jinja2"].map((name) => {
    const version = pythonPackageVersion(anchorPython(), name.toLowerCase());
    return version && `${name} ${version}`;
  }),
].filter(Boolean).join(", ");
const date = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
const command = `deno run -A bench/stack/stack.ts --seconds ${seconds} --rounds ${rounds} ` +
  `--connections ${connections}${only ? ` --only '${only}'` : ""}`;

const report = `# The whole stack: the talk's nginx → gunicorn → Flask against ngw2f

Measured ${date} on ${cpu} (${navigator.hardwareConcurrency} cores), ${versions}.
\`wrk -t1 -c${connections} -d${seconds}s\` on loopback against the proxy on 127.0.0.1, after a 1 s
warm-up; ${rounds} rounds interleaved over all cases, median round by req/s. Every case runs 2 proxy
workers and 2 app-server workers; gunicorn listens on a unix socket (its 2 sync workers share it),
\`ngw2f serve\` on a loopback port (a unix socket has one listener in Deno, so only 1 of its 2 thread
workers could serve it; on a port every worker listens with SO_REUSEPORT). µs CPU/req is utime+stime
summed over the process trees of every process the case starts (proxy master + workers, app master +
workers) ÷ requests; RSS is summed over the same processes (shared pages counted once per process).
Load average ${loadBefore} before, ${loadAfter} after.

- nginx: bench/anchors/stack_nginx.conf (upstream: the app server's socket or port, keepalive 64,
  HTTP/1.1).
- gunicorn: \`-w 2 -k sync\`, bench/anchors/stack_flask.py; sync workers close every connection,
  so neither proxy can keep one alive to it.
- \`ngw2f serve -w 2\` (thread workers, its default): bench/anchors/stack_app.ts.
- \`ngw2f proxy\` / \`ngw2f up\`: an upstream group on the app server's address with keepalive 64,
  \`proxy_set_header Host $host\`, its defaults otherwise; \`up\` runs the [app] table too.
- Template page: bench/anchors/stack_templates/ (stack_items.html extends stack_layout.html),
  rendered per request by Jinja2 (\`render_template\`) and by Nunjucks (\`c.render\`). Both give the
  same 3.5 KB page; they differ only in how \`"\` is escaped (\`&#34;\` / \`&quot;\`).
- The floor (hello only; not stacks anyone would run, but what a stack can reach here at best):
  raw \`Deno.serve\` answering a constant hello (bench/anchors/deno_hello_workers.ts, 2 workers)
  behind a byte relay (bench/anchors/deno_relay.ts, 2 workers: bytes passed on as they come, no
  parsing, one upstream connection per client connection) and behind nginx.

${tables.join("\n\n")}

## The goal (issue): ngw2f up ≥ 5× the talk's req/s at ≤ 1/3 of its p99

${goal.join("\n")}

${byRound.join("\n\n")}

![req/s per case](stack.svg)

Command: \`${command}\`
`;

const chartGroups: BarGroup[] = groups.map((group) => {
  const mine = rows.filter((r) => r.stack.group === group);
  const base = mine.find((r) => r.stack.name === TALK)?.result;
  return {
    title: group === PAGES[0][0] ? "Hello (GET /)" : "Template page (GET /items)",
    bars: mine.map(({ result: r }) => ({
      name: r.name,
      rps: r.rps,
      ratio: base ? r.rps / base.rps : NaN,
      p99: r.p99,
    })),
  };
});
const svg = barChart(chartGroups, "nginx → gunicorn → Flask vs ngw2f, layer by layer", [
  `Measured ${date} on ${cpu} (${navigator.hardwareConcurrency} cores), Debian.`,
  versions + ".",
  `wrk -t1 -c${connections} -d${seconds}s on loopback, median of ${rounds} rounds. Every case:`,
  "2 proxy workers + 2 app-server workers (gunicorn on a unix socket, ngw2f serve on a port).",
  "Goal (issue): ngw2f up ≥ 5× the talk's req/s at ≤ 1/3 of its p99.",
  "Numbers, CPU and memory: bench/results/stack.md",
]);

await Deno.writeTextFile(`${root}bench/results/stack.md`, report);
await Deno.writeTextFile(`${root}bench/results/stack.svg`, svg);
console.log(report);
