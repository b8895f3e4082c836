import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { convertNginxConfig } from "./convert.ts";
import { parseNginxConfig } from "./parse.ts";

type Doc = Record<string, unknown>;
type Server = Doc & { location?: Doc[] };

function convert(text: string) {
  const { toml, unconverted } = convertNginxConfig(parseNginxConfig(text, "nginx.conf"));
  // smol-toml's tables have no prototype; plain objects compare with deepEqual.
  const doc = JSON.parse(JSON.stringify(parse(toml))) as Doc & { server?: Server[] };
  return { doc, toml, unconverted };
}

/** What `body` becomes inside `location / {}`, without `match`. */
function inLocation(body: string): Doc {
  const { doc } = convert(`http { server { listen 80; location / {\n${body}\n} } }`);
  const { match: _, ...rest } = doc.server![0].location![0];
  return rest;
}

/** What `body` becomes inside `server {}`, without `listen`. */
function inServer(body: string): Doc {
  const { doc } = convert(`http { server { listen 80;\n${body}\n} }`);
  const { listen: _, ...rest } = doc.server![0];
  return rest;
}

/** The reasons given for `body` in a location. */
function whyNot(body: string): string[] {
  return convert(`http { server { listen 80; location / {\n${body}\n} } }`).unconverted.map((u) =>
    u.why
  );
}

Deno.test("convertNginxConfig() maps the main and events levels to the top of the TOML", () => {
  const { doc } = convert(
    "worker_processes 4;\npid /run/x.pid;\nerror_log /var/log/e.log warn;\nevents { worker_connections 768; }",
  );
  assert.deepEqual(doc, {
    workers: 4,
    pid: "/run/x.pid",
    error_log: "/var/log/e.log warn",
    worker_connections: 768,
  });
  assert.equal(convert("worker_processes auto;").doc.workers, "auto");
  assert.equal(convert("error_log stderr;").doc.error_log, "- error");
  const alert = convert("error_log e.log alert;");
  assert.equal(alert.doc.error_log, "e.log crit");
  assert.match(alert.unconverted[0].why, /converted with level "crit"/);
});

Deno.test("convertNginxConfig() joins log_format strings and keeps escape=json", () => {
  const { doc } = convert(
    "http { log_format main '$remote_addr ' '$status';\nlog_format js escape=json '{\"s\":$status}'; }",
  );
  assert.deepEqual(doc.log_format, {
    main: "$remote_addr $status",
    js: { format: '{"s":$status}', escape: "json" },
  });
  assert.match(
    convert("http { log_format combined '$status'; }").unconverted[0].why,
    /duplicate "log_format" name "combined"/,
  );
  assert.match(
    convert("http { log_format x '$upstream_addr'; }").unconverted[0].why,
    /unknown variable "\$upstream_addr"/,
  );
});

Deno.test("convertNginxConfig() turns a types block into [types] but leaves mime.types to mime-db", () => {
  const { doc } = convert("http { types { text/x-foo foo fo; text/x-foo foe; image/x-b b; } }");
  assert.deepEqual(doc.types, { "text/x-foo": ["foo", "fo", "foe"], "image/x-b": ["b"] });
  const files: Record<string, string> = { "/etc/nginx/mime.types": "types { text/html html; }" };
  const root = parseNginxConfig("http { include mime.types; }", "/etc/nginx/nginx.conf", {
    readFile: (path) => files[path],
  });
  const { toml, unconverted } = convertNginxConfig(root);
  assert.equal(parse(toml).types, undefined);
  assert.deepEqual(unconverted[0].file, "/etc/nginx/mime.types");
  assert.match(unconverted[0].why, /mime-db/);
  assert.match(convert("http { types {} }").unconverted[0].why, /empty types/);
});

Deno.test("convertNginxConfig() lists the http-level tuning directives with why", () => {
  const { doc, unconverted } = convert(
    "user nginx;\nhttp {\nsendfile on;\ntcp_nopush on;\ntcp_nodelay on;\nkeepalive_requests 100;\ntypes_hash_max_size 2048;\nssl_protocols TLSv1.2;\nssl_prefer_server_ciphers on;\n}",
  );
  assert.deepEqual(doc, {});
  assert.deepEqual(unconverted.map((u) => [u.line, u.directive]), [
    [1, "user nginx"],
    [3, "sendfile on"],
    [4, "tcp_nopush on"],
    [5, "tcp_nodelay on"],
    [6, "keepalive_requests 100"],
    [7, "types_hash_max_size 2048"],
    [8, "ssl_protocols TLSv1.2"],
    [9, "ssl_prefer_server_ciphers on"],
  ]);
  assert.match(unconverted[1].why, /always sends files this way/);
  assert.match(unconverted[6].why, /TLS/);
  assert.ok(unconverted.every((u) => u.file === "nginx.conf" && u.why));
});

