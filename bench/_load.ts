// Shared by the bench/ scripts: start a server, drive it with wrk, measure the server's CPU and
// memory from /proc, print and save a table. Load stays on loopback; every run is bounded.

import { parseArgs } from "node:util";

const decoder = new TextDecoder();

/** The bench scripts' shared options: --seconds (≤ 30), --rounds (≤ 9), --connections, --only. */
export function benchArgs(): {
  seconds: number;
  rounds: number;
  connections: number;
  only?: string;
} {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "5" },
      rounds: { type: "string", default: "3" },
      connections: { type: "string", default: "64" },
      only: { type: "string" },
    },
  });
  return {
    seconds: Math.min(Number(values.seconds), 30),
    rounds: Math.min(Number(values.rounds), 9),
    connections: Number(values.connections),
    only: values.only,
  };
}

/** Whether a program is on the PATH (a case whose program is missing is skipped). */
export function has(program: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${program}`] }).outputSync().success;
  } catch {
    return false;
  }
}
const TICKS_PER_SECOND = 100;

/** A server to measure. */
export interface BenchCase {
  name: string;
  cmd: string;
  args: (port: number, dir: string) => string[];
  env?: Record<string, string>;
  cwd?: string;
  /** The path wrk requests; default "/". */
  path?: string;
  /**
   * Request headers wrk adds ("Name: value"), or a function giving them once the server
   * listens (e.g. an ETag read from it for a conditional request).
   */
  headers?: string[] | ((port: number) => Promise<string[]>);
}

/** One measured run. */
export interface BenchResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  rssMiB: number;
  cpuUsPerRequest: number;
  requests: number;
  errors: number;
}

/** The output of shell `command`, trimmed; `""` when it cannot run. For report headers. */
export function sh(command: string): string {
  try {
    return decoder.decode(
      new Deno.Command("sh", { args: ["-c", command], stderr: "null" }).outputSync().stdout,
    ).trim();
  } catch {
    return "";
  }
}

/**
 * The Python the anchors run on: the interpreter named by gunicorn's shebang (Debian's
 * /usr/bin/python3 with its python3-flask), not whichever python3 comes first on the PATH
 * (a pyenv or venv one may hold other Flask versions). `""` without gunicorn.
 */
export function anchorPython(): string {
  return pythonOfGunicorn ??= sh(
    'head -1 "$(command -v gunicorn)" 2>/dev/null | sed -n "s/^#! *//p"',
  );
}
/** Looked up once per run. */
let pythonOfGunicorn: string | undefined;

/** The installed version of Python package `name` under `python`; `""` when absent. */
export function pythonPackageVersion(python: string, name: string): string {
  if (!python) return "";
  return sh(`${python} -c 'from importlib.metadata import version; print(version("${name}"))'`);
}

/** The CPU's model name, for report headers. */
export function cpuModel(): string {
  return sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2");
}

/** The load averages (1, 5, 15 min) as `"0.84 1.90 2.36"`, for report headers. */
export function loadAverage(): string {
  return Deno.loadavg().map((n) => n.toFixed(2)).join(" ");
}

/** A TCP port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/**
 * The `deno` arguments that run `ngw2f serve` (this checkout's main.ts) as the benches do: `workers`
 * workers on `bind`, warnings only, `extra` flags, then the app `module`.
 */
export function serveArgs(
  bind: string,
  workers: number,
  module: string,
  extra: string[] = [],
): string[] {
  return [
    "run",
    "-A",
    "--unstable-net",
    new URL("../main.ts", import.meta.url).pathname,
    "serve",
    "--log-level",
    "warning",
    "-b",
    bind,
    "-w",
    String(workers),
    ...extra,
    module,
  ];
}

/**
 * Writes the benches' `ngw2f proxy` config to `dir`/ngw2f.toml and returns its path: `workers`
 * workers listening on 127.0.0.1:`port`, one upstream group on `upstream` (keepalive 64, `Host
 * $host`, the defaults otherwise), no access log; `more` lines (TOML tables) at the end.
 */
export function writeProxyConfig(
  dir: string,
  port: number,
  upstream: string,
  workers: number,
  more: string[] = [],
): string {
  const file = `${dir}/ngw2f.toml`;
  Deno.writeTextFileSync(
    file,
    [
      `workers = ${workers}`,
      `pid = "${dir}/proxy.pid"`,
      `error_log = "- warn"`,
      `access_log = "off"`,
      "[upstream.app]",
      `server = ["${upstream}"]`,
      "keepalive = 64",
      "[[server]]",
      `listen = "127.0.0.1:${port}"`,
      "[[server.location]]",
      'match = "/"',
      'proxy_pass = "http://app"',
      'proxy_set_header = { Host = "$host" }',
      ...more,
    ].join("\n") + "\n",
  );
  return file;
}

/** Waits until something accepts connections on loopback `port`. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`Nothing listened on port ${port} within ${timeoutMs} ms`);
}

/** The pids of `roots` and of all their descendants, read from /proc. */
function descendants(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry.name)]);
    } catch { /* gone */ }
  }
  const out = [...roots];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return [...new Set(out)];
}

/**
 * utime+stime (in seconds), RSS (MiB) and the number of processes, summed over `roots` (pids)
 * and all their descendants.
 */
export function usage(roots: number[]): { cpu: number; rss: number; processes: number } {
  let ticks = 0;
  let rssKiB = 0;
  let processes = 0;
  for (const p of descendants(roots)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${p}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
      const status = Deno.readTextFileSync(`/proc/${p}/status`);
      rssKiB += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      processes++;
    } catch { /* gone */ }
  }
  return { cpu: ticks / TICKS_PER_SECOND, rss: rssKiB / 1024, processes };
}

function ms(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}

/** Runs wrk against `port`; `seconds` bounds the run. */
export async function wrk(
  port: number,
  options: { seconds: number; connections: number; path?: string; headers?: string[] },
) {
  const output = await new Deno.Command("wrk", {
    args: [
      "-t1",
      ...(options.headers ?? []).flatMap((header) => ["-H", header]),
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--latency",
      `http://127.0.0.1:${port}${options.path ?? "/"}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = decoder.decode(output.stdout);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? "0";
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(text)?.[1] ?? 0),
    p50: ms(/\s50%\s+(\S+)/.exec(text)?.[1] ?? ""),
    p99: ms(/\s99%\s+(\S+)/.exec(text)?.[1] ?? ""),
    errors: Number(errors) + (socket ? socket.slice(1).map(Number).reduce((a, b) => a + b) : 0),
    raw: text,
  };
}

