// The moving parts of bench/stream_mail.ts: start and stop processes by pid, wait for ports,
// drive one group with bench/_tcp_load.ts client processes (merging their latency histograms),
// and write the results markdown.

import { stopChild } from "./_load.ts";

const deno = Deno.execPath();
const loadClient = new URL("./_tcp_load.ts", import.meta.url).pathname;
/** Client processes for the rate and SMTP groups; the bulk group uses one. */
export const CLIENTS = 2;
const TAIL = 4096;

/** A process this bench started. */
export interface Started {
  label: string;
  child: Deno.ChildProcess;
  exited: boolean;
  /** The last few KB of its stderr (once it has exited, or what came so far). */
  tail(): Promise<string>;
}

/** Starts `cmd` with its stderr kept (the tail) and stdout dropped. */
export function spawn(label: string, cmd: string, args: string[], cwd?: string): Started {
  const child = new Deno.Command(cmd, {
    args,
    ...(cwd ? { cwd } : {}),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let kept = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stderr) {
      kept = (kept + decoder.decode(chunk, { stream: true })).slice(-TAIL);
    }
  })().catch(() => {});
  const started: Started = {
    label,
    child,
    exited: false,
    tail: async () => {
      if (started.exited) await reading;
      return `[${label}] ${kept}`;
    },
  };
  child.status.then(() => started.exited = true);
  return started;
}

/** Stops `started` by its pid: SIGTERM, then SIGKILL after 5 s. */
export async function stop(started: Started): Promise<void> {
  await stopChild(started.child);
}

