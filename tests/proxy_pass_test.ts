// End-to-end: `ngw2f proxy` as a reverse proxy — proxy_pass, the header rules, streaming,
// keep-alive to upstreams, balancing, failover, retries, timeouts, WebSockets, SSE. Upstreams
// are real servers started by the tests on 127.0.0.1 port 0.

import assert from "node:assert/strict";
import { rawExchange, root } from "./_cli.ts";
import { request, startProxy } from "./_proxy.ts";
import { freePort } from "./_tcp.ts";

interface Seen {
  method: string;
  target: string;
  headers: Headers;
  body: string;
  /** The proxy's side of the connection (same port: same upstream connection). */
  peerPort: number;
}

interface Upstream extends AsyncDisposable {
  name: string;
  port: number;
  seen: Seen[];
}

/** A Deno.serve upstream that records what it gets and answers `NAME METHOD TARGET`. */
function upstream(
  name: string,
  handler?: (request: Request, seen: Seen) => Response | Promise<Response>,
): Upstream {
  const seen: Seen[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req, info) => {
      const url = new URL(req.url);
      const record: Seen = {
        method: req.method,
        target: url.pathname + url.search,
        headers: new Headers(req.headers),
        body: handler ? "" : await req.text(),
        peerPort: info.remoteAddr.port,
      };
      seen.push(record);
      if (handler) return await handler(req, record);
      return new Response(`${name} ${req.method} ${record.target} ${record.body.length}`, {
        headers: { "x-upstream": name, "keep-alive": "timeout=5", server: "upstream/1" },
      });
    },
  );
  return {
    name,
    port: server.addr.port,
    seen,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

const config = (body: string, workers = 1) =>
  `workers = ${workers}\npid = "proxy.pid"\nerror_log = "- info"\naccess_log = "off"\n${body}`;

const server = (locations: string) => `\n[[server]]\nlisten = "127.0.0.1:0"\n${locations}`;

/** A port nothing listens on (outside the ephemeral range: see freePort()). */
const deadPort = freePort;

/** `promise`, or a failure saying `what` when it has not settled after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cap = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (after ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, cap]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("proxy_pass: a request goes upstream with X-Forwarded-*, hop-by-hop dropped both ways", async () => {
  await using up = upstream("a");
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
`)));
  const response = await request(proxy.port, "/path/a%2Fb?x=1&y=2", {
    headers: {
      "x-forwarded-for": "203.0.113.9",
      "keep-alive": "timeout=3",
      "connection": "close, x-drop-me",
      "x-drop-me": "1",
      "x-keep": "yes",
    },
  });
  assert.equal(response.status, 200);
  assert.equal(response.body, "a GET /path/a%2Fb?x=1&y=2 0");
  assert.equal(response.headers.get("x-upstream"), "a");
  assert.equal(response.headers.get("keep-alive"), undefined);
  assert.match(response.headers.get("server")!, /^ngw2f/);
  const seen = up.seen[0];
  assert.equal(seen.headers.get("host"), `127.0.0.1:${up.port}`);
  assert.equal(seen.headers.get("x-forwarded-for"), "203.0.113.9, 127.0.0.1");
  assert.equal(seen.headers.get("x-forwarded-proto"), "http");
  assert.equal(seen.headers.get("x-forwarded-host"), "localhost");
  assert.equal(seen.headers.get("forwarded"), "for=127.0.0.1;proto=http;host=localhost");
  assert.equal(seen.headers.get("x-keep"), "yes");
  assert.equal(seen.headers.get("x-drop-me"), null);
  assert.equal(seen.headers.get("keep-alive"), null);
});

Deno.test("proxy_pass: nginx's URI replacement, proxy_set_header, proxy_redirect default", async () => {
  await using up = upstream(
    "b",
    (_req, seen) =>
      seen.target.startsWith("/v1/redirect")
        ? new Response(null, {
          status: 302,
          headers: { location: `http://app/v1/next?z=1` },
        })
        : new Response(
          `${seen.target} host=${seen.headers.get("host")} id=${seen.headers.get("x-id")}`,
        ),
  );
  await using proxy = await startProxy(config(`
[upstream.app]
server = ["127.0.0.1:${up.port}"]
${
    server(`
[[server.location]]
match = "/api/"
proxy_pass = "http://app/v1/"
proxy_set_header = { Host = "$host", X-Id = "$remote_addr:$args" }
[[server.location]]
match = "/raw/"
proxy_pass = "http://app"
`)
  }`));
  const replaced = await request(proxy.port, "/api/users/7?x=1", { host: "example.test" });
  assert.equal(replaced.body, "/v1/users/7?x=1 host=example.test id=127.0.0.1:x=1");
  const redirect = await request(proxy.port, "/api/redirect");
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get("location"), "/api/next?z=1");
  // Without a URI part the target goes up exactly as the client wrote it.
  const raw = await request(proxy.port, "/raw/%7Euser/a%2Fb");
  assert.match(raw.body, /^\/raw\/%7Euser\/a%2Fb host=app /);
});

Deno.test("proxy_pass: bodies stream both ways (Content-Length and chunked), keep-alive to the upstream", async () => {
  await using up = upstream("c", async (req, seen) => {
    const bytes = new Uint8Array(await req.arrayBuffer());
    let sum = 0;
    for (const b of bytes) sum = (sum + b) % 65521;
    return new Response(
      `${seen.method} ${bytes.length} ${sum} ${req.headers.get("transfer-encoding")}`,
    );
  });
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
client_max_body_size = "10m"
`)));
  const body = "x".repeat(300_000);
  const posted = await request(proxy.port, "/", { method: "POST", body });
  assert.equal(posted.body, `POST 300000 ${(300_000 * 120) % 65521} null`);
  const chunked = await rawExchange(
    proxy.port,
    "PUT / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
  );
  assert.match(chunked.text, /\r\n\r\nPUT 5 495 chunked$/);
  for (let i = 0; i < 5; i++) await request(proxy.port, "/");
  const ports = new Set(up.seen.map((s) => s.peerPort));
  assert.ok(ports.size <= 2, `${ports.size} upstream connections for ${up.seen.length} requests`);
});

Deno.test("proxy_pass: concurrent replies, whole or streamed, each get their own bytes; gzip leaves them as sent", async () => {
  // SIZE bytes from SEED: a reply that shows any byte from another reply or connection.
  const pattern = (size: number, seed: number) => {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = 97 + ((i * 7 + seed) % 26);
    return out;
  };
  await using up = upstream("g", (req) => {
    const [, size, seed] = new URL(req.url).pathname.split("/");
    return new Response(pattern(Number(size), Number(seed)), {
      headers: { "content-type": "text/html" },
    });
  });
  await using proxy = await startProxy(config(server(`
gzip = true
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
add_header = ["X-Via ngw2f"]
`)));
  // Small replies come whole with their head, large ones are streamed; 12 keep-alive clients.
  const sizes = [1, 20, 700, 3_000, 9_000, 70_000, 300_000];
  const failures: string[] = [];
  const client = Deno.createHttpClient({});
  try {
    await Promise.all(Array.from({ length: 12 }, async (_, c) => {
      for (let i = 0; i < 14; i++) {
        const size = sizes[(c + i) % sizes.length];
        const seed = c * 100 + i;
        const response = await fetch(`http://127.0.0.1:${proxy.port}/${size}/${seed}`, {
          client,
          headers: { "accept-encoding": "gzip, br" },
        });
        const bytes = new Uint8Array(await response.arrayBuffer());
        const expected = pattern(size, seed);
        const same = bytes.length === size && bytes.every((b, k) => b === expected[k]);
        if (response.status !== 200 || !same) failures.push(`${size}/${seed}: ${response.status}`);
        if (response.headers.get("content-encoding") !== null) failures.push(`${size}: encoded`);
        if (response.headers.get("x-via") !== "ngw2f") failures.push(`${size}: no X-Via`);
      }
    }));
  } finally {
    client.close();
  }
  assert.deepEqual(failures, []);
  assert.equal(up.seen.length, 12 * 14);
  // Kept alive to the upstream: far fewer connections than requests.
  const ports = new Set(up.seen.map((s) => s.peerPort));
  assert.ok(ports.size <= 24, `${ports.size} upstream connections for ${up.seen.length} requests`);
});

Deno.test("proxy_pass: smooth weighted round robin 5:1:1 over 70 requests", async () => {
  await using a = upstream("a");
  await using b = upstream("b");
  await using c = upstream("c");
  await using proxy = await startProxy(config(`
[upstream.app]
server = ["127.0.0.1:${a.port} weight=5", "127.0.0.1:${b.port}", "127.0.0.1:${c.port}"]
${
    server(`
[[server.location]]
match = "/"
proxy_pass = "http://app"
`)
  }`));
  const names: string[] = [];
  for (let i = 0; i < 70; i++) names.push((await request(proxy.port, "/")).body.split(" ")[0]);
  assert.deepEqual(names.slice(0, 7), ["a", "a", "b", "a", "c", "a", "a"]);
  assert.deepEqual([a.seen.length, b.seen.length, c.seen.length], [50, 10, 10]);
});

Deno.test("proxy_pass: hash $request_uri consistent and ip_hash keep a key on one server", async () => {
  await using a = upstream("a");
  await using b = upstream("b");
  await using c = upstream("c");
  const list = `["127.0.0.1:${a.port}", "127.0.0.1:${b.port}", "127.0.0.1:${c.port}"]`;
  await using proxy = await startProxy(config(`
[upstream.byuri]
server = ${list}
method = "hash $request_uri consistent"
[upstream.byip]
server = ${list}
method = "ip_hash"
${
    server(`
[[server.location]]
match = "/uri/"
proxy_pass = "http://byuri"
[[server.location]]
match = "/ip/"
proxy_pass = "http://byip"
`)
  }`));
  const where = async (path: string) => (await request(proxy.port, path)).body.split(" ")[0];
  const spread = new Set<string>();
  for (let k = 0; k < 12; k++) {
    const first = await where(`/uri/key${k}`);
    spread.add(first);
    assert.equal(await where(`/uri/key${k}`), first);
    assert.equal(await where(`/uri/key${k}`), first);
  }
  assert.ok(spread.size >= 2, "12 keys all on one server");
  const ip = new Set<string>();
  for (let i = 0; i < 6; i++) ip.add(await where(`/ip/${i}`));
  assert.equal(ip.size, 1);
});

Deno.test("proxy_pass: least_conn sends new requests away from a busy server", async () => {
  // The slow server holds its request until the test releases it: busy for as long as needed.
  const entered = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  await using slow = upstream("slow", async () => {
    entered.resolve();
    await release.promise;
    return new Response("slow");
  });
  await using fast = upstream("fast", () => new Response("fast"));
  await using proxy = await startProxy(config(`
[upstream.app]
server = ["127.0.0.1:${slow.port}", "127.0.0.1:${fast.port}"]
method = "least_conn"
${
    server(`
[[server.location]]
match = "/"
proxy_pass = "http://app"
`)
  }`));
  const busy = request(proxy.port, "/");
  busy.catch(() => {}); // awaited below; not unhandled when a check fails first
  try {
    // The first request (both idle: the first server) is in progress on the slow server.
    await Promise.race([
      entered.promise,
      busy.then((r) => assert.fail(`the first request did not stay on the slow server: ${r.body}`)),
    ]);
    const next = [];
    for (let i = 0; i < 5; i++) next.push((await request(proxy.port, "/")).body);
    assert.deepEqual(next, ["fast", "fast", "fast", "fast", "fast"]);
  } finally {
    release.resolve();
  }
  assert.equal((await busy).body, "slow");
});

Deno.test("proxy_pass: a dead server fails over, is marked failed, and backup serves when all primaries are out", async () => {
  await using live = upstream("live");
  await using spare = upstream("spare");
  const dead = deadPort();
  await using proxy = await startProxy(config(`
[upstream.app]
server = ["127.0.0.1:${dead} max_fails=1 fail_timeout=30s", "127.0.0.1:${live.port}"]
[upstream.spared]
server = ["127.0.0.1:${dead}", "127.0.0.1:${spare.port} backup"]
${
    server(`
[[server.location]]
match = "/"
proxy_pass = "http://app"
[[server.location]]
match = "/b/"
proxy_pass = "http://spared"
`)
  }`));
  for (let i = 0; i < 10; i++) {
    const response = await request(proxy.port, "/");
    assert.equal(response.status, 200);
    assert.equal(response.body.split(" ")[0], "live");
  }
  // The dead server was tried once, then left alone for its fail_timeout.
  const failures = proxy.cli.output().match(
    new RegExp(`server 127\\.0\\.0\\.1:${dead} failed`, "g"),
  );
  assert.equal(failures?.length, 1, proxy.cli.output());
  assert.equal((await request(proxy.port, "/b/x")).body.split(" ")[0], "spare");
  assert.equal(live.seen.length, 10);
});

Deno.test("proxy_pass: a POST is never repeated on another server unless non_idempotent says so", async () => {
  // A server that takes the request and closes without answering.
  const dropper = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let dropped = 0;
  (async () => {
    for await (const conn of dropper) {
      dropped++;
      const buf = new Uint8Array(4096);
      await conn.read(buf).catch(() => null);
      conn.close();
    }
  })().catch(() => {});
  await using other = upstream("other");
  try {
    await using proxy = await startProxy(config(`
[upstream.once]
server = ["127.0.0.1:${dropper.addr.port} max_fails=0", "127.0.0.1:${other.port}"]
[upstream.again]
server = ["127.0.0.1:${dropper.addr.port} max_fails=0", "127.0.0.1:${other.port}"]
${
      server(`
[[server.location]]
match = "/once/"
proxy_pass = "http://once"
[[server.location]]
match = "/again/"
proxy_pass = "http://again"
proxy_next_upstream = "error timeout non_idempotent"
`)
    }`));
    // Round robin: the first request of each group goes to the dropper.
    const post = await request(proxy.port, "/once/x", { method: "POST", body: "" });
    assert.equal(post.status, 502);
    assert.equal(other.seen.filter((s) => s.method === "POST").length, 0);
    const get = await request(proxy.port, "/once/y");
    assert.equal(get.status, 200, "the next request goes to the other server");
    const allowed = await request(proxy.port, "/again/x", { method: "POST", body: "" });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.split(" ")[0], "other");
    assert.equal(dropped, 2);
  } finally {
    dropper.close();
  }
});

Deno.test("proxy_pass: http_503 moves on to the next server", async () => {
  await using busy = upstream("busy", () => new Response("busy", { status: 503 }));
  await using ok = upstream("ok");
  await using proxy = await startProxy(config(`
[upstream.app]
server = ["127.0.0.1:${busy.port}", "127.0.0.1:${ok.port}"]
${
    server(`
[[server.location]]
match = "/"
proxy_pass = "http://app"
proxy_next_upstream = "error timeout http_503"
[[server.location]]
match = "/plain/"
proxy_pass = "http://127.0.0.1:${busy.port}"
`)
  }`));
  for (let i = 0; i < 4; i++) assert.equal((await request(proxy.port, "/")).status, 200);
  // Without http_503 the upstream's 503 goes to the client as it is.
  const plain = await request(proxy.port, "/plain/");
  assert.equal(plain.status, 503);
  assert.equal(plain.body, "busy");
});

Deno.test("proxy_pass: a silent upstream gives 504 at proxy_read_timeout; a refused one 502", async () => {
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const conn of silent) held.push(conn);
  })().catch(() => {});
  try {
    await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/slow/"
proxy_pass = "http://127.0.0.1:${silent.addr.port}"
proxy_read_timeout = "1s"
[[server.location]]
match = "/refused/"
proxy_pass = "http://127.0.0.1:${deadPort()}"
`)));
    const started = Date.now();
    const slow = await request(proxy.port, "/slow/");
    const took = Date.now() - started;
    assert.equal(slow.status, 504);
    assert.match(slow.body, /504 Gateway Time-out|504 Gateway Timeout/);
    // The upstream never answers: the 504 is the proxy's. Well before the 60 s default and the
    // request helper's 5 s cap, so proxy_read_timeout = "1s" fired, with room for a slow host.
    assert.ok(took >= 800 && took < 4000, `504 after ${took} ms`);
    const refused = await request(proxy.port, "/refused/");
    assert.equal(refused.status, 502);
  } finally {
    silent.close();
    for (const conn of held) conn.close();
  }
});

Deno.test("proxy_pass: request smuggling (CL+TE, two Content-Lengths) never reaches the upstream", async () => {
  await using up = upstream("u");
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
`)));
  const attacks = [
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhelloGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
  ];
  for (const attack of attacks) {
    const { text } = await rawExchange(proxy.port, attack);
    assert.match(text, /^HTTP\/1\.1 400 /, text);
  }
  assert.deepEqual(up.seen.map((s) => s.target), []);
  assert.equal((await request(proxy.port, "/after")).status, 200);
});

Deno.test("proxy_pass: a WebSocket echoes through the proxy", async () => {
  await using up = upstream("ws", (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onmessage = (event) => socket.send(`echo ${event.data}`);
    return response;
  });
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
`)));
  const socket = new WebSocket(`ws://127.0.0.1:${proxy.port}/chat`);
  const messages: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    socket.onopen = () => socket.send("one");
    socket.onmessage = (event) => {
      messages.push(event.data);
      if (messages.length === 1) socket.send("two");
      else socket.close();
    };
    socket.onclose = () => resolve();
    socket.onerror = (event) =>
      reject(new Error(`WebSocket error: ${(event as ErrorEvent).message}`));
  });
  await done;
  assert.deepEqual(messages, ["echo one", "echo two"]);
  assert.equal(up.seen[0].headers.get("upgrade"), "websocket");
});

Deno.test("proxy_pass: server-sent events reach the client as they are sent", async () => {
  // The upstream sends event n+1 only once the client has event n. A proxy that held events
  // back (buffered the reply, to its end or to some size) would never get the next one: the
  // client's read then waits in vain and fails at the cap below, whatever the host's speed.
  const got = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
  await using up = upstream("sse", () => {
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (n > 0) await got[n - 1].promise;
        controller.enqueue(new TextEncoder().encode(`data: ${++n}\n\n`));
        if (n === 3) controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
`)));
  const abort = new AbortController();
  let text = "";
  try {
    const response = await within(
      fetch(`http://127.0.0.1:${proxy.port}/events`, { signal: abort.signal }),
      10_000,
      "the reply held back",
    );
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    for (let n = 1; n <= 3; n++) {
      while (!text.includes(`data: ${n}\n\n`)) {
        const chunk = await within(reader.read(), 10_000, `event ${n} held back; got ${text}`);
        assert.ok(!chunk.done, `the stream ended before event ${n}; got ${text}`);
        text += decoder.decode(chunk.value, { stream: true });
      }
      got[n - 1]?.resolve();
    }
    while (true) {
      const chunk = await within(reader.read(), 10_000, `the end held back; got ${text}`);
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    assert.equal(text, "data: 1\n\ndata: 2\n\ndata: 3\n\n");
  } finally {
    for (const gate of got) gate.resolve();
    abort.abort();
  }
});

Deno.test("proxy_pass: 1 GiB each way streams with flat memory", async () => {
  const SIZE = 1024 * 1024 * 1024;
  await using up = upstream("big", async (req) => {
    if (req.method === "PUT") {
      let total = 0;
      for await (const chunk of req.body!) total += chunk.length;
      return new Response(String(total));
    }
    const block = new Uint8Array(1024 * 1024).fill(120);
    let sent = 0;
    return new Response(
      new ReadableStream({
        pull(controller) {
          if (sent >= SIZE) return controller.close();
          controller.enqueue(block);
          sent += block.length;
        },
      }),
      { headers: { "content-length": String(SIZE) } },
    );
  });
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
client_max_body_size = 0
`)));
  const rss = () => {
    const status = Deno.readTextFileSync(`/proc/${proxy.cli.child.pid}/status`);
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
  };
  const before = rss();
  const response = await fetch(`http://127.0.0.1:${proxy.port}/download`);
  let received = 0;
  for await (const chunk of response.body!) received += chunk.length;
  assert.equal(received, SIZE);
  const block = new Uint8Array(1024 * 1024).fill(121);
  let sent = 0;
  const upload = await fetch(`http://127.0.0.1:${proxy.port}/upload`, {
    method: "PUT",
    headers: { "content-length": String(SIZE) },
    body: new ReadableStream({
      pull(controller) {
        if (sent >= SIZE) return controller.close();
        controller.enqueue(block);
        sent += block.length;
      },
    }),
  });
  assert.equal(await upload.text(), String(SIZE));
  const grown = rss() - before;
  assert.ok(grown < 64 * 1024 * 1024, `the proxy grew by ${(grown / 1048576).toFixed(1)} MiB`);
});

// The demo's last step, through the proxy: `GET / HTTP/1.0` on a raw socket.
Deno.test("proxy_pass: GET / HTTP/1.0 on a raw socket gets the upstream's page", async () => {
  await using up = upstream("talk");
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
`)));
  const { text, closedByServer } = await rawExchange(proxy.port, "GET / HTTP/1.0\r\n\r\n");
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /\r\n\r\ntalk GET \/ 0$/);
  assert.equal(closedByServer, true);
  void root;
});

Deno.test("set_real_ip_from: a trusted proxy's X-Forwarded-For names the client", async () => {
  await using up = upstream("ip");
  await using proxy = await startProxy(config(`
[[server]]
listen = "127.0.0.1:0"
set_real_ip_from = ["127.0.0.0/8", "10.0.0.0/8"]
real_ip_recursive = true
[[server.location]]
match = "/ip"
return = "200 $remote_addr"
[[server.location]]
match = "/up"
proxy_pass = "http://127.0.0.1:${up.port}"
`));
  const ip = (xff: string) => request(proxy.port, "/ip", { headers: { "x-forwarded-for": xff } });
  assert.equal((await ip("198.51.100.7")).body, "198.51.100.7");
  assert.equal((await ip("198.51.100.7, 10.1.2.3")).body, "198.51.100.7");
  assert.equal((await ip("not an address")).body, "127.0.0.1");
  await request(proxy.port, "/up", { headers: { "x-forwarded-for": "203.0.113.5" } });
  assert.equal(up.seen[0].headers.get("x-forwarded-for"), "203.0.113.5, 203.0.113.5");
});

Deno.test("health_check: a failing server is taken out after `fall` checks and back after `rise`", async () => {
  let sick = false;
  await using a = upstream(
    "a",
    (_req, seen) =>
      seen.target === "/health"
        ? new Response(sick ? "no" : "ok", { status: sick ? 503 : 200 })
        : new Response("a"),
  );
  await using b = upstream("b", () => new Response("b"));
  await using proxy = await startProxy(config(`
[upstream.app]
server = ["127.0.0.1:${a.port}", "127.0.0.1:${b.port}"]
health_check = { interval = "100ms", path = "/health", rise = 2, fall = 2 }
${
    server(`
[[server.location]]
match = "/"
proxy_pass = "http://app"
`)
  }`));
  const names = async (n: number) => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add((await request(proxy.port, "/x")).body);
    return [...seen].sort();
  };
  assert.deepEqual(await names(6), ["a", "b"]);
  sick = true;
  await proxy.cli.waitFor(/server 127\.0\.0\.1:\d+ is unhealthy: GET \/health: status 503/, 5_000);
  assert.deepEqual(await names(6), ["b"]);
  sick = false;
  await proxy.cli.waitFor(/server 127\.0\.0\.1:\d+ is healthy again/, 5_000);
  assert.deepEqual(await names(6), ["a", "b"]);
  // Every server is checked, and the checks identify themselves.
  const check = b.seen.find((s) => s.target === "/health");
  assert.equal(check?.headers.get("user-agent"), "ngw2f-health-check");
});

/** A named upstream in its own process, which the test may kill. */
async function upstreamProcess(name: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/tests/fixtures/named_upstream.ts`, name],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + 10_000;
  while (!/listening (\d+)/.test(text) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const port = Number(/listening (\d+)/.exec(text)?.[1]);
  if (!port) throw new Error(`The upstream ${name} did not start: ${text}`);
  reader.releaseLock();
  return {
    port,
    kill() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    },
    async [Symbol.asyncDispose]() {
      this.kill();
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

Deno.test("proxy_pass: an upstream killed mid-run fails no idempotent request", async () => {
  await using a = await upstreamProcess("a");
  await using b = await upstreamProcess("b");
  await using proxy = await startProxy(config(
    `
[upstream.app]
server = ["127.0.0.1:${a.port} max_fails=1 fail_timeout=30s", "127.0.0.1:${b.port}"]
${
      server(`
[[server.location]]
match = "/"
proxy_pass = "http://app"
`)
    }`,
    2,
  ));
  const statuses = new Map<number, number>();
  const served = { a: 0, b: 0 };
  let sent = 0;
  const client = async () => {
    while (sent < 400) {
      const i = sent++;
      if (i === 150) a.kill();
      const response = await request(proxy.port, `/${i}`);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 200) served[response.body.split(" ")[0] as "a" | "b"]++;
    }
  };
  await Promise.all([client(), client(), client(), client()]);
  assert.deepEqual([...statuses], [[200, 400]]);
  assert.ok(served.a > 20 && served.b > 200, JSON.stringify(served));
});

Deno.test("proxy_pass: a WebSocket stays open across a reload until worker_shutdown_timeout", async () => {
  await using up = upstream("ws", (req, seen) => {
    if (req.headers.get("upgrade") !== "websocket") return new Response(`plain ${seen.target}`);
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onmessage = (event) => socket.send(`echo ${event.data}`);
    return response;
  });
  await using proxy = await startProxy(config(`worker_shutdown_timeout = "2s"
${
    server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
`)
  }`));
  const socket = new WebSocket(`ws://127.0.0.1:${proxy.port}/chat`);
  const messages: string[] = [];
  let closedAt = 0;
  const closed = new Promise<void>((resolve) =>
    socket.onclose = () => {
      closedAt = Date.now();
      resolve();
    }
  );
  let next: (text: string) => void = () => {};
  socket.onmessage = (event) => {
    messages.push(event.data);
    next(event.data);
  };
  const echo = (text: string) =>
    new Promise<string>((resolve) => {
      next = resolve;
      socket.send(text);
    });
  await new Promise((resolve) => socket.onopen = resolve);
  assert.equal(await echo("before"), "echo before");
  proxy.cli.child.kill("SIGHUP");
  await proxy.cli.waitFor("Reload done: generation 2 serving");
  const reloaded = Date.now();
  assert.equal(await echo("after"), "echo after", "the tunnel outlives the reload");
  // New requests go to the new worker meanwhile.
  assert.equal((await request(proxy.port, "/x")).body, "plain /x");
  await closed;
  const open = closedAt - reloaded;
  assert.ok(open >= 1000 && open < 6000, `closed ${open} ms after the reload`);
});

