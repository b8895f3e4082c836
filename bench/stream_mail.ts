// deno-lint-ignore-file no-console
// The proxy's stream and mail servers under load, side by side with nginx's stream and mail
// modules (2 workers each) and a direct hit on the backends (the floor):
//
//   1. Stream, connection rate: connect → write 64 bytes → read the echo → close, through
//      `[[stream.server]]` / nginx `stream { server { proxy_pass … } }` to a TCP echo server.
//   2. Stream, bulk: one connection moving up to 1 GiB each way (bounded by --seconds too).
//   3. Stream with `proxy_protocol` v1: case 1 again, the echo server dropping the PROXY line.
//   4. Mail: SMTP sessions (EHLO → AUTH PLAIN → MAIL/RCPT/DATA → QUIT) through
//      `[[mail.server]]` / nginx `mail { server { protocol smtp; … } }`, both asking the same
//      auth_http service and relaying to the same SMTP sink.
//
//   deno run -A bench/stream_mail.ts [--seconds 5] [--rounds 3] [--connections 64] [--only TEXT]
//
// The load client is bench/_tcp_load.ts, in CLIENTS processes of its own (wrk speaks only
// HTTP). Backends (bench/anchors/tcp_echo.ts, smtp_sink.ts, mail_auth.ts) run once for the
// whole run. Each round starts every proxy once, warms it up, and measures all groups against
// it; rounds are interleaved; each row is the median round. µs CPU/conn is the proxy's
// utime+stime (every process of its tree) over the run ÷ connections. Needs nginx with the
// stream and mail modules (skipped without). Run by hand, not in CI. Writes
// bench/results/stream_mail.md.

import { benchArgs, cpuModel, freePort, has, loadAverage, sh, usage } from "./_load.ts";
import {
  type Group,
  type Measured,
  type Ports,
  type Proxy,
  report,
  runGroup,
  spawn,
  type Started,
  stop,
  waitForPorts,
} from "./_stream_mail_run.ts";

const root = new URL("..", import.meta.url).pathname;
const anchors = `${root}bench/anchors`;
const { seconds, rounds, connections, only } = benchArgs();
const deno = Deno.execPath();
const WORKERS = 2;
const BULK_BYTES = 1024 ** 3;
const NGINX_MODULES = ["ngx_stream_module.so", "ngx_mail_module.so"]
  .map((m) => `/usr/lib/nginx/modules/${m}`);

// The backends every case shares.
const backendPorts = { echo: freePort(), ppEcho: freePort(), sink: freePort(), auth: freePort() };
const backends: Record<keyof typeof backendPorts, Started> = {
  echo: spawn("echo", deno, ["run", "-A", `${anchors}/tcp_echo.ts`, String(backendPorts.echo)]),
  ppEcho: spawn("echo (PROXY v1)", deno, [
    "run",
    "-A",
    `${anchors}/tcp_echo.ts`,
    String(backendPorts.ppEcho),
    "--proxy-protocol",
  ]),
  sink: spawn("SMTP sink", deno, [
    "run",
    "-A",
    `${anchors}/smtp_sink.ts`,
    String(backendPorts.sink),
  ]),
  auth: spawn("auth_http", deno, [
    "run",
    "-A",
    `${anchors}/mail_auth.ts`,
    String(backendPorts.auth),
    String(backendPorts.sink),
  ]),
};

const groups: Group[] = [
  {
    title: "Stream, connection rate: connect → 64 B → echo → close",
    unit: "conn",
    mode: "rate",
    target: "stream",
    backends: [backends.echo],
  },
  {
    title: `Stream, bulk: 1 connection, up to ${BULK_BYTES / 1024 ** 3} GiB each way`,
    unit: "MiB",
    mode: "bulk",
    target: "stream",
    backends: [backends.echo],
    bytes: BULK_BYTES,
  },
  {
    title: "Stream with PROXY protocol v1, connection rate",
    unit: "conn",
    mode: "rate",
    target: "pp",
    backends: [backends.ppEcho],
  },
  {
    title: "Mail: SMTP sessions, AUTH PLAIN asked of auth_http, relayed to the sink",
    unit: "session",
    mode: "smtp",
    target: "mail",
    backends: [backends.sink, backends.auth],
  },
];

const ngw2f: Proxy = {
  name: `ngw2f proxy, ${WORKERS} workers`,
  start(ports, dir) {
    const toml = [
      `workers = ${WORKERS}`,
      `pid = "${dir}/proxy.pid"`,
      `error_log = "- warn"`,
      `access_log = "off"`,
      "[mail]",
      `auth_http = "http://127.0.0.1:${backendPorts.auth}/auth"`,
      `server_name = "mx.bench.local"`,
      "[[mail.server]]",
      `listen = "127.0.0.1:${ports.mail}"`,
      `smtp_auth = ["plain"]`,
      `smtp_capabilities = ["PIPELINING", "8BITMIME"]`,
      "xclient = false",
      "[[stream.server]]",
      `listen = "127.0.0.1:${ports.stream}"`,
      `proxy_pass = "127.0.0.1:${backendPorts.echo}"`,
      "[[stream.server]]",
      `listen = "127.0.0.1:${ports.pp}"`,
      `proxy_pass = "127.0.0.1:${backendPorts.ppEcho}"`,
      `proxy_protocol = "v1"`,
    ];
    Deno.writeTextFileSync(`${dir}/ngw2f.toml`, toml.join("\n") + "\n");
    return spawn("ngw2f proxy", deno, [
      "run",
      "-A",
      `${root}main.ts`,
      "proxy",
      "-c",
      `${dir}/ngw2f.toml`,
    ], root);
  },
};
const nginx: Proxy = {
  name: `nginx, ${WORKERS} workers`,
  start(ports, dir) {
    const conf = Deno.readTextFileSync(`${anchors}/nginx_stream_mail.conf`)
      .replaceAll("WORKERS", String(WORKERS)).replaceAll("PREFIX", dir)
      .replaceAll("STREAM_PORT", String(ports.stream))
      .replaceAll("PP_ECHO_PORT", String(backendPorts.ppEcho))
      .replaceAll("PP_PORT", String(ports.pp))
      .replaceAll("ECHO_PORT", String(backendPorts.echo))
      .replaceAll("MAIL_PORT", String(ports.mail))
      .replaceAll("AUTH_PORT", String(backendPorts.auth));
    Deno.writeTextFileSync(`${dir}/nginx.conf`, conf);
    return spawn("nginx", "nginx", ["-p", dir, "-c", `${dir}/nginx.conf`, "-g", "daemon off;"]);
  },
};
const direct: Proxy = { name: "direct to the backend (no proxy)", start: null };

