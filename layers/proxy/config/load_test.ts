import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../gateway/mod.ts";
import {
  COMBINED_FORMAT,
  loadProxyConfig,
  parseProxyConfig,
  type ProxyConfigOptions,
} from "./load.ts";

const parse = (text: string, options: ProxyConfigOptions = {}) =>
  parseProxyConfig(text, "/srv/ngw2f.toml", { prefix: "/srv", cpuCount: 4, ...options });

Deno.test("parseProxyConfig() fills nginx-like defaults for a bare server", () => {
  const config = parse("[[server]]\n");
  assert.equal(config.workers, 4);
  assert.equal(config.workerConnections, 512);
  assert.equal(config.pid, "/srv/ngw2f-proxy.pid");
  assert.deepEqual(config.errorLog, { path: "-", level: "notice" });
  assert.equal(config.openFileCacheMaxSize, 256 * 1024);
  assert.equal(config.openFileCacheTotal, 64 * 1024 * 1024);
  assert.deepEqual(config.logFormats.combined, { format: COMBINED_FORMAT, escape: "default" });
  assert.deepEqual(config.logFormats.main, config.logFormats.combined);
  const [server] = config.servers;
  assert.equal(server.line, 1);
  assert.deepEqual(server.listen, [{ address: "0.0.0.0:8080", defaultServer: false, ssl: false }]);
  assert.deepEqual(server.serverNames, []);
  assert.equal(server.settings.root, null);
  assert.deepEqual(server.settings.index, ["index.html"]);
  assert.equal(server.settings.clientMaxBodySize, 1024 * 1024);
  assert.equal(server.settings.keepaliveTimeout, 75);
  assert.deepEqual(server.settings.accessLog, [{ path: "-", format: "combined" }]);
  assert.equal(server.settings.disableSymlinks, "if_outside_root");
});

Deno.test("parseProxyConfig() reads main-level keys", () => {
  const config = parse(
    `workers = 3
worker_connections = 64
pid = false
error_log = "logs/error.log warn"
open_file_cache_max_size = "1m"
open_file_cache_total = 1000
[[server]]
`,
  );
  assert.equal(config.workers, 3);
  assert.equal(config.workerConnections, 64);
  assert.equal(config.pid, null);
  assert.deepEqual(config.errorLog, { path: "/srv/logs/error.log", level: "warn" });
  assert.equal(config.openFileCacheMaxSize, 1024 * 1024);
  assert.equal(config.openFileCacheTotal, 1000);
  assert.equal(parse('workers = "auto"\n[[server]]\n', { cpuCount: 6 }).workers, 6);
});

Deno.test("parseProxyConfig() canonicalizes every listen form", () => {
  const config = parse(`[[server]]
listen = ["8080", ":8081", "*:8082", "127.0.0.1:8083 default_server", "[::]:8084",
  "[0:0::1]:8085 ssl default_server", "unix:run/ngw2f.sock", "localhost:8086", "10.0.0.1"]
ssl_certificate = "tls/cert.pem"
ssl_certificate_key = "/etc/tls/key.pem"
`);
  const [server] = config.servers;
  assert.deepEqual(server.listen.map((l) => l.address), [
    "0.0.0.0:8080",
    "0.0.0.0:8081",
    "0.0.0.0:8082",
    "127.0.0.1:8083",
    "[::]:8084",
    "[::1]:8085",
    "unix:/srv/run/ngw2f.sock",
    "127.0.0.1:8086",
    "10.0.0.1:80",
  ]);
  assert.deepEqual(server.listen[5], { address: "[::1]:8085", defaultServer: true, ssl: true });
  assert.deepEqual(server.ssl, { certificate: "/srv/tls/cert.pem", key: "/etc/tls/key.pem" });
});

Deno.test("parseProxyConfig() keeps server names as written, exact ones lower-cased", () => {
  const config = parse(`[[server]]
server_name = ["Example.COM", "*.example.com", "www.example.*", ".example.org", "~^w\\\\d+\\\\.x$", ""]
`);
  assert.deepEqual(config.servers[0].serverNames, [
    "example.com",
    "*.example.com",
    "www.example.*",
    ".example.org",
    "~^w\\d+\\.x$",
    "",
  ]);
});

