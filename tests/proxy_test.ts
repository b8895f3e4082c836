// End-to-end: `ngw2f proxy` as a web server — the real CLI, a real config, real sockets. One
// proxy (one worker) serves a site whose config exercises every directive; each test asks it.

import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { rawExchange } from "./_cli.ts";
import { request, type RunningProxy, startProxy } from "./_proxy.ts";

const CONFIG = String.raw`
workers = 1
pid = "proxy.pid"
error_log = "- info"
access_log = "logs/access.log combined"

[log_format]
jsonish = { format = '{"uri":"$uri","status":$status,"ua":"$http_user_agent"}', escape = "json" }

[[server]]
listen = "127.0.0.1:0 default_server"
server_name = "localhost"
root = "site"
error_page = ["404 /404.html"]

[[server.location]]
match = "= /exact"
return = [200, "exact A"]

[[server.location]]
match = "/"

[[server.location]]
match = "/documents/"
return = [200, "prefix C"]

[[server.location]]
match = "^~ /images/"
return = [200, "prefix D"]

[[server.location]]
match = "~* \\.(gif|jpg|jpeg)$"
return = [200, "regex E $1"]

[[server.location]]
match = "/files/"
alias = "files/"

[[server.location]]
match = "/spa/"
try_files = ["$uri", "/index.html"]

[[server.location]]
match = "/strict/"
try_files = ["$uri", "$uri/", "=403"]

[[server.location]]
match = "/list/"
autoindex = true

[[server.location]]
match = "/list-json/"
alias = "site/list/"
autoindex = true
autoindex_format = "json"

[[server.location]]
match = "/old/"
rewrite = ["^/old/(.*)$ /new/$1 permanent"]

[[server.location]]
match = "/go/"
rewrite = ["^/go/(.*)$ /$1 last"]

[[server.location]]
match = "= /moved"
return = [301, "https://$host/elsewhere$is_args$args"]

[[server.location]]
match = "/static/"
expires = "1h"
add_header = ["X-A a", "X-B b always"]
gzip = true
gzip_types = ["text/javascript", "application/javascript", "text/css"]
gzip_min_length = 100
gzip_static = true
access_log = "logs/static.log jsonish"

[[server.location]]
match = "/private/"
access = ["allow 10.0.0.0/8", "deny all"]

[[server.location]]
match = "/open/"
access = ["allow 127.0.0.1", "deny all"]

[[server.location]]
match = "/auth/"
auth_basic = "Members"
auth_basic_user_file = "htpasswd"

[[server.location]]
match = "/upload/"
client_max_body_size = "10"

[[server.location]]
match = "= /status"
stub_status = true

[[server.location]]
match = "= /metrics"
metrics = true

[[server.location]]
match = "/plain/"
alias = "site/"
etag = false
default_type = "application/x-test"
server_tokens = false

[types]
"text/x-custom" = ["cust"]

[[server]]
listen = "127.0.0.1:0"
server_name = ["*.example.com"]
return = [200, "wildcard $host"]

[[server]]
listen = "127.0.0.1:0"
server_name = ["~^api\\d+\\.example\\.net$"]
return = [200, "regex server"]

[[server]]
listen = "127.0.0.1:0"
server_name = ["exact.example.com"]
return = [200, "exact server"]
`;

const JS = "export const x = 1;\n".repeat(200);
const CSS = "body { color: red }\n".repeat(50);

async function htpasswd(): Promise<string> {
  const sha = btoa(
    String.fromCharCode(
      ...new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode("sesame"))),
    ),
  );
  return `ann:${bcrypt.hashSync("secret", 4)}\nbob:{SHA}${sha}\n`;
}

let shared: Promise<RunningProxy> | undefined;
// A filtered run may skip the last test, which stops the proxy: stop it on the way out too.
let sharedChild: Deno.ChildProcess | undefined;
globalThis.addEventListener("unload", () => {
  try {
    sharedChild?.kill("SIGKILL");
  } catch { /* already stopped */ }
});
function proxy(): Promise<RunningProxy> {
  return shared ??= (async (): Promise<RunningProxy> =>
    await startProxy(CONFIG, {
      "site/index.html": "<h1>home</h1>\n",
      "site/a.txt": "alpha\n",
      "site/page.cust": "custom type\n",
      "site/noext": "no extension\n",
      "site/404.html": "custom 404 page\n",
      "site/dir/index.html": "dir index\n",
      "site/dir/b.txt": "bravo\n",
      "site/list/x.txt": "x\n",
      "site/noindex/z.txt": "z\n",
      "site/list/sub/y.txt": "y\n",
      "site/list/<b>.txt": "escaped\n",
      "site/.secret": "hidden\n",
      "site/static/app.js": JS,
      "site/static/app.css": CSS,
      "site/static/app.css.gz": new Uint8Array([
        0x1f,
        0x8b,
        8,
        0,
        0,
        0,
        0,
        0,
        0,
        3,
        3,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
      ]),
      "site/static/tiny.js": "1;\n",
      "site/static/sub/x.js": "x;\n",
      "site/link-in": { link: "a.txt" },
      "site/link-out": { link: "../outside/secret.txt" },
      "site/strict/dir/index.html": "strict dir\n",
      "files/f.txt": "from alias\n",
      "outside/secret.txt": "SECRET\n",
      "logs/.keep": "",
      "htpasswd": await htpasswd(),
    }).then((p) => {
      sharedChild = p.cli.child;
      return p;
    }))();
}