Deno.test("convertNginxConfig() keeps default_server and ssl on listen and reports the rest", () => {
  const { doc, unconverted } = convert(`http {
    ssl_certificate cert.pem;
    ssl_certificate_key key.pem;
    server { listen 80; listen [::]:80 default_server ipv6only=on; listen 127.0.0.1:8080 default;
             listen unix:/run/x.sock; }
    server { listen 443 ssl http2 reuseport; listen 443 quic; server_name _ example.com; }
  }`);
  assert.deepEqual(doc.server, [
    {
      listen: ["80", "[::]:80 default_server", "127.0.0.1:8080 default_server", "unix:/run/x.sock"],
    },
    {
      listen: ["443 ssl"],
      server_name: ["example.com"],
      ssl_certificate: "cert.pem",
      ssl_certificate_key: "key.pem",
    },
  ]);
  assert.match(unconverted[0].why, /converted without "http2", "reuseport"/);
  assert.match(unconverted[1].why, /QUIC/);
});

Deno.test("convertNginxConfig() keeps a server's own certificate and drops one nothing uses", () => {
  const { doc, unconverted } = convert(
    "http { server { listen 443 ssl; ssl_certificate a.pem; ssl_certificate_key a.key; }\nserver { listen 80; ssl_certificate b.pem; } }",
  );
  assert.equal(doc.server![0].ssl_certificate, "a.pem");
  assert.equal(doc.server![1].ssl_certificate, undefined);
  assert.match(unconverted[0].why, /no listen in this server has ssl/);
  assert.deepEqual(convert("http { server { } }").doc.server, [{ listen: ["80"] }]);
});

Deno.test("convertNginxConfig() writes each location modifier into match", () => {
  const { doc } = convert(`http { server { listen 80;
    location / {} location = /exact {} location =/tight {} location ^~ /static/ {}
    location ~ \\.php$ {} location ~* "\\.(png|jpe?g)$" {} location @fallback {}
    location ~ ^/(?P<name>\\w+)$ {} } }`);
  assert.deepEqual(doc.server![0].location!.map((l) => l.match), [
    "/",
    "= /exact",
    "= /tight",
    "^~ /static/",
    "~ \\.php$",
    "~* \\.(png|jpe?g)$",
    "@fallback",
    "~ ^/(?<name>\\w+)$",
  ]);
  const { unconverted } = convert("http { server { location / {} location / {} location x {} } }");
  assert.deepEqual(unconverted.map((u) => u.why.split(":")[0]), [
    'duplicate location "/"',
    "never matches",
  ]);
});

Deno.test("convertNginxConfig() flattens nested prefix locations, inheriting what nginx inherits", () => {
  const { doc, unconverted } = convert(`http { server { listen 80;
    location ^~ /a/ { root /srv; try_files $uri =404; add_header X 1;
      location /a/b/ { expires 1d; location = /a/b/c { return 204; } }
      location ~ \\.png$ { } location /z/ { } } } }`);
  assert.deepEqual(doc.server![0].location, [
    { match: "^~ /a/", root: "/srv", try_files: ["$uri", "=404"], add_header: ["X 1"] },
    { match: "^~ /a/b/", root: "/srv", add_header: ["X 1"], expires: "1d" },
    { match: "= /a/b/c", root: "/srv", add_header: ["X 1"], expires: "1d", return: 204 },
  ]);
  assert.match(unconverted[0].why, /nested regex location/);
  assert.match(unconverted[1].why, /"\/z\/" is outside location "\/a\/"/);
  assert.match(
    convert("http { server { location ~ x { location /y {} } } }").unconverted[0].why,
    /nested in a regex or exact location/,
  );
});

Deno.test("convertNginxConfig() converts root, alias, index, try_files, autoindex", () => {
  assert.deepEqual(
    inLocation(
      "root /srv/www; index index.html index.htm; index x.html; try_files $uri $uri/ @app; autoindex on; autoindex_format json;",
    ),
    {
      root: "/srv/www",
      index: ["index.html", "index.htm", "x.html"],
      try_files: ["$uri", "$uri/", "@app"],
      autoindex: true,
      autoindex_format: "json",
    },
  );
  assert.deepEqual(inLocation("alias /srv/files/; autoindex off;"), {
    alias: "/srv/files/",
    autoindex: false,
  });
  assert.match(whyNot("root /a; alias /b;")[0], /cannot be combined/);
  assert.match(whyNot("root $document_root/x;")[0], /variables in root/);
  assert.match(whyNot("autoindex maybe;")[0], /must be "on" or "off"/);
  assert.match(whyNot("autoindex_format xml;")[0], /html or json/);
  assert.match(whyNot("try_files $fastcgi_script_name =404;")[0], /unknown variable/);
  assert.match(whyNot("root /a; root /b;")[0], /set twice/);
  assert.match(whyNot("root a b;")[0], /invalid number of arguments in "root" directive/);
});

