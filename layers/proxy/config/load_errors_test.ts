import assert from "node:assert/strict";
import { ConfigError } from "../../gateway/mod.ts";
import { parseProxyConfig } from "./load.ts";

const FILE = "/srv/ngw2f.toml";

/** Asserts that parsing `text` throws a ConfigError at `line` and `key` whose reason matches. */
function rejects(
  text: string,
  expected: { line: number | undefined; key: string; why: RegExp; file?: string },
  globals?: string[],
): void {
  assert.throws(
    () => parseProxyConfig(text, FILE, { prefix: "/srv", cpuCount: 2, globals }),
    (e) => {
      assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
      const file = expected.file ?? FILE;
      assert.deepEqual({ file: e.file, line: e.line, key: e.key }, {
        file,
        line: expected.line,
        key: expected.key,
      });
      const where = expected.line === undefined ? file : `${file}:${expected.line}`;
      assert.ok(
        e.message.startsWith(`Cannot use ${where}: ${expected.key}: `),
        `unexpected message: ${e.message}`,
      );
      assert.match(e.message, expected.why);
      return true;
    },
  );
}

const SERVER = '[[server]]\nlisten = "8080"\n';

Deno.test("parseProxyConfig() rejects bad TOML syntax with its line and column", () => {
  rejects('workers = 2\n[[server]]\nlisten = \nroot = "x"\n', {
    line: 3,
    key: "server[1].listen",
    why: /expected valid TOML: .* \(column \d+\)$/,
  });
});

Deno.test("parseProxyConfig() rejects an unknown top-level key with a suggestion", () => {
  rejects(`worker = 4\n${SERVER}`, {
    line: 1,
    key: "worker",
    why: /unknown key in the top level; did you mean "workers"\?/,
  });
});

Deno.test("parseProxyConfig() rejects an unknown server key with a suggestion", () => {
  rejects(`${SERVER}server_names = "a.example"\n`, {
    line: 3,
    key: "server[1].server_names",
    why: /did you mean "server_name"\?/,
  });
});

Deno.test("parseProxyConfig() rejects an unknown location key with a suggestion", () => {
  rejects(`${SERVER}\n[[server.location]]\nmatch = "/"\ntry_file = ["$uri", "=404"]\n`, {
    line: 6,
    key: "server[1].location[1].try_file",
    why: /unknown key in a \[\[server\.location\]\]; did you mean "try_files"\?/,
  });
});

Deno.test("parseProxyConfig() rejects an unknown key without a guess when none is close", () => {
  rejects(`${SERVER}fastcgi_pass = "127.0.0.1:9000"\n`, {
    line: 3,
    key: "server[1].fastcgi_pass",
    why: /unknown key in a \[\[server\]\]$/,
  });
});

Deno.test("parseProxyConfig() keeps proxy_pass to locations", () => {
  rejects(`${SERVER}proxy_pass = "http://app"\n`, {
    line: 3,
    key: "server[1].proxy_pass",
    why: /cannot be set in a \[\[server\]\]; only in a \[\[server\.location\]\]$/,
  });
});

Deno.test("parseProxyConfig() rejects a value of the wrong type", () => {
  rejects(`autoindex = 5\n${SERVER}`, {
    line: 1,
    key: "autoindex",
    why: /expected true, false, "on" or "off", got 5/,
  });
});

Deno.test("parseProxyConfig() rejects a malformed size and a malformed time", () => {
  rejects(`${SERVER}client_max_body_size = "1x"\n`, {
    line: 3,
    key: "server[1].client_max_body_size",
    why: /expected a size like "512k", "1m" or a number of bytes, got "1x"/,
  });
  rejects(`keepalive_timeout = "soon"\n${SERVER}`, {
    line: 1,
    key: "keepalive_timeout",
    why: /expected a time like "75s"/,
  });
});

Deno.test("parseProxyConfig() rejects a location regex that does not compile", () => {
  rejects(`${SERVER}[[server.location]]\nmatch = "~ ^/(unclosed"\n`, {
    line: 4,
    key: "server[1].location[1].match",
    why: /invalid regular expression "\^\/\(unclosed"/,
  });
});

