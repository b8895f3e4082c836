import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse } from "smol-toml";
import { loadProxyConfig } from "../config/load.ts";
import { convertNginxConfig, convertNginxFile } from "./convert.ts";
import { parseNginxConfig } from "./parse.ts";

const testdata = fileURLToPath(new URL("./testdata", import.meta.url));
type Location = { match: string } & Record<string, unknown>;
type Server = Record<string, unknown> & { location: Location[] };

/** The TOML as plain objects (smol-toml's tables have no prototype). */
function read(toml: string) {
  return JSON.parse(JSON.stringify(parse(toml))) as Record<string, unknown> & { server: Server[] };
}

/** Debian's config as installed under /etc/nginx, read from testdata/debian. */
function debian() {
  const local = (path: string) => path.replace(/^\/etc\/nginx/, `${testdata}/debian`);
  const text = Deno.readTextFileSync(`${testdata}/debian/nginx.conf`);
  return convertNginxConfig(parseNginxConfig(text, "/etc/nginx/nginx.conf", {
    readFile: (path) => Deno.readTextFileSync(local(path)),
    readDir: (path) => [...Deno.readDirSync(local(path))].map((entry) => entry.name),
  }));
}

/** Whether the TOML loads as ngw2f's config (with `prefix` for relative paths). */
async function loads(toml: string) {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-from-nginx-" });
  try {
    await Deno.writeTextFile(`${dir}/ngw2f.toml`, toml);
    return await loadProxyConfig(`${dir}/ngw2f.toml`, { prefix: dir, cpuCount: 2 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("convertNginxConfig() converts Debian's nginx.conf with a PHP site", async () => {
  const { toml, unconverted } = debian();
  const doc = read(toml);
  assert.equal(doc.workers, "auto");
  assert.equal(doc.worker_connections, 768);
  assert.equal(doc.pid, "/run/nginx.pid");
  assert.equal(doc.access_log, "/var/log/nginx/access.log");
  assert.equal(doc.gzip, true);
  assert.equal(doc.types, undefined);
  assert.equal(doc.server.length, 1);
  const [server] = doc.server;
  assert.deepEqual(server.listen, ["80 default_server", "[::]:80 default_server"]);
  assert.equal(server.server_name, undefined);
  assert.equal(server.root, "/var/www/html");
  assert.deepEqual(server.location.map((l) => l.match), ["/", "~ \\.php$", "~ /\\.ht"]);
  assert.equal(server.location[1].return, 502);
  assert.deepEqual(server.location[2].access, ["deny all"]);
  const names = new Set(unconverted.map((u) => u.directive.split(" ")[0]));
  for (
    const name of [
      "user",
      "load_module",
      "sendfile",
      "tcp_nopush",
      "types_hash_max_size",
      "types",
      "ssl_protocols",
      "ssl_prefer_server_ciphers",
      "fastcgi_split_path_info",
      "try_files",
      "set",
      "fastcgi_param",
      "fastcgi_index",
      "fastcgi_pass",
    ]
  ) assert.ok(names.has(name), `${name} is listed`);
  const pass = unconverted.find((u) => u.directive.startsWith("fastcgi_pass"))!;
  assert.equal(pass.file, "/etc/nginx/sites-enabled/default");
  assert.match(pass.why, /proxies HTTP only/);
  const modules = unconverted.find((u) => u.directive.startsWith("load_module"))!;
  assert.equal(modules.file, "/etc/nginx/modules-enabled/50-mod-http-echo.conf");
  const config = await loads(toml);
  assert.equal(config.servers[0].locations.length, 3);
});

Deno.test("convertNginxFile() converts a static site end to end into a config ngw2f loads", async () => {
  const file = `${testdata}/static_site/nginx.conf`;
  const { toml, unconverted } = await convertNginxFile(file);
  const doc = read(toml);
  assert.equal(doc.workers, 4);
  assert.equal(doc.error_log, "logs/error.log warn");
  assert.equal(doc.access_log, "logs/access.log timed");
  assert.deepEqual(doc.types, {
    "text/markdown": ["md", "markdown"],
    "application/manifest+json": ["webmanifest"],
  });
  assert.match(
    (doc.log_format as Record<string, string>).timed,
    /^\$remote_addr - .* "\$http_user_agent" \$request_time$/,
  );
  assert.deepEqual((doc.log_format as Record<string, unknown>).json, {
    format: '{"time":"$time_iso8601","status":$status,"uri":"$uri","ua":"$http_user_agent"}',
    escape: "json",
  });
  const [www, blog] = doc.server;
  assert.deepEqual(www.listen, ["8080 default_server", "[::]:8080 default_server"]);
  assert.deepEqual(www.server_name, ["www.example.com", "example.com"]);
  assert.deepEqual(www.add_header, [
    "X-Frame-Options SAMEORIGIN always",
    "Content-Security-Policy default-src 'self'; img-src 'self' data: always",
  ]);
  assert.deepEqual(www.location.map((l) => l.match), [
    "= /",
    "^~ /static/",
    "~* \\.(?:png|jpe?g|gif|webp|ico|svg)$",
    "/",
    "= /404.html",
    "/downloads/",
    "= /old-page",
    "/private/",
    "= /nginx_status",
  ]);
  assert.deepEqual(www.location[2], {
    match: "~* \\.(?:png|jpe?g|gif|webp|ico|svg)$",
    expires: "30d",
    access_log: "off",
  });
  assert.deepEqual(www.location[3].try_files, ["$uri", "$uri.html", "$uri/", "=404"]);
  assert.equal(www.location[8].stub_status, true);
  assert.deepEqual(blog.listen, ["8080"]);
  assert.deepEqual(blog.rewrite, [
    "^/(\\d{4})/(\\d{2})/(.+)$ /posts/$1-$2-$3 permanent",
    "^/tag/([a-z]{2,})$ /tags/$1.html last",
  ]);
  assert.deepEqual(unconverted.map((u) => u.directive.split(" ")[0]), [
    "multi_accept",
    "types",
    "sendfile",
    "tcp_nodelay",
    "gzip_vary",
    "access_log",
    "log_not_found",
    "internal",
  ]);
  const config = await loads(toml);
  assert.equal(config.workers, 4);
  assert.equal(config.servers[0].locations[5].settings.autoindexFormat, "json");
  assert.equal(config.servers[1].settings.rewrites[0].flag, "permanent");
});

Deno.test("convertNginxFile() converts the nginx.conf installed on this machine, if any", async () => {
  const path = "/etc/nginx/nginx.conf";
  if (!(await Deno.stat(path).then(() => true, () => false))) return;
  const { toml, unconverted } = await convertNginxFile(path);
  assert.ok(parse(toml));
  assert.ok(unconverted.some((u) => u.directive === "sendfile on"));
});

Deno.test("convertNginxFile() fails with a ConfigError naming a missing file", async () => {
  await assert.rejects(
    () => convertNginxFile(`${testdata}/nope.conf`),
    /Cannot use .*nope\.conf: from-nginx: cannot read the nginx config: no such file/,
  );
});
