import assert from "node:assert/strict";
import { testContext } from "./test_context.ts";
import {
  type BodyChunk,
  classic,
  type ClassicApp,
  type ClassicBody,
  type Environ,
  type StartResponse,
} from "./classic.ts";
import { createLogger, type Logger } from "./logger.ts";
import type { Context } from "./types.ts";

const get = (path = "/", init?: RequestInit) => new Request(`http://localhost${path}`, init);
const run = (app: ClassicApp, request = get(), ctx: Context = testContext()) =>
  Promise.resolve(classic(app).fetch(request, ctx));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function recorder(): { lines: string[]; log: Logger } {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: "debug", bare: true, write: (l) => lines.push(l) }) };
}

type Counted = { closed: number; close(): Promise<void> };

/** Wraps a generator in a body with an async close() that counts its calls. */
function closable(chunks: () => Iterator<BodyChunk> | AsyncIterator<BodyChunk>) {
  const iterator = chunks();
  const body: Counted = {
    closed: 0,
    async close() {
      await Promise.resolve();
      body.closed++;
    },
  };
  const key = Symbol.asyncIterator in iterator ? Symbol.asyncIterator : Symbol.iterator;
  return Object.assign(body, { [key]: () => iterator }) as unknown as ClassicBody & Counted;
}

Deno.test("classic() runs the classic hello app", async () => {
  function app(_environ: Environ, start_response: StartResponse) {
    start_response("200 OK", [["Content-Type", "text/plain"], ["Connection", "close"]]);
    return ["Hello, World!\n"];
  }
  const response = await run(app);
  assert.equal(response.status, 200);
  assert.equal(response.statusText, "OK");
  assert.equal(response.headers.get("content-type"), "text/plain");
  assert.equal(response.headers.get("connection"), null, "hop-by-hop headers are dropped");
  assert.equal(await response.text(), "Hello, World!\n");
});

Deno.test("classic() builds the environ from the request and context", async () => {
  let seen: Environ | undefined;
  let body = "";
  const app: ClassicApp = async (environ, startResponse) => {
    seen = environ;
    const input = environ["wsgi.input"];
    const parts = [await input.readline(), await input.read(3), await input.read()];
    body = parts.map(text).join("|") + `|${(await input.read()).length}`;
    startResponse("200 OK", []);
    return [];
  };
  const request = get("/app/caf%C3%A9/x%zz?q=1&r=2", {
    method: "POST",
    headers: [
      ["content-type", "text/plain"],
      ["content-length", "15"],
      ["x-tag", "a"],
      ["x-tag", "b"],
      ["x_tag", "spoofed"],
    ],
    body: "line one\nabcdef",
  });
  const ctx = testContext({ rootPath: "/app", workerCount: 4, scheme: "https" });
  const response = await run(app, request, ctx);
  assert.equal(response.status, 200);
  assert.equal(body, "line one\n|abc|def|0");
  const { "wsgi.input": input, "wsgi.errors": errors, ...rest } = seen!;
  assert.equal(typeof input.readlines, "function");
  assert.equal(typeof errors.flush, "function");
  assert.deepEqual(rest, {
    REQUEST_METHOD: "POST",
    SCRIPT_NAME: "/app",
    PATH_INFO: "/caf\u00c3\u00a9/x%zz", // UTF-8 bytes as latin-1; a bad escape stays as it is
    QUERY_STRING: "q=1&r=2",
    CONTENT_TYPE: "text/plain",
    CONTENT_LENGTH: "15",
    SERVER_NAME: "localhost",
    SERVER_PORT: "8000",
    SERVER_PROTOCOL: "HTTP/1.1",
    REMOTE_ADDR: "127.0.0.1",
    REMOTE_PORT: "50123",
    HTTP_X_TAG: "a, b",
    "wsgi.version": [1, 0],
    "wsgi.url_scheme": "https",
    "wsgi.multithread": false,
    "wsgi.multiprocess": true,
    "wsgi.run_once": false,
    "ngw2f.context": ctx,
    "ngw2f.request": request,
  });
});

Deno.test("classic() environ for a bodiless request over a unix socket", async () => {
  let seen: Environ | undefined;
  const app: ClassicApp = async (environ, startResponse) => {
    seen = environ;
    assert.equal((await environ["wsgi.input"].read()).length, 0);
    startResponse("200 OK", []);
    return [];
  };
  const socket: Deno.UnixAddr = { transport: "unix", path: "/run/app.sock" };
  const ctx = testContext({ rootPath: "/app", serverAddr: socket, remoteAddr: socket });
  await run(app, new Request("https://example.com:8443/app"), ctx);
  assert.equal(seen!.PATH_INFO, "");
  assert.equal(seen!.QUERY_STRING, "");
  assert.equal(seen!.SERVER_PORT, "8443");
  for (const key of ["CONTENT_TYPE", "CONTENT_LENGTH", "REMOTE_ADDR", "REMOTE_PORT"]) {
    assert(!(key in seen!), `${key} should be absent`);
  }
});

