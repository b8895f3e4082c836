import assert from "node:assert/strict";
import { parseProxyConfig } from "./load.ts";
import { compileSite } from "./match.ts";

const site = (text: string) => compileSite(parseProxyConfig(text, "/srv/ngw2f.toml"));

/** nginx's documented example (ngx_http_core_module, "location"), letters in `root`. */
const NGINX_EXAMPLE = `[[server]]
listen = "8080"
[[server.location]]
match = "= /"
root = "/A"
[[server.location]]
match = "/"
root = "/B"
[[server.location]]
match = "/documents/"
root = "/C"
[[server.location]]
match = "^~ /images/"
root = "/D"
[[server.location]]
match = '~* \\.(gif|jpg|jpeg)$'
root = "/E"
`;

Deno.test("compileSite() matches locations like nginx's documented example", () => {
  const s = site(NGINX_EXAMPLE);
  const server = s.selectServer("0.0.0.0:8080", "");
  const letter = (path: string) => s.matchLocation(server, path).location?.settings.root?.slice(1);
  assert.equal(letter("/"), "A");
  assert.equal(letter("/index.html"), "B");
  assert.equal(letter("/documents/document.html"), "C");
  assert.equal(letter("/images/1.gif"), "D");
  assert.equal(letter("/documents/1.jpg"), "E");
  assert.equal(letter("/documents/1.JPG"), "E");
  assert.equal(letter("/images/"), "D");
  assert.equal(letter("/documents"), "B");
});

Deno.test("compileSite() tries regexes in file order and returns their captures", () => {
  const s = site(`[[server]]
[[server.location]]
match = "/app/"
[[server.location]]
match = '~ ^/app/(\\w+)/(\\d+)$'
[[server.location]]
match = '~ ^/app/(\\w+)'
[[server.location]]
match = '~ \\.PHP$'
`);
  const server = s.servers[0];
  const first = s.matchLocation(server, "/app/users/42");
  assert.equal(first.location?.line, 4);
  assert.deepEqual(first.captures, ["/app/users/42", "users", "42"]);
  assert.equal(s.matchLocation(server, "/app/users").location?.line, 6);
  assert.equal(s.matchLocation(server, "/app/").location?.line, 2);
  assert.deepEqual(s.matchLocation(server, "/app/").captures, []);
  assert.equal(s.matchLocation(server, "/x.php").location, null, "~ is case-sensitive");
  assert.equal(s.matchLocation(server, "/x.PHP").location?.line, 8);
});

Deno.test("compileSite() prefers the longest prefix, and an exact match over everything", () => {
  const s = site(`[[server]]
[[server.location]]
match = "/a/"
[[server.location]]
match = "/a/b/"
[[server.location]]
match = "= /a/b/c"
[[server.location]]
match = "~ c$"
`);
  const server = s.servers[0];
  assert.equal(s.matchLocation(server, "/a/x").location?.match, "/a/");
  assert.equal(s.matchLocation(server, "/a/b/x").location?.match, "/a/b/");
  assert.equal(s.matchLocation(server, "/a/b/c").location?.match, "= /a/b/c");
  assert.equal(s.matchLocation(server, "/a/b/cc").location?.match, "~ c$");
  assert.equal(s.matchLocation(server, "/z").location, null);
});

Deno.test("compileSite() never matches named locations by path, but finds them by name", () => {
  const s = site(`[[server]]
[[server.location]]
match = "@fallback"
`);
  const server = s.servers[0];
  assert.equal(s.matchLocation(server, "/fallback").location, null);
  assert.equal(s.matchLocation(server, "@fallback").location, null);
  assert.equal(s.namedLocation(server, "@fallback")?.pattern, "fallback");
  assert.equal(s.namedLocation(server, "fallback")?.pattern, "fallback");
  assert.equal(s.namedLocation(server, "@other"), null);
});

const NAMES = `[[server]]
listen = "80"
server_name = "first.test"
[[server]]
listen = "80"
server_name = ["example.com", "www.example.com"]
[[server]]
listen = "80"
server_name = "*.example.com"
[[server]]
listen = "80"
server_name = "*.api.example.com"
[[server]]
listen = "80"
server_name = "www.example.*"
[[server]]
listen = ["80 default_server", "81"]
server_name = '~^w\\d+\\.example\\.net$'
[[server]]
listen = "80"
server_name = ".example.org"
[[server]]
listen = "80"
server_name = '~^.*\\.net$'
[[server]]
listen = "81"
server_name = ""
`;

Deno.test("compileSite() selects servers in nginx's order of server names", () => {
  const s = site(NAMES);
  const pick = (host: string, address = "0.0.0.0:80") =>
    s.servers.indexOf(s.selectServer(address, host)) + 1;
  assert.equal(pick("example.com"), 2, "exact");
  assert.equal(pick("www.example.com"), 2, "exact beats both wildcards");
  assert.equal(pick("a.example.com"), 3, "leading wildcard");
  assert.equal(pick("x.y.example.com"), 3, "leading wildcard spans labels");
  assert.equal(pick("v1.api.example.com"), 4, "longest leading wildcard");
  assert.equal(pick("www.example.net"), 5, "trailing wildcard before regexes");
  assert.equal(pick("w12.example.net"), 6, "first matching regex");
  assert.equal(pick("other.net"), 8, "later regex");
  assert.equal(pick("example.org"), 7, ".name matches the name itself");
  assert.equal(pick("a.example.org"), 7, ".name matches subdomains");
  assert.equal(pick("unknown.test"), 6, "default_server");
  assert.equal(pick(""), 6, "no Host: default_server");
  assert.equal(pick("example.com."), 2, "trailing dot ignored");
  assert.equal(pick("unknown.test", "0.0.0.0:81"), 6, "the first server of the address");
  assert.equal(pick("", "0.0.0.0:81"), 9, 'server_name ""');
  assert.equal(pick("example.com", "0.0.0.0:81"), 6, "names are per address");
  assert.equal(pick("example.com", "127.0.0.1:1"), 1, "unknown address: first server");
});

Deno.test("compileSite() falls back to the first server of an address without default_server", () => {
  const s = site(`[[server]]
listen = "127.0.0.1:8080"
server_name = "a.test"
[[server]]
listen = "127.0.0.1:8080"
server_name = "b.test"
`);
  assert.equal(s.selectServer("127.0.0.1:8080", "c.test"), s.servers[0]);
  assert.equal(s.selectServer("127.0.0.1:8080", "b.test"), s.servers[1]);
  assert.equal(s.selectServer("127.0.0.1:8080", "b.test"), s.servers[1], "cached");
});

Deno.test("compileSite() accepts a server's plain config where it takes a compiled server", () => {
  const s = site(NGINX_EXAMPLE);
  const config = s.servers[0].config;
  assert.equal(s.servers[0].settings, config.settings);
  assert.deepEqual(s.servers[0].locations, config.locations);
  assert.equal(s.matchLocation(config, "/images/1.gif").location?.settings.root, "/D");
  assert.equal(s.namedLocation(config, "@none"), null);
});