Deno.test("parseProxyConfig() inherits http → server → location, inner keys replacing outer", () => {
  const config = parse(`
root = "html"
add_header = ["X-Level http"]
gzip = "on"
error_page = ["404 /404.html"]

[[server]]
add_header = { X-Level = "server", X-Only = "server" }

[[server.location]]
match = "/static/"
add_header = ["X-Level location always"]
expires = "30d"

[[server.location]]
match = "/plain/"
`);
  const [server] = config.servers;
  assert.equal(server.settings.root, "/srv/html");
  assert.equal(server.settings.gzip, true);
  assert.deepEqual(server.settings.addHeaders, [
    { name: "X-Level", value: "server", always: false },
    { name: "X-Only", value: "server", always: false },
  ]);
  const [stat, plain] = server.locations;
  assert.deepEqual(stat.settings.addHeaders, [{
    name: "X-Level",
    value: "location",
    always: true,
  }]);
  assert.deepEqual(stat.settings.expires, { kind: "seconds", seconds: 30 * 86400 });
  assert.deepEqual(stat.settings.errorPages, [{ codes: [404], status: null, uri: "/404.html" }]);
  assert.deepEqual(plain.settings.addHeaders, server.settings.addHeaders);
  assert.deepEqual(plain.settings.expires, { kind: "off" });
});

Deno.test("parseProxyConfig() does not inherit return, rewrite and try_files into locations", () => {
  const config = parse(`[[server]]
return = 404
rewrite = ["^/old/(.*)$ /new/$1 permanent"]
try_files = ["$uri", "=404"]
stub_status = true
[[server.location]]
match = "/"
`);
  const [server] = config.servers;
  assert.deepEqual(server.settings.return, { status: 404, text: null });
  assert.deepEqual(server.settings.rewrites, [
    { regex: "^/old/(.*)$", replacement: "/new/$1", flag: "permanent" },
  ]);
  const location = server.locations[0].settings;
  assert.equal(location.return, null);
  assert.deepEqual(location.rewrites, []);
  assert.equal(location.tryFiles, null);
  assert.equal(location.stubStatus, false);
});

Deno.test("parseProxyConfig() reads location matches with every modifier", () => {
  const config = parse(`[[server]]
[[server.location]]
match = "= /"
[[server.location]]
match = "=/exact"
[[server.location]]
match = "^~ /images/"
[[server.location]]
match = "~ \\\\.php$"
[[server.location]]
match = "~* \\\\.(png|jpg)$"
[[server.location]]
match = "@fallback"
[[server.location]]
match = "/"
`);
  assert.deepEqual(
    config.servers[0].locations.map((l) => [l.line, l.modifier, l.pattern]),
    [
      [2, "=", "/"],
      [4, "=", "/exact"],
      [6, "^~", "/images/"],
      [8, "~", "\\.php$"],
      [10, "~*", "\\.(png|jpg)$"],
      [12, "@", "fallback"],
      [14, "", "/"],
    ],
  );
});

Deno.test("parseProxyConfig() reads return in its four forms", () => {
  const ret = (value: string) =>
    parse(`[[server]]\nreturn = ${value}\n`).servers[0].settings.return;
  assert.deepEqual(ret("444"), { status: 444, text: null });
  assert.deepEqual(ret('[200, "ok\\n"]'), { status: 200, text: "ok\n" });
  assert.deepEqual(ret('"301 https://$host$request_uri"'), {
    status: 301,
    text: "https://$host$request_uri",
  });
  assert.deepEqual(ret('"https://example.com/"'), { status: 302, text: "https://example.com/" });
  assert.deepEqual(ret('"403 Go away"'), { status: 403, text: "Go away" });
});

