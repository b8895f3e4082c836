import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { parseProxyConfig } from "../config/mod.ts";
import { convertNginxConfig } from "./convert.ts";
import { parseNginxConfig } from "./parse.ts";

type Doc = Record<string, unknown>;

/** Converts `text`; every result must load as an ngw2f config. */
function convert(text: string) {
  const { toml, unconverted } = convertNginxConfig(parseNginxConfig(text, "nginx.conf"));
  const doc = JSON.parse(JSON.stringify(parse(toml))) as Doc;
  const config = parseProxyConfig(toml, "/srv/ngw2f.toml", { prefix: "/srv", cpuCount: 1 });
  const why = (start: string) => unconverted.find((u) => u.directive.startsWith(start))?.why;
  return { doc, toml, unconverted, config, why };
}

/** A small HTTP server, so that a config whose mail or stream servers are all left out loads. */
const HTTP = "http { server { listen 127.0.0.1:8999; return 204; } }\n";

/** `value` without its `line` keys (the TOML's layout is not what these tests check). */
function withoutLines<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v) => key === "line" ? undefined : v));
}

/** nginx's documented mail example (SMTP part) and a database and cache stream proxy. */
const MAIL_STREAM = `worker_processes auto;
events { worker_connections 1024; }

mail {
    server_name       mail.example.com;
    auth_http         localhost:9000/cgi-bin/nginxauth.cgi;
    auth_http_header  X-Auth-Key "secret string";
    auth_http_timeout 5s;
    proxy             on;
    imap_capabilities IMAP4rev1 UIDPLUS IDLE LITERAL+ QUOTA;
    pop3_auth         plain apop cram-md5;
    smtp_auth         login plain cram-md5;
    smtp_capabilities "SIZE 10485760" ENHANCEDSTATUSCODES 8BITMIME DSN;
    xclient           off;
    ssl_certificate     /etc/ssl/mail.pem;
    ssl_certificate_key /etc/ssl/mail.key;
    ssl_protocols     TLSv1.2 TLSv1.3;
    ssl_ciphers       HIGH:!aNULL:!MD5;

    server {
        listen   25;
        protocol smtp;
        starttls on;
        smtp_greeting_delay 1s;
    }
    server {
        listen   110;
        protocol pop3;
        proxy_pass_error_message on;
    }
    server {
        listen   143;
        protocol imap;
    }
    server {
        listen   587;
        listen   465 ssl;
        starttls only;
        smtp_auth plain;
        proxy_smtp_auth on;
        smtp_client_buffer 8k;
        timeout 30s;
        proxy_timeout 1h;
        max_errors 3;
    }
}

stream {
    limit_conn_zone $binary_remote_addr zone=peraddr:10m;
    proxy_connect_timeout 5s;
    limit_conn peraddr 50;

    upstream postgres {
        least_conn;
        zone postgres 64k;
        server 10.0.0.1:5432 weight=2 max_fails=2 fail_timeout=5s;
        server 10.0.0.2:5432 max_conns=100;
        server 10.0.0.3:5432 backup;
    }

    upstream redis {
        hash $remote_addr consistent;
        server 10.0.1.1:6379;
        server 10.0.1.2:6379 down;
    }

    server {
        listen 127.0.0.1:5432;
        proxy_pass postgres;
        proxy_timeout 30m;
        proxy_protocol on;
        proxy_next_upstream_tries 2;
        proxy_next_upstream_timeout 10s;
        limit_conn peraddr 10;
    }

    server {
        listen 6379 so_keepalive=on;
        proxy_pass redis;
        proxy_next_upstream off;
    }

    server {
        listen [::1]:2222;
        proxy_pass 192.168.1.10:22;
    }
}
`;