Deno.test("convertNginxConfig() converts return and rewrite", () => {
  assert.deepEqual(inLocation("return 404;"), { return: 404 });
  assert.deepEqual(inLocation('return 200 "ok\\n";'), { return: [200, "ok\n"] });
  assert.deepEqual(inLocation("return https://$host$request_uri;"), {
    return: [302, "https://$host$request_uri"],
  });
  assert.deepEqual(
    inServer('rewrite ^/old/(.*)$ /new/$1 permanent; rewrite "^/x{2}$" /y last; rewrite ^/a /b;'),
    { rewrite: ["^/old/(.*)$ /new/$1 permanent", "^/x{2}$ /y last", "^/a /b"] },
  );
  assert.match(whyNot("rewrite ^/a /b forever;")[0], /invalid parameter "forever"/);
  assert.match(whyNot('rewrite "^/a b" /c;')[0], /spaces/);
  assert.match(whyNot("return 301 /a; return 302 /b;")[0], /never reached/);
  assert.match(whyNot("return nowhere;")[0], /invalid return/);
});

Deno.test("convertNginxConfig() converts add_header, keeping always and quoting what needs it", () => {
  assert.deepEqual(
    inLocation(
      'add_header X-A 1; add_header Cache-Control "public, max-age=60" always; add_header X-E ""; add_header X-Q \'"q"\';',
    ),
    {
      add_header: ["X-A 1", "Cache-Control public, max-age=60 always", 'X-E ""', 'X-Q ""q""'],
    },
  );
  assert.match(whyNot("add_header X 1 sometimes;")[0], /invalid parameter/);
  assert.match(whyNot("add_header X $upstream_status;")[0], /unknown variable/);
});

Deno.test("convertNginxConfig() converts expires, default_type, charset, error_page, body size", () => {
  assert.deepEqual(
    inLocation(
      "expires 30d; default_type text/plain; charset utf-8; error_page 404 /404.html; error_page 500 502 =200 /50x.html; client_max_body_size 10m;",
    ),
    {
      expires: "30d",
      default_type: "text/plain",
      charset: "utf-8",
      error_page: ["404 /404.html", "500 502 =200 /50x.html"],
      client_max_body_size: "10m",
    },
  );
  assert.equal(inLocation("expires 3600;").expires, 3600);
  assert.equal(inLocation("expires max;").expires, "max");
  assert.equal(inLocation("charset off;").charset, "off");
  assert.match(whyNot("expires modified +1h;")[0], /modified/);
  assert.match(whyNot("error_page 404 = /x;")[0], /bare "="/);
  assert.match(whyNot("client_max_body_size lots;")[0], /invalid size/);
});

Deno.test("convertNginxConfig() keeps allow and deny in order as access, and auth_basic", () => {
  assert.deepEqual(
    inLocation(
      'allow 10.0.0.0/8; deny 10.1.0.0/16; allow ::1; deny all; auth_basic "Staff"; auth_basic_user_file htpasswd;',
    ),
    {
      access: ["allow 10.0.0.0/8", "deny 10.1.0.0/16", "allow ::1", "deny all"],
      auth_basic: "Staff",
      auth_basic_user_file: "htpasswd",
    },
  );
  assert.equal(inLocation("auth_basic off;").auth_basic, "off");
});

Deno.test("convertNginxConfig() converts gzip and caching switches", () => {
  assert.deepEqual(
    inServer(
      "gzip on; gzip_types text/css application/json; gzip_min_length 1k; gzip_static on; etag off; if_modified_since before;",
    ),
    {
      gzip: true,
      gzip_types: ["text/css", "application/json"],
      gzip_min_length: 1024,
      gzip_static: true,
      etag: false,
      if_modified_since: "before",
    },
  );
  assert.match(whyNot("gzip_static always;")[0], /converted as "on"/);
  assert.match(whyNot("gzip_comp_level 6;")[0], /compression level/);
  assert.match(whyNot("if_modified_since later;")[0], /invalid value/);
});

