import assert from "node:assert/strict";
import { testContext } from "./test_context.ts";
import { createLogger, type Logger } from "./logger.ts";
import type { App, Context } from "./types.ts";
import { validate, ValidationError } from "./validate.ts";

const get = (path = "/", init?: RequestInit) => new Request(`http://localhost${path}`, init);

/** A response whose status getter is shadowed: real Responses refuse 1xx and 600+. */
function withStatus(response: Response, status: number): Response {
  Object.defineProperty(response, "status", { value: status });
  return response;
}

function recorder(): { lines: string[]; log: Logger } {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: "debug", bare: true, write: (l) => lines.push(l) }) };
}

/** Runs `app` under validate() and returns the ValidationError it must throw. */
async function rejection(
  app: App,
  request = get(),
  ctx: Context = testContext(),
): Promise<ValidationError> {
  const error = await Promise.resolve(validate(app).fetch(request, ctx)).then(
    () => assert.fail("expected a ValidationError"),
    (error: unknown) => error,
  );
  assert(error instanceof ValidationError, `expected a ValidationError, got ${error}`);
  return error;
}

async function appViolations(app: App, request = get()): Promise<string[]> {
  const error = await rejection(app, request);
  assert.equal(error.side, "app");
  assert.equal(error.message, `Gateway contract broken by the app: ${error.violations.join("; ")}`);
  return error.violations;
}

async function serverViolations(ctx: Context, request = get()): Promise<string[]> {
  let called = false;
  const error = await rejection(
    () => {
      called = true;
      return new Response("ok");
    },
    request,
    ctx,
  );
  assert.equal(error.side, "server");
  assert.equal(called, false, "the app must not run after a server-side violation");
  return error.violations;
}

/** A hand-made ctx: a real one's fields with `overrides`, unchecked by the type system. */
function handMade(overrides: Record<string, unknown>): Context {
  const base = testContext();
  return {
    ...base,
    signal: base.signal,
    scheme: base.scheme,
    state: base.state,
    waitUntil: base.waitUntil,
    ...overrides,
  } as Context;
}

function streamOf(...chunks: unknown[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk as Uint8Array);
      controller.close();
    },
  });
}

Deno.test("validate() passes a good app's response through unchanged", async () => {
  const bytes = new Uint8Array([0, 1, 2, 250, 255]);
  const app = validate(() =>
    new Response(streamOf(bytes.slice(0, 2), bytes.slice(2)), {
      status: 201,
      statusText: "Made",
      headers: { "content-type": "application/octet-stream", "content-length": "5", "x-a": "b" },
    })
  );
  const response = await app.fetch(get(), testContext());
  assert.equal(response.status, 201);
  assert.equal(response.statusText, "Made");
  assert.deepEqual([...response.headers], [
    ["content-length", "5"],
    ["content-type", "application/octet-stream"],
    ["x-a", "b"],
  ]);
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);
});

Deno.test("validate() keeps the inner app's startup and shutdown", async () => {
  const calls: string[] = [];
  const app = validate({
    fetch: () => new Response("ok"),
    startup: () => void calls.push("startup"),
    shutdown: () => void calls.push("shutdown"),
  });
  await app.startup?.({ workerId: 1, workerCount: 1, serverAddrs: [], log: recorder().log });
  await app.shutdown?.();
  assert.deepEqual(calls, ["startup", "shutdown"]);
});

Deno.test("validate() accepts body-less responses without a content-type", async () => {
  const app = validate((request) =>
    request.method === "HEAD"
      ? new Response(null, { headers: { "content-length": "12" } })
      : Response.redirect("http://localhost/elsewhere", 302)
  );
  assert.equal((await app.fetch(get(), testContext())).status, 302);
  const head = await app.fetch(get("/", { method: "HEAD" }), testContext());
  assert.equal(head.headers.get("content-length"), "12");
  const noContent = await validate(() => new Response(null, { status: 204 })).fetch(
    get(),
    testContext(),
  );
  assert.equal(noContent.status, 204);
});