Deno.test("convertNginxConfig() converts mail {} and stream {} into servers parseProxyConfig loads", () => {
  const { config, toml } = convert(MAIL_STREAM);
  const mailDefaults = {
    protocol: "smtp",
    serverName: "mail.example.com",
    authHttp: "http://localhost:9000/cgi-bin/nginxauth.cgi",
    authHttpHeaders: [{ name: "X-Auth-Key", value: "secret string" }],
    authHttpTimeout: 5000,
    smtpAuth: ["login", "plain", "cram-md5"],
    smtpCapabilities: ["SIZE 10485760", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN"],
    ssl: { certificate: "/etc/ssl/mail.pem", key: "/etc/ssl/mail.key" },
    xclient: false,
    proxySmtpAuth: false,
    smtpGreetingDelay: 0,
    smtpClientBuffer: 4096,
    timeout: 60_000,
    proxyTimeout: 86_400_000,
    maxErrors: 5,
    limitConn: [],
    limitReq: [],
  };
  assert.deepEqual(withoutLines(config.mailServers), [
    {
      ...mailDefaults,
      listen: [{ address: "0.0.0.0:25", ssl: false }],
      starttls: "on",
      smtpGreetingDelay: 1000,
    },
    {
      ...mailDefaults,
      listen: [{ address: "0.0.0.0:587", ssl: false }, { address: "0.0.0.0:465", ssl: true }],
      starttls: "only",
      smtpAuth: ["plain"],
      proxySmtpAuth: true,
      smtpClientBuffer: 8192,
      timeout: 30_000,
      proxyTimeout: 3_600_000,
      maxErrors: 3,
    },
  ]);
  const streamDefaults = {
    proxyConnectTimeout: 5000,
    proxyTimeout: 600_000,
    proxyProtocol: false,
    proxyNextUpstream: true,
    proxyNextUpstreamTries: 0,
    proxyNextUpstreamTimeout: 0,
    limitConn: [{ zone: "peraddr", limit: 50 }],
  };
  assert.deepEqual(withoutLines(config.streamServers), [
    {
      ...streamDefaults,
      listen: [{ address: "127.0.0.1:5432", ssl: false }],
      proxyPass: { raw: "postgres", upstream: "postgres", address: null },
      proxyTimeout: 1_800_000,
      proxyProtocol: "v1",
      proxyNextUpstreamTries: 2,
      proxyNextUpstreamTimeout: 10_000,
      limitConn: [{ zone: "peraddr", limit: 10 }],
    },
    {
      ...streamDefaults,
      listen: [{ address: "0.0.0.0:6379", ssl: false }],
      proxyPass: { raw: "redis", upstream: "redis", address: null },
      proxyNextUpstream: false,
    },
    {
      ...streamDefaults,
      listen: [{ address: "[::1]:2222", ssl: false }],
      proxyPass: { raw: "192.168.1.10:22", upstream: null, address: "192.168.1.10:22" },
    },
  ]);
  const server = (address: string, more = {}) => ({
    address,
    weight: 1,
    maxFails: 1,
    failTimeout: 10_000,
    backup: false,
    down: false,
    maxConns: 0,
    ...more,
  });
  const group = { keepalive: 0, keepaliveTimeout: 60_000, keepaliveRequests: 1000 };
  assert.deepEqual(withoutLines(config.streamUpstreams), {
    postgres: {
      ...group,
      name: "postgres",
      servers: [
        server("10.0.0.1:5432", { weight: 2, maxFails: 2, failTimeout: 5000 }),
        server("10.0.0.2:5432", { maxConns: 100 }),
        server("10.0.0.3:5432", { backup: true }),
      ],
      method: { kind: "least_conn" },
      healthCheck: null,
    },
    redis: {
      ...group,
      name: "redis",
      servers: [server("10.0.1.1:6379"), server("10.0.1.2:6379", { down: true })],
      method: { kind: "hash", key: "$remote_addr", consistent: true },
      healthCheck: null,
    },
  });
  assert.deepEqual(config.limitConnZones.peraddr.key, "$binary_remote_addr");
  // Each table says where it came from.
  assert.match(toml, /\n# nginx\.conf:4\n\[mail\]\nserver_name = "mail\.example\.com"\n/);
  assert.match(toml, /\n# nginx\.conf:20\n\[\[mail\.server\]\]\nlisten = \["25"\]\n/);
  assert.match(toml, /\n# nginx\.conf:53\n\[stream\.upstream\.postgres\]\nserver = \[/);
  assert.match(
    toml,
    /\n# nginx\.conf:67\n\[\[stream\.server\]\]\nlisten = \["127\.0\.0\.1:5432"\]/,
  );
});

Deno.test("convertNginxConfig() lists the mail {} directives it leaves out, with why", () => {
  const { unconverted } = convert(MAIL_STREAM);
  const mail = unconverted.filter((u) => u.line < 47).map((u) =>
    `${u.line}: ${u.directive}: ${u.why}`
  );
  assert.deepEqual(mail, [
    "9: proxy on: not needed: ngw2f's mail servers always proxy",
    "10: imap_capabilities IMAP4rev1 UIDPLUS IDLE LITERAL+ QUOTA: not supported: ngw2f's mail proxy speaks SMTP only",
    "11: pop3_auth plain apop cram-md5: not supported: ngw2f's mail proxy speaks SMTP only",
    "17: ssl_protocols TLSv1.2 TLSv1.3: not needed: ngw2f uses Deno's TLS settings (TLS 1.2 and 1.3, modern ciphers)",
    "18: ssl_ciphers HIGH:!aNULL:!MD5: not needed: ngw2f uses Deno's TLS settings (TLS 1.2 and 1.3, modern ciphers)",
    "26: server { … }: not converted: ngw2f's mail proxy speaks SMTP only (this is POP3)",
    "31: server { … }: not converted: ngw2f's mail proxy speaks SMTP only (this is IMAP)",
  ]);
});

Deno.test("convertNginxConfig() lists the stream {} directives it leaves out, with why", () => {
  const { unconverted } = convert(MAIL_STREAM);
  const stream = unconverted.filter((u) => u.line >= 47).map((u) =>
    `${u.line}: ${u.directive}: ${u.why}`
  );
  assert.deepEqual(stream, [
    "55: zone postgres 64k: not needed: ngw2f keeps every group's state in memory its workers share",
    '78: listen 6379 so_keepalive=on: converted without "so_keepalive=on": ngw2f sets its sockets itself',
  ]);
  const { why } = convert(`${HTTP}stream {
    map $ssl_preread_server_name $backend { default 127.0.0.1:1; }
    js_import main.js;
    resolver 1.1.1.1;
    proxy_half_close on;
    server {
        listen 127.0.0.1:4443;
        ssl_preread on;
        proxy_ssl on;
        proxy_ssl_verify on;
        ssl_certificate cert.pem;
        js_access main.allow;
        access_log /var/log/nginx/stream.log;
        proxy_download_rate 1m;
        proxy_pass 127.0.0.1:443;
    }
    server { listen 127.0.0.1:53 udp; proxy_pass 8.8.8.8:53; }
    server { listen 127.0.0.1:4444 ssl; proxy_pass 127.0.0.1:4445; }
    server { listen 127.0.0.1:4446; proxy_pass $backend; }
    server { listen 127.0.0.1:4447; return "hello"; }
  }`);
  assert.match(why("map")!, /no user-defined variables/);
  assert.match(why("js_import")!, /no njs/);
  assert.match(why("resolver")!, /system's resolver/);
  assert.match(why("proxy_half_close")!, /always passes a half-close on/);
  assert.match(why("ssl_preread")!, /does not read the TLS ClientHello/);
  assert.match(why("proxy_ssl on")!, /does not speak TLS to upstreams/);
  assert.match(why("proxy_ssl_verify")!, /does not speak TLS to upstreams/);
  assert.match(why("ssl_certificate")!, /does not end TLS/);
  assert.match(why("js_access")!, /no njs/);
  assert.match(why("access_log")!, /\[stream\] has no access log/);
  assert.match(why("proxy_download_rate")!, /bandwidth/);
  assert.match(why("listen 127.0.0.1:53 udp")!, /TCP only/);
  assert.match(why("listen 127.0.0.1:4444 ssl")!, /does not end TLS/);
  assert.match(why("proxy_pass $backend")!, /variables in proxy_pass/);
  assert.match(why("return")!, /only proxy/);
});

Deno.test("convertNginxConfig() leaves out a mail server nginx could not run as SMTP", () => {
  const { config, unconverted } = convert(`${HTTP}mail {
    auth_http 127.0.0.1:9000/auth;
    server { listen 127.0.0.1:993 ssl; }
    server { protocol smtp; }
    server { listen 127.0.0.1:2525; protocol smtp; starttls on; }
    server { listen 127.0.0.1:2526; protocol smtp; auth_http unix:/run/auth.sock:/auth; }
    server { listen unix:/run/smtp.sock; protocol smtp; }
    server { listen mail.example.com:25; }
    server { listen 127.0.0.1:2527; smtp_auth external; smtp_capabilities AUTH PIPELINING; }
  }`);
  assert.deepEqual(unconverted.map((u) => `${u.line}: ${u.why}`), [
    "4: not converted: ngw2f's mail proxy speaks SMTP only (this is IMAP)",
    '5: not converted: no "listen" is defined for server',
    '6: not converted: no "ssl_certificate" is defined for starttls on',
    "7: not converted: its auth_http is left out (see below)",
    "7: not supported: a unix socket; ngw2f calls auth_http over TCP",
    "8: not converted: no listen of this server is left (see below)",
    "8: not supported: a unix socket; ngw2f's mail servers listen on TCP",
    "9: not converted: no listen of this server is left (see below)",
    '9: not supported: a host name ("mail.example.com"); write its IP address',
    '10: unknown mail protocol for server; converted as "protocol smtp"',
    "10: not supported: ngw2f has no EXTERNAL authentication (client certificates)",
    '10: converted without "AUTH": ngw2f adds AUTH and STARTTLS from smtp_auth and starttls',
  ]);
  assert.equal(config.mailServers.length, 1);
  assert.deepEqual(config.mailServers[0].smtpCapabilities, ["PIPELINING"]);
  assert.deepEqual(config.mailServers[0].smtpAuth, ["plain", "login"]);
  // Without auth_http anywhere, nginx refuses the server.
  const none = convert(`${HTTP}mail { server { listen 127.0.0.1:25; } }`);
  assert.deepEqual(none.unconverted.map((u) => u.why), [
    'not converted: no "auth_http" is defined for server',
  ]);
});

Deno.test("convertNginxConfig() gives a mail server the protocol of its well-known port", () => {
  const { config, unconverted } = convert(`mail {
    auth_http http://127.0.0.1:9000/auth;
    server { listen 127.0.0.1:110; }
    server { listen 127.0.0.1:25; }
  }`);
  assert.deepEqual(unconverted.map((u) => u.why), [
    "not converted: ngw2f's mail proxy speaks SMTP only (this is POP3)",
  ]);
  assert.deepEqual(config.mailServers.map((s) => s.listen[0].address), ["127.0.0.1:25"]);
  assert.equal(config.mailServers[0].authHttp, "http://127.0.0.1:9000/auth");
});

Deno.test("convertNginxConfig() reports a zone that http {} and stream {} both define", () => {
  const http = `http {
    limit_conn_zone $binary_remote_addr zone=addr:10m;
    server { listen 127.0.0.1:8999; limit_conn addr 1; return 204; }
  }`;
  const stream = `stream {
    limit_conn_zone $remote_addr zone=addr:1m;
    server { listen 127.0.0.1:7000; proxy_pass 127.0.0.1:7001; limit_conn addr 2; }
  }`;
  // http first: the stream zone is the second, and the stream server's limit_conn has none.
  const httpFirst = convert(`${http}\n${stream}`);
  assert.deepEqual(httpFirst.doc.limit_conn_zone, {
    addr: { key: "$binary_remote_addr", size: "10m" },
  });
  assert.deepEqual(httpFirst.unconverted.map((u) => `${u.line}: ${u.why}`), [
    '6: not converted: http {} defines zone "addr" too, and ngw2f\'s [limit_conn_zone] tables serve both; rename one',
    '7: not converted: no limit_conn_zone "addr" to use',
  ]);
  assert.deepEqual(httpFirst.config.streamServers[0].limitConn, []);
  // stream first: the http zone is the second.
  const streamFirst = convert(`${stream}\n${http}`);
  assert.deepEqual(streamFirst.doc.limit_conn_zone, { addr: { key: "$remote_addr", size: "1m" } });
  assert.deepEqual(streamFirst.unconverted.map((u) => `${u.line}: ${u.why}`), [
    '6: duplicate zone "addr"',
  ]);
  assert.deepEqual(streamFirst.config.streamServers[0].limitConn, [{ zone: "addr", limit: 2 }]);
});

Deno.test("convertNginxConfig() reports stream keys and upstream directives ngw2f cannot take", () => {
  const { config, why } = convert(`${HTTP}stream {
    limit_conn_zone $server_name zone=names:1m;
    upstream a {
      ip_hash;
      keepalive 8;
      server 10.0.0.1;
      server 10.0.0.2:80 resolve;
    }
    upstream b { hash $server_addr; server 10.0.0.3:80; server 10.0.0.4:80 backup; }
    upstream c { server 10.0.0.5; }
    server { listen 127.0.0.1:7000; proxy_pass a; limit_conn names 1; }
    server { listen 127.0.0.1:7001; proxy_pass c; }
    server { listen 127.0.0.1:7002; proxy_pass backend; }
    server { listen 127.0.0.1:7003; }
  }`);
  assert.match(why("limit_conn_zone")!, /unknown variable "\$server_name": a stream key takes /);
  assert.match(why("ip_hash")!, /no ip_hash; write "hash \$remote_addr"/);
  assert.match(why("keepalive")!, /keeps no idle connections/);
  assert.equal(why("server 10.0.0.1")!, 'no port in upstream "10.0.0.1"');
  assert.match(why("server 10.0.0.2:80 resolve")!, /converted without "resolve"/);
  assert.match(why("hash $server_addr")!, /unknown variable "\$server_addr"/);
  assert.equal(why("upstream c"), 'not converted: no server of upstream "c" is left');
  assert.equal(why("limit_conn names"), 'not converted: no limit_conn_zone "names" to use');
  assert.equal(why("proxy_pass c"), 'not converted: upstream "c" is left out (see above)');
  assert.equal(why("proxy_pass backend"), 'no port in upstream "backend"');
  assert.deepEqual(config.streamServers.map((s) => s.listen[0].address), ["127.0.0.1:7000"]);
  assert.deepEqual(config.streamUpstreams.a.servers.map((s) => s.address), ["10.0.0.2:80"]);
  assert.deepEqual(config.streamUpstreams.b.method, { kind: "round_robin" });
});

Deno.test("convertNginxConfig() leaves out a listen another server already has", () => {
  const { config, unconverted } = convert(`http { server { listen 8080; return 204; } }
  mail {
    auth_http 127.0.0.1:9000/auth;
    server { listen 127.0.0.1:2525; listen *:8080; protocol smtp; }
  }
  stream {
    server { listen 127.0.0.1:2525; proxy_pass 127.0.0.1:1; }
    server { listen 127.0.0.1:7000; listen 127.0.0.1:7000; proxy_pass 127.0.0.1:1; }
  }`);
  assert.deepEqual(unconverted.map((u) => `${u.line}: ${u.why}`), [
    '4: not converted: "0.0.0.0:8080" is the address of an http server; one address serves one kind of server',
    "7: not converted: no listen of this server is left (see below)",
    '7: not converted: "127.0.0.1:2525" is the address of the mail server at nginx.conf:4; one address serves one kind of server',
    '8: duplicate "127.0.0.1:7000" address and port pair',
  ]);
  assert.deepEqual(config.mailServers[0].listen, [{ address: "127.0.0.1:2525", ssl: false }]);
  assert.equal(config.streamServers.length, 1);
});

Deno.test("convertNginxConfig() takes mail and stream at the main level only, once each", () => {
  const { unconverted } = convert(`http { server { listen 127.0.0.1:8999; return 204; } mail { } }
  stream { server { listen 127.0.0.1:7000; proxy_pass 127.0.0.1:1; } }
  stream { }
  events { stream { } }`);
  assert.deepEqual(unconverted.map((u) => `${u.line}: ${u.directive}: ${u.why}`), [
    '1: mail { … }: "mail" directive is not allowed here',
    '3: stream { … }: "stream" directive is duplicate',
    '4: stream { … }: "stream" directive is not allowed here',
  ]);
});