Deno.test("convertNginxConfig() converts timeouts, server_tokens, disable_symlinks, stub_status", () => {
  assert.deepEqual(
    inLocation(
      "keepalive_timeout 65 60; client_header_timeout 1m; client_body_timeout 30s; server_tokens off; disable_symlinks on from=$document_root; stub_status;",
    ),
    {
      keepalive_timeout: 65,
      client_header_timeout: "1m",
      client_body_timeout: "30s",
      server_tokens: false,
      disable_symlinks: "on",
      stub_status: true,
    },
  );
  const why = whyNot("keepalive_timeout 65 60; disable_symlinks on from=$document_root;");
  assert.match(why[0], /converted without "60"/);
  assert.match(why[1], /converted without "from=\$document_root"/);
  assert.match(whyNot("server_tokens build;")[0], /"on" or "off"/);
  assert.match(whyNot("disable_symlinks if_not_owner;")[0], /if_outside_root/);
});

Deno.test("convertNginxConfig() writes access_log as a string, or a list when there are several", () => {
  assert.equal(inLocation("access_log off;").access_log, "off");
  assert.equal(inLocation("access_log /var/log/a.log;").access_log, "/var/log/a.log");
  assert.deepEqual(inLocation("access_log a.log main; access_log b.log combined gzip=9;"), {
    access_log: ["a.log main", "b.log combined"],
  });
  assert.match(whyNot("access_log b.log combined gzip=9;")[0], /converted without "gzip=9"/);
  assert.match(whyNot("access_log syslog:server=x;")[0], /files or stdout/);
});

Deno.test("convertNginxConfig() answers 502 for a location that passes requests on elsewhere", () => {
  const { doc, unconverted, toml } = convert(
    "http { server { listen 80;\nlocation /ext/ {\nproxy_pass https://example.com;\n}\nlocation ~ \\.php$ { fastcgi_pass unix:/run/php.sock; }\nlocation /cgi/ { uwsgi_pass 127.0.0.1:9001; return 403; } } }",
  );
  assert.deepEqual(doc.server![0].location, [
    { match: "/ext/", return: 502 },
    { match: "~ \\.php$", return: 502 },
    { match: "/cgi/", return: 403 },
  ]);
  assert.deepEqual(unconverted.map((u) => [u.line, u.directive.split(" ")[0]]), [
    [3, "proxy_pass"],
    [5, "fastcgi_pass"],
    [6, "uwsgi_pass"],
  ]);
  assert.match(unconverted[0].why, /https:\/\/ upstreams/);
  assert.match(unconverted[1].why, /proxies HTTP only/);
  assert.match(toml, /# nginx passes these requests on; ngw2f answers 502/);
});

Deno.test("convertNginxConfig() lists if, map, set, limit_rate, internal and unknown directives", () => {
  const { unconverted } = convert(
    "http { map $a $b { default 1; }\nserver { listen 80; set $x 1; if ($x) { return 403; }\nlocation / { limit_rate 100k; internal; frobnicate on; } } }",
  );
  const reasons = Object.fromEntries(unconverted.map((u) => [u.directive.split(" ")[0], u.why]));
  assert.match(reasons.map, /no user-defined variables/);
  assert.match(reasons.set, /no user-defined variables/);
  assert.match(reasons.if, /no if blocks/);
  assert.match(reasons.limit_rate, /bandwidth/);
  assert.match(reasons.internal, /reachable from outside/);
  assert.equal(reasons.frobnicate, "unknown directive");
  assert.equal(unconverted.find((u) => u.directive.startsWith("if"))!.directive, "if ($x) { … }");
});

Deno.test("convertNginxConfig() reports directives in the wrong place as nginx would", () => {
  const { unconverted } = convert(
    "root /srv;\nhttp { location / {} listen 80; try_files a b; worker_processes 2; http {} }\nhttp {}",
  );
  assert.deepEqual(unconverted.map((u) => u.why), [
    '"root" directive is not allowed here',
    '"location" directive is not allowed here',
    '"listen" directive is not allowed here',
    '"try_files" directive is not allowed here',
    '"worker_processes" directive is not allowed here',
    '"http" directive is not allowed here',
    '"http" directive is duplicate',
  ]);
  assert.deepEqual(whyNot("error_log x; server_name y;"), [
    "not supported: ngw2f has one error log, set at the top level",
    '"server_name" directive is not allowed here',
  ]);
});

Deno.test("convertNginxConfig() heads the TOML with the source file and each unconverted directive", () => {
  const { toml } = convert("http {\n  sendfile on;\n  server { listen 80; }\n}");
  const lines = toml.split("\n");
  assert.equal(lines[0], "# ngw2f.toml converted from nginx.conf by `ngw2f proxy --from-nginx`.");
  assert.ok(
    lines.includes(
      "# not converted: nginx.conf:2: sendfile on — not needed: ngw2f always sends files this way, with no switch",
    ),
  );
  assert.match(toml, /\n# nginx\.conf:3\n\[\[server\]\]\nlisten = \["80"\]\n$/);
});
