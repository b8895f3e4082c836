// deno-lint-ignore-file no-console
// A/B of the reverse proxy under load, for changes to its hot path. Every candidate runs
// `ngw2f proxy` (2 workers, the stack bench's config) in front of one `ngw2f serve -w 2` (the
// stack's hello app), all at the same time, each on its own port; wrk visits them in turn,
// --cycles times for --seconds each, so one cycle measures every candidate within seconds. It
// reports µs CPU per request (the proxy's process tree) over all cycles and, cycle by cycle, each
// candidate's CPU per request against the first candidate's: on a machine whose speed drifts by a
// third within minutes, the median of those ratios repeats within a few per cent, where whole
// benchmark runs one after the other disagree by ±20%. The candidates idle while another is
// measured (nothing but their timers runs): fine for comparing versions of one proxy; the stack
// bench starts each stack alone instead, since idle neighbours of another kind would skew an anchor.
//
//   deno run -A bench/proxy_ab.ts [--cycles 10] [--seconds 2] [--connections 64] [--path /] REF...
//
// REF: a commit, branch or tag of this repository (checked out in a temporary git worktree that
// uses this checkout's node_modules), "." for the working tree, or "nginx" (2 workers,
// bench/anchors/nginx_proxy.conf) as a reference. Needs wrk and git (and nginx for "nginx").
// Prints its table and writes nothing. Example: `deno run -A bench/proxy_ab.ts HEAD . nginx`.

import { parseArgs } from "node:util";
import {
  cpuModel,
  freePort,
  has,
  loadAverage,
  medianOf,
  serveArgs,
  stopChild,
  usage,
  waitForPort,
  writeProxyConfig,
  wrk,
} from "./_load.ts";

const root = new URL("..", import.meta.url).pathname;
const anchors = `${root}bench/anchors`;
const deno = Deno.execPath();
const WORKERS = 2;

const { values, positionals: refs } = parseArgs({
  options: {
    cycles: { type: "string", default: "10" },
    seconds: { type: "string", default: "2" },
    connections: { type: "string", default: "64" },
    path: { type: "string", default: "/" },
  },
  allowPositionals: true,
});
const cycles = Math.min(Math.max(1, Number(values.cycles)), 40);
const seconds = Math.min(Math.max(1, Number(values.seconds)), 10);
const connections = Number(values.connections);
const path = values.path;
if (refs.length === 0 || !has("wrk") || !has("git")) {
  console.error("Usage: deno run -A bench/proxy_ab.ts [options] REF... (needs wrk and git)");
  Deno.exit(2);
}

/** A candidate proxy, up on its port. */
interface Candidate {
  name: string;
  port: number;
  child: Deno.ChildProcess;
  /** The temporary folder (config, worktree) to remove at the end. */
  dir: string;
  worktree: string | null;
  runs: { requests: number; cpu: number; rps: number; p99: number; errors: number }[];
}

function spawn(cmd: string, args: string[], cwd: string): Deno.ChildProcess {
  return new Deno.Command(cmd, { args, cwd, stdin: "null", stdout: "null", stderr: "null" })
    .spawn();
}

function git(...args: string[]): void {
  const out = new Deno.Command("git", { args: ["-C", root, ...args], stderr: "piped" })
    .outputSync();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

const upstreamPort = freePort();
const upstream = spawn(
  deno,
  serveArgs(`127.0.0.1:${upstreamPort}`, WORKERS, `${anchors}/stack_app.ts`),
  root,
);

/** Starts the candidate `ref` on a free port. */
function start(ref: string): Candidate {
  const port = freePort();
  const dir = Deno.makeTempDirSync({ prefix: "ngw2f-ab-" });
  if (ref === "nginx") {
    const conf = Deno.readTextFileSync(`${anchors}/nginx_proxy.conf`)
      .replaceAll("WORKERS", String(WORKERS)).replaceAll("PREFIX", dir)
      .replaceAll("UPSTREAM", String(upstreamPort)).replaceAll("PORT", String(port));
    Deno.writeTextFileSync(`${dir}/nginx.conf`, conf);
    const child = spawn("nginx", ["-p", dir, "-c", `${dir}/nginx.conf`], dir);
    return { name: ref, port, child, dir, worktree: null, runs: [] };
  }
  let tree = root;
  let worktree: string | null = null;
  if (ref !== ".") {
    worktree = `${dir}/tree`;
    git("worktree", "add", "--detach", "--quiet", worktree, ref);
    Deno.symlinkSync(`${root}node_modules`, `${worktree}/node_modules`);
    tree = `${worktree}/`;
  }
  const config = writeProxyConfig(dir, port, `127.0.0.1:${upstreamPort}`, WORKERS);
  const child = spawn(
    deno,
    ["run", "-A", `${tree}main.ts`, "proxy", "-c", config],
    tree,
  );
  return { name: ref === "." ? "working tree" : ref, port, child, dir, worktree, runs: [] };
}

const candidates: Candidate[] = [];
try {
  await waitForPort(upstreamPort, 20_000);
  for (const ref of refs) candidates.push(start(ref));
  for (const c of candidates) {
    await waitForPort(c.port, 30_000);
    await wrk(c.port, { seconds: 1, connections, path });
  }
  const loadBefore = loadAverage();
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (const c of candidates) {
      const before = usage([c.child.pid]).cpu;
      const run = await wrk(c.port, { seconds, connections, path });
      const cpu = usage([c.child.pid]).cpu - before;
      c.runs.push({ requests: run.requests, cpu, rps: run.rps, p99: run.p99, errors: run.errors });
    }
    console.error(`cycle ${cycle + 1}/${cycles} done`);
  }
  report(loadBefore);
} finally {
  for (const c of candidates) {
    await stopChild(c.child);
    if (c.worktree) {
      try {
        git("worktree", "remove", "--force", c.worktree);
      } catch (error) {
        console.error((error as Error).message);
      }
    }
    await Deno.remove(c.dir, { recursive: true }).catch(() => {});
  }
  await stopChild(upstream);
}

function report(loadBefore: string): void {
  const perRequest = (r: Candidate["runs"][number]) => r.cpu * 1e6 / r.requests;
  const first = candidates[0];
  const lines = [
    `${cpuModel()} (${navigator.hardwareConcurrency} cores), Deno ${Deno.version.deno}; ` +
    `wrk -t1 -c${connections} -d${seconds}s GET ${path}, ${cycles} cycles; ` +
    `load average ${loadBefore} before, ${loadAverage()} after.`,
    "",
    `| candidate | µs CPU/req | per cycle vs ${first.name}: median (min–max) | req/s (median) | ` +
    "p99 ms (median) | errors |",
    "|---|---:|---|---:|---:|---:|",
  ];
  for (const c of candidates) {
    const requests = c.runs.reduce((n, r) => n + r.requests, 0);
    const cpu = c.runs.reduce((n, r) => n + r.cpu, 0);
    const ratios = c.runs.map((r, i) => perRequest(r) / perRequest(first.runs[i]));
    lines.push(
      `| ${c.name} | ${(cpu * 1e6 / requests).toFixed(1)} | ${medianOf(ratios).toFixed(3)} (` +
        `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ` +
        `${Math.round(medianOf(c.runs.map((r) => r.rps))).toLocaleString("en")} | ` +
        `${medianOf(c.runs.map((r) => r.p99)).toFixed(2)} | ` +
        `${c.runs.reduce((n, r) => n + r.errors, 0)} |`,
    );
  }
  console.log(lines.join("\n"));
}
