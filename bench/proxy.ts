// deno-lint-ignore-file no-console
// The proxy layer's load benchmark: `ngw2f proxy` serving static files (1 KiB and 100 KiB, and
// a conditional request answered 304) side by side with nginx's static handler at the same
// worker count, and with raw `Deno.serve` answering the same bytes from memory.
//
//   deno run -A bench/proxy.ts [--seconds 5] [--rounds 3] [--connections 64] [--only TEXT]
//
// Rounds are interleaved (round 1 of every case, then round 2…); each row is the median round
// by req/s. Needs wrk and nginx (Debian packages); a case whose program is missing is skipped.
// Run by hand, not in CI. Writes bench/results/proxy.md.

import {
  benchArgs,
  type BenchCase,
  cpuModel,
  groupTable,
  has,
  loadAverage,
  measureRounds,
  type Row,
  sh,
} from "./_load.ts";

const root = new URL("..", import.meta.url).pathname;
const anchors = `${root}bench/anchors`;
const { seconds, rounds, connections, only } = benchArgs();
const deno = Deno.execPath();

interface ProxyCase extends BenchCase {
  group: string;
  status: number;
  size: number;
  conditional?: boolean;
}

const staticDir = await Deno.makeTempDir({ prefix: "ngw2f-bench-proxy-" });
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

const proxy = (workers: number): BenchCase["args"] => (port, dir) => {
  Deno.writeTextFileSync(
    `${dir}/ngw2f.toml`,
    [
      `workers = ${workers}`,
      `pid = "${dir}/proxy.pid"`,
      `error_log = "- warn"`,
      `access_log = "off"`,
      "[[server]]",
      `listen = "127.0.0.1:${port}"`,
      `root = "${staticDir}"`,
    ].join("\n") + "\n",
  );
  return ["run", "-A", "--unstable-net", `${root}main.ts`, "proxy", "-c", `${dir}/ngw2f.toml`];
};
const nginx = (workers: number): BenchCase["args"] => (port, dir) => {
  const conf = Deno.readTextFileSync(`${anchors}/nginx_root.conf`)
    .replaceAll("WORKERS", String(workers)).replaceAll("PREFIX", dir)
    .replaceAll("PORT", String(port)).replaceAll("ROOT", staticDir);
  Deno.writeTextFileSync(`${dir}/nginx.conf`, conf);
  return ["-p", dir, "-c", `${dir}/nginx.conf`];
};
const bytes = (file: string): BenchCase["args"] => (port) => [
  "run",
  "-A",
  `${anchors}/deno_bytes.ts`,
  String(port),
  `${staticDir}/${file}`,
];

const cases: ProxyCase[] = [];
const anchorOf = (workers: number) => `nginx ${workers} worker${workers > 1 ? "s" : ""}`;
for (const workers of [1, 2]) {
  for (const [file, size] of Object.entries(FILES)) {
    for (const conditional of file === "1k.txt" ? [false, true] : [false]) {
      const kind = conditional
        ? "1 KiB, If-None-Match → 304"
        : file === "1k.txt"
        ? "1 KiB"
        : "100 KiB";
      const group = `Static ${kind}, ${workers} worker${workers > 1 ? "s" : ""}`;
      const base = { group, path: `/${file}`, status: conditional ? 304 : 200, size, conditional };
      cases.push({
        ...base,
        name: `ngw2f proxy, ${workers} worker${workers > 1 ? "s" : ""}`,
        cmd: deno,
        cwd: root,
        args: proxy(workers),
      });
      if (has("nginx")) {
        cases.push({ ...base, name: anchorOf(workers), cmd: "nginx", args: nginx(workers) });
      }
      if (workers === 1 && !conditional) {
        cases.push({
          ...base,
          name: "Deno.serve, bytes in memory",
          cmd: deno,
          cwd: root,
          args: bytes(file),
        });
      }
    }
  }
}

/** Checks the fresh server's answer; conditional cases send the server's own ETag. */
function prepare(bench: ProxyCase): ProxyCase {
  return {
    ...bench,
    headers: async (port) => {
      const url = `http://127.0.0.1:${port}${bench.path}`;
      const first = await fetch(url);
      const body = await first.arrayBuffer();
      const etag = first.headers.get("etag");
      if (first.status !== 200 || body.byteLength !== bench.size) {
        throw new Error(`Cannot measure: ${url} gave ${first.status} and ${body.byteLength} bytes`);
      }
      if (!bench.conditional) return [];
      if (etag === null) throw new Error(`Cannot send a conditional request: ${url} gave no ETag`);
      const again = await fetch(url, { headers: { "if-none-match": etag } });
      await again.body?.cancel();
      if (again.status !== 304) {
        throw new Error(`Cannot measure: ${url} gave ${again.status}, not 304`);
      }
      return [`If-None-Match: ${etag}`];
    },
  };
}

const selected = only
  ? cases.filter((c) => c.group.includes(only!) || c.name.includes(only!))
  : cases;
const loadBefore = loadAverage();
let rows: Row<ProxyCase>[];
try {
  rows = await measureRounds(selected, { rounds, seconds, connections, prepare });
} finally {
  await Deno.remove(staticDir, { recursive: true }).catch(() => {});
}
const loadAfter = loadAverage();
const groups = [...new Set(selected.map((c) => c.group))];
const tables = groups.map((group) =>
  groupTable(rows, group, anchorOf(group.endsWith("2 workers") ? 2 : 1))
);

const cpu = cpuModel();
const nginxVersion = sh("nginx -v 2>&1 | cut -d/ -f2");
const report = `# Proxy layer: static files against nginx

Measured ${
  new Date().toISOString().slice(0, 16).replace("T", " ")
} UTC on ${cpu} (${navigator.hardwareConcurrency} cores),
Deno ${Deno.version.deno}${
  nginxVersion ? `, nginx ${nginxVersion}` : ""
}. \`wrk -t1 -c${connections} -d${seconds}s\` on
loopback after a 1 s warm-up; ${rounds} rounds interleaved over all cases, median round by req/s.
µs CPU/req is the server's utime+stime over its process tree during the run ÷ requests; RSS is
summed over the same processes. Load average ${loadBefore} before, ${loadAfter} after. Access logs
are off everywhere; nginx runs with \`sendfile on\` (bench/anchors/nginx_root.conf); \`ngw2f proxy\`
with its defaults (ETag, Last-Modified, ranges, the open-file cache); \`Deno.serve, bytes in
memory\` answers the file's bytes read once at start-up (bench/anchors/deno_bytes.ts).

${tables.join("\n\n")}

Command: \`deno run -A bench/proxy.ts --seconds ${seconds} --rounds ${rounds} --connections ${connections}${
  only ? ` --only '${only}'` : ""
}\`
`;
await Deno.writeTextFile(`${root}bench/results/proxy.md`, report);
console.log(report);