Deno.test("classic() wsgi.input reads lines lazily", async () => {
  const got: string[] = [];
  const app: ClassicApp = async (environ, startResponse) => {
    const input = environ["wsgi.input"];
    got.push(text(await input.readline(2)));
    got.push(...(await input.readlines(1)).map(text));
    for await (const line of input) got.push(text(line));
    startResponse("200 OK", []);
    return [];
  };
  const chunks = ["ab", "c\nde", "f\n", "last"];
  const body = ReadableStream.from(chunks.map((chunk) => new TextEncoder().encode(chunk)));
  await run(app, get("/", { method: "POST", body }));
  assert.deepEqual(got, ["ab", "c\n", "def\n", "last"]);
});

Deno.test("classic() wsgi.errors logs each line as a warning", async () => {
  const { lines, log } = recorder();
  const app: ClassicApp = (environ, startResponse) => {
    const errors = environ["wsgi.errors"];
    errors.write("first ");
    errors.writelines(["line\nsecond line\n", "unfinished"]);
    startResponse("200 OK", []);
    return ["ok"];
  };
  const response = await run(app, get(), testContext({ log }));
  assert.equal(await response.text(), "ok");
  assert.deepEqual(lines, ["first line", "second line", "unfinished"]);
});

Deno.test("classic() sends headers with the first non-empty chunk", async () => {
  const app: ClassicApp = function* (_environ, startResponse) {
    startResponse("200 OK", [["x-first", "yes"]]);
    yield "";
    try {
      throw new Error("the template failed");
    } catch (error) {
      startResponse("500 Internal Server Error", [["x-replaced", "yes"]], error);
      yield "Sorry\n";
    }
  };
  const response = await run(app);
  assert.equal(response.status, 500);
  assert.equal(response.statusText, "Internal Server Error");
  assert.equal(response.headers.get("x-first"), null);
  assert.equal(response.headers.get("x-replaced"), "yes");
  assert.equal(await response.text(), "Sorry\n");
});

Deno.test("classic() rethrows exc_info once the headers are sent", async () => {
  const { lines, log } = recorder();
  const failure = new Error("the template failed halfway");
  const body = closable(function* () {
    yield "partial";
    startResponse("500 Internal Server Error", [], failure);
    yield "never";
  });
  let startResponse: StartResponse = () => assert.fail("not started");
  const app: ClassicApp = (_environ, start) => {
    startResponse = start;
    start("200 OK", []);
    return body;
  };
  const response = await run(app, get(), testContext({ log }));
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  assert.equal(text((await reader.read()).value!), "partial");
  await assert.rejects(reader.read(), (error) => error === failure);
  assert.equal(body.closed, 1);
  assert.match(lines.join("\n"), /Cannot finish the response: .*after the headers were sent/);
});

Deno.test("classic() refuses a second start_response() without exc_info", async () => {
  const app: ClassicApp = (_environ, startResponse) => {
    startResponse("200 OK", []);
    startResponse("404 Not Found", []);
    return [];
  };
  await assert.rejects(run(app), {
    name: "Error",
    message: "Cannot start the response: start_response() called twice without exc_info",
  });
});

Deno.test("classic() write() sends chunks in order, before the body's", async () => {
  const app: ClassicApp = (_environ, startResponse) => {
    const write = startResponse("200 OK", []);
    write("a");
    write(new TextEncoder().encode("b"));
    return (function* () {
      yield "c";
      write("d");
      yield "";
      write("e");
      yield "f";
    })();
  };
  assert.equal(await (await run(app)).text(), "abcdef");
});

Deno.test("classic() calls close() once when the body finishes", async () => {
  const body = closable(function* () {
    yield "one ";
    yield "two";
  });
  const response = await run((_environ, startResponse) => {
    startResponse("200 OK", []);
    return body;
  });
  assert.equal(await response.text(), "one two");
  assert.equal(body.closed, 1);
});