Deno.test("parseProxyConfig() rejects a rewrite whose regex does not compile or flag is unknown", () => {
  rejects(`${SERVER}rewrite = ["^/old/(.*$ /new/$1 last"]\n`, {
    line: 3,
    key: "server[1].rewrite[1]",
    why: /invalid regular expression/,
  });
  rejects(`${SERVER}rewrite = ["^/a /b forever"]\n`, {
    line: 3,
    key: "server[1].rewrite[1]",
    why: /expected the flag to be "last", "break", "redirect", "permanent", got "forever"/,
  });
});

Deno.test("parseProxyConfig() rejects two default_server on one address, naming both lines", () => {
  const text = '[[server]]\nlisten = "80 default_server"\n\n' +
    '[[server]]\nlisten = ["127.0.0.1:81", "0.0.0.0:80 default_server"]\n';
  rejects(text, {
    line: 5,
    key: "server[2].listen",
    why: /"0\.0\.0\.0:80" has a second default_server; the first is server\[1\]\.listen at line 2/,
  });
});

Deno.test("parseProxyConfig() rejects one server_name twice on one address, naming both lines", () => {
  const text = '[[server]]\nserver_name = "Example.com"\n\n' +
    '[[server]]\nserver_name = ["www.example.com", "example.com"]\n';
  rejects(text, {
    line: 5,
    key: "server[2].server_name",
    why:
      /"example\.com" on "0\.0\.0\.0:8080" is already a name of server\[1\] \(server_name at line 2\)/,
  });
});

Deno.test("parseProxyConfig() rejects alias outside a location", () => {
  rejects(`${SERVER}alias = "/var/www/"\n`, {
    line: 3,
    key: "server[1].alias",
    why: /cannot be set in a \[\[server\]\]; only in a \[\[server\.location\]\]/,
  });
});

Deno.test("parseProxyConfig() rejects alias and root in one location", () => {
  rejects(`${SERVER}[[server.location]]\nmatch = "/i/"\nroot = "/a"\nalias = "/b/"\n`, {
    line: 6,
    key: "server[1].location[1].alias",
    why: /cannot be combined with "root" in one location/,
  });
});

Deno.test("parseProxyConfig() rejects alias in a regex location that uses no capture", () => {
  rejects(`${SERVER}[[server.location]]\nmatch = "~ ^/i/(.*)$"\nalias = "/data/"\n`, {
    line: 5,
    key: "server[1].location[1].alias",
    why: /in a regex location must use the regex's captures/,
  });
});

Deno.test("parseProxyConfig() rejects alias in a named location", () => {
  rejects(`${SERVER}[[server.location]]\nmatch = "@x"\nalias = "/data/"\n`, {
    line: 5,
    key: "server[1].location[1].alias",
    why: /cannot be used in a named location/,
  });
});

Deno.test("parseProxyConfig() rejects try_files naming an undefined @location", () => {
  rejects(`${SERVER}[[server.location]]\nmatch = "/"\ntry_files = ["$uri", "@app"]\n`, {
    line: 5,
    key: "server[1].location[1].try_files",
    why: /names location "@app", which server\[1\] does not define/,
  });
});

Deno.test("parseProxyConfig() rejects try_files with one entry or a bad fallback", () => {
  rejects(`${SERVER}try_files = ["$uri"]\n`, {
    line: 3,
    key: "server[1].try_files",
    why: /expected at least two entries/,
  });
  rejects(`${SERVER}try_files = ["$uri", "index.html"]\n`, {
    line: 3,
    key: "server[1].try_files[2]",
    why: /expected the fallback to be "=CODE", a "\/uri" or "@name", got "index\.html"/,
  });
});

Deno.test("parseProxyConfig() rejects an inherited error_page naming an undefined @location", () => {
  rejects(`error_page = ["404 @missing"]\n${SERVER}`, {
    line: 1,
    key: "error_page",
    why: /names location "@missing", which server\[1\] does not define/,
  });
});

