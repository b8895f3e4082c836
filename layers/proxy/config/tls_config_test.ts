import assert from "node:assert/strict";
import { ConfigError } from "../../gateway/mod.ts";
import { parseProxyConfig } from "./load.ts";

const FILE = "/srv/ngw2f.toml";
const parse = (text: string) => parseProxyConfig(text, FILE, { prefix: "/srv", cpuCount: 2 });

/** A TLS server on `listen` named `name`, with `extra` keys. */
const server = (listen: string, name: string, extra = "") =>
  `[[server]]\nlisten = "${listen}"\nserver_name = "${name}"\n` +
  `ssl_certificate = "${name}.crt"\nssl_certificate_key = "${name}.key"\n${extra}`;

/** Asserts that parsing `text` fails at `line` and `key` with a message matching `why`. */
function rejects(text: string, line: number, key: string, why: RegExp): void {
  assert.throws(
    () => parse(text),
    (e) => {
      assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
      assert.deepEqual({ file: e.file, line: e.line, key: e.key }, { file: FILE, line, key });
      assert.ok(e.message.startsWith(`Cannot use ${FILE}:${line}: ${key}: `), e.message);
      assert.match(e.message, why);
      return true;
    },
  );
}

Deno.test("parseProxyConfig() gives each ssl server on one address its own certificate", () => {
  const config = parse(server("443 ssl", "a.test") + server("443 ssl", "b.test"));
  assert.deepEqual(config.servers.map((s) => s.ssl), [
    { certificate: "/srv/a.test.crt", key: "/srv/a.test.key" },
    { certificate: "/srv/b.test.crt", key: "/srv/b.test.key" },
  ]);
  assert.ok(config.servers.every((s) => s.listen[0].address === "0.0.0.0:443"));
});

Deno.test("parseProxyConfig() offers HTTP/2 on ssl addresses by default; http2 turns it off", () => {
  const on = parse(server("443 ssl", "a.test"));
  assert.equal(on.servers[0].settings.http2, true);
  assert.equal(on.servers[0].listen[0].http2, undefined);
  const off = parse(`http2 = false\n${server("443 ssl", "a.test")}${server("443 ssl", "b.test")}`);
  assert.deepEqual(off.servers.map((s) => s.settings.http2), [false, false]);
  const own = parse(server("443 ssl", "a.test", 'http2 = "off"\n'));
  assert.equal(own.servers[0].settings.http2, false);
});

Deno.test('parseProxyConfig() reads nginx\'s older "listen 443 ssl http2" flag', () => {
  const config = parse(server("443 ssl http2", "a.test", "http2 = false\n"));
  assert.deepEqual(config.servers[0].listen, [
    { address: "0.0.0.0:443", defaultServer: false, ssl: true, http2: true },
  ]);
});

Deno.test('parseProxyConfig() rejects "http2" on a listen entry without "ssl"', () => {
  rejects(
    '[[server]]\nlisten = ["8080", "8081 http2"]\n',
    2,
    "server[1].listen[2]",
    /has "http2" without "ssl": HTTP\/2 is offered by ALPN over TLS only \(h2c is not supported\)/,
  );
});

Deno.test("parseProxyConfig() rejects servers that disagree on HTTP/2 for one ssl address", () => {
  rejects(
    server("443 ssl", "a.test") + server("443 ssl", "b.test", "http2 = false\n"),
    11,
    "server[2].http2",
    /"0\.0\.0\.0:443" has HTTP\/2 off here but on in server\[1\]\.listen at line 2; every server on an address must agree/,
  );
  rejects(
    server("443 ssl http2", "a.test", "http2 = false\n") +
      server("443 ssl", "b.test", "http2 = false\n"),
    12,
    "server[2].http2",
    /on in server\[1\]\.http2 at line 6/,
  );
});

Deno.test("parseProxyConfig() rejects http2 in a location, and a value that is not a boolean", () => {
  rejects(
    server("443 ssl", "a.test", '[[server.location]]\nmatch = "/"\nhttp2 = true\n'),
    8,
    "server[1].location[1].http2",
    /cannot be set in a \[\[server\.location\]\]; only in the top level or a \[\[server\]\]/,
  );
  rejects(
    server("443 ssl", "a.test", 'http2 = "yes"\n'),
    6,
    "server[1].http2",
    /expected true, false, "on" or "off", got "yes"/,
  );
});

Deno.test("parseProxyConfig() has no ssl_protocols: Deno's TLS offers TLSv1.2 and TLSv1.3, fixed", () => {
  rejects(
    server("443 ssl", "a.test", 'ssl_protocols = ["TLSv1.3"]\n'),
    6,
    "server[1].ssl_protocols",
    /unknown key in a \[\[server\]\]/,
  );
});