// The proxy outlives each test; the last test stops it.
const test = (name: string, fn: (p: RunningProxy) => Promise<void>) =>
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => fn(await proxy()),
  });

test("proxy: the talk's GET / HTTP/1.0 gets the index page over a raw socket", async ({ port }) => {
  const { text, closedByServer } = await rawExchange(port, "GET / HTTP/1.0\r\n\r\n", {
    halfClose: true,
  });
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /\r\ncontent-type: text\/html; charset=utf-8\r\n/i);
  assert.match(text, /\r\n\r\n<h1>home<\/h1>\n$/);
  assert.ok(closedByServer);
});

test("proxy: location priority follows nginx's documented example", async ({ port }) => {
  const cases: [string, string][] = [
    ["/exact", "exact A"],
    ["/documents/document.html", "prefix C"],
    ["/images/1.gif", "prefix D"],
    ["/documents/1.jpg", "regex E jpg"],
    ["/x/Y.JPEG", "regex E JPEG"],
  ];
  for (const [path, body] of cases) {
    const response = await request(port, path);
    assert.equal(response.status, 200, path);
    assert.equal(response.body, body, path);
  }
  assert.equal((await request(port, "/a.txt")).body, "alpha\n"); // location / (B)
});

test("proxy: server_name picks exact, wildcard and regex servers, else the default", async ({ port }) => {
  assert.equal((await request(port, "/", { host: "exact.example.com" })).body, "exact server");
  assert.equal(
    (await request(port, "/", { host: "a.b.example.com" })).body,
    "wildcard a.b.example.com",
  );
  assert.equal((await request(port, "/", { host: "api42.example.net:8080" })).body, "regex server");
  assert.equal((await request(port, "/a.txt", { host: "unknown.test" })).body, "alpha\n");
});

test("proxy: root, alias, index, directory redirect and types", async ({ port }) => {
  assert.equal((await request(port, "/files/f.txt")).body, "from alias\n");
  assert.equal((await request(port, "/dir/")).body, "dir index\n");
  const redirect = await request(port, "/dir?x=1");
  assert.equal(redirect.status, 301);
  assert.match(redirect.headers.get("location")!, /\/dir\/\?x=1$/);
  const custom = await request(port, "/page.cust");
  assert.equal(custom.headers.get("content-type"), "text/x-custom; charset=utf-8");
  assert.equal(
    (await request(port, "/plain/noext")).headers.get("content-type"),
    "application/x-test",
  );
  assert.equal(
    (await request(port, "/a.txt")).headers.get("content-type"),
    "text/plain; charset=utf-8",
  );
});

test("proxy: error_page serves the custom page with the error's status", async ({ port }) => {
  const missing = await request(port, "/nope.html");
  assert.equal(missing.status, 404);
  assert.equal(missing.body, "custom 404 page\n");
});

test("proxy: try_files serves the first file that exists, else the fallback", async ({ port }) => {
  assert.equal((await request(port, "/spa/deep/link")).body, "<h1>home</h1>\n");
  assert.equal((await request(port, "/strict/nothing")).status, 403);
  assert.equal((await request(port, "/strict/dir/")).body, "strict dir\n");
});

test("proxy: autoindex lists a directory as HTML and as JSON, hiding dot-files", async ({ port }) => {
  const html = await request(port, "/list/");
  assert.equal(html.status, 200);
  assert.match(html.body, /<a href="x\.txt">x\.txt<\/a>/);
  assert.match(html.body, /<a href="sub\/">sub\/<\/a>/);
  assert.match(html.body, /&lt;b&gt;\.txt/);
  const json = await request(port, "/list-json/");
  const entries = JSON.parse(json.body) as { name: string; type: string }[];
  assert.deepEqual(entries.map((e) => [e.name, e.type]).sort(), [
    ["<b>.txt", "file"],
    ["sub", "directory"],
    ["x.txt", "file"],
  ]);
  assert.equal((await request(port, "/noindex/")).status, 403); // no index, no autoindex
});