Deno.test("validate() reports an app that returns no Response", async () => {
  assert.deepEqual(await appViolations(() => undefined as unknown as Response), [
    "the app returned undefined, not a Response",
  ]);
  assert.deepEqual(await appViolations(() => Promise.resolve("hi" as unknown as Response)), [
    "the app resolved to a string, not a Response",
  ]);
  assert.deepEqual(await appViolations(() => ({ status: 200 }) as unknown as Response), [
    "the app returned a plain object, not a Response",
  ]);
});

Deno.test("validate() reports the same Response object returned twice", async () => {
  const shared = new Response(null, { status: 204 });
  const app = validate(() => shared);
  assert.equal(await app.fetch(get(), testContext()), shared);
  await assert.rejects(
    async () => await app.fetch(get(), testContext()),
    new ValidationError("app", [
      "the app returned the same Response object twice (a body can be used once)",
    ]),
  );
});

Deno.test("validate() reports a response whose body is already used", async () => {
  const response = new Response("spent");
  await response.text();
  assert.deepEqual(await appViolations(() => response), ["response body is already used"]);
});

Deno.test("validate() reports status 101 when the request asked for no Upgrade", async () => {
  const upgrade = () => withStatus(new Response(null, { headers: { upgrade: "websocket" } }), 101);
  assert.deepEqual(await appViolations(upgrade), [
    "response status is 101 but the request asked for no Upgrade",
  ]);
  const asked = get("/", { headers: { connection: "upgrade", upgrade: "websocket" } });
  const response = await validate(upgrade).fetch(asked, testContext());
  assert.equal(response.status, 101);
});

Deno.test("validate() reports a status outside 200..599", async () => {
  assert.deepEqual(await appViolations(() => withStatus(new Response(null), 100)), [
    "response status 100 is not an integer from 200 to 599",
  ]);
  assert.deepEqual(await appViolations(() => withStatus(new Response("x"), 600)), [
    "response status 600 is not an integer from 200 to 599",
  ]);
});

Deno.test("validate() reports a hop-by-hop header from the app", async () => {
  for (const name of ["connection", "keep-alive", "proxy-connection", "transfer-encoding"]) {
    const app = () => new Response("x", { headers: { [name]: "close" } });
    assert.deepEqual(await appViolations(app), [`response has hop-by-hop header "${name}"`]);
  }
  const many = () =>
    new Response("x", { headers: { te: "trailers", trailer: "x", upgrade: "h2" } });
  assert.deepEqual(await appViolations(many), [
    'response has hop-by-hop header "te"',
    'response has hop-by-hop header "trailer"',
    'response has hop-by-hop header "upgrade"',
  ]);
});

Deno.test("validate() reports a body without a content-type", async () => {
  assert.deepEqual(await appViolations(() => new Response(new Uint8Array([1]))), [
    "response with status 200 and a body has no content-type header",
  ]);
});

Deno.test("validate() reports a body on a 204, 304 or 1xx response", async () => {
  const body = () => new Response("x");
  assert.deepEqual(await appViolations(() => withStatus(body(), 204)), [
    "response with status 204 has a body; it must be null",
  ]);
  assert.deepEqual(await appViolations(() => withStatus(body(), 304)), [
    "response with status 304 has a body; it must be null",
  ]);
  const upgrade = get("/", { headers: { upgrade: "websocket" } });
  assert.deepEqual(await appViolations(() => withStatus(body(), 101), upgrade), [
    "response with status 101 has a body; it must be null",
  ]);
});

Deno.test("validate() reports a content-length that is not a non-negative integer", async () => {
  for (const value of ["-1", "1.5", "ten", "2, 2"]) {
    const app = () => new Response("hi", { headers: { "content-length": value } });
    assert.deepEqual(await appViolations(app), [
      `response has content-length ${JSON.stringify(value)}, not a non-negative integer`,
    ]);
  }
});

Deno.test("validate() reports a content-length on a body-less response", async () => {
  const app = () => new Response(null, { headers: { "content-length": "3" } });
  assert.deepEqual(await appViolations(app), [
    "response has content-length 3 but no body (0 bytes)",
  ]);
});

Deno.test("validate() errors the body stream when it is shorter than content-length", async () => {
  const app = validate(() => new Response("hi", { headers: { "content-length": "5" } }));
  const response = await app.fetch(get(), testContext());
  await assert.rejects(
    response.text(),
    new ValidationError("app", ["response body is 2 bytes but its content-length is 5"]),
  );
});