Deno.test("parseProxyConfig() reads sizes, times, expires and error pages the nginx way", () => {
  const config = parse(`[[server]]
client_max_body_size = "0"
keepalive_timeout = "1m30s"
client_header_timeout = "500ms"
client_body_timeout = 2.5
expires = "-1"
error_page = ["500 502 503 504 /50x.html", "404 =200 /empty.gif", "403 @named", "410 https://example.com/"]
[[server.location]]
match = "@named"
[[server.location]]
match = "/max/"
expires = "max"
client_max_body_size = "512k"
[[server.location]]
match = "/n/"
expires = 3600
client_max_body_size = 100
`);
  const [server] = config.servers;
  const s = server.settings;
  assert.equal(s.clientMaxBodySize, 0);
  assert.equal(s.keepaliveTimeout, 90);
  assert.equal(s.clientHeaderTimeout, 0.5);
  assert.equal(s.clientBodyTimeout, 2.5);
  assert.deepEqual(s.expires, { kind: "seconds", seconds: -1 });
  assert.deepEqual(s.errorPages, [
    { codes: [500, 502, 503, 504], status: null, uri: "/50x.html" },
    { codes: [404], status: 200, uri: "/empty.gif" },
    { codes: [403], status: null, uri: "@named" },
    { codes: [410], status: null, uri: "https://example.com/" },
  ]);
  assert.deepEqual(server.locations[1].settings.expires, { kind: "max" });
  assert.equal(server.locations[1].settings.clientMaxBodySize, 512 * 1024);
  assert.deepEqual(server.locations[2].settings.expires, { kind: "seconds", seconds: 3600 });
  assert.equal(server.locations[2].settings.clientMaxBodySize, 100);
});

Deno.test("parseProxyConfig() orders allow before deny, and keeps access in order", () => {
  const config = parse(`[[server]]
deny = "all"
allow = ["10.0.0.0/8", "::1", "fd00::/8"]
[[server.location]]
match = "/"
access = ["deny 10.1.0.0/16", "allow 10.0.0.0/8", "deny all"]
`);
  const [server] = config.servers;
  assert.deepEqual(server.settings.access, [
    { allow: true, cidr: "10.0.0.0/8" },
    { allow: true, cidr: "::1" },
    { allow: true, cidr: "fd00::/8" },
    { allow: false, cidr: "all" },
  ]);
  assert.deepEqual(server.locations[0].settings.access.map((r) => r.allow), [false, true, false]);
});

Deno.test("parseProxyConfig() reads auth, alias, types, gzip and the on/off booleans", () => {
  const config = parse(`
auth_basic = "Staff only"
auth_basic_user_file = "conf/htpasswd"
gzip_types = ["text/css", "application/json"]
[types]
"text/x-foo" = ["FOO", ".fo"]
[[server]]
autoindex = "on"
etag = "off"
charset = "off"
[[server.location]]
match = "~ ^/i/(.*)$"
alias = "/data/$1"
auth_basic = "off"
[[server.location]]
match = "/files/"
alias = "files/"
`);
  const [server] = config.servers;
  const s = server.settings;
  assert.deepEqual(s.authBasic, { realm: "Staff only", userFile: "/srv/conf/htpasswd" });
  assert.deepEqual(s.gzipTypes, ["text/html", "text/css", "application/json"]);
  assert.deepEqual(s.types, { foo: "text/x-foo", fo: "text/x-foo" });
  assert.equal(s.autoindex, true);
  assert.equal(s.etag, false);
  assert.equal(s.charset, null);
  assert.equal(server.locations[0].settings.alias, "/data/$1");
  assert.equal(server.locations[0].settings.authBasic, null);
  assert.equal(server.locations[1].settings.alias, "/srv/files/");
});

Deno.test("parseProxyConfig() reads log formats and access_log lists", () => {
  const config = parse(`
access_log = ["logs/access.log", "- json", "logs/short.log main"]
[log_format]
json = { format = '{"uri":"$uri","status":$status}', escape = "json" }
main = "$remote_addr $request"
[[server]]
[[server.location]]
match = "/quiet/"
access_log = "off"
`);
  assert.deepEqual(config.logFormats.json, {
    format: '{"uri":"$uri","status":$status}',
    escape: "json",
  });
  assert.deepEqual(config.logFormats.main, { format: "$remote_addr $request", escape: "default" });
  assert.deepEqual(config.servers[0].settings.accessLog, [
    { path: "/srv/logs/access.log", format: "combined" },
    { path: "-", format: "json" },
    { path: "/srv/logs/short.log", format: "main" },
  ]);
  assert.deepEqual(config.servers[0].locations[0].settings.accessLog, []);
});