Deno.test("parseProxyConfig() rejects an error_page code out of range", () => {
  rejects(`${SERVER}error_page = ["404 /404.html", "200 /ok.html"]\n`, {
    line: 3,
    key: "server[1].error_page[2]",
    why: /expected status codes from 300 to 599, got "200"/,
  });
});

Deno.test("parseProxyConfig() rejects unknown variables in return, add_header and log_format", () => {
  rejects(`${SERVER}return = "301 https://$hots$request_uri"\n`, {
    line: 3,
    key: "server[1].return",
    why: /unknown variable "\$hots"/,
  });
  rejects(`${SERVER}add_header = { X-Served-By = "$server" }\n`, {
    line: 3,
    key: "server[1].add_header.X-Served-By",
    why: /unknown variable "\$server"/,
  });
  rejects(`[log_format]\nshort = "$remote_addr $stauts"\n\n${SERVER}`, {
    line: 2,
    key: "log_format.short",
    why: /unknown variable "\$stauts"/,
  });
});

Deno.test("parseProxyConfig() rejects a return code over 999 and a string that is no URL", () => {
  rejects(`${SERVER}return = 1000\n`, {
    line: 3,
    key: "server[1].return",
    why: /expected an integer from 0 to 999, got 1000/,
  });
  rejects(`${SERVER}return = "example.com"\n`, {
    line: 3,
    key: "server[1].return",
    why: /expected "CODE \[TEXT\]", "CODE URL" or a URL/,
  });
});

Deno.test("parseProxyConfig() rejects an access_log with an undefined format", () => {
  rejects(`access_log = "logs/access.log mian"\n${SERVER}`, {
    line: 1,
    key: "access_log",
    why: /unknown log_format "mian"; defined: combined, main/,
  });
});

Deno.test("parseProxyConfig() rejects access mixed with allow in one block", () => {
  rejects(`${SERVER}allow = ["10.0.0.0/8"]\naccess = ["deny all"]\n`, {
    line: 3,
    key: "server[1].allow",
    why: /cannot be combined with "access" in one block/,
  });
});

Deno.test("parseProxyConfig() rejects a malformed CIDR", () => {
  rejects(`${SERVER}deny = ["10.0.0.0/33"]\n`, {
    line: 3,
    key: "server[1].deny[1]",
    why: /expected an IPv4 or IPv6 address or CIDR .*got "10\.0\.0\.0\/33"/,
  });
});

Deno.test("parseProxyConfig() rejects auth_basic without a user file, and the reverse", () => {
  rejects(`${SERVER}auth_basic = "Staff"\n`, {
    line: 3,
    key: "server[1].auth_basic",
    why: /is set but "auth_basic_user_file" is not/,
  });
  rejects(`${SERVER}auth_basic_user_file = "htpasswd"\n`, {
    line: 3,
    key: "server[1].auth_basic_user_file",
    why: /is set but "auth_basic" is not, here or in an enclosing or nested block/,
  });
});

Deno.test("parseProxyConfig() rejects ssl without a certificate and a certificate without ssl", () => {
  rejects('[[server]]\nlisten = "443 ssl"\n', {
    line: 2,
    key: "server[1].listen",
    why: /has "ssl" but the server has no ssl_certificate/,
  });
  rejects(`${SERVER}ssl_certificate = "cert.pem"\nssl_certificate_key = "key.pem"\n`, {
    line: 3,
    key: "server[1].ssl_certificate",
    why: /is set but no listen entry has "ssl"/,
  });
});

Deno.test("parseProxyConfig() rejects servers that disagree on ssl for one address", () => {
  const text =
    '[[server]]\nlisten = "443 ssl"\nssl_certificate = "c"\nssl_certificate_key = "k"\n' +
    '[[server]]\nlisten = "443"\n';
  rejects(text, {
    line: 6,
    key: "server[2].listen",
    why: /"0\.0\.0\.0:443" has no ssl here but has it in server\[1\]\.listen at line 2/,
  });
});