Deno.test("validate() errors the body stream when it is longer than content-length", async () => {
  const text = new TextEncoder().encode("hello");
  const app = validate(() =>
    new Response(streamOf(text, text), {
      headers: { "content-type": "text/plain", "content-length": "6" },
    })
  );
  const reader = (await app.fetch(get(), testContext())).body!.getReader();
  assert.deepEqual((await reader.read()).value, text);
  await assert.rejects(
    reader.read(),
    new ValidationError("app", [
      "response body is longer than its content-length 6 (10 bytes so far)",
    ]),
  );
});

Deno.test("validate() errors the body stream when a chunk is not a Uint8Array", async () => {
  for (const [chunk, kind] of [["text", "a string"], [[1, 2], "an array"]] as const) {
    const body = streamOf(new Uint8Array([1]), chunk);
    const app = validate(() => new Response(body, { headers: { "content-type": "text/plain" } }));
    const response = await app.fetch(get(), testContext());
    await assert.rejects(
      response.arrayBuffer(),
      new ValidationError("app", [`response body yielded ${kind}, not a Uint8Array`]),
    );
  }
});

Deno.test("validate() reports an app that throws a non-Error", async () => {
  const error = await rejection(() => {
    // deno-lint-ignore no-throw-literal -- the violation under test
    throw "oops";
  });
  assert.equal(
    error.message,
    "Gateway contract broken by the app: the app threw a string, not an Error",
  );
  assert.equal(error.cause, "oops");
  const rejected = await rejection(() => Promise.reject({ code: 1 }));
  assert.deepEqual(rejected.violations, ["the app threw a plain object, not an Error"]);
});

Deno.test("validate() re-throws an Error from the app unchanged", async () => {
  const boom = new RangeError("boom");
  const app = validate(() => {
    throw boom;
  });
  await assert.rejects(async () => await app.fetch(get(), testContext()), (e) => e === boom);
});

Deno.test("validate() lists every violation at a check point in one error", async () => {
  const app = () => new Response(new Uint8Array([1]), { headers: { connection: "close" } });
  assert.deepEqual(await appViolations(app), [
    'response has hop-by-hop header "connection"',
    "response with status 200 and a body has no content-type header",
  ]);
});

Deno.test("validate() in log mode logs violations instead of throwing", async () => {
  const { lines, log } = recorder();
  const app = validate(
    () => new Response(streamOf("a"), { headers: { connection: "close", "content-length": "9" } }),
    { onViolation: "log" },
  );
  const response = await app.fetch(get(), testContext({ log }));
  assert.equal(response.headers.get("connection"), "close");
  const reader = response.body!.getReader();
  assert.equal((await reader.read()).value as unknown, "a");
  assert.equal((await reader.read()).done, true);
  assert.deepEqual(lines, [
    'Gateway contract broken by the app: response has hop-by-hop header "connection"',
    "Gateway contract broken by the app: response with status 200 and a body has no " +
    "content-type header",
    "Gateway contract broken by the app: response body yielded a string, not a Uint8Array",
  ]);
});

Deno.test("validate() in log mode logs a non-Error throw and re-throws it as is", async () => {
  const { lines, log } = recorder();
  const app = validate(() => Promise.reject("nope"), { onViolation: "log" });
  await assert.rejects(
    async () => await app.fetch(get(), testContext({ log })),
    (e) => e === "nope",
  );
  assert.deepEqual(lines, [
    "Gateway contract broken by the app: the app threw a string, not an Error",
  ]);
});

Deno.test("validate() in log mode lets a bad server context through to the app", async () => {
  const { lines, log } = recorder();
  const app = validate(() => new Response("ok"), { onViolation: "log" });
  const response = await app.fetch(get(), testContext({ log, workerId: 3, workerCount: 2 }));
  assert.equal(await response.text(), "ok");
  assert.deepEqual(lines, [
    "Gateway contract broken by the server: ctx.workerId 3 is greater than ctx.workerCount 2",
  ]);
});

