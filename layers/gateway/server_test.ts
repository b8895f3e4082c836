// Tests of the reference server over real sockets: the context apps receive, errors, timeouts,
// client aborts, lifespan and graceful shutdown, unix sockets and the access log.
// Request parsing, body framing and response framing are in server_protocol_test.ts.

import assert from "node:assert/strict";
import {
  delay,
  RawConn,
  type RawResponse,
  recorder,
  utf8,
  within,
  withServer,
} from "./_test_http.ts";
import { HaltError } from "./errors.ts";
import { serve } from "./server.ts";
import type { App, AppObject, Context, LifespanContext } from "./types.ts";

const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

// The context

const describe: App = (request, ctx) =>
  Response.json({
    url: request.url,
    remoteAddr: ctx.remoteAddr,
    serverAddr: ctx.serverAddr,
    protocol: ctx.protocol,
    scheme: ctx.scheme,
    serverName: ctx.serverName,
    rootPath: ctx.rootPath,
    workerId: ctx.workerId,
    workerCount: ctx.workerCount,
    state: ctx.state.size,
    aborted: ctx.signal.aborted,
  });

Deno.test("serve() gives the app a context describing the connection", async () => {
  const options = { rootPath: "/mount", workerId: 2, workerCount: 3 };
  await withServer(describe, options, async ({ request, port }) => {
    const response = await request(
      "GET /mount/p?q=1 HTTP/1.1\r\nHost: example.test:8080\r\n\r\n",
    );
    const ctx = JSON.parse(response.text);
    assert.equal(ctx.url, "http://example.test:8080/mount/p?q=1");
    assert.equal(ctx.remoteAddr.transport, "tcp");
    assert.equal(ctx.remoteAddr.hostname, "127.0.0.1");
    assert.ok(ctx.remoteAddr.port > 0 && ctx.remoteAddr.port !== port);
    assert.deepEqual(ctx.serverAddr, { transport: "tcp", hostname: "127.0.0.1", port });
    assert.equal(ctx.protocol, "HTTP/1.1");
    assert.equal(ctx.scheme, "http");
    assert.equal(ctx.serverName, "127.0.0.1");
    assert.equal(ctx.rootPath, "/mount");
    assert.equal(ctx.workerId, 2);
    assert.equal(ctx.workerCount, 3);
    assert.equal(ctx.state, 0);
    assert.equal(ctx.aborted, false);
  });
});

Deno.test("serve() builds request.url from the listen address for HTTP/1.0 without Host", async () => {
  await withServer(describe, { serverName: "api.local" }, async ({ request, port }) => {
    const old = JSON.parse((await request("GET /x?y=1 HTTP/1.0\r\n\r\n")).text);
    assert.equal(old.url, `http://127.0.0.1:${port}/x?y=1`);
    assert.equal(old.protocol, "HTTP/1.0");
    assert.equal(old.serverName, "api.local");
    const withHost = JSON.parse((await request("GET /x HTTP/1.0\r\nHost: h.test\r\n\r\n")).text);
    assert.equal(withHost.url, "http://h.test/x");
    const absolute = await request("GET http://abs.test/z HTTP/1.1\r\nHost: h.test\r\n\r\n");
    assert.equal(JSON.parse(absolute.text).url, "http://abs.test/z");
  });
});

// App errors