const hasNginx = has("nginx") && NGINX_MODULES.every((m) => {
  try {
    return Deno.statSync(m).isFile;
  } catch {
    return false;
  }
});
const proxies = [ngw2f, ...(hasNginx ? [nginx] : []), direct];
const selected = only ? groups.filter((g) => g.title.includes(only!)) : groups;
const runs = new Map<string, Measured[]>();
const loadBefore = loadAverage();

/** The ports a proxy case listens on, or, for the direct case, the backends'. */
function portsOf(proxy: Proxy): Ports {
  if (!proxy.start) return { stream: backendPorts.echo, pp: 0, mail: backendPorts.sink };
  return { stream: freePort(), pp: freePort(), mail: freePort() };
}

try {
  await waitForPorts(Object.values(backendPorts), Object.values(backends), 15_000);
  for (let round = 1; round <= rounds; round++) {
    for (const proxy of proxies) {
      const ports = portsOf(proxy);
      const dir = await Deno.makeTempDir({ prefix: "ngw2f-stream-mail-" });
      const started = proxy.start?.(ports, dir) ?? null;
      try {
        if (started) {
          await waitForPorts([ports.stream, ports.pp, ports.mail], [started], 20_000);
        }
        const mine = selected.filter((g) => g.target !== "pp" || proxy.start);
        // Warm-up of a proxy: a short run of each group (JIT, connection pools), not measured.
        for (const group of started ? mine : []) {
          await runGroup(group, ports, { seconds: 1, connections, bytes: 64 * 1024 ** 2 });
        }
        for (const group of mine) {
          const pids = started ? [started.child.pid] : [];
          const before = {
            proxy: usage(pids),
            backends: usage(group.backends.map((b) => b.child.pid)),
          };
          const load = await runGroup(group, ports, { seconds, connections, bytes: group.bytes });
          const after = {
            proxy: usage(pids),
            backends: usage(group.backends.map((b) => b.child.pid)),
          };
          const result: Measured = {
            ...load,
            proxyCpu: started ? after.proxy.cpu - before.proxy.cpu : NaN,
            backendCpu: after.backends.cpu - before.backends.cpu,
            rssMiB: started ? after.proxy.rss : NaN,
          };
          const key = `${group.title}\0${proxy.name}`;
          runs.set(key, [...(runs.get(key) ?? []), result]);
          console.error(
            `round ${round}/${rounds} ${group.title} | ${proxy.name}: ` +
              `${load.perSecond.toFixed(0)} ${group.unit}/s, ` +
              (group.mode === "bulk" ? "" : `p99 ${load.p99.toFixed(2)} ms, `) +
              `${load.errors} errors${load.firstError ? ` (${load.firstError})` : ""}`,
          );
        }
      } catch (error) {
        const log = started ? await started.tail() : "";
        throw new Error(`${proxy.name}: ${(error as Error).message}\n${log}`, { cause: error });
      } finally {
        if (started) await stop(started);
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
  }
} finally {
  for (const backend of Object.values(backends)) await stop(backend);
}

const versions = [
  `Deno ${Deno.version.deno}`,
  sh("nginx -v 2>&1 | cut -d' ' -f3 | tr / ' '"),
  sh("dpkg-query -W -f '${Package} ${Version}, ' libnginx-mod-stream libnginx-mod-mail")
    .replace(/,\s*$/, ""),
].filter(Boolean).join(", ");
const command = `deno run -A bench/stream_mail.ts --seconds ${seconds} --rounds ${rounds} ` +
  `--connections ${connections}${only ? ` --only '${only}'` : ""}`;
const text = report({
  groups: selected,
  proxies,
  runs,
  anchor: nginx.name,
  header: {
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    machine: `${cpuModel()} (${navigator.hardwareConcurrency} cores)`,
    versions,
    load: `${loadBefore} before, ${loadAverage()} after`,
    seconds,
    rounds,
    connections,
    workers: WORKERS,
    command,
  },
});
const results = `${root}bench/results/stream_mail.md`;
await Deno.writeTextFile(results, text);
// Wrapped and aligned as `deno fmt --check` (in `deno task ok`) wants it.
await new Deno.Command(deno, { args: ["fmt", "--quiet", results], cwd: root }).output();
console.log(await Deno.readTextFile(results));