/**
 * One second of wrk to warm `port` up, then one measured run; CPU and RSS from the process trees
 * of `pids` over the measured run.
 */
export async function warmAndMeasure(
  name: string,
  port: number,
  pids: number[],
  options: { seconds: number; connections: number; path?: string; headers?: string[] },
): Promise<BenchResult & { processes: number }> {
  await wrk(port, { ...options, seconds: 1 });
  const before = usage(pids);
  const run = await wrk(port, options);
  const after = usage(pids);
  return {
    name,
    rps: run.rps,
    p50: run.p50,
    p99: run.p99,
    rssMiB: after.rss,
    cpuUsPerRequest: run.requests ? ((after.cpu - before.cpu) * 1e6) / run.requests : NaN,
    requests: run.requests,
    errors: run.errors,
    processes: after.processes,
  };
}

/** Starts `bench`, warms it up, measures one wrk run, stops it (by its pid). */
export async function measure(
  bench: BenchCase,
  options: { seconds: number; connections: number },
): Promise<BenchResult> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-bench-" });
  const child = new Deno.Command(bench.cmd, {
    args: bench.args(port, dir),
    env: bench.env,
    cwd: bench.cwd,
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  try {
    await waitForPort(port, 15_000);
    const headers = typeof bench.headers === "function" ? await bench.headers(port) : bench.headers;
    const { processes: _, ...result } = await warmAndMeasure(bench.name, port, [child.pid], {
      ...options,
      path: bench.path,
      headers,
    });
    return result;
  } catch (error) {
    throw new Error(
      `${bench.name}: ${(error as Error).message}\n${await Promise.race([stderr, ""])}`,
    );
  } finally {
    await stopChild(child);
    await stderr;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Stops a process the bench started, by its pid: SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 5_000);
  await child.status;
  clearTimeout(timer);
}

/** Formats results as a markdown table with ratios against `baseline`. */
export function table(results: BenchResult[], baseline: string): string {
  const base = results.find((r) => r.name === baseline);
  const rows = results.map((r) => {
    const ratio = base ? (r.rps / base.rps).toFixed(2) + "×" : "";
    const cpuRatio = base ? (r.cpuUsPerRequest / base.cpuUsPerRequest).toFixed(2) + "×" : "";
    return `| ${r.name} | ${Math.round(r.rps).toLocaleString("en")} | ${ratio} | ` +
      `${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} | ${r.rssMiB.toFixed(0)} | ` +
      `${r.cpuUsPerRequest.toFixed(1)} | ${cpuRatio} | ${r.errors} |`;
  });
  return [
    `| case | req/s | vs ${baseline} | p50 / p99 ms | RSS MiB | µs CPU/req | CPU vs ${baseline} | errors |`,
    "|---|---:|---:|---|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

/** The median of `values` (the mean of the middle two for an even count). */
export function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = sorted.length >> 1;
  return sorted.length % 2 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
}

/** The median result by req/s of several rounds of one case. */
export function median(results: BenchResult[]): BenchResult {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)];
}