Deno.test("classic() calls close() once on an error before the headers", async () => {
  const body = closable(function* () {
    yield "";
    throw new Error("the database is down");
  });
  await assert.rejects(
    run((_environ, startResponse) => {
      startResponse("200 OK", []);
      return body;
    }),
    { message: "the database is down" },
  );
  assert.equal(body.closed, 1);
});

Deno.test("classic() calls close() once on an error after the headers", async () => {
  const { lines, log } = recorder();
  const body = closable(async function* () {
    yield "partial";
    throw new Error("the database went away");
  });
  const app: ClassicApp = (_environ, startResponse) => {
    startResponse("200 OK", []);
    return body;
  };
  const response = await run(app, get(), testContext({ log }));
  await assert.rejects(response.text(), { message: "the database went away" });
  assert.equal(body.closed, 1);
  assert.match(lines.join("\n"), /the database went away/);
});

Deno.test("classic() calls close() once when the client disconnects", async () => {
  let finalized = false;
  const body = closable(async function* () {
    try {
      for (let i = 0;; i++) yield `chunk ${i}\n`;
    } finally {
      finalized = true;
    }
  });
  const response = await run((_environ, startResponse) => {
    startResponse("200 OK", []);
    return body;
  });
  const reader = response.body!.getReader();
  assert.equal(text((await reader.read()).value!), "chunk 0\n");
  reader.releaseLock();
  await response.body!.cancel();
  assert.equal(body.closed, 1);
  assert(finalized, "the generator's finally block ran");
});

Deno.test("classic() pulls async generator bodies as the client reads", async () => {
  let produced = 0;
  const app: ClassicApp = async function* (_environ, startResponse) {
    startResponse("200 OK", [["content-type", "text/plain"]]);
    for (const word of ["lazy ", "async ", "body"]) {
      produced++;
      await Promise.resolve();
      yield word;
    }
  };
  const response = await run(app);
  assert.equal(produced, 1, "only the first chunk is pulled before the response is built");
  const reader = response.body!.getReader();
  assert.equal(text((await reader.read()).value!), "lazy ");
  assert.equal(produced, 1);
  assert.equal(text((await reader.read()).value!), "async ");
  assert.equal(produced, 2);
  assert.equal(text((await reader.read()).value!), "body");
  assert.equal((await reader.read()).done, true);
});

Deno.test("classic() sends no body for 204 and stops the iteration", async () => {
  const body = closable(function* () {
    yield "ignored";
    yield "never pulled";
  });
  const response = await run((_environ, startResponse) => {
    startResponse("204 No Content", []);
    return body;
  });
  assert.equal(response.status, 204);
  assert.equal(response.body, null);
  assert.equal(body.closed, 1);
});

Deno.test("classic() explains a missing start_response()", async () => {
  await assert.rejects(run(() => []), {
    message: "Cannot send the response: the app returned without calling start_response()",
  });
  await assert.rejects(run(() => ["data"]), {
    message: "Cannot send the response: the app returned without calling start_response()",
  });
  await assert.rejects(
    run(function* () {
      yield "data";
    }),
    { message: "Cannot send the response body: the app sent data before start_response()" },
  );
});

Deno.test("classic() rejects an invalid status, headers or body with TypeErrors", async () => {
  const cases: Array<[(start: StartResponse) => unknown, RegExp]> = [
    [(start) => start("abc", []), /^Cannot start the response: status "abc" is not "NNN Reason"$/],
    [(start) => start("200OK", []), /status "200OK" is not "NNN Reason"/],
    [(start) => start("101 Switching Protocols", []), /is outside 200-599/],
    [(start) => start("200 OK", {} as never), /headers are \{\}, not an array/],
    [(start) => start("200 OK", [["x-a"]] as never), /header \[ "x-a" \] is not a \[name, value\]/],
    [(start) => start("200 OK", [["x-a", 1]] as never), /is not a \[name, value\] pair of strings/],
    [(start) => start("200 OK", [["bad name", "v"]]), /is not a valid HTTP header/],
  ];
  for (const [call, message] of cases) {
    await assert.rejects(
      run((_environ, startResponse) => {
        call(startResponse);
        return [];
      }),
      (error: Error) => error instanceof TypeError && message.test(error.message),
      String(message),
    );
  }
  const chunkError = run((_environ, startResponse) => {
    startResponse("200 OK", []);
    return [42 as never];
  });
  await assert.rejects(chunkError, {
    name: "TypeError",
    message: "Cannot send the response body: a chunk is 42, not a Uint8Array or string",
  });
  await assert.rejects(run(() => "oops" as never), { name: "TypeError" });
  assert.throws(() => classic("nope" as never), TypeError);
});
