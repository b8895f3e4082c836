// Reading [mail] / [[mail.server]] and [stream] / [[stream.server]] / [stream.upstream.*], and
// their mistakes.

import assert from "node:assert/strict";
import { ConfigError } from "../../gateway/mod.ts";
import { parseProxyConfig } from "./load.ts";

const FILE = "/srv/ngw2f.toml";
const parse = (text: string) => parseProxyConfig(text, FILE, { prefix: "/srv", cpuCount: 2 });

function rejects(text: string, line: number, key: string, why: RegExp): void {
  assert.throws(() => parse(text), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.line ?? 0, line, error.message);
    assert.equal(error.key, key, error.message);
    assert.match(error.message, why);
    return true;
  });
}

const MAIL = `[limit_conn_zone.peraddr]
key = "$binary_remote_addr"

[mail]
auth_http = "http://127.0.0.1:9000/auth"
server_name = "mx.example.com"
smtp_auth = ["plain", "cram-md5"]

[[mail.server]]
listen = ["127.0.0.1:2525", "127.0.0.1:2465 ssl"]
starttls = "only"
ssl_certificate = "tls/cert.pem"
ssl_certificate_key = "tls/key.pem"
auth_http_header = { X-Auth-Key = "s3cret" }
limit_conn = { zone = "peraddr", limit = 10 }

[[mail.server]]
listen = "127.0.0.1:2526"
smtp_auth = "none"
xclient = false
timeout = "5s"
`;