Deno.test("validate() reports a ctx.scheme that does not match the request URL", async () => {
  // An https URL must come with the https scheme; the reverse is a request a trusted proxy took
  // over TLS (the URL keeps the last hop's scheme).
  assert.deepEqual(
    await serverViolations(testContext({ scheme: "http" }), new Request("https://x/")),
    ['ctx.scheme is "http" but request.url is https'],
  );
  const forwarded = await validate(() =>
    new Response("ok", { headers: { "content-type": "text/plain" } })
  )
    .fetch(get(), testContext({ scheme: "https" }));
  assert.equal(forwarded.status, 200);
  await forwarded.body?.cancel();
  assert.deepEqual(await serverViolations(handMade({ scheme: "ftp" })), [
    'ctx.scheme is "ftp", not "http" or "https"',
  ]);
});

Deno.test("validate() reports a rootPath with a trailing slash", async () => {
  assert.deepEqual(await serverViolations(testContext({ rootPath: "/app/" }), get("/app/x")), [
    'ctx.rootPath "/app/" must be "" or start with "/" and not end with "/"',
  ]);
});

Deno.test("validate() reports workerId greater than workerCount", async () => {
  assert.deepEqual(await serverViolations(testContext({ workerId: 3, workerCount: 2 })), [
    "ctx.workerId 3 is greater than ctx.workerCount 2",
  ]);
  assert.deepEqual(await serverViolations(testContext({ workerId: 0, workerCount: 1.5 })), [
    "ctx.workerId is 0, not a positive integer",
    "ctx.workerCount is 1.5, not a positive integer",
  ]);
});

Deno.test("validate() reports a hand-made ctx missing its fields", async () => {
  const { log } = recorder();
  const ctx = {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1" },
    serverAddr: { transport: "unix", path: "/tmp/s.sock" },
    serverName: "",
    protocol: "HTTP/0.9",
    log,
  } as unknown as Context;
  assert.deepEqual(await serverViolations(ctx), [
    "ctx.remoteAddr has no integer port",
    "ctx.completed is undefined, not a Promise",
    'ctx.scheme is undefined, not "http" or "https"',
    'ctx.protocol is "HTTP/0.9", not HTTP/1.0, HTTP/1.1, HTTP/2 or HTTP/3',
    'ctx.serverName is "", not a non-empty string',
    "ctx.rootPath is undefined, not a string",
    "ctx.workerId is undefined, not a positive integer",
    "ctx.workerCount is undefined, not a positive integer",
    "ctx.signal is undefined, not an AbortSignal",
    "ctx.state is undefined, not a Map",
    "ctx.waitUntil is undefined, not a function",
  ]);
});

Deno.test("validate() throws in log mode when ctx.log cannot log", async () => {
  const ctx = handMade({ log: { warn: "no" } });
  const app = validate(() => new Response("ok"), { onViolation: "log" });
  await assert.rejects(
    async () => await app.fetch(get(), ctx),
    new ValidationError("server", ["ctx.log lacks a debug, info, warn or error function"]),
  );
});

Deno.test("validate() reports a non-http request URL and a used request body", async () => {
  const request = new Request("ftp://localhost/file", { method: "POST", body: "x" });
  await request.text();
  assert.deepEqual(await serverViolations(testContext(), request), [
    'request.url "ftp://localhost/file" is not an absolute http(s) URL',
    "request body is already used",
  ]);
  assert.deepEqual(await serverViolations(testContext(), "GET /" as unknown as Request), [
    "request is a string, not a Request",
  ]);
});

Deno.test("validate() in log mode survives a request that is not a Request", async () => {
  const { lines, log } = recorder();
  const app = validate(() => new Response("ok"), { onViolation: "log" });
  const response = await app.fetch("GET /" as unknown as Request, testContext({ log }));
  assert.equal(await response.text(), "ok");
  assert.deepEqual(lines, [
    "Gateway contract broken by the server: request is a string, not a Request",
  ]);
});

Deno.test("validate() serves a checked body under Deno.serve", async () => {
  const app = validate(() =>
    new Response("hello", { headers: { "content-type": "text/plain", "content-length": "5" } })
  );
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => app.fetch(request, testContext()),
  );
  try {
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
    assert.equal(await response.text(), "hello");
    assert.equal(response.headers.get("content-length"), "5");
  } finally {
    await server.shutdown();
  }
});