test("proxy: rewrite redirects (permanent) and re-matches (last); return redirects", async ({ port }) => {
  const moved = await request(port, "/old/a.txt?q=1");
  assert.equal(moved.status, 301);
  assert.match(moved.headers.get("location")!, /\/new\/a\.txt\?q=1$/);
  assert.equal((await request(port, "/go/a.txt")).body, "alpha\n");
  const ret = await request(port, "/moved?x=2", { host: "localhost" });
  assert.equal(ret.status, 301);
  assert.equal(ret.headers.get("location"), "https://localhost/elsewhere?x=2");
});

test("proxy: add_header (always only on errors), expires, gzip and gzip_static", async ({ port }) => {
  const js = await fetch(`http://127.0.0.1:${port}/static/app.js`, {
    headers: { "accept-encoding": "gzip" },
  });
  assert.equal(js.headers.get("x-a"), "a");
  assert.equal(js.headers.get("x-b"), "b");
  assert.equal(js.headers.get("cache-control"), "max-age=3600");
  assert.ok(js.headers.get("expires"));
  assert.equal(js.headers.get("content-encoding"), "gzip");
  assert.equal(await js.text(), JS);
  const raw = await request(port, "/static/app.js", { headers: { "accept-encoding": "gzip" } });
  assert.equal(raw.headers.get("vary"), "Accept-Encoding");
  // A directory without an index: 403, which no error_page takes over (a 404 would be, and
  // the page's own location would decide its headers, as in nginx).
  const forbidden = await request(port, "/static/sub/");
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.headers.get("x-a"), undefined);
  assert.equal(forbidden.headers.get("x-b"), "b");
  const tiny = await request(port, "/static/tiny.js", { headers: { "accept-encoding": "gzip" } });
  assert.equal(tiny.headers.get("content-encoding"), undefined); // under gzip_min_length
  const css = await request(port, "/static/app.css", { headers: { "accept-encoding": "gzip" } });
  assert.equal(css.headers.get("content-encoding"), "gzip");
  assert.equal(Number(css.headers.get("content-length")), 20); // the .gz sibling as is
  const gz = await fetch(`http://127.0.0.1:${port}/static/app.css`, {
    headers: { "accept-encoding": "gzip" },
  });
  assert.equal((await gz.arrayBuffer()).byteLength, 0); // fetch inflated the empty .gz sibling
});

test("proxy: allow/deny answer 403 to addresses outside the rules", async ({ port }) => {
  assert.equal((await request(port, "/private/a.txt")).status, 403);
  assert.equal((await request(port, "/open/")).status, 404); // allowed, then nothing there
});

test("proxy: auth_basic checks bcrypt and SHA entries of the htpasswd file", async ({ port }) => {
  const none = await request(port, "/auth/");
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("www-authenticate"), 'Basic realm="Members"');
  const basic = (user: string, pass: string) => ({
    authorization: `Basic ${btoa(`${user}:${pass}`)}`,
  });
  assert.equal((await request(port, "/auth/", { headers: basic("ann", "wrong") })).status, 401);
  assert.equal((await request(port, "/auth/", { headers: basic("ann", "secret") })).status, 404);
  assert.equal((await request(port, "/auth/", { headers: basic("bob", "sesame") })).status, 404);
});

test("proxy: client_max_body_size answers 413 and closes", async ({ port }) => {
  const big = await request(port, "/upload/x", { method: "POST", body: "0123456789abc" });
  assert.equal(big.status, 413);
});

test("proxy: ETag, Last-Modified, 304, 412, ranges and 416 on a static file", async ({ port }) => {
  const first = await request(port, "/a.txt");
  const etag = first.headers.get("etag")!;
  const lastModified = first.headers.get("last-modified")!;
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal((await request(port, "/a.txt", { headers: { "if-none-match": etag } })).status, 304);
  assert.equal(
    (await request(port, "/a.txt", { headers: { "if-modified-since": lastModified } })).status,
    304,
  );
  assert.equal((await request(port, "/a.txt", { headers: { "if-match": '"other"' } })).status, 412);
  const part = await request(port, "/a.txt", { headers: { range: "bytes=1-3" } });
  assert.equal(part.status, 206);
  assert.equal(part.body, "lph");
  assert.equal(part.headers.get("content-range"), "bytes 1-3/6");
  const multi = await request(port, "/a.txt", { headers: { range: "bytes=0-0,-1" } });
  assert.equal(multi.status, 206);
  assert.match(multi.headers.get("content-type")!, /^multipart\/byteranges; boundary=/);
  const bad = await request(port, "/a.txt", { headers: { range: "bytes=100-" } });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers.get("content-range"), "bytes */6");
  const head = await request(port, "/a.txt", { method: "HEAD" });
  assert.equal(head.headers.get("content-length"), "6");
  assert.equal(head.body, "");
  const plain = await request(port, "/plain/a.txt");
  assert.equal(plain.headers.get("etag"), undefined); // etag off
  assert.equal(plain.headers.get("server"), "ngw2f"); // server_tokens off
  assert.equal((await request(port, "/a.txt", { method: "POST", body: "x" })).status, 405);
});