/** A case that belongs to a table (`group`). */
export interface GroupedCase extends BenchCase {
  group: string;
}

/** One case's median round and the spread of its rounds. */
export interface Row<C extends GroupedCase> {
  bench: C;
  result: BenchResult;
  /** (max − min) / median of the rounds' req/s. */
  spread: number;
}

/**
 * Measures `cases` `rounds` times, interleaved (round 1 of every case, then round 2…) so a
 * burst of load from elsewhere hits all alike; logs each run; gives each case's median round.
 */
export async function measureRounds<C extends GroupedCase>(
  cases: C[],
  options: { rounds: number; seconds: number; connections: number; prepare?: (c: C) => C },
): Promise<Row<C>[]> {
  const runs = new Map<C, BenchResult[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const bench of cases) {
      const result = await measure(options.prepare ? options.prepare(bench) : bench, options);
      runs.get(bench)!.push(result);
      // deno-lint-ignore no-console
      console.error(
        `round ${round + 1}/${options.rounds} ${bench.group} | ${bench.name}: ` +
          `${Math.round(result.rps)} req/s, ${result.cpuUsPerRequest.toFixed(1)} µs CPU/req`,
      );
    }
  }
  return cases.map((bench) => {
    const all = runs.get(bench)!;
    const result = median(all);
    const rps = all.map((r) => r.rps);
    return { bench, result, spread: (Math.max(...rps) - Math.min(...rps)) / result.rps };
  });
}

const ratio = (n?: number) => (n === undefined || !Number.isFinite(n) ? "" : n.toFixed(2) + "×");

/** The markdown table of `group`'s rows, with ratios against its `anchor` case. */
export function groupTable<C extends GroupedCase>(
  rows: Row<C>[],
  group: string,
  anchor: string,
): string {
  const mine = rows.filter((r) => r.bench.group === group);
  const base = mine.find((r) => r.bench.name === anchor)?.result;
  return [
    `### ${group} (anchor: ${anchor})`,
    "",
    "| case | req/s | vs anchor | p50 / p99 ms | RSS MiB | µs CPU/req | CPU/req vs anchor | " +
    "req/s spread | errors |",
    "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ...mine.map(({ result: r, spread }) =>
      `| ${r.name} | ${Math.round(r.rps).toLocaleString("en")} | ${
        ratio(base && r.rps / base.rps)
      } | ` +
      `${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} | ${r.rssMiB.toFixed(0)} | ` +
      `${r.cpuUsPerRequest.toFixed(1)} | ` +
      `${ratio(base && r.cpuUsPerRequest / base.cpuUsPerRequest)} | ` +
      `±${(spread * 50).toFixed(0)}% | ${r.errors} |`
    ),
  ].join("\n");
}