Deno.test("serve() answers 500 when the app throws, logs the stack, and keeps serving", async () => {
  const app: App = (request) => {
    if (request.url.endsWith("/boom")) throw new Error("kaboom");
    return new Response("fine");
  };
  await withServer(app, {}, async ({ open, lines }) => {
    const client = await open();
    await client.write("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
    const response = await client.readResponse();
    assert.equal(response.status, 500);
    assert.equal(response.text, "Internal Server Error\n");
    assert.doesNotMatch(response.text, /kaboom/);
    const logged = lines.find((line) => line.includes("Error handling GET http://x/boom"));
    assert.ok(logged, lines.join("\n"));
    assert.match(logged, /\nError: kaboom\n\s+at /);
    // Same connection, next request.
    await client.write(GET);
    assert.equal((await client.readResponse()).text, "fine");
  });
});

Deno.test("serve() answers 500 and logs when the app returns something other than a Response", async () => {
  const app =
    ((request: Request) =>
      request.url.endsWith("/string") ? "just text" : undefined) as unknown as App;
  await withServer(app, {}, async ({ request, lines }) => {
    for (const [path, kind] of [["/string", "string"], ["/none", "undefined"]]) {
      const response = await request(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal(response.status, 500);
      assert.ok(
        lines.some((line) => line.includes(`it returned ${kind}, not a Response`)),
        lines.join("\n"),
      );
    }
  });
});

// Timeouts

Deno.test("serve() closes an idle keep-alive connection after keepAliveTimeout", async () => {
  await withServer(() => new Response("ok"), { keepAliveTimeout: 0.3 }, async ({ open }) => {
    const client = await open();
    // The clock starts before the request: the server arms its idle timer only after it has
    // answered, so at least the whole keepAliveTimeout passes between `start` and the close.
    const start = Date.now();
    await client.write(GET);
    assert.equal((await client.readResponse()).status, 200);
    await client.expectClosed(2000);
    const waited = Date.now() - start;
    assert.ok(waited >= 250 && waited < 1500, `closed after ${waited}ms`);
    // A connection that never sends a byte gets the same treatment.
    const silent = await open();
    await silent.expectClosed(2000);
  });
});

Deno.test("serve() closes a connection whose head never completes (slowloris)", async () => {
  let calls = 0;
  const app: App = () => (calls++, new Response("ok"));
  const options = { headerTimeout: 0.3, keepAliveTimeout: 5 };
  await withServer(app, options, async ({ open }) => {
    const partial = await open();
    const start = Date.now();
    await partial.write("GET / HTTP/1.1\r\nHost: x\r\n");
    await partial.expectClosed(2000);
    const waited = Date.now() - start;
    assert.ok(waited >= 200 && waited < 1500, `closed after ${waited}ms`);
    // Dribbling a byte at a time does not reset the head's deadline.
    const dribbler = await open();
    let stop = false;
    const dribble = (async () => {
      for (const c of "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "z".repeat(100)) {
        if (stop) break;
        await dribbler.write(c).catch(() => stop = true);
        await delay(20);
      }
    })();
    try {
      await dribbler.expectClosed(2000);
    } finally {
      stop = true;
      await dribble;
    }
    assert.equal(calls, 0);
  });
});

// The client going away

Deno.test("serve() aborts ctx.signal and cancels the body when the client leaves mid-stream", async () => {
  let timer: ReturnType<typeof setInterval> | undefined;
  const aborted = Promise.withResolvers<unknown>();
  const cancelled = Promise.withResolvers<void>();
  let completed: Promise<unknown> | undefined;
  const app: App = (_request, ctx) => {
    ctx.signal.addEventListener("abort", () => aborted.resolve(ctx.signal.reason));
    completed = ctx.completed.then(() => "sent", (error) => error);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        timer = setInterval(() => controller.enqueue(utf8("tick\n".repeat(100))), 10);
      },
      cancel() {
        clearInterval(timer);
        cancelled.resolve();
      },
    });
    return new Response(body);
  };
  try {
    await withServer(app, {}, async ({ open }) => {
      const client = await open();
      await client.write(GET);
      const head = await client.readHead();
      assert.equal(head.header("transfer-encoding"), "chunked");
      client.close();
      const reason = await within(aborted.promise, 2000, "ctx.signal abort");
      assert.ok(reason instanceof Deno.errors.ConnectionReset, String(reason));
      await within(cancelled.promise, 2000, "body cancel");
      const outcome = await within(completed!, 2000, "ctx.completed");
      assert.ok(outcome instanceof Deno.errors.Interrupted, String(outcome));
    });
  } finally {
    clearInterval(timer);
  }
});

// Lifespan and graceful shutdown

Deno.test("serve() runs startup() before answering the first request", async () => {
  let lifespan: LifespanContext | undefined;
  let ready = false;
  let early: Promise<RawResponse> | undefined;
  const app: AppObject = {
    async startup(ctx) {
      lifespan = ctx;
      // A client that connects during startup waits for it to finish.
      early = RawConn.open(ctx.serverAddrs[0]).then(async (client) => {
        try {
          await client.write(GET);
          return await client.readResponse();
        } finally {
          client.close();
        }
      });
      await delay(100);
      ready = true;
    },
    fetch: () => new Response(`ready=${ready}`),
  };
  await withServer(app, { workerId: 2, workerCount: 2 }, async ({ server, request }) => {
    assert.equal(lifespan?.workerId, 2);
    assert.equal(lifespan?.workerCount, 2);
    assert.deepEqual(lifespan?.serverAddrs, server.addrs);
    assert.equal(typeof lifespan?.log.info, "function");
    assert.equal((await early!).text, "ready=true");
    assert.equal((await request(GET)).text, "ready=true");
  });
});

