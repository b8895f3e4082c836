// End-to-end: `ngw2f proxy` over TLS — several certificates on one `ssl` address chosen by SNI,
// HTTP/2 by ALPN (static files and proxy_pass), HTTP/1.1 over TLS on the proxy's own core.
// Certificates are made with openssl at test time; curl and openssl s_client are the clients.

import assert from "node:assert/strict";
import { has } from "./_cli.ts";
import { startProxy } from "./_proxy.ts";

const NAMES = ["a.test", "b.test"];
const tools = has("openssl") && has("curl");

/** A self-signed certificate for `name` as `NAME.crt` / `NAME.key` in `dir`. */
async function selfSigned(dir: string, name: string): Promise<Record<string, string>> {
  const out = await new Deno.Command("openssl", {
    args: [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "1", "-subj", `/CN=${name}`],
      ...["-addext", `subjectAltName=DNS:${name}`],
    ],
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return {
    [`tls/${name}.crt`]: await Deno.readTextFile(`${dir}/${name}.crt`),
    [`tls/${name}.key`]: await Deno.readTextFile(`${dir}/${name}.key`),
  };
}

/** Runs a client program to its end (killed after 10 s); its stdout, stderr and success. */
async function run(cmd: string, args: string[], stdin = "") {
  const child = new Deno.Command(cmd, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const out = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return {
    success: out.success,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** `curl -k` to `https://NAME:PORT/PATH` resolved to 127.0.0.1; body then `[http_version]`. */
async function curl(port: number, name: string, path: string, ...flags: string[]) {
  const result = await run("curl", [
    ...["-sS", "-k", "--max-time", "8", ...flags],
    ...["--resolve", `${name}:${port}:127.0.0.1`, "-w", "[%{http_version}]"],
    `https://${name}:${port}${path}`,
  ]);
  assert.ok(result.success, result.stderr);
  const [, body, version] = /^([\s\S]*)\[([\d.]+)\]$/.exec(result.stdout)!;
  return { body, version };
}

/** The subject of the certificate the proxy shows for SNI `name`. */
async function subjectFor(port: number, name: string): Promise<string> {
  const args = ["s_client", "-connect", `127.0.0.1:${port}`];
  const result = await run("openssl", [...args, ...(name ? ["-servername", name] : [])]);
  return /subject=(.*)/.exec(result.stdout)?.[1].trim() ?? `(none) ${result.stderr}`;
}

/** A Deno.serve upstream on port 0 answering `upstream METHOD PATH host=HOST` and the body. */
function upstream() {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    return new Response(
      `upstream ${req.method} ${url.pathname}${url.search} host=${req.headers.get("host")} ` +
        `xfp=${req.headers.get("x-forwarded-proto")} body=${body}\n`,
    );
  });
  return { port: server.addr.port, [Symbol.asyncDispose]: () => server.shutdown() };
}

/** Two servers, a.test and b.test, on one `ssl` address; b.test proxies /api/ upstream. */
async function startSites(upstreamPort: number, extra = "") {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-tls-e2e-" });
  try {
    const files: Record<string, string> = {
      "a/index.html": "site a\n",
      "b/index.html": "site b\n",
      "logs/.keep": "",
    };
    for (const name of NAMES) Object.assign(files, await selfSigned(dir, name));
    const toml = `workers = 1
error_log = "- info"
${extra}
[[server]]
listen = "127.0.0.1:0 ssl"
server_name = "a.test"
ssl_certificate = "tls/a.test.crt"
ssl_certificate_key = "tls/a.test.key"
root = "a"

[[server]]
listen = "127.0.0.1:0 ssl"
server_name = ["b.test", "*.b.test"]
ssl_certificate = "tls/b.test.crt"
ssl_certificate_key = "tls/b.test.key"
root = "b"

[[server.location]]
match = "/api/"
proxy_pass = "http://127.0.0.1:${upstreamPort}"
`;
    return await startProxy(toml, files);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "ngw2f proxy: two ssl servers on one address answer over HTTP/2, each with its own site",
  ignore: !tools,
}, async () => {
  await using up = upstream();
  await using proxy = await startSites(up.port);
  const a = await curl(proxy.port, "a.test", "/", "--http2");
  assert.deepEqual(a, { body: "site a\n", version: "2" });
  const b = await curl(proxy.port, "b.test", "/", "--http2");
  assert.deepEqual(b, { body: "site b\n", version: "2" });
  // The access log sees HTTP/2 exchanges like the others.
  await proxy.cli.waitFor(/"GET \/ HTTP\/1\.1" 200 7/, 5_000);
});

Deno.test({
  name: "ngw2f proxy: SNI picks each server's certificate, the default server's without a name",
  ignore: !tools,
}, async () => {
  await using up = upstream();
  await using proxy = await startSites(up.port);
  assert.match(await subjectFor(proxy.port, "a.test"), /CN ?= ?a\.test/);
  assert.match(await subjectFor(proxy.port, "b.test"), /CN ?= ?b\.test/);
  assert.match(await subjectFor(proxy.port, "x.b.test"), /CN ?= ?b\.test/);
  assert.match(await subjectFor(proxy.port, "unknown.test"), /CN ?= ?a\.test/);
  assert.match(await subjectFor(proxy.port, ""), /CN ?= ?a\.test/);
});

Deno.test({
  name: "ngw2f proxy: HTTP/1.1 over TLS still runs on the proxy's core",
  ignore: !tools,
}, async () => {
  await using up = upstream();
  await using proxy = await startSites(up.port);
  const b = await curl(proxy.port, "b.test", "/", "--http1.1");
  assert.deepEqual(b, { body: "site b\n", version: "1.1" });
  const api = await curl(proxy.port, "b.test", "/api/x?y=1", "--http1.1");
  assert.match(api.body, /^upstream GET \/api\/x\?y=1 host=127\.0\.0\.1:\d+ xfp=https body=\n$/);
});

Deno.test({
  name: "ngw2f proxy: proxy_pass answers over HTTP/2, request bodies included",
  ignore: !tools,
}, async () => {
  await using up = upstream();
  await using proxy = await startSites(up.port);
  const get = await curl(proxy.port, "b.test", "/api/items?page=2", "--http2");
  assert.equal(get.version, "2");
  assert.match(get.body, /^upstream GET \/api\/items\?page=2 host=127\.0\.0\.1:\d+ xfp=https/);
  const post = await curl(proxy.port, "b.test", "/api/new", "--http2", "--data-binary", "hello");
  assert.equal(post.version, "2");
  assert.match(post.body, /^upstream POST \/api\/new .* body=hello\n$/);
});

Deno.test({
  name: "ngw2f proxy: http2 = false offers HTTP/1.1 only on an ssl address",
  ignore: !tools,
}, async () => {
  await using up = upstream();
  await using proxy = await startSites(up.port, "http2 = false\n");
  const a = await curl(proxy.port, "a.test", "/", "--http2");
  assert.deepEqual(a, { body: "site a\n", version: "1.1" });
});