Deno.test("parseProxyConfig() applies -g overrides over the top level", () => {
  const config = parse('workers = 2\nerror_log = "- warn"\n[[server]]\n', {
    globals: ["workers = 8", 'access_log = "off"'],
  });
  assert.equal(config.workers, 8);
  assert.deepEqual(config.errorLog, { path: "-", level: "warn" });
  assert.deepEqual(config.servers[0].settings.accessLog, []);
});

Deno.test("parseProxyConfig() makes a plain JSON value workers can receive", () => {
  const config = parse('[[server]]\nlisten = "8080"\n[[server.location]]\nmatch = "/"\n');
  assert.deepEqual(JSON.parse(JSON.stringify(config)), config);
});

Deno.test("loadProxyConfig() reads a file and resolves paths against its folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f_config_" });
  try {
    const file = join(dir, "ngw2f.toml");
    await Deno.writeTextFile(file, '[[server]]\nroot = "site"\n');
    const config = await loadProxyConfig(file, { cpuCount: 1 });
    assert.equal(config.file, file);
    assert.equal(config.prefix, dir);
    assert.equal(config.servers[0].settings.root, join(dir, "site"));
    const other = await loadProxyConfig(file, { prefix: "/opt/x", cpuCount: 1 });
    assert.equal(other.servers[0].settings.root, "/opt/x/site");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadProxyConfig() rejects a missing file with a ConfigError", async () => {
  await assert.rejects(loadProxyConfig("/nonexistent/ngw2f.toml"), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(
      error.message,
      "Cannot use /nonexistent/ngw2f.toml: config: cannot read the file: not found",
    );
    return true;
  });
});

Deno.test("loadProxyConfig() serves <prefix>/public by default, else the demo site", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f_config_" });
  try {
    const demo = await loadProxyConfig(null, { prefix: dir, cpuCount: 1 });
    assert.equal(demo.file, "(built-in)");
    assert.match(demo.servers[0].settings.root!, /examples\/part-I-nginx\/site$/);
    assert.deepEqual(demo.servers[0].listen, [
      { address: "127.0.0.1:8080", defaultServer: true, ssl: false },
    ]);
    await Deno.mkdir(join(dir, "public"));
    const config = await loadProxyConfig(null, { prefix: dir, cpuCount: 1 });
    assert.equal(config.servers[0].settings.root, join(dir, "public"));
    assert.equal(config.pid, join(dir, "ngw2f-proxy.pid"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseProxyConfig() ignores the [app] table that belongs to ngw2f serve", () => {
  const config = parse('[app]\nmodule = "app.ts"\nbind = "127.0.0.1:8000"\n\n[[server]]\n');
  assert.equal(config.servers.length, 1);
});

Deno.test("parseProxyConfig() accepts the full example of docs/proxy-config.md", async () => {
  const docs = await Deno.readTextFile(new URL("../../../docs/proxy-config.md", import.meta.url));
  const example = [...docs.matchAll(/```toml\n([\s\S]*?)```/g)].at(-1)![1];
  const config = parse(example);
  assert.equal(config.servers.length, 2);
  assert.equal(config.servers[1].locations.length, 9);
  assert.equal(config.servers[0].listen[1].address, "[::]:80");
});

Deno.test("parseProxyConfig() lets auth_basic_user_file sit above the auth_basic that uses it", () => {
  const config = parse(`auth_basic_user_file = "htpasswd"
[[server]]
[[server.location]]
match = "/admin/"
auth_basic = "Admin"
[[server.location]]
match = "/"
`);
  const [server] = config.servers;
  assert.equal(server.settings.authBasic, null);
  assert.deepEqual(server.locations[0].settings.authBasic, {
    realm: "Admin",
    userFile: "/srv/htpasswd",
  });
  assert.equal(server.locations[1].settings.authBasic, null);
});