Deno.test("parseProxyConfig() reads [[mail.server]] with [mail]'s settings as defaults", () => {
  const config = parse(MAIL);
  assert.equal(config.servers.length, 0);
  const [first, second] = config.mailServers;
  assert.deepEqual(first.listen, [
    { address: "127.0.0.1:2525", ssl: false },
    { address: "127.0.0.1:2465", ssl: true },
  ]);
  assert.equal(first.line, 9);
  assert.equal(first.serverName, "mx.example.com");
  assert.equal(first.authHttp, "http://127.0.0.1:9000/auth");
  assert.deepEqual(first.authHttpHeaders, [{ name: "X-Auth-Key", value: "s3cret" }]);
  assert.deepEqual(first.smtpAuth, ["plain", "cram-md5"]);
  assert.equal(first.starttls, "only");
  assert.deepEqual(first.ssl, { certificate: "/srv/tls/cert.pem", key: "/srv/tls/key.pem" });
  assert.deepEqual(first.limitConn, [{ zone: "peraddr", limit: 10 }]);
  assert.equal(first.xclient, true);
  assert.equal(first.maxErrors, 5);
  assert.equal(first.timeout, 60_000);
  assert.equal(first.proxyTimeout, 24 * 3600_000);
  assert.equal(first.smtpClientBuffer, 4096);
  assert.deepEqual(first.smtpCapabilities, ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"]);
  assert.deepEqual(second.smtpAuth, ["none"]);
  assert.equal(second.xclient, false);
  assert.equal(second.timeout, 5000);
  assert.equal(second.ssl, null);
  assert.equal(second.starttls, "off");
});

Deno.test("parseProxyConfig() names the file, line and key of a mail server's mistake", () => {
  rejects(
    MAIL.replace('starttls = "only"', 'starttls = "always"'),
    11,
    "mail.server[1].starttls",
    /expected "off", "on", "only"/,
  );
  rejects(
    MAIL.replace('smtp_auth = ["plain", "cram-md5"]', 'smtp_auth = ["plain", "md5"]'),
    7,
    "mail.smtp_auth",
    /expected "plain", "login", "cram-md5", "none", got "md5"/,
  );
  rejects(
    MAIL.replace('auth_http = "http://127.0.0.1:9000/auth"', 'auth_http = "127.0.0.1:9000"'),
    5,
    "mail.auth_http",
    /expected an http:\/\/ or https:\/\/ URL/,
  );
  rejects(
    MAIL.replace('auth_http = "http://127.0.0.1:9000/auth"\n', ""),
    8,
    "mail.server[1]",
    /expected auth_http/,
  );
  rejects(
    MAIL.replace('ssl_certificate = "tls/cert.pem"\n', ""),
    9,
    "mail.server[1]",
    /starttls = "only" but there is no ssl_certificate/,
  );
  rejects(
    MAIL.replace('listen = "127.0.0.1:2526"', 'listen = "127.0.0.1:2526 ssl"'),
    17,
    "mail.server[2]",
    /a listen entry has "ssl" but there is no ssl_certificate/,
  );
  rejects(
    MAIL.replace("xclient = false", "xclinet = false"),
    20,
    "mail.server[2].xclinet",
    /unknown key in a \[\[mail.server\]\]; did you mean "xclient"\?/,
  );
  rejects(
    MAIL.replace('timeout = "5s"', "max_errors = -1"),
    21,
    "mail.server[2].max_errors",
    /expected an integer/,
  );
  rejects(
    MAIL.replace('key = "$binary_remote_addr"', 'key = "$host"'),
    15,
    "mail.server[1].limit_conn",
    /whose key has an unknown variable "\$host"/,
  );
  rejects(
    MAIL.replace('listen = "127.0.0.1:2526"', 'listen = "127.0.0.1:2525"'),
    18,
    "mail.server[2].listen",
    /"127.0.0.1:2525" is already the address of mail.server\[1\]/,
  );
  rejects(
    MAIL.replace('smtp_auth = "none"', 'smtp_capabilities = ["AUTH PLAIN"]'),
    19,
    "mail.server[2].smtp_capabilities[1]",
    /it is added from smtp_auth/,
  );
  rejects(
    MAIL.replace('listen = "127.0.0.1:2526"', 'listen = "unix:/run/smtp.sock"'),
    18,
    "mail.server[2].listen",
    /expected a TCP address/,
  );
});

const STREAM = `[limit_conn_zone.addr]
key = "$server_addr $remote_addr $protocol"

[stream]
proxy_timeout = "30s"

[stream.upstream.echo]
server = ["127.0.0.1:7001", "127.0.0.1:7002 weight=2", "127.0.0.1:7003 backup"]

[stream.upstream.keyed]
server = ["127.0.0.1:7001", "127.0.0.1:7002"]
method = "hash $remote_addr consistent"

[[stream.server]]
listen = "127.0.0.1:7000"
proxy_pass = "echo"
proxy_protocol = true
limit_conn = { zone = "addr", limit = 2 }

[[stream.server]]
listen = ["127.0.0.1:7010", "[::1]:7010"]
proxy_pass = "Backend.Internal:9000"
proxy_protocol = "v2"
proxy_timeout = "1m"
proxy_next_upstream = false
`;

Deno.test("parseProxyConfig() reads [[stream.server]] and [stream.upstream.NAME]", () => {
  const config = parse(STREAM);
  const [first, second] = config.streamServers;
  assert.deepEqual(first.proxyPass, { raw: "echo", upstream: "echo", address: null });
  assert.equal(first.proxyProtocol, "v1");
  assert.equal(first.proxyTimeout, 30_000);
  assert.equal(first.proxyConnectTimeout, 60_000);
  assert.equal(first.proxyNextUpstream, true);
  assert.deepEqual(first.limitConn, [{ zone: "addr", limit: 2 }]);
  assert.deepEqual(second.listen.map((l) => l.address), ["127.0.0.1:7010", "[::1]:7010"]);
  assert.deepEqual(second.proxyPass.address, "backend.internal:9000");
  assert.equal(second.proxyProtocol, "v2");
  assert.equal(second.proxyTimeout, 60_000);
  assert.equal(second.proxyNextUpstream, false);
  assert.deepEqual(config.streamUpstreams.echo.servers.map((s) => [s.weight, s.backup]), [
    [1, false],
    [2, false],
    [1, true],
  ]);
  assert.equal(config.streamUpstreams.echo.keepalive, 0);
  assert.deepEqual(config.streamUpstreams.keyed.method, {
    kind: "hash",
    key: "$remote_addr",
    consistent: true,
  });
  // Stream groups are their own: HTTP proxy_pass cannot name them.
  assert.deepEqual(config.upstreams, {});
});

Deno.test("parseProxyConfig() names the file, line and key of a stream server's mistake", () => {
  rejects(
    STREAM.replace('proxy_pass = "echo"', 'proxy_pass = "ecko"'),
    16,
    "stream.server[1].proxy_pass",
    /no group "ecko" is defined/,
  );
  rejects(
    STREAM.replace("proxy_protocol = true", 'proxy_protocol = "v3"'),
    17,
    "stream.server[1].proxy_protocol",
    /expected "v1", "v2"/,
  );
  rejects(
    STREAM.replace('proxy_timeout = "30s"', 'proxy_timeout = "soon"'),
    5,
    "stream.proxy_timeout",
    /expected a time/,
  );
  rejects(
    STREAM.replace('method = "hash $remote_addr consistent"', 'method = "hash $request_uri"'),
    12,
    "stream.upstream.keyed.method",
    /unknown variable "\$request_uri"/,
  );
  rejects(
    STREAM.replace(
      'server = ["127.0.0.1:7001", "127.0.0.1:7002"]',
      'server = ["127.0.0.1:7001"]\nkeepalive = 8',
    ),
    12,
    "stream.upstream.keyed.keepalive",
    /unknown key in a \[stream.upstream.NAME\]/,
  );
  rejects(
    STREAM.replace('proxy_pass = "echo"\n', ""),
    14,
    "stream.server[1]",
    /expected proxy_pass/,
  );
  rejects(
    STREAM.replace('listen = "127.0.0.1:7000"', 'listen = "127.0.0.1:7000 ssl"'),
    15,
    "stream.server[1].listen",
    /unknown listen parameter "ssl"/,
  );
  rejects(
    `[[server]]\nlisten = "127.0.0.1:7000"\n${STREAM}`,
    17,
    "stream.server[1].listen",
    /already the address of server\[1\] \(line 1\)/,
  );
});