Deno.test("serve() rejects with a HaltError and frees the port when startup() throws", async () => {
  let port = 0;
  const failure = new Error("no database");
  const app: AppObject = {
    startup(ctx) {
      port = (ctx.serverAddrs[0] as Deno.NetAddr).port;
      throw failure;
    },
    fetch: () => new Response("never"),
  };
  const { log } = recorder();
  await assert.rejects(serve(app, { bind: "127.0.0.1:0", log, accessLog: null }), (error) => {
    assert.ok(error instanceof HaltError);
    assert.equal(error.exitCode, 3);
    assert.equal(error.cause, failure);
    assert.match(error.message, /startup\(\) failed: no database/);
    return true;
  });
  assert.ok(port > 0);
  const again = Deno.listen({ hostname: "127.0.0.1", port });
  again.close();
});

Deno.test("serve() rejects with a HaltError when it cannot bind", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { log } = recorder();
    const bind = `127.0.0.1:${taken.addr.port}`;
    await assert.rejects(serve(() => new Response(), { bind, log }), (error) => {
      assert.ok(error instanceof HaltError);
      assert.equal(error.exitCode, 3);
      assert.match(error.message, new RegExp(`Cannot listen on "${bind}"`));
      return true;
    });
  } finally {
    taken.close();
  }
});

