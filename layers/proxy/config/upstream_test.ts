// Reading [upstream.*], limit zones and the proxy_* directives, and their mistakes.

import assert from "node:assert/strict";
import { ConfigError } from "../../gateway/mod.ts";
import { parseProxyConfig } from "./load.ts";

const FILE = "/srv/ngw2f.toml";
const parse = (text: string) => parseProxyConfig(text, FILE, { prefix: "/srv", cpuCount: 2 });

function rejects(text: string, line: number, key: string, why: RegExp): void {
  assert.throws(() => parse(text), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.line, line, error.message);
    assert.equal(error.key, key, error.message);
    assert.match(error.message, why);
    return true;
  });
}

const UPSTREAM = `
[upstream.app]
server = [
  "127.0.0.1:8001 weight=3 max_fails=2 fail_timeout=5s",
  { address = "[::1]:8002", max_conns = 10 },
  "unix:/run/app.sock backup",
]
keepalive = 16
health_check = { interval = "2s", path = "/health", status = "200-299", rise = 1 }

[limit_req_zone.perip]
key = "$binary_remote_addr"
size = "1m"
rate = "30r/m"

[limit_conn_zone.addr]
key = "$remote_addr"
`;

Deno.test("an upstream group: servers in nginx's words or as tables, keep-alive, health checks", () => {
  const config = parse(`${UPSTREAM}
[[server]]
listen = "8080"
[[server.location]]
match = "/api/"
proxy_pass = "http://app/v1/"
proxy_set_header = { Host = "$host", X-Request-Start = "$msec" }
proxy_next_upstream = "error timeout http_502 non_idempotent"
proxy_read_timeout = "5s"
limit_req = { zone = "perip", burst = 5, nodelay = true }
limit_conn = { zone = "addr", limit = 2 }
`);
  const app = config.upstreams.app;
  assert.equal(app.line, 2);
  assert.deepEqual(app.servers.map((s) => [s.address, s.weight, s.maxFails, s.failTimeout]), [
    ["127.0.0.1:8001", 3, 2, 5000],
    ["[::1]:8002", 1, 1, 10_000],
    ["unix:/run/app.sock", 1, 1, 10_000],
  ]);
  assert.equal(app.servers[1].maxConns, 10);
  assert.equal(app.servers[2].backup, true);
  assert.equal(app.keepalive, 16);
  assert.deepEqual(app.method, { kind: "round_robin" });
  assert.deepEqual(app.healthCheck, {
    interval: 2000,
    timeout: 2000,
    path: "/health",
    status: [200, 299],
    rise: 1,
    fall: 3,
  });
  assert.equal(config.limitReqZones.perip.rate, 0.5);
  assert.equal(config.limitReqZones.perip.size, 1024 * 1024);
  assert.equal(config.limitConnZones.addr.size, 10 * 1024 * 1024);
  const settings = config.servers[0].locations[0].settings;
  assert.deepEqual(settings.proxyPass, {
    raw: "http://app/v1/",
    upstream: "app",
    address: null,
    proxyHost: "app",
    uri: "/v1/",
  });
  assert.deepEqual(settings.proxySetHeaders, [
    { name: "Host", value: "$host" },
    { name: "X-Request-Start", value: "$msec" },
  ]);
  assert.deepEqual(settings.proxyNextUpstream, ["error", "timeout", "http_502", "non_idempotent"]);
  assert.equal(settings.proxyReadTimeout, 5);
  assert.deepEqual(settings.limitReq, [{ zone: "perip", burst: 5, nodelay: true, delay: 0 }]);
  assert.deepEqual(settings.limitConn, [{ zone: "addr", limit: 2 }]);
  // The server's own settings keep the defaults; proxy_pass is the location's alone.
  assert.equal(config.servers[0].settings.proxyPass, null);
  assert.deepEqual(config.servers[0].settings.proxyNextUpstream, ["error", "timeout"]);
});

