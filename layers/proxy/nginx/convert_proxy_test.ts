import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { parseProxyConfig } from "../config/mod.ts";
import { convertNginxConfig } from "./convert.ts";
import { parseNginxConfig } from "./parse.ts";

type Doc = Record<string, unknown>;
type Server = Doc & { location?: Doc[] };

/** Converts `text`; every result must load as an ngw2f config. */
function convert(text: string) {
  const root = parseNginxConfig(text, "nginx.conf", {
    readFile: (path) => path.endsWith("mime.types") ? "types { text/html html; }" : "",
  });
  const { toml, unconverted } = convertNginxConfig(root);
  const doc = JSON.parse(JSON.stringify(parse(toml))) as Doc & { server: Server[] };
  const config = parseProxyConfig(toml, "/srv/ngw2f.toml", { prefix: "/srv", cpuCount: 1 });
  const why = (start: string) => unconverted.find((u) => u.directive.startsWith(start))?.why;
  return { doc, toml, unconverted, config, why };
}

/** What `body` becomes in `location / {}` (after `http` at the http level), without `match`. */
function inLocation(body: string, http = "") {
  const result = convert(`http { ${http}\nserver { listen 80; location / {\n${body}\n} } }`);
  const { match: _, ...rest } = result.doc.server[0].location![0];
  return { ...result, location: rest };
}

/** gunicorn's documented deployment (docs.gunicorn.org, "Deploying Gunicorn"). */
const GUNICORN = `worker_processes 1;

user nobody nogroup;
error_log  /var/log/nginx/error.log warn;
pid /var/run/nginx.pid;

events {
  worker_connections 1024;
  accept_mutex off;
}

http {
  include mime.types;
  default_type application/octet-stream;
  access_log /var/log/nginx/access.log combined;
  sendfile on;

  upstream app_server {
    # fail_timeout=0 means we always retry an upstream even if it failed
    server unix:/run/gunicorn.sock fail_timeout=0;
  }

  server {
    # if no Host match, close the connection to prevent host spoofing
    listen 80 default_server;
    return 444;
  }

  server {
    listen 80;
    client_max_body_size 4G;
    server_name example.com www.example.com;
    keepalive_timeout 5;
    root /path/to/app/current/public;

    location / {
      # checks for static file, if not found proxy to app
      try_files $uri @proxy_to_app;
    }

    location @proxy_to_app {
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Host $http_host;
      # we don't want nginx trying to do something clever with
      # redirects, we set the Host: header above already.
      proxy_redirect off;
      proxy_pass http://app_server;
    }

    error_page 500 502 503 504 /500.html;
    location = /500.html {
      root /path/to/app/current/public;
    }
  }
}
`;