Deno.test("parseProxyConfig() rejects a bad listen port, host or parameter", () => {
  rejects('[[server]]\nlisten = ["8080", "70000"]\n', {
    line: 2,
    key: "server[1].listen[2]",
    why: /expected a port from 0 to 65535 in "70000"/,
  });
  rejects('[[server]]\nlisten = "example.com:80"\n', {
    line: 2,
    key: "server[1].listen",
    why: /expected an IP address, "\*" or "localhost" as the host/,
  });
  rejects('[[server]]\nlisten = "80 default"\n', {
    line: 2,
    key: "server[1].listen",
    why: /unknown listen parameter "default"; did you mean "default_server"\?/,
  });
});

Deno.test("parseProxyConfig() rejects a server name with a misplaced wildcard or a bad regex", () => {
  rejects('[[server]]\nserver_name = "www.*.example.com"\n', {
    line: 2,
    key: "server[1].server_name",
    why: /invalid server name "www\.\*\.example\.com"/,
  });
  rejects('[[server]]\nserver_name = ["a.example", "~^(www"]\n', {
    line: 2,
    key: "server[1].server_name[2]",
    why: /invalid regular expression/,
  });
});

Deno.test("parseProxyConfig() rejects a location without match or with a relative prefix", () => {
  rejects(`${SERVER}[[server.location]]\nroot = "/x"\n`, {
    line: 3,
    key: "server[1].location[1].match",
    why: /expected a "match" key/,
  });
  rejects(`${SERVER}[[server.location]]\nmatch = "static/"\n`, {
    line: 4,
    key: "server[1].location[1].match",
    why: /expected a path starting with "\/"/,
  });
});

Deno.test("parseProxyConfig() rejects the same location twice", () => {
  const text =
    `${SERVER}[[server.location]]\nmatch = "/a/"\n\n[[server.location]]\nmatch = "^~ /a/"\n`;
  rejects(text, {
    line: 7,
    key: "server[1].location[2].match",
    why: /duplicate location "\^~ \/a\/"; the first is at line 3/,
  });
});

Deno.test("parseProxyConfig() rejects workers that are not a positive integer or auto", () => {
  rejects(`workers = 0\n${SERVER}`, {
    line: 1,
    key: "workers",
    why: /expected an integer from 1 to 1024, got 0/,
  });
});

Deno.test("parseProxyConfig() rejects return at the top level, where nginx has no return", () => {
  rejects(`return = 404\n${SERVER}`, {
    line: 1,
    key: "return",
    why: /cannot be set in the top level; only in a \[\[server\]\] or a \[\[server\.location\]\]/,
  });
});

Deno.test("parseProxyConfig() rejects redefining the combined log format", () => {
  rejects(`[log_format]\ncombined = "$remote_addr"\n${SERVER}`, {
    line: 2,
    key: "log_format.combined",
    why: /cannot redefine the predefined format "combined"/,
  });
});

Deno.test("parseProxyConfig() rejects [server] written as a single table, and no server", () => {
  rejects('[server]\nlisten = "80"\n', {
    line: 1,
    key: "server",
    why: /expected \[\[server\]\] tables \(double brackets\), got a table/,
  });
  rejects("workers = 1\n", {
    line: undefined,
    key: "server",
    why: /expected at least one \[\[server\]\], \[\[mail.server\]\] or \[\[stream.server\]\] table/,
  });
});

Deno.test("parseProxyConfig() blames -g for a bad override, with its line", () => {
  rejects(SERVER, { file: "-g", line: 2, key: "worker_connections", why: /got "many"/ }, [
    "workers = 2",
    'worker_connections = "many"',
  ]);
  rejects(SERVER, { file: "-g", line: 1, key: "workers", why: /expected valid TOML/ }, [
    "workers =",
  ]);
});

Deno.test("parseProxyConfig() rejects expires and error_log values nginx would not take", () => {
  rejects(`${SERVER}expires = "modified +1h"\n`, {
    line: 3,
    key: "server[1].expires",
    why: /expected "off", "epoch", "max", a time like "30d" or seconds, got "modified \+1h"/,
  });
  rejects(`error_log = "logs/error.log loud"\n${SERVER}`, {
    line: 1,
    key: "error_log",
    why: /expected "debug", "info", "notice", "warn", "error", "crit", got "loud"/,
  });
});