Deno.test("proxy_pass to an address, a unix socket, or a name that is no group (port 80)", () => {
  const config = parse(`
[[server]]
listen = "8080"
[[server.location]]
match = "/a/"
proxy_pass = "http://127.0.0.1:9000"
[[server.location]]
match = "/b/"
proxy_pass = "http://unix:/run/b.sock:/inner/"
[[server.location]]
match = "/c/"
proxy_pass = "http://backend.internal"
`);
  const passes = config.servers[0].locations.map((l) => l.settings.proxyPass);
  assert.deepEqual(passes.map((p) => [p?.upstream, p?.address, p?.uri]), [
    [null, "127.0.0.1:9000", null],
    [null, "unix:/run/b.sock", "/inner/"],
    [null, "backend.internal:80", null],
  ]);
});

Deno.test("every balancing method reads; backup only with round robin and least_conn", () => {
  for (
    const [text, method] of [
      ["least_conn", { kind: "least_conn" }],
      ["ip_hash", { kind: "ip_hash" }],
      ["random", { kind: "random", two: false }],
      ["random two", { kind: "random", two: true }],
      ["hash $request_uri", { kind: "hash", key: "$request_uri", consistent: false }],
      ["hash $remote_addr consistent", { kind: "hash", key: "$remote_addr", consistent: true }],
    ] as const
  ) {
    const config = parse(
      `[upstream.u]\nserver = ["127.0.0.1:1"]\nmethod = "${text}"\n[[server]]\nlisten = "8080"\n`,
    );
    assert.deepEqual(config.upstreams.u.method, method);
  }
  rejects(
    `[upstream.u]\nserver = ["127.0.0.1:1", "127.0.0.1:2 backup"]\nmethod = "ip_hash"\n[[server]]\n`,
    2,
    "upstream.u.server",
    /"backup" servers cannot be used with "ip_hash"/,
  );
});

Deno.test("the mistakes of upstreams, zones and proxy_* name their file, line and key", () => {
  const S = '[[server]]\nlisten = "8080"\n[[server.location]]\nmatch = "/"\n';
  rejects(`[upstream.u]\nserver = []\n${S}`, 2, "upstream.u.server", /at least one server/);
  rejects(
    `[upstream.u]\nserver = ["127.0.0.1:1 weigth=2"]\n${S}`,
    2,
    "upstream.u.server[1]",
    /did you mean "weight"/,
  );
  rejects(
    `[upstream.u]\nserver = ["127.0.0.1:99999"]\n${S}`,
    2,
    "upstream.u.server[1]",
    /port from 1 to 65535/,
  );
  rejects(
    `[upstream.u]\nserver = ["127.0.0.1:1"]\nmethod = "fastest"\n${S}`,
    3,
    "upstream.u.method",
    /expected "round_robin", "least_conn"/,
  );
  rejects(
    `[upstream.u]\nserver = ["127.0.0.1:1"]\nkeeplive = 3\n${S}`,
    3,
    "upstream.u.keeplive",
    /did you mean "keepalive"/,
  );
  rejects(`${S}proxy_pass = "ftp://x"\n`, 5, "server[1].location[1].proxy_pass", /http:\/\//);
  rejects(`${S}proxy_pass = "http://$host"\n`, 5, "server[1].location[1].proxy_pass", /variables/);
  rejects(
    '[[server]]\nlisten = "8080"\n[[server.location]]\nmatch = "~ \\\\.php$"\nproxy_pass = "http://127.0.0.1:9000/x/"\n',
    5,
    "server[1].location[1].proxy_pass",
    /cannot have a URI part \("\/x\/"\) in a regex location/,
  );
  rejects(
    `${S}limit_req = { zone = "nope" }\n`,
    5,
    "server[1].location[1].limit_req.zone",
    /names no zone: add a \[limit_req_zone\.nope\] table/,
  );
  rejects(
    `[limit_req_zone.z]\nkey = "$remote_addr"\nrate = "fast"\n${S}`,
    3,
    "limit_req_zone.z.rate",
    /like "10r\/s"/,
  );
  rejects(
    `${S}proxy_next_upstream = "error sometimes"\n`,
    5,
    "server[1].location[1].proxy_next_upstream[2]",
    /expected "error", "timeout"/,
  );
  rejects(
    `${S}proxy_set_header = { "Bad Name" = "x" }\n`,
    5,
    "server[1].location[1].proxy_set_header.Bad Name",
    /header name/,
  );
});
