import assert from "node:assert/strict";
import { silentLogger } from "../gateway/mod.ts";
import { parseProxyConfig } from "./config/mod.ts";
import { parseRequestHead } from "./http/mod.ts";
import { createPipeline } from "./pipeline.ts";
import type { Exchange, Reply } from "./types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const LIMITS = { maxRequestLine: 8192, maxHeaderBytes: 32768, maxHeaders: 100 };
const COUNTERS = {
  accepted: 0,
  handled: 0,
  requests: 0,
  active: 0,
  reading: 0,
  writing: 0,
  waiting: 0,
};

async function site(toml: string, files: Record<string, string> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-pipeline-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  const config = parseProxyConfig(`access_log = "off"\n${toml}`, `${dir}/ngw2f.toml`);
  const pipeline = createPipeline(config, {
    log: silentLogger,
    workerId: 1,
    stats: () => COUNTERS,
  });
  const ask = async (target: string, headers: Record<string, string> = {}) => {
    let text = `GET ${target} HTTP/1.1\r\nhost: localhost\r\n`;
    for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
    const head = parseRequestHead(encoder.encode(`${text}\r\n`), LIMITS as never);
    const exchange: Exchange = {
      head,
      remoteAddr: "127.0.0.1",
      remotePort: 40000,
      listen: config.servers[0].listen[0].address,
      serverPort: 8080,
      scheme: "http",
      start: 0,
      body: null,
    };
    const reply: Reply = await pipeline.handle(exchange);
    const header = (name: string) => {
      for (let i = 0; i < reply.headers.length; i += 2) {
        if (reply.headers[i].toLowerCase() === name) return reply.headers[i + 1];
      }
      return undefined;
    };
    const body = reply.body instanceof Uint8Array ? decoder.decode(reply.body) : "";
    return { status: reply.status, header, body };
  };
  return {
    ask,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const SERVER = `[[server]]\nlisten = "127.0.0.1:8080"\nroot = "site"\n`;

Deno.test("createPipeline() rewrite: break serves the new URI here, redirect answers 302", async () => {
  await using s = await site(
    SERVER +
      `[[server.location]]\nmatch = "/a/"\nrewrite = ["^/a/(.*)$ /b/$1 break", "^/b/ /never"]\n` +
      `[[server.location]]\nmatch = "/r/"\nrewrite = ["^/r/(.*)$ /elsewhere/$1 redirect"]\n`,
    { "site/b/x.txt": "bee\n" },
  );
  assert.equal((await s.ask("/a/x.txt")).body, "bee\n");
  const moved = await s.ask("/r/y?q=1");
  assert.equal(moved.status, 302);
  assert.equal(moved.header("location"), "/elsewhere/y?q=1");
});

Deno.test("createPipeline() error_page: =CODE changes the status, @named answers", async () => {
  await using s = await site(
    SERVER + `error_page = ["404 =200 /empty.txt", "403 @denied"]\n` +
      `[[server.location]]\nmatch = "/"\n` +
      `[[server.location]]\nmatch = "/locked/"\naccess = ["deny all"]\n` +
      `[[server.location]]\nmatch = "@denied"\nreturn = [403, "go away $uri"]\n`,
    { "site/empty.txt": "nothing\n" },
  );
  const missing = await s.ask("/missing");
  assert.equal(missing.status, 200);
  assert.equal(missing.body, "nothing\n");
  const denied = await s.ask("/locked/x");
  assert.equal(denied.status, 403);
  assert.equal(denied.body, "go away /locked/x");
});

Deno.test("createPipeline() try_files falls back to a named location", async () => {
  await using s = await site(
    SERVER + `[[server.location]]\nmatch = "/"\ntry_files = ["$uri", "@app"]\n` +
      `[[server.location]]\nmatch = "@app"\nreturn = [200, "app for $uri?$args"]\n`,
    { "site/here.txt": "here\n" },
  );
  assert.equal((await s.ask("/here.txt")).body, "here\n");
  assert.equal((await s.ask("/elsewhere?x=1")).body, "app for /elsewhere?x=1");
});

Deno.test("createPipeline() answers 500 on an internal redirect cycle", async () => {
  await using s = await site(
    SERVER + `[[server.location]]\nmatch = "/"\ntry_files = ["/nothing-$uri", "/loop"]\n`,
  );
  assert.equal((await s.ask("/x")).status, 500);
});

Deno.test("createPipeline() return with variables, and a server-level return before locations", async () => {
  await using s = await site(
    SERVER +
      `[[server.location]]\nmatch = "= /who"\nreturn = [200, "$request_method $host $http_x_name"]\n`,
  );
  assert.equal((await s.ask("/who", { "x-name": "ann" })).body, "GET localhost ann");
  await using t = await site(
    `[[server]]\nlisten = "127.0.0.1:8080"\nreturn = [301, "https://$host$request_uri"]\n` +
      `[[server.location]]\nmatch = "/"\nreturn = [200, "never"]\n`,
  );
  const moved = await t.ask("/a?b");
  assert.equal(moved.status, 301);
  assert.equal(moved.header("location"), "https://localhost/a?b");
});

Deno.test("createPipeline() expires and add_header only on success statuses unless always", async () => {
  await using s = await site(
    SERVER + `expires = "epoch"\nadd_header = ["X-Plain yes", "X-Always yes always"]\n`,
    { "site/a.txt": "a\n" },
  );
  const ok = await s.ask("/a.txt");
  assert.equal(ok.header("cache-control"), "no-cache");
  assert.equal(ok.header("x-plain"), "yes");
  const missing = await s.ask("/b.txt");
  assert.equal(missing.header("x-plain"), undefined);
  assert.equal(missing.header("x-always"), "yes");
  assert.equal(missing.header("cache-control"), undefined);
});