test("proxy: no traversal spelling reads a file outside root", async ({ port }) => {
  const attempts = [
    "/../outside/secret.txt",
    "/%2e%2e/outside/secret.txt",
    "/%2E%2E/outside/secret.txt",
    "/.%2e/outside/secret.txt",
    "/%2e./outside/secret.txt",
    "/..%2foutside/secret.txt",
    "/..%2Foutside%2Fsecret.txt",
    "/%2e%2e%2foutside%2fsecret.txt",
    "/dir/../../outside/secret.txt",
    "/dir/%2e%2e/%2e%2e/outside/secret.txt",
    "/%252e%252e/outside/secret.txt",
    "/..%252foutside/secret.txt",
    "/..\\outside\\secret.txt",
    "/..%5coutside%5csecret.txt",
    "/%5c..%5coutside/secret.txt",
    "/%c0%ae%c0%ae/outside/secret.txt",
    "/%c0%ae%c0%ae%c0%afoutside/secret.txt",
    "/%e0%80%ae%e0%80%ae/outside/secret.txt",
    "/..%00/outside/secret.txt",
    "/a.txt%00/../../outside/secret.txt",
    "/../../../../../../outside/secret.txt",
    "//../outside/secret.txt",
    "/./../outside/secret.txt",
    "/.../outside/secret.txt",
    "/..;/outside/secret.txt",
    "/files/../outside/secret.txt",
    "/files/..%2f..%2foutside/secret.txt",
    "/files/%2e%2e/%2e%2e/outside/secret.txt",
    "/link-out",
    "/%6c%69%6e%6b-out",
    "/dir/..%2f..%2foutside/secret.txt",
    "/..%c0%afoutside/secret.txt",
    "/%2e%2e%5coutside%5csecret.txt",
  ];
  for (const target of attempts) {
    const response = await request(port, target);
    assert.ok(response.status >= 300, `${target} → ${response.status}`);
    assert.ok(!response.body.includes("SECRET"), `${target} leaked the secret`);
  }
  assert.equal((await request(port, "/link-in")).body, "alpha\n"); // a symlink inside root
  assert.equal((await request(port, "/.secret")).status, 404); // hidden files
});

test("proxy: a malformed request gets a 4xx and the server keeps serving", async ({ port }) => {
  const { text } = await rawExchange(port, "GARBAGE\r\n\r\n");
  assert.match(text, /^HTTP\/1\.1 400 /);
  const { text: noHost } = await rawExchange(port, "GET / HTTP/1.1\r\n\r\n");
  assert.match(noHost, /^HTTP\/1\.1 400 /);
  assert.equal((await request(port, "/a.txt")).body, "alpha\n");
});

test("proxy: a changed file is never served stale", async ({ port, dir }) => {
  const path = `${dir}/site/fresh.txt`;
  for (let i = 0; i < 20; i++) {
    const text = `version ${String(i).padStart(3, "0")}\n`; // the same size every time
    await Deno.writeTextFile(path, text);
    assert.equal((await request(port, "/fresh.txt")).body, text);
  }
});

test("proxy: stub_status and /metrics count the requests", async ({ port }) => {
  const status = await request(port, "/status");
  assert.match(
    status.body,
    /^Active connections: \d+ \nserver accepts handled requests\n \d+ \d+ \d+ \n/,
  );
  const metrics = await request(port, "/metrics");
  assert.match(metrics.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.body, /ngw2f_proxy_requests_total\{[^}]*status="200"[^}]*\} \d+/);
});

test("proxy: access_log writes combined lines and a json log_format per location", async ({ cli, dir, port }) => {
  await request(port, "/static/app.js", { headers: { "user-agent": 'say "hi"' } });
  await request(port, "/a.txt");
  const deadline = Date.now() + 5000;
  let combined = "";
  let custom = "";
  while (Date.now() < deadline) {
    combined = await Deno.readTextFile(`${dir}/logs/access.log`).catch(() => "");
    custom = await Deno.readTextFile(`${dir}/logs/static.log`).catch(() => "");
    if (combined.includes("GET /a.txt") && custom.includes("app.js")) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.match(combined, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/a\.txt HTTP\/1\.1" 200 6 "-" "-"$/m);
  assert.match(custom, /\{"uri":"\/static\/app\.js","status":200,"ua":"say \\"hi\\""\}/);
  // The last test: stop the shared proxy gracefully.
  assert.equal(await cli.stop("SIGTERM"), 0);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
});