Deno.test("convertNginxConfig() converts gunicorn's nginx.conf into a config that loads", () => {
  const { doc, toml, unconverted, config } = convert(GUNICORN);
  assert.deepEqual(doc.upstream, {
    app_server: { server: ["unix:/run/gunicorn.sock fail_timeout=0"] },
  });
  assert.match(toml, /\n# nginx\.conf:18\n\[upstream\.app_server\]\nserver = \[/);
  const app = doc.server[1].location![1];
  assert.deepEqual(app, {
    match: "@proxy_to_app",
    proxy_set_header: ["Host $http_host"],
    proxy_redirect: "off",
    proxy_pass: "http://app_server",
  });
  // The two X-Forwarded-* fields are what ngw2f sends by itself: a comment says why they went.
  assert.match(
    toml,
    /# not needed: proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for \(nginx\.conf:42\), proxy_set_header X-Forwarded-Proto \$scheme \(nginx\.conf:43\): ngw2f adds .*\n\[\[server\.location\]\]\nmatch = "@proxy_to_app"/,
  );
  assert.deepEqual(unconverted.map((u) => u.directive.split(" ")[0]), [
    "user",
    "accept_mutex",
    "types",
    "sendfile",
  ]);
  const group = config.upstreams.app_server;
  assert.deepEqual(group.servers.map((s) => [s.address, s.failTimeout]), [
    ["unix:/run/gunicorn.sock", 0],
  ]);
  const location = config.servers[1].locations[1];
  assert.equal(location.settings.proxyPass?.upstream, "app_server");
  assert.deepEqual(location.settings.proxySetHeaders, [{ name: "Host", value: "$http_host" }]);
  assert.equal(location.settings.proxyRedirect, "off");
  assert.equal(location.settings.proxyForwarded, true);
  assert.deepEqual(config.servers[1].locations[0].settings.tryFiles, ["$uri", "@proxy_to_app"]);
});

const BALANCER = `http {
  limit_req_zone $binary_remote_addr zone=perip:10m rate=10r/s;
  limit_req_zone $server_name zone=perserver:1m rate=300r/m sync;
  limit_conn_zone $binary_remote_addr zone=addr:10m;
  limit_req_status 429;
  limit_conn_status 429;
  proxy_cache_path /var/cache/nginx keys_zone=api:10m;
  proxy_set_header Host $host;
  proxy_set_header X-Real-IP $remote_addr;

  upstream backend {
    least_conn;
    zone backend 64k;
    server 10.0.0.1:8000 weight=3 max_fails=2 fail_timeout=5s;
    server 10.0.0.2:8000 max_conns=100 slow_start=30s;
    server app3.internal:8000 resolve;
    server 10.0.0.9:8000 backup;
    server 10.0.0.10:8000 down;
    keepalive 16;
    keepalive_timeout 30s;
    keepalive_requests 500;
  }

  server {
    listen 8080;
    limit_conn addr 20;
    location /api/ {
      limit_req zone=perip burst=20 nodelay;
      limit_req zone=perserver burst=100 delay=50;
      proxy_pass http://backend/v2/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
      proxy_send_timeout 30s;
      proxy_next_upstream error timeout http_502 http_503 denied;
      proxy_next_upstream_tries 2;
      proxy_next_upstream_timeout 10s;
      proxy_buffers 16 16k;
      proxy_buffer_size 16k;
      proxy_busy_buffers_size 32k;
      proxy_request_buffering off;
      proxy_cache api;
      proxy_cache_valid 200 1m;
      proxy_hide_header X-Powered-By;
      proxy_pass_header Server;
      proxy_intercept_errors on;
      proxy_ssl_verify on;
    }
    location /health { proxy_pass http://127.0.0.1:8000; proxy_buffering off; }
  }
}
`;

Deno.test("convertNginxConfig() converts least_conn, keepalive and limit_req in front of a pool", () => {
  const { doc, toml, config, why } = convert(BALANCER);
  assert.deepEqual(doc.upstream, {
    backend: {
      server: [
        "10.0.0.1:8000 weight=3 max_fails=2 fail_timeout=5s",
        "10.0.0.2:8000 max_conns=100",
        "app3.internal:8000",
        "10.0.0.9:8000 backup",
        "10.0.0.10:8000 down",
      ],
      method: "least_conn",
      keepalive: 16,
      keepalive_timeout: "30s",
      keepalive_requests: 500,
    },
  });
  assert.deepEqual(doc.limit_req_zone, {
    perip: { key: "$binary_remote_addr", size: "10m", rate: "10r/s" },
    perserver: { key: "$server_name", size: "1m", rate: "300r/m" },
  });
  assert.deepEqual(doc.limit_conn_zone, { addr: { key: "$binary_remote_addr", size: "10m" } });
  assert.equal(doc.limit_req_status, 429);
  assert.deepEqual(doc.proxy_set_header, ["Host $host", "X-Real-IP $remote_addr"]);
  const [server] = doc.server;
  assert.deepEqual(server.limit_conn, { zone: "addr", limit: 20 });
  assert.deepEqual(server.location![0], {
    match: "/api/",
    limit_req: [
      { zone: "perip", burst: 20, nodelay: true },
      { zone: "perserver", burst: 100, delay: 50 },
    ],
    proxy_pass: "http://backend/v2/",
    proxy_http_version: "1.1",
    proxy_set_header: [],
    proxy_connect_timeout: "2s",
    proxy_read_timeout: "30s",
    proxy_send_timeout: "30s",
    proxy_next_upstream: "error timeout http_502 http_503",
    proxy_next_upstream_tries: 2,
    proxy_next_upstream_timeout: "10s",
    proxy_hide_header: ["X-Powered-By"],
    proxy_pass_header: ["Server"],
  });
  assert.match(
    toml,
    /# not needed: proxy_set_header Connection "" \(nginx\.conf:32\): ngw2f keeps/,
  );
  assert.match(toml, /# proxy_set_header = \[\]: nginx applies no outer proxy_set_header/);
  assert.deepEqual(server.location![1], {
    match: "/health",
    proxy_pass: "http://127.0.0.1:8000",
    proxy_buffering: false,
  });
  // Named, with why: what nginx does that ngw2f does differently or not at all.
  assert.match(why("zone backend")!, /memory its workers share/);
  assert.match(why("server 10.0.0.2")!, /converted without "slow_start=30s"/);
  assert.match(why("server app3")!, /converted without "resolve"/);
  assert.match(why("limit_req_zone $server_name")!, /converted without "sync"/);
  assert.match(why("proxy_cache_path")!, /does not cache/);
  assert.match(why("proxy_cache api")!, /does not cache/);
  assert.match(why("proxy_cache_valid")!, /does not cache/);
  assert.match(why("proxy_buffers")!, /constant memory/);
  assert.match(why("proxy_buffer_size")!, /constant memory/);
  assert.match(why("proxy_busy_buffers_size")!, /constant memory/);
  assert.match(why("proxy_request_buffering")!, /streams request bodies/);
  assert.match(why("proxy_next_upstream error")!, /converted without "denied"/);
  assert.match(why("proxy_intercept_errors")!, /error replies on/);
  assert.match(why("proxy_ssl_verify")!, /plain HTTP/);
  const backend = config.upstreams.backend;
  assert.deepEqual(backend.method, { kind: "least_conn" });
  assert.equal(backend.keepalive, 16);
  assert.deepEqual(backend.servers.map((s) => s.address), [
    "10.0.0.1:8000",
    "10.0.0.2:8000",
    "app3.internal:8000",
    "10.0.0.9:8000",
    "10.0.0.10:8000",
  ]);
  const api = config.servers[0].locations[0].settings;
  assert.equal(api.proxyPass?.uri, "/v2/");
  assert.deepEqual(api.proxySetHeaders, []);
  assert.equal(api.limitReq.length, 2);
  assert.equal(api.limitReqStatus, 429);
  assert.deepEqual(api.limitConn, [{ zone: "addr", limit: 20 }]);
  // The http level's fields still reach a location that sets none.
  assert.equal(config.servers[0].locations[1].settings.proxySetHeaders.length, 2);
});

/** nginx's WebSocket proxying recipe (nginx.org/en/docs/http/websocket.html). */
const WEBSOCKET = `http {
    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      close;
    }

    upstream websocket {
        server 192.168.100.10:8010;
    }

    server {
        listen 8020;
        location / {
            proxy_pass http://websocket;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
        }
        location /chat/ {
            proxy_pass http://websocket;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_read_timeout 1h;
        }
    }
}
`;

Deno.test("convertNginxConfig() drops the WebSocket recipe's Upgrade and Connection fields", () => {
  const { doc, toml, unconverted, config } = convert(WEBSOCKET);
  const [root, chat] = doc.server[0].location!;
  assert.deepEqual(root, {
    match: "/",
    proxy_pass: "http://websocket",
    proxy_http_version: "1.1",
    proxy_set_header: ["Host $host"],
  });
  // No outer block sets fields, so an empty list need not be written.
  assert.deepEqual(chat, {
    match: "/chat/",
    proxy_pass: "http://websocket",
    proxy_http_version: "1.1",
    proxy_read_timeout: "1h",
  });
  assert.match(
    toml,
    /# not needed: proxy_set_header Upgrade \$http_upgrade \(nginx\.conf:16\), proxy_set_header Connection \$connection_upgrade \(nginx\.conf:17\): ngw2f passes WebSocket upgrades/,
  );
  assert.match(
    toml,
    /# not needed: proxy_set_header Upgrade \$http_upgrade \(nginx\.conf:23\), proxy_set_header Connection upgrade \(nginx\.conf:24\): ngw2f passes WebSocket upgrades/,
  );
  // The map is the one thing reported.
  assert.deepEqual(unconverted.map((u) => u.directive.split(" ")[0]), ["map"]);
  assert.equal(config.servers[0].locations[1].settings.proxyReadTimeout, 3600);
});

Deno.test("convertNginxConfig() converts proxy_pass forms and reports those ngw2f cannot take", () => {
  const { doc, unconverted, config } = convert(`http {
upstream broken { server 10.0.0.1:80 bogus=1; }
server { listen 80;
location /sock/ { proxy_pass http://unix:/run/app.sock:/api/; }
location /host/ { proxy_pass http://127.0.0.1:9000/; }
location /tls/ { proxy_pass https://api.example.com; }
location /var/ { proxy_pass http://$host:9000; }
location ~ ^/re/ { proxy_pass http://127.0.0.1:9000/x; }
location /broken/ { proxy_pass http://broken; }
location /kept/ { proxy_pass http://127.0.0.1:9000; proxy_pass http://127.0.0.1:9001; return 403; }
proxy_pass http://127.0.0.1:9000;
} }`);
  assert.deepEqual(
    doc.server[0].location!.map(({ match, proxy_pass, return: r }) => [match, proxy_pass ?? r]),
    [
      ["/sock/", "http://unix:/run/app.sock:/api/"],
      ["/host/", "http://127.0.0.1:9000/"],
      ["/tls/", 502],
      ["/var/", 502],
      ["~ ^/re/", 502],
      ["/broken/", 502],
      ["/kept/", "http://127.0.0.1:9000"],
    ],
  );
  assert.equal(doc.server[0].location![6].return, 403);
  assert.deepEqual(unconverted.map((u) => [u.line, u.why]), [
    [2, 'not converted: no server of upstream "broken" is left'],
    [2, 'invalid parameter "bogus=1"'],
    [
      6,
      "not supported: https:// upstreams; ngw2f speaks plain HTTP to them (TLS ends at the proxy)",
    ],
    [7, "not supported: variables in proxy_pass; name an upstream or an address"],
    [
      8,
      '"proxy_pass" cannot have URI part in location given by regular expression, or inside named location',
    ],
    [9, 'not converted: upstream "broken" is left out (see above)'],
    [10, '"proxy_pass" directive is duplicate'],
    [11, '"proxy_pass" directive is not allowed here'],
  ]);
  const [sock, host] = config.servers[0].locations;
  assert.deepEqual([sock.settings.proxyPass?.address, sock.settings.proxyPass?.uri], [
    "unix:/run/app.sock",
    "/api/",
  ]);
  assert.equal(host.settings.proxyPass?.address, "127.0.0.1:9000");
});

Deno.test("convertNginxConfig() keeps nginx's inheritance of proxy_set_header and nested locations", () => {
  const { doc, toml, config } = convert(`http {
proxy_set_header Host $host;
server { listen 80;
  proxy_set_header X-Forwarded-Proto https;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  location /a/ {
    proxy_pass http://127.0.0.1:9000;
    proxy_read_timeout 5s;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    location /a/b/ { proxy_connect_timeout 1s; }
  }
  location /c/ { proxy_pass http://127.0.0.1:9000; proxy_set_header Host $proxy_host; }
} }`);
  const [server] = doc.server;
  // Custom X-Forwarded-* values are kept as nginx has them; ngw2f's own are then off.
  assert.deepEqual(server.proxy_set_header, [
    "X-Forwarded-Proto https",
    "X-Forwarded-For $proxy_add_x_forwarded_for",
  ]);
  assert.equal(server.proxy_forwarded, false);
  assert.match(toml, /# nginx's own X-Forwarded-\* values are kept: ngw2f adds none here/);
  const [a, b, c] = server.location!;
  assert.deepEqual(a, {
    match: "/a/",
    proxy_pass: "http://127.0.0.1:9000",
    proxy_read_timeout: "5s",
    proxy_set_header: [],
    proxy_forwarded: true,
  });
  // A flattened nested location takes its outer location's keys but not its proxy_pass.
  assert.deepEqual(b, {
    match: "/a/b/",
    proxy_read_timeout: "5s",
    proxy_set_header: [],
    proxy_forwarded: true,
    proxy_connect_timeout: "1s",
  });
  assert.deepEqual(c, { match: "/c/", proxy_pass: "http://127.0.0.1:9000", proxy_set_header: [] });
  assert.match(toml, /# not needed: proxy_set_header Host \$proxy_host \(nginx\.conf:12\)/);
  const [la, , lc] = config.servers[0].locations;
  assert.deepEqual(la.settings.proxySetHeaders, []);
  assert.equal(la.settings.proxyForwarded, true);
  assert.equal(lc.settings.proxyForwarded, false);
  assert.equal(config.servers[0].settings.proxySetHeaders.length, 2);
});

Deno.test("convertNginxConfig() converts each balancing method and reports what nginx refuses", () => {
  const { doc, why } = convert(`http {
upstream h { hash $request_uri consistent; server 10.0.0.1; server 10.0.0.2; }
upstream i { ip_hash; server 10.0.0.1:80; server 10.0.0.2:80 backup; }
upstream r { random two least_time=header; server 10.0.0.1:80; }
upstream t { round_robin; least_conn; ip_hash; server 10.0.0.1:80; keepalive_time 1h; sticky cookie srv; }
upstream b { server 10.0.0.1:80 backup; }
upstream bad.name! { server 10.0.0.1:80; }
server { listen 80; location / { proxy_pass http://h; } }
}`);
  assert.deepEqual(doc.upstream, {
    h: { server: ["10.0.0.1", "10.0.0.2"], method: "hash $request_uri consistent" },
    i: { server: ["10.0.0.1:80"], method: "ip_hash" },
    r: { server: ["10.0.0.1:80"], method: "random two" },
    t: { server: ["10.0.0.1:80"], method: "ip_hash" },
  });
  assert.match(why("server 10.0.0.2:80 backup")!, /"backup" with "ip_hash"/);
  assert.match(why("random two")!, /converted without "least_time=header"/);
  assert.equal(why("round_robin"), "unknown directive");
  assert.match(why("least_conn")!, /redefined/);
  assert.match(why("keepalive_time")!, /keepalive_timeout/);
  assert.match(why("sticky")!, /no sticky sessions/);
  assert.match(why("upstream b ")!, /every server of upstream "b" is a backup/);
  assert.match(why("upstream bad.name!")!, /the name "bad\.name!"/);
});

Deno.test("convertNginxConfig() reports limit zones and rules it cannot use", () => {
  const { doc, why } = convert(`http {
limit_req_zone $binary_remote_addr zone=a:10m;
limit_req_zone $binary_remote_addr zone=b:4k rate=1r/s;
limit_req_zone $geoip_country zone=c:1m rate=1r/s;
limit_conn_zone $binary_remote_addr zone=d:1m;
limit_conn_zone $binary_remote_addr zone=d:1m;
server { listen 80; location / {
  limit_req zone=a;
  limit_req zone=z burst=5;
  limit_req zone=e nodelay delay=2;
  limit_conn d 0;
  limit_conn d 5;
  limit_req_status 200;
  limit_req_log_level warn;
  limit_conn_dry_run on;
} } }`);
  assert.deepEqual(doc.limit_conn_zone, { d: { key: "$binary_remote_addr", size: "1m" } });
  assert.equal(doc.limit_req_zone, undefined);
  assert.deepEqual(doc.server[0].location![0], {
    match: "/",
    limit_conn: { zone: "d", limit: 5 },
  });
  assert.match(why("limit_req_zone $binary_remote_addr zone=a")!, /rate=/);
  assert.match(why("limit_req_zone $binary_remote_addr zone=b")!, /too small/);
  assert.match(why("limit_req_zone $geoip_country")!, /unknown variable "\$geoip_country"/);
  assert.match(why("limit_conn_zone")!, /duplicate zone "d"/);
  assert.match(why("limit_req zone=a")!, /no limit_req_zone "a"/);
  assert.match(why("limit_req zone=z")!, /no limit_req_zone "z"/);
  assert.match(why("limit_req zone=e")!, /"nodelay" cannot be combined with "delay"/);
  assert.match(why("limit_conn d 0")!, /invalid number "0"/);
  assert.match(why("limit_req_status")!, /between 400 and 599/);
  assert.match(why("limit_req_log_level")!, /access log/);
  assert.match(why("limit_conn_dry_run")!, /dry-run/);
});

Deno.test("convertNginxConfig() converts worker_shutdown_timeout and the real_ip directives", () => {
  const { doc, toml, why, config } = convert(`worker_shutdown_timeout 10s;
http {
  worker_shutdown_timeout 5s;
  set_real_ip_from 10.0.0.0/8;
  set_real_ip_from 2001:db8::/32;
  set_real_ip_from unix:;
  set_real_ip_from lb.example.com;
  real_ip_recursive on;
  server { listen 80; real_ip_header X-Forwarded-For; location / { real_ip_header proxy_protocol; } }
}`);
  assert.equal(doc.worker_shutdown_timeout, "10s");
  assert.deepEqual(doc.set_real_ip_from, ["10.0.0.0/8", "2001:db8::/32", "unix:"]);
  assert.equal(doc.real_ip_recursive, true);
  // nginx reads X-Real-IP unless told otherwise; ngw2f's default differs, so it is written.
  assert.equal(doc.real_ip_header, "X-Real-IP");
  assert.match(toml, /^# real_ip_header = "X-Real-IP" is nginx's default/m);
  assert.equal(doc.server[0].real_ip_header, "X-Forwarded-For");
  assert.match(why("worker_shutdown_timeout 5s")!, /not allowed here/);
  assert.match(why("set_real_ip_from lb")!, /a host name/);
  assert.match(why("real_ip_header proxy_protocol")!, /PROXY protocol/);
  assert.equal(config.workerShutdownTimeout, 10_000);
  assert.equal(config.servers[0].settings.realIpHeader, "X-Forwarded-For");
});

Deno.test("convertNginxConfig() converts proxy_redirect and proxy_next_upstream forms", () => {
  assert.equal(inLocation("proxy_redirect default;").location.proxy_redirect, "default");
  assert.equal(inLocation("proxy_redirect false;").location.proxy_redirect, "off");
  const rules = inLocation(
    "proxy_redirect http://localhost:8000/ $scheme://$host/;\nproxy_redirect default;\nproxy_redirect ~^http://(.*)$ /$1;",
  );
  assert.deepEqual(rules.location.proxy_redirect, ["http://localhost:8000/ $scheme://$host/"]);
  assert.match(rules.why("proxy_redirect default")!, /"default" among rules/);
  assert.match(rules.why("proxy_redirect ~")!, /regex rules/);
  assert.equal(rules.config.servers[0].locations[0].settings.proxyRedirect.length, 1);
  assert.equal(inLocation("proxy_next_upstream off;").location.proxy_next_upstream, "off");
  const next = inLocation("proxy_next_upstream error off;");
  assert.deepEqual(next.location, {});
  assert.match(next.why("proxy_next_upstream")!, /"off" cannot be combined/);
  const { why } = inLocation(
    "proxy_set_header Connection close; proxy_set_header X-Id $request_id; proxy_http_version 2;",
  );
  assert.match(why("proxy_set_header Connection")!, /ngw2f sets Connection itself/);
  assert.match(why("proxy_set_header X-Id")!, /unknown variable "\$request_id"/);
  assert.match(why("proxy_http_version")!, /invalid value "2"/);
});

Deno.test("convertNginxConfig() reports the proxy family in places nginx refuses it", () => {
  const { why, unconverted } = convert(`upstream top { server 10.0.0.1; }
proxy_read_timeout 5s;
events { limit_req_zone $binary_remote_addr zone=x:1m rate=1r/s; }
http { server { listen 80; upstream inner { server 10.0.0.1; } limit_conn_zone $binary_remote_addr zone=y:1m; } }`);
  assert.deepEqual(unconverted.map((u) => u.why), [
    '"upstream" directive is not allowed here',
    '"proxy_read_timeout" directive is not allowed here',
    '"limit_req_zone" directive is not allowed here',
    '"upstream" directive is not allowed here',
    '"limit_conn_zone" directive is not allowed here',
  ]);
  assert.equal(why("upstream inner")!, '"upstream" directive is not allowed here');
});