Deno.test("proxy_pass: a silent WebSocket is closed after proxy_read_timeout", async () => {
  await using up = upstream("ws", (req) => Deno.upgradeWebSocket(req).response);
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
proxy_read_timeout = "1s"
`)));
  // Counted from before the connection: the proxy's read deadline starts after the upgrade, so
  // the close can only come a whole timeout later (less a tick of the proxy's coarse clock).
  const started = Date.now();
  const socket = new WebSocket(`ws://127.0.0.1:${proxy.port}/idle`);
  await new Promise((resolve) => socket.onopen = resolve);
  await new Promise((resolve) => socket.onclose = resolve);
  const took = Date.now() - started;
  assert.ok(took >= 800 && took < 4000, `closed after ${took} ms`);
});

Deno.test("proxy_timeout: a deadline for the whole upstream exchange gives 504", async () => {
  // The upstream answers only when the test releases it, after the 504: any answer is late.
  const release = Promise.withResolvers<void>();
  await using up = upstream("slow", async () => {
    await release.promise;
    return new Response("late");
  });
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
proxy_read_timeout = "10s"
proxy_timeout = "1s"
error_page = ["504 /busy.txt"]
[[server.location]]
match = "= /busy.txt"
return = "200 busy, try again"
`)));
  try {
    const started = Date.now();
    const response = await request(proxy.port, "/slow");
    const took = Date.now() - started;
    assert.equal(response.status, 504);
    assert.equal(response.body, "busy, try again", "the 504 goes through error_page");
    // proxy_read_timeout (10 s) and the request helper's 5 s cap are far off: proxy_timeout
    // = "1s" fired, with room for a slow host.
    assert.ok(took >= 800 && took < 4000, `504 after ${took} ms`);
  } finally {
    release.resolve();
  }
});

Deno.test("proxy_hide_header, proxy_pass_header and proxy_redirect rules shape the reply", async () => {
  await using up = upstream("h", () =>
    new Response("moved", {
      status: 301,
      headers: {
        location: "http://internal:9000/app/login",
        refresh: "5; url=http://internal:9000/app/home",
        "x-powered-by": "flask",
        "x-accel-buffering": "no",
        server: "gunicorn",
      },
    }));
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${up.port}"
proxy_hide_header = ["X-Powered-By"]
proxy_pass_header = ["Server"]
proxy_redirect = ["http://internal:9000/app/ https://$host/"]
`)));
  const response = await request(proxy.port, "/", { host: "example.test" });
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), "https://example.test/login");
  assert.equal(response.headers.get("refresh"), "5; url=https://example.test/home");
  assert.equal(response.headers.get("x-powered-by"), undefined);
  assert.equal(response.headers.get("x-accel-buffering"), undefined);
  assert.equal(response.headers.get("server"), "gunicorn", "proxy_pass_header lets it through");
});

Deno.test("proxy_forwarded off passes the client's forwarding fields; proxy_set_header replaces ours", async () => {
  await using up = upstream("f");
  await using proxy = await startProxy(config(server(`
[[server.location]]
match = "/off/"
proxy_pass = "http://127.0.0.1:${up.port}"
proxy_forwarded = false
[[server.location]]
match = "/set/"
proxy_pass = "http://127.0.0.1:${up.port}"
proxy_set_header = { X-Forwarded-For = "$remote_addr", X-Forwarded-Proto = "https" }
`)));
  const headers = { "x-forwarded-for": "198.51.100.1", "x-forwarded-proto": "https" };
  await request(proxy.port, "/off/", { headers });
  await request(proxy.port, "/set/", { headers });
  const [off, set] = up.seen.map((s) => s.headers);
  assert.equal(off.get("x-forwarded-for"), "198.51.100.1");
  assert.equal(off.get("x-forwarded-proto"), "https");
  assert.equal(off.get("forwarded"), null);
  assert.equal(set.get("x-forwarded-for"), "127.0.0.1", "one field, the configured value");
  assert.equal(set.get("x-forwarded-proto"), "https");
  assert.equal(set.get("forwarded"), "for=127.0.0.1;proto=http;host=localhost");
});