Deno.test("serve() lets requests in flight finish before shutdown() runs the app's shutdown", async () => {
  const events: string[] = [];
  const entered = Promise.withResolvers<void>();
  const proceed = Promise.withResolvers<void>();
  const app: AppObject = {
    async fetch(request) {
      if (request.url.endsWith("/idle")) return new Response("idle");
      events.push("request");
      entered.resolve();
      // Still running when the shutdown begins: it answers only once the test saw the drain.
      await proceed.promise;
      let n = 0;
      return new Response(
        new ReadableStream({
          async pull(controller) {
            await delay(30);
            if (n++ < 3) controller.enqueue(utf8(`part${n} `));
            else {
              events.push("body sent");
              controller.close();
            }
          },
        }),
      );
    },
    shutdown() {
      events.push("app.shutdown");
    },
  };
  await withServer(app, {}, async ({ server, open, port }) => {
    // An idle keep-alive connection: the shutdown closes it only after closing the listener, in
    // the same pass that marks the request in flight as the connection's last.
    const idle = await open();
    await idle.write("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((await idle.readResponse()).text, "idle");
    const client = await open();
    await client.write(GET);
    await entered.promise;
    const stopped = server.shutdown().then(() => events.push("shutdown() resolved"));
    // The listener closes after its next accept, or after 100 ms when nothing arrives; then
    // the idle connection is closed. From then on new connections are refused.
    await idle.expectClosed(2000);
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
    proceed.resolve();
    const response = await client.readResponse();
    assert.equal(response.status, 200);
    assert.equal(response.text, "part1 part2 part3 ");
    assert.equal(response.header("connection"), "close");
    await within(stopped, 3000, "shutdown()");
    await within(server.finished, 100, "server.finished");
    assert.deepEqual(events, ["request", "body sent", "app.shutdown", "shutdown() resolved"]);
  });
});

Deno.test("serve() closes idle keep-alive connections at shutdown without waiting", async () => {
  await withServer(() => new Response("ok"), { keepAliveTimeout: 30 }, async ({ server, open }) => {
    const client = await open();
    await client.write(GET);
    assert.equal((await client.readResponse()).status, 200);
    const start = Date.now();
    await within(server.shutdown(), 1000, "shutdown()");
    await client.expectClosed(1000);
    assert.ok(Date.now() - start < 1000);
  });
});

Deno.test("serve() cuts requests still running after gracefulTimeout", async () => {
  let signal: AbortSignal | undefined;
  const app: App = async (_request, ctx) => {
    signal = ctx.signal;
    await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
    return new Response("too late");
  };
  await withServer(app, { gracefulTimeout: 0.3 }, async ({ server, open, lines }) => {
    const client = await open();
    await client.write(GET);
    while (!signal) await delay(5);
    await within(server.shutdown(), 2000, "shutdown()");
    assert.equal(signal.aborted, true);
    assert.ok(lines.some((line) => line.includes("Cutting a request still running after 0.3s")));
    await client.expectClosed(1000);
  });
});

Deno.test("serve() waits for ctx.waitUntil() promises before the app's shutdown", async () => {
  const events: string[] = [];
  let queued = 0;
  const app: AppObject = {
    fetch(request: Request, ctx: Context) {
      queued = Date.now();
      ctx.waitUntil(delay(300).then(() => events.push("work done")));
      if (request.url.endsWith("/fail")) ctx.waitUntil(Promise.reject(new Error("lost work")));
      return new Response("queued");
    },
    shutdown() {
      events.push("app.shutdown");
    },
  };
  await withServer(app, {}, async ({ server, request, lines }) => {
    assert.equal((await request("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n")).text, "queued");
    await within(server.shutdown(), 3000, "shutdown()");
    // Measured from when the work was queued (its 300 ms began then, before the answer left).
    const waited = Date.now() - queued;
    assert.ok(queued > 0 && waited >= 290, `shutdown() resolved ${waited}ms after the work began`);
    assert.deepEqual(events, ["work done", "app.shutdown"]);
    assert.ok(lines.some((line) => /A waitUntil\(\) promise failed\nError: lost work/.test(line)));
  });
});

Deno.test("serve() shuts down when its signal aborts", async () => {
  const controller = new AbortController();
  let stopped = false;
  const app: AppObject = { fetch: () => new Response("ok"), shutdown: () => void (stopped = true) };
  await withServer(app, { signal: controller.signal }, async ({ server, request }) => {
    assert.equal((await request(GET)).status, 200);
    controller.abort();
    await within(server.finished, 2000, "server.finished");
    assert.equal(stopped, true);
  });
});

// Unix sockets

const socketPath = () => `/tmp/ngw2f-test-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.sock`;
const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

Deno.test("serve() listens on a unix socket and removes it at shutdown", async () => {
  const path = socketPath();
  const app: App = (request, ctx) =>
    new Response(`${ctx.remoteAddr.transport} ${ctx.serverName} ${request.url}`);
  await withServer(app, { bind: `unix:${path}` }, async ({ server, request }) => {
    assert.deepEqual(server.addrs, [{ transport: "unix", path }]);
    assert.equal(await exists(path), true);
    const response = await request("GET /u HTTP/1.1\r\nHost: app.test\r\n\r\n");
    assert.equal(response.text, "unix localhost http://app.test/u");
    assert.equal(
      (await request("GET /old HTTP/1.0\r\n\r\n")).text,
      "unix localhost http://localhost/old",
    );
  });
  assert.equal(await exists(path), false);
});

Deno.test("serve() replaces a stale unix socket file but not a live one", async () => {
  const path = socketPath();
  // A socket file nobody listens on, as a crashed server leaves behind (closing a unix listener
  // in Deno removes its file; closing a bound datagram socket does not).
  Deno.listenDatagram({ transport: "unixpacket", path }).close();
  try {
    assert.equal(await exists(path), true);
    await assert.rejects(Deno.connect({ transport: "unix", path }));
    await withServer(() => new Response("fresh"), { bind: `unix:${path}` }, async (t) => {
      assert.equal((await t.request(GET)).text, "fresh");
      // A second server on the same path fails and leaves the live one alone.
      await assert.rejects(serve(() => new Response(), { bind: `unix:${path}` }), (error) => {
        assert.ok(error instanceof HaltError);
        assert.equal(error.exitCode, 3);
        assert.match(error.message, /in use by a live server/);
        return true;
      });
      assert.equal((await t.request(GET)).text, "fresh");
    });
  } finally {
    await Deno.remove(path).catch(() => {});
  }
});

// The access log

Deno.test("serve() writes one combined-format access log line per request", async () => {
  const access = recorder();
  const app: App = (request) =>
    request.method === "POST" ? new Response("nope\n", { status: 404 }) : new Response(
      new ReadableStream({
        start(controller) {
          controller.enqueue(utf8("hel"));
          controller.enqueue(utf8("lo"));
          controller.close();
        },
      }),
    );
  await withServer(app, { accessLog: access.log }, async ({ open }) => {
    const client = await open();
    await client.write(
      "GET /a?x=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: raw-test/1\r\nReferer: http://ref.test/\r\n\r\n",
    );
    assert.equal((await client.readResponse()).text, "hello");
    await client.write("POST /b HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi");
    assert.equal((await client.readResponse()).status, 404);
  });
  const time = String.raw`\[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\]`;
  assert.equal(access.lines.length, 2, access.lines.join("\n"));
  assert.match(
    access.lines[0],
    new RegExp(
      `^127\\.0\\.0\\.1 - - ${time} "GET /a\\?x=1 HTTP/1\\.1" 200 5 "http://ref\\.test/" "raw-test/1"$`,
    ),
  );
  assert.match(
    access.lines[1],
    new RegExp(`^127\\.0\\.0\\.1 - - ${time} "POST /b HTTP/1\\.0" 404 5 "-" "-"$`),
  );
});