/** Waits until every port accepts a connection; throws when one of `processes` exits first. */
export async function waitForPorts(
  ports: number[],
  processes: Started[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    while (true) {
      const dead = processes.find((p) => p.exited);
      if (dead) throw new Error(`${dead.label} exited during start-up\n${await dead.tail()}`);
      if (Date.now() > deadline) {
        throw new Error(`Nothing listened on port ${port} within ${timeoutMs} ms`);
      }
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

/** The three listeners of a proxy case (for the direct case: the backends' own ports). */
export interface Ports {
  stream: number;
  pp: number;
  mail: number;
}

/** A proxy to measure; `start` is null for the direct case. */
export interface Proxy {
  name: string;
  start: ((ports: Ports, dir: string) => Started) | null;
}

/** One table: a load mode against one of the proxy's listeners. */
export interface Group {
  title: string;
  /** What one unit of work is ("conn", "session", "MiB"). */
  unit: "conn" | "session" | "MiB";
  mode: "rate" | "bulk" | "smtp";
  target: keyof Ports;
  /** The backends whose CPU is counted for the group. */
  backends: Started[];
  /** Bulk: bytes each way. */
  bytes?: number;
}

/** What the load clients saw. */
export interface Load {
  /** Units per second: connections, sessions, or MiB echoed. */
  perSecond: number;
  /** Units done (MiB echoed for bulk). */
  units: number;
  errors: number;
  firstError: string;
  p50: number;
  p99: number;
}

/** One measured run of a group against a proxy. */
export interface Measured extends Load {
  /** The proxy's utime+stime over the run, s (NaN for the direct case). */
  proxyCpu: number;
  /** The group's backends' utime+stime over the run, s. */
  backendCpu: number;
  /** The proxy's RSS at the end, MiB. */
  rssMiB: number;
}

interface ClientOutput {
  count: number;
  errors: number;
  firstError: string;
  bytes: number;
  elapsedMs: number;
  histogram: [number, number][];
}

/** Runs the group's load for `seconds` against `ports` and merges the clients' results. */
export async function runGroup(
  group: Group,
  ports: Ports,
  options: { seconds: number; connections: number; bytes?: number },
): Promise<Load> {
  const clients = group.mode === "bulk" ? 1 : CLIENTS;
  const concurrency = group.mode === "bulk"
    ? 1
    : Math.max(1, Math.round(options.connections / clients));
  const args = [
    "run",
    "-A",
    loadClient,
    "--mode",
    group.mode,
    "--port",
    String(ports[group.target]),
    "--seconds",
    String(options.seconds),
    "--concurrency",
    String(concurrency),
    ...(options.bytes ? ["--bytes", String(options.bytes)] : []),
  ];
  const outputs = await Promise.all(
    Array.from({ length: clients }, async () => {
      const out = await new Deno.Command(deno, { args, stdout: "piped", stderr: "piped" })
        .output();
      const text = new TextDecoder().decode(out.stdout).trim();
      if (!out.success || !text) {
        throw new Error(`The load client failed: ${new TextDecoder().decode(out.stderr)}`);
      }
      return JSON.parse(text) as ClientOutput;
    }),
  );
  const histogram = new Map<number, number>();
  for (const { histogram: h } of outputs) {
    for (const [k, n] of h) histogram.set(k, (histogram.get(k) ?? 0) + n);
  }
  const mib = (o: ClientOutput) => o.bytes / 1024 ** 2;
  const units = outputs.reduce((sum, o) => sum + (group.mode === "bulk" ? mib(o) : o.count), 0);
  const perSecond = outputs.reduce(
    (sum, o) => sum + (group.mode === "bulk" ? mib(o) : o.count) / (o.elapsedMs / 1000),
    0,
  );
  return {
    perSecond,
    units,
    errors: outputs.reduce((sum, o) => sum + o.errors, 0),
    firstError: outputs.map((o) => o.firstError).find(Boolean) ?? "",
    p50: percentile(histogram, 0.5),
    p99: percentile(histogram, 0.99),
  };
}

/** The `q` quantile of a histogram of 1 % log buckets of µs, in ms (the bucket's middle). */
function percentile(histogram: Map<number, number>, q: number): number {
  const keys = [...histogram.keys()].sort((a, b) => a - b);
  const total = keys.reduce((sum, k) => sum + histogram.get(k)!, 0);
  if (!total) return NaN;
  let seen = 0;
  for (const k of keys) {
    seen += histogram.get(k)!;
    if (seen >= q * total) return Math.exp((k + 0.5) / 100) / 1000;
  }
  return NaN;
}

/** The median run by throughput, and the spread ((max − min) / median) of the runs. */
function medianRun(all: Measured[]): { run: Measured; spread: number } {
  const sorted = [...all].sort((a, b) => a.perSecond - b.perSecond);
  const run = sorted[Math.floor(sorted.length / 2)];
  const spread = (sorted[sorted.length - 1].perSecond - sorted[0].perSecond) / run.perSecond;
  return { run, spread };
}

const ratio = (n?: number) => (n === undefined || !Number.isFinite(n) ? "" : n.toFixed(2) + "×");
const fixed = (n: number, digits = 1) => Number.isFinite(n) ? n.toFixed(digits) : "—";
const whole = (n: number) => Number.isFinite(n) ? Math.round(n).toLocaleString("en") : "—";

/** µs of CPU per unit of work. */
const perUnit = (cpu: number, units: number) => units ? (cpu * 1e6) / units : NaN;

/** The markdown table of one group, with ratios against `anchor`. */
function groupTable(
  group: Group,
  proxies: string[],
  runs: Map<string, Measured[]>,
  anchor: string,
) {
  const rows = proxies
    .map((name) => ({ name, all: runs.get(`${group.title}\0${name}`) }))
    .filter((r): r is { name: string; all: Measured[] } => Boolean(r.all?.length))
    .map((r) => ({ name: r.name, ...medianRun(r.all) }));
  const base = rows.find((r) => r.name === anchor)?.run;
  const unit = group.unit;
  const rate = unit === "MiB" ? "MiB/s each way" : `${unit}/s`;
  const latency = unit === "MiB" ? "" : " p50 / p99 ms |";
  return [
    `### ${group.title} (anchor: ${anchor})`,
    "",
    `| case | ${rate} | vs anchor |${latency} proxy µs CPU/${unit} | CPU vs anchor | ` +
    `backend µs CPU/${unit} | proxy RSS MiB | spread | errors |`,
    `|---|---:|---:|${latency ? "---|" : ""}---:|---:|---:|---:|---:|---:|`,
    ...rows.map(({ name, run, spread }) => {
      const cpu = perUnit(run.proxyCpu, run.units);
      const baseCpu = base ? perUnit(base.proxyCpu, base.units) : NaN;
      return `| ${name} | ${unit === "MiB" ? fixed(run.perSecond, 0) : whole(run.perSecond)} | ` +
        `${ratio(base && run.perSecond / base.perSecond)} |` +
        (latency ? ` ${fixed(run.p50, 2)} / ${fixed(run.p99, 2)} |` : "") +
        ` ${fixed(cpu)} | ${ratio(cpu / baseCpu)} | ${
          fixed(perUnit(run.backendCpu, run.units))
        } | ` +
        `${fixed(run.rssMiB, 0)} | ±${(spread * 50).toFixed(0)}% | ${run.errors} |`;
    }),
  ].join("\n");
}

/** One line per group: ngw2f's throughput, p99 and CPU per unit as multiples of the anchor's. */
function summary(
  groups: Group[],
  proxies: string[],
  runs: Map<string, Measured[]>,
  anchor: string,
): string[] {
  const ours = proxies.find((name) => name.startsWith("ngw2f"));
  return groups.map((group) => {
    const run = (name?: string) => {
      const all = name ? runs.get(`${group.title}\0${name}`) : undefined;
      return all?.length ? medianRun(all).run : undefined;
    };
    const mine = run(ours);
    const base = run(anchor);
    if (!mine || !base) return `- ${group.title}: not measured (both proxies are needed).`;
    const cpu = perUnit(mine.proxyCpu, mine.units) / perUnit(base.proxyCpu, base.units);
    const tail = group.unit === "MiB" ? "" : `, ${ratio(mine.p99 / base.p99)} the p99`;
    return `- ${group.title}: ${ratio(mine.perSecond / base.perSecond)} the ` +
      `${group.unit === "MiB" ? "MiB/s" : `${group.unit}/s`}${tail}, ${ratio(cpu)} the CPU per ` +
      `${group.unit}.`;
  });
}

/** What the report's header says. */
export interface ReportHeader {
  date: string;
  machine: string;
  versions: string;
  load: string;
  seconds: number;
  rounds: number;
  connections: number;
  workers: number;
  command: string;
}

/** The results markdown. */
export function report(options: {
  groups: Group[];
  proxies: Proxy[];
  runs: Map<string, Measured[]>;
  anchor: string;
  header: ReportHeader;
}): string {
  const { groups, runs, anchor, header: h } = options;
  const names = options.proxies.map((p) => p.name);
  const tables = groups.map((g) => groupTable(g, names, runs, anchor));
  const each = Math.round(h.connections / CLIENTS);
  return `# Proxy layer: stream and mail servers against nginx's stream and mail modules

Measured ${h.date} on ${h.machine}, ${h.versions}. Load average ${h.load}.

Every proxy runs ${h.workers} workers; each round starts it once, warms it up (1 s of each group
that is not bulk, 64 MiB of bulk; the direct case is not warmed up), then measures every group against it for ${h.seconds} s;
${h.rounds} rounds interleaved (ngw2f, nginx, direct), median round by throughput, spread =
(max − min) / 2 of the rounds around it. The load client is bench/_tcp_load.ts (Deno), in
${CLIENTS} processes × ${each} concurrent loops for the rate and SMTP groups (1 process, 1
connection for bulk); p50 / p99 are per connection or session, end to end, from merged histograms
(1 % buckets). Proxy µs CPU is utime+stime of the proxy's processes (nginx master + workers;
ngw2f's one process, its workers being threads) over the run ÷ units of work; backend µs CPU is
the same for the backends of the group (the echo server; the SMTP sink + the auth_http service).

- Backends, shared by every case: bench/anchors/tcp_echo.ts (a Deno TCP echo server; a second one
  with \`--proxy-protocol\` reads and drops the PROXY v1 line first), bench/anchors/smtp_sink.ts (a
  minimal Deno SMTP sink: 220/250/235/354/250/221, message dropped; faster than aiosmtpd),
  bench/anchors/mail_auth.ts (\`Deno.serve\` answering \`Auth-Status: OK\` + the sink's address).
- nginx: bench/anchors/nginx_stream_mail.conf (\`stream { server { proxy_pass …; } }\`, the same with
  \`proxy_protocol on\`; \`mail { server { protocol smtp; smtp_auth plain; xclient off; } }\`).
- ngw2f proxy: \`[[stream.server]]\` ×2 (the second with \`proxy_protocol = "v1"\`) and one
  \`[[mail.server]]\` (\`smtp_auth = ["plain"]\`, \`xclient = false\`), its defaults otherwise.
- Direct: the client talks to the echo server or the SMTP sink itself (the sink accepts any
  AUTH); no direct row for PROXY protocol (its floor is the first table's).
- Bulk: one connection writes 256 KiB chunks and reads the echo at the same time, up to 1 GiB
  each way or ${h.seconds} s; MiB/s is MiB echoed back ÷ the connection's time. The proxy moves each
  MiB twice (once each way); µs CPU/MiB is per MiB echoed. No half-close (nginx's stream module
  ends a session at the client's FIN unless \`proxy_half_close\` is on).
- SMTP session: connect → 220 → EHLO → AUTH PLAIN (initial response) → 235 → MAIL FROM → RCPT TO →
  DATA → 354 → a 0.3 KB message → 250 → QUIT → 221 → close, one command at a time. nginx asks
  auth_http over a new HTTP/1.0 connection per session; ngw2f uses \`fetch\` (pooled, kept alive),
  so the auth service's share of the backend CPU differs between the two.

## ngw2f against nginx, same run

${summary(groups, names, runs, anchor).join("\n")}

${tables.join("\n\n")}

Command: \`${h.command}\`
`;
}
