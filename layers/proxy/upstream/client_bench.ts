// The upstream client: `deno bench -A layers/proxy/upstream/client_bench.ts`.
// The request benches run the Deno.serve upstream in the same process: compare the two
// clients' figures with each other, not with the FACTS tables.

import { findHeadEnd, parseResponseHead } from "./_response_head.ts";
import { type UpstreamAddress, UpstreamPool, type UpstreamRequestOptions } from "./client.ts";

const encoder = new TextEncoder();

const denoHead = encoder.encode(
  "HTTP/1.1 200 OK\r\ncontent-type: text/plain;charset=UTF-8\r\nvary: Accept-Encoding\r\n" +
    "content-length: 11\r\ndate: Thu, 26 Nov 2026 10:00:00 GMT\r\n\r\n",
);
const gunicornHead = encoder.encode(
  "HTTP/1.1 200 OK\r\n" +
    "Server: gunicorn\r\n" +
    "Date: Thu, 26 Nov 2026 10:00:00 GMT\r\n" +
    "Connection: keep-alive\r\n" +
    "Content-Type: text/html; charset=utf-8\r\n" +
    "Content-Length: 1534\r\n" +
    "Vary: Cookie\r\n" +
    "Cache-Control: private, max-age=0\r\n" +
    'ETag: "65a1b2c3-5fe"\r\n' +
    "Set-Cookie: session=eyJ1c2VyIjo0Mn0.ZW1hYw.abcdefghijklmnopqrstuvwxyz; HttpOnly; Path=/\r\n" +
    "X-Frame-Options: SAMEORIGIN\r\n\r\n",
);

Deno.bench("parseResponseHead(), Deno.serve's head (4 fields)", {
  group: "parse",
  baseline: true,
}, () => {
  parseResponseHead(denoHead, 0, denoHead.length);
});

Deno.bench("parseResponseHead(), a Flask app's head via gunicorn (10 fields)", {
  group: "parse",
}, () => {
  parseResponseHead(gunicornHead, 0, gunicornHead.length);
});

Deno.bench("findHeadEnd(), a Flask app's head", { group: "parse" }, () => {
  findHeadEnd(gunicornHead, 0, gunicornHead.length);
});

// --- Requests to a local Deno.serve hello -------------------------------------------------

const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => new Response("Hello World"),
);
server.unref();
const address: UpstreamAddress = {
  transport: "tcp",
  hostname: "127.0.0.1",
  port: server.addr.port,
};
const url = `http://127.0.0.1:${server.addr.port}/`;
const pool = new UpstreamPool({ keepalive: 64, keepaliveTimeout: 60_000, keepaliveRequests: 1e9 });
const head = encoder.encode(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.addr.port}\r\n\r\n`);
const options: UpstreamRequestOptions = {
  method: "GET",
  connectTimeout: 5_000,
  sendTimeout: 5_000,
  readTimeout: 5_000,
};
const N = 100;
const CONCURRENT = 32;

async function viaPool(): Promise<void> {
  const response = await pool.request(address, head, null, options);
  if (response.body !== null) { while (await response.body.read() !== null) { /* drain */ } }
}

async function viaFetch(): Promise<void> {
  const response = await fetch(url);
  await response.arrayBuffer();
}

Deno.bench(`UpstreamPool.request(), ${N} sequential GETs`, {
  group: "sequential",
  baseline: true,
}, async () => {
  for (let i = 0; i < N; i++) await viaPool();
});

Deno.bench(`fetch(), ${N} sequential GETs`, { group: "sequential" }, async () => {
  for (let i = 0; i < N; i++) await viaFetch();
});

Deno.bench(`UpstreamPool.request(), ${N} GETs, ${CONCURRENT} in flight`, {
  group: "concurrent",
  baseline: true,
}, async () => {
  await Promise.all(
    Array.from({ length: CONCURRENT }, async (_, k) => {
      for (let i = k; i < N; i += CONCURRENT) await viaPool();
    }),
  );
});

Deno.bench(`fetch(), ${N} GETs, ${CONCURRENT} in flight`, { group: "concurrent" }, async () => {
  await Promise.all(
    Array.from({ length: CONCURRENT }, async (_, k) => {
      for (let i = k; i < N; i += CONCURRENT) await viaFetch();
    }),
  );
});
