// Protocol-level tests of the reference server: raw HTTP/1.x bytes over real sockets.
// Lifespan, context, errors, timeouts, unix sockets and logging are in server_test.ts.

import assert from "node:assert/strict";
import { delay, type RawResponse, withServer } from "./_test_http.ts";
import type { App } from "./types.ts";

/** Answers `METHOD URL PROTOCOL` and then the request body. */
const echo: App = async (request, ctx) =>
  new Response(`${request.method} ${request.url} ${ctx.protocol}\n${await request.text()}`);

/** A body stream that yields each part after `gap` ms. */
function slowStream(parts: string[], gap = 10): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await delay(gap);
      if (i < parts.length) controller.enqueue(encoder.encode(parts[i++]));
      else controller.close();
    },
  });
}

const GET_X = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function assertOk(response: RawResponse, text?: string): void {
  assert.equal(response.version, "HTTP/1.1");
  assert.equal(response.status, 200);
  assert.equal(response.reason, "OK");
  assert.match(response.header("date") ?? "", HTTP_DATE);
  if (text !== undefined) assert.equal(response.text, text);
}

// HTTP/1.0 and half-closed clients

Deno.test("serve() answers an HTTP/1.0 request without Host with a length and closes", async () => {
  await withServer(() => new Response("hello\n"), {}, async ({ open }) => {
    const client = await open();
    await client.write("GET / HTTP/1.0\r\n\r\n");
    const response = await client.readResponse();
    assertOk(response, "hello\n");
    assert.equal(response.header("connection"), "close");
    assert.equal(response.header("content-length"), "6");
    assert.equal(response.header("transfer-encoding"), undefined);
    await client.expectClosed();
  });
});

Deno.test("serve() answers a client that half-closes right after its request (async handler)", async () => {
  const app: App = async () => {
    await delay(50);
    return new Response("late but here\n");
  };
  await withServer(app, {}, async ({ open }) => {
    const client = await open();
    await client.write("GET / HTTP/1.0\r\n\r\n");
    await client.closeWrite();
    const response = await client.readResponse();
    assertOk(response, "late but here\n");
    assert.equal(response.header("connection"), "close");
    await client.expectClosed();
  });
});

Deno.test("serve() streams a body to a client that half-closed after its request", async () => {
  await withServer(() => new Response(slowStream(["one ", "two ", "three"])), {}, async (t) => {
    const client = await t.open();
    await client.write("GET / HTTP/1.0\r\n\r\n");
    await client.closeWrite();
    const response = await client.readResponse();
    assertOk(response, "one two three");
    assert.equal(response.framing, "eof");
    assert.equal(client.reset, false);
  });
});

// Keep-alive and pipelining

Deno.test("serve() answers two HTTP/1.1 requests on one keep-alive connection", async () => {
  await withServer(echo, {}, async ({ open, port }) => {
    const client = await open();
    for (const path of ["/first", "/second"]) {
      await client.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      const response = await client.readResponse();
      assertOk(response, `GET http://localhost${path} HTTP/1.1\n`);
      assert.equal(response.header("connection"), undefined);
    }
    assert.equal(client.closed, false);
    assert.ok(port > 0);
  });
});

Deno.test("serve() answers pipelined requests in order", async () => {
  const app: App = async (request) => {
    const path = new URL(request.url).pathname;
    await delay(path === "/slow" ? 100 : 0);
    return new Response(path);
  };
  await withServer(app, {}, async ({ open }) => {
    const client = await open();
    await client.write(
      "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n" +
        "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assertOk(await client.readResponse(), "/slow");
    assertOk(await client.readResponse(), "/fast");
    const last = await client.readResponse();
    assertOk(last, "/last");
    assert.equal(last.header("connection"), "close");
    await client.expectClosed();
  });
});

Deno.test("serve() answers pipelined requests sent just before a half-close", async () => {
  await withServer(echo, {}, async ({ open }) => {
    const client = await open();
    await client.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.closeWrite();
    assertOk(await client.readResponse(), "GET http://x/a HTTP/1.1\n");
    assertOk(await client.readResponse(), "GET http://x/b HTTP/1.1\n");
    await client.expectClosed();
  });
});

Deno.test("serve() closes an HTTP/1.1 connection after a request with Connection: close", async () => {
  await withServer(echo, {}, async ({ open }) => {
    const client = await open();
    await client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const response = await client.readResponse();
    assertOk(response, "GET http://x/ HTTP/1.1\n");
    assert.equal(response.header("connection"), "close");
    await client.expectClosed();
  });
});

Deno.test("serve() keeps an HTTP/1.0 connection open when asked with Connection: keep-alive", async () => {
  await withServer(echo, {}, async ({ open, port }) => {
    const client = await open();
    for (let i = 0; i < 2; i++) {
      await client.write("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      const response = await client.readResponse();
      assertOk(response, `GET http://127.0.0.1:${port}/ka HTTP/1.0\n`);
      assert.equal(response.header("connection"), "keep-alive");
      assert.ok(response.header("content-length"));
    }
    assert.equal(client.closed, false);
  });
});

// Request bodies

Deno.test("serve() passes a Content-Length request body to the app", async () => {
  await withServer(echo, {}, async ({ open }) => {
    const client = await open();
    await client.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
    assertOk(await client.readResponse(), "POST http://x/echo HTTP/1.1\nhello world");
    await client.write("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n");
    await delay(20);
    await client.write("abc");
    assertOk(await client.readResponse(), "PUT http://x/echo HTTP/1.1\nabc");
  });
});

Deno.test("serve() decodes a chunked request body with extensions and a trailer", async () => {
  await withServer(echo, {}, async ({ open }) => {
    const client = await open();
    await client.write(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n",
    );
    assertOk(await client.readResponse(), "POST http://x/c HTTP/1.1\nhello world");
    // The framing was consumed exactly: the next request on the connection is fine.
    await client.write("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    assertOk(await client.readResponse(), "GET http://x/next HTTP/1.1\n");
  });
});

Deno.test("serve() sends 100 Continue only once the app reads the body", async () => {
  let reading = false;
  const app: App = async (request) => {
    await delay(150);
    reading = true;
    return new Response(`got ${await request.text()}`);
  };
  await withServer(app, {}, async ({ open }) => {
    const client = await open();
    await client.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    );
    const interim = await client.readHead();
    assert.equal(interim.head, "HTTP/1.1 100 Continue");
    assert.equal(reading, true, "100 Continue came before the app asked for the body");
    await client.write("data");
    const response = await client.readResponse();
    assertOk(response, "got data");
    assert.equal(response.header("connection"), undefined);
  });
});

Deno.test("serve() answers without 100 Continue and closes when the app ignores the body", async () => {
  await withServer(() => new Response("no thanks"), {}, async ({ open }) => {
    const client = await open();
    await client.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n",
    );
    const response = await client.readResponse();
    assertOk(response, "no thanks");
    assert.equal(response.header("connection"), "close");
    await client.expectClosed();
  });
});

Deno.test("serve() drains a small body the app ignored and keeps the connection", async () => {
  await withServer(echo, {}, async ({ open }) => {
    const client = await open();
    await client.write("DELETE /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    // echo reads the body of a DELETE; a GET with a body leaves it to the server.
    assertOk(await client.readResponse(), "DELETE http://x/x HTTP/1.1\nhello");
    await client.write("GET /y HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    assertOk(await client.readResponse(), "GET http://x/y HTTP/1.1\n");
    await client.write("GET /z HTTP/1.1\r\nHost: x\r\n\r\n");
    assertOk(await client.readResponse(), "GET http://x/z HTTP/1.1\n");
  });
  await withServer(() => new Response("ignored"), {}, async ({ open }) => {
    const client = await open();
    await client.write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    assertOk(await client.readResponse(), "ignored");
    await client.write("GET /y HTTP/1.1\r\nHost: x\r\n\r\n");
    assertOk(await client.readResponse(), "ignored");
  });
});

Deno.test("serve() answers and closes when the app ignores a large body", async () => {
  await withServer(() => new Response("ignored"), {}, async ({ open }) => {
    const client = await open();
    const size = 1024 * 1024;
    const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`;
    // The server stops reading: the rest of the upload may fail, the answer must arrive.
    const upload = client.write(head + "x".repeat(size)).catch(() => {});
    const response = await client.readResponse();
    assertOk(response, "ignored");
    assert.equal(response.header("connection"), "close");
    await upload;
  });
});

Deno.test("serve() answers 400 to a malformed chunked body, not the app's 500", async () => {
  await withServer(echo, {}, async ({ open, lines }) => {
    const client = await open();
    await client.write(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    );
    const response = await client.readResponse();
    assert.equal(response.status, 400);
    assert.match(response.text, /invalid chunk size "zz"/);
    assert.equal(response.header("connection"), "close");
    await client.expectClosed();
    assert.ok(lines.some((line) => line.includes(': 400 invalid chunk size "zz"')), lines.join());
    assert.ok(!lines.some((line) => line.includes("Error handling")), lines.join("\n"));
  });
});

Deno.test("serve() reads a head larger than its read buffer arriving in pieces", async () => {
  const app: App = (request) => new Response(`${request.headers.get("x-h39")?.length}`);
  await withServer(app, {}, async ({ open }) => {
    const client = await open();
    // A drained body leaves the read buffer at an offset: the next head must still be found.
    await client.write("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
    assertOk(await client.readResponse(), "undefined");
    const fields = Array.from({ length: 40 }, (_, i) => `X-H${i}: ${"b".repeat(1000)}\r\n`);
    const head = `GET / HTTP/1.1\r\nHost: x\r\n${fields.join("")}\r\n`;
    for (let i = 0; i < head.length; i += 1500) {
      await client.write(head.slice(i, i + 1500));
      await delay(1);
    }
    assertOk(await client.readResponse(), "1000");
  });
});

// Malformed requests: an error answer, a closed connection, and the server keeps serving

const big = "a".repeat(2000);
const rejections: [string, number, string, { maxHeadSize?: number; maxHeaders?: number }?][] = [
  ["a request line without a version", 400, "GET /\r\n\r\n"],
  ["HTTP/2.0 on the request line", 505, "GET / HTTP/2.0\r\nHost: x\r\n\r\n"],
  ["an HTTP/1.1 request without Host", 400, "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"],
  ["two Host headers", 400, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"],
  [
    "both Content-Length and Transfer-Encoding",
    400,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
  ],
  ["an invalid Content-Length", 400, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\n"],
  ["a negative Content-Length", 400, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"],
  ["Transfer-Encoding gzip", 501, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"],
  ["an invalid Host", 400, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"],
  ["TRACE", 501, "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["an obs-folded header", 400, "GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n  b\r\n\r\n"],
  ["a header line without a colon", 400, "GET / HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n"],
  [
    "a head over maxHeadSize",
    431,
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`,
    { maxHeadSize: 1024 },
  ],
  [
    "a head over maxHeadSize sent in pieces",
    431,
    `GET / HTTP/1.1\r\nHost: x\r\n${`X-Big: ${big}\r\n`.repeat(40)}`,
    { maxHeadSize: 16384 },
  ],
  [
    "more than maxHeaders fields",
    431,
    `GET / HTTP/1.1\r\nHost: x\r\n${"X-A: 1\r\n".repeat(5)}\r\n`,
    { maxHeaders: 5 },
  ],
  ["Expect: something-else", 417, "GET / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n"],
];

for (const [what, status, raw, limits] of rejections) {
  Deno.test(`serve() answers ${status} to ${what} and keeps serving`, async () => {
    let calls = 0;
    const app: App = () => (calls++, new Response("ok"));
    await withServer(app, { ...limits }, async ({ open, lines }) => {
      const client = await open();
      await client.write(raw);
      const response = await client.readResponse();
      assert.equal(response.status, status, response.text);
      assert.equal(response.header("connection"), "close");
      assert.match(response.header("date") ?? "", HTTP_DATE);
      assert.equal(response.header("content-length"), String(response.text.length));
      await client.expectClosed();
      assert.equal(calls, 0);
      assert.ok(lines.some((line) => line.includes(`Rejected a request from 127.0.0.1:`)));
      assert.ok(lines.some((line) => line.includes(`: ${status} `)), lines.join("\n"));
      const next = await open();
      await next.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertOk(await next.readResponse(), "ok");
      assert.equal(calls, 1);
    });
  });
}

// Responses

Deno.test("serve() sends a streamed body to HTTP/1.1 with chunked framing", async () => {
  await withServer(() => new Response(slowStream(["hello", " world!"])), {}, async ({ open }) => {
    const client = await open();
    await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const response = await client.readResponse();
    assertOk(response, "hello world!");
    assert.equal(response.header("transfer-encoding"), "chunked");
    assert.equal(response.header("content-length"), undefined);
    assert.equal(response.rawBody, "5\r\nhello\r\n7\r\n world!\r\n0\r\n\r\n");
    assert.equal(client.closed, false);
  });
});

Deno.test("serve() sends a streamed body to HTTP/1.0 without a length and closes", async () => {
  await withServer(() => new Response(slowStream(["hello", " world!"])), {}, async ({ open }) => {
    const client = await open();
    await client.write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const response = await client.readResponse();
    assertOk(response, "hello world!");
    assert.equal(response.framing, "eof");
    assert.equal(response.header("connection"), "close");
    assert.equal(response.header("transfer-encoding"), undefined);
    assert.equal(response.header("content-length"), undefined);
  });
});

Deno.test("serve() sends a fixed body with its Content-Length", async () => {
  const app: App = () => new Response("héllo", { headers: { "content-type": "text/plain" } });
  await withServer(app, {}, async ({ open }) => {
    const client = await open();
    await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const response = await client.readResponse();
    assertOk(response, "héllo");
    assert.equal(response.header("content-length"), "6");
    assert.equal(response.header("content-type"), "text/plain");
    assert.equal(response.header("transfer-encoding"), undefined);
  });
});

Deno.test("serve() answers HEAD with the headers and no body", async () => {
  const app: App = (request) =>
    new Response(request.method === "HEAD" ? null : "body", {
      headers: { "content-length": "4", "x-route": "yes" },
    });
  await withServer(app, {}, async ({ open }) => {
    const client = await open();
    await client.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    const response = await client.readResponse("HEAD");
    assert.equal(response.status, 200);
    assert.equal(response.header("x-route"), "yes");
    assert.equal(response.header("content-length"), "4");
    // No body bytes came: the next response starts right after the head.
    await client.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((await client.readResponse("HEAD")).status, 200);
    assertOk(await client.readResponse(), "body");
  });
  await withServer(() => new Response(slowStream(["streamed"])), {}, async ({ open }) => {
    const client = await open();
    await client.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const head = await client.readResponse("HEAD");
    assert.equal(head.header("transfer-encoding"), undefined);
    assertOk(await client.readResponse(), "streamed");
  });
});

for (const status of [204, 304]) {
  Deno.test(`serve() sends ${status} without a body or a Content-Length`, async () => {
    const app: App = () => new Response(null, { status, headers: { "content-length": "0" } });
    await withServer(app, {}, async ({ open }) => {
      const client = await open();
      await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
      for (let i = 0; i < 2; i++) {
        const response = await client.readResponse();
        assert.equal(response.status, status);
        assert.equal(response.header("content-length"), undefined);
        assert.equal(response.header("transfer-encoding"), undefined);
      }
      assert.equal(client.pending, "");
    });
  });
}

Deno.test("serve() drops hop-by-hop headers set by the app", async () => {
  const app: App = () =>
    new Response("x", {
      headers: {
        connection: "upgrade",
        "keep-alive": "timeout=99",
        "transfer-encoding": "gzip",
        upgrade: "websocket",
        "proxy-connection": "keep-alive",
        "x-kept": "1",
      },
    });
  await withServer(app, {}, async ({ open }) => {
    const client = await open();
    await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const response = await client.readResponse();
    assertOk(response, "x");
    const names = response.headers.map(([name]) => name);
    for (const name of ["connection", "keep-alive", "transfer-encoding", "upgrade"]) {
      assert.ok(!names.includes(name), `${name} was sent: ${response.head}`);
    }
    assert.ok(!names.includes("proxy-connection"));
    assert.equal(response.header("x-kept"), "1");
    assert.equal(response.header("content-length"), "1");
  });
});

Deno.test("serve() closes the connection when the app answers with Connection: close", async () => {
  await withServer(
    () => new Response("bye", { headers: { connection: "close" } }),
    {},
    async (t) => {
      const client = await t.open();
      await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const response = await client.readResponse();
      assertOk(response, "bye");
      assert.equal(response.header("connection"), "close");
      await client.expectClosed();
    },
  );
});

Deno.test("serve() always sends a date header and keeps the app's own", async () => {
  const fixed = "Thu, 26 Nov 2026 14:13:35 GMT";
  const app: App = (request) =>
    new URL(request.url).pathname === "/own"
      ? new Response("", { headers: { date: fixed } })
      : new Response(null, { status: 204 });
  await withServer(app, {}, async ({ open }) => {
    const client = await open();
    await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /own HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match((await client.readResponse()).header("date") ?? "", HTTP_DATE);
    const own = await client.readResponse();
    assert.equal(own.header("date"), fixed);
    assert.equal(own.headers.filter(([name]) => name === "date").length, 1);
  });
});

// Response bodies that go wrong

Deno.test("serve() answers 500 when the response body fails before its first byte", async () => {
  const failing = () =>
    new ReadableStream<Uint8Array>({
      pull() {
        throw new Error("db gone");
      },
    });
  const bytes = new TextEncoder().encode("ab");
  const app: App = (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/string") {
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue("not bytes" as unknown as Uint8Array);
            controller.close();
          },
        }),
      );
    }
    return new Response(path === "/fail" ? failing() : bytes);
  };
  await withServer(app, {}, async ({ open, lines }) => {
    for (const [path, error] of [["/fail", "Error: db gone"], ["/string", "string chunk"]]) {
      const client = await open();
      await client.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const response = await client.readResponse();
      assert.equal(response.status, 500);
      assert.equal(response.header("connection"), "close");
      await client.expectClosed();
      assert.ok(lines.some((line) => line.includes(error)), lines.join("\n"));
    }
    const next = await open();
    await next.write(GET_X);
    assertOk(await next.readResponse(), "ab");
  });
});

Deno.test("serve() cuts a chunked response without its last chunk when the body fails", async () => {
  const app: App = () => {
    let n = 0;
    return new Response(
      new ReadableStream({
        async pull(controller) {
          await delay(10);
          if (n++ === 0) controller.enqueue(new TextEncoder().encode("part"));
          else throw new Error("broken mid-way");
        },
      }),
    );
  };
  await withServer(app, {}, async ({ open, lines }) => {
    const client = await open();
    await client.write(GET_X);
    const head = await client.readHead();
    assert.equal(head.header("transfer-encoding"), "chunked");
    // The client can tell: the body ends without the 0-size chunk.
    assert.equal(await client.readToEnd(), "4\r\npart\r\n");
    assert.ok(lines.some((line) => line.includes("broken mid-way")), lines.join("\n"));
  });
});

Deno.test("serve() skips empty chunks of a streamed body, the first one included", async () => {
  const app: App = () => {
    const parts = [new Uint8Array(0), new TextEncoder().encode("abc"), new Uint8Array(0)];
    return new Response(
      new ReadableStream({
        async pull(controller) {
          await delay(10);
          const part = parts.shift();
          if (part) controller.enqueue(part);
          else controller.close();
        },
      }),
    );
  };
  await withServer(app, {}, async ({ open }) => {
    const client = await open();
    await client.write(GET_X + GET_X);
    for (let i = 0; i < 2; i++) {
      const response = await client.readResponse();
      assertOk(response, "abc");
      assert.equal(response.rawBody, "3\r\nabc\r\n0\r\n\r\n");
    }
  });
});

Deno.test("serve() never sends more or fewer bytes than the app's Content-Length", async () => {
  const app: App = (request) => {
    const long = new URL(request.url).pathname === "/long";
    return new Response(slowStream(long ? ["abc", "def"] : ["abc"]), {
      headers: { "content-length": long ? "3" : "10" },
    });
  };
  await withServer(app, {}, async ({ open, lines }) => {
    const long = await open();
    await long.write("GET /long HTTP/1.1\r\nHost: x\r\n\r\n");
    const response = await long.readResponse();
    assertOk(response, "abc");
    assert.equal(response.header("content-length"), "3");
    // Nothing past the declared length: the connection just closes.
    await long.expectClosed();
    const short = await open();
    await short.write("GET /short HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((await short.readHead()).header("content-length"), "10");
    assert.equal(await short.readToEnd(), "abc");
    assert.ok(lines.some((line) => line.includes("the app declared 3 bytes and sent more")));
    assert.ok(lines.some((line) => line.includes("the app declared 10 bytes and sent 3")));
  });
});

Deno.test("serve() streams a request body straight back when the app echoes request.body", async () => {
  const streamEcho: App = (request) => new Response(request.body);
  await withServer(streamEcho, {}, async ({ open }) => {
    const client = await open();
    await client.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
    const fixed = await client.readResponse();
    assert.equal(fixed.status, 200);
    assert.equal(fixed.text, "hello world");
    await client.write(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    );
    const chunked = await client.readResponse();
    assert.equal(chunked.text, "hello world");
    await client.write(GET_X);
    assert.equal((await client.readResponse()).status, 200, "the connection is still usable");
  });
});

Deno.test("serve() answers HEAD with the Content-Length the GET would have", async () => {
  const app: App = () =>
    new Response("twelve bytes", { headers: { "content-type": "text/plain" } });
  await withServer(app, {}, async ({ request }) => {
    const get = await request(GET_X);
    const head = await request("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", { method: "HEAD" });
    assert.equal(get.header("content-length"), "12");
    assert.equal(head.header("content-length"), "12");
    assert.equal(head.framing, "none");
    assert.equal(head.rawBody, "");
  });
});

Deno.test("serve() closes a connection whose request body stops arriving (bodyTimeout)", async () => {
  let failure: unknown;
  const app: App = async (request) => {
    try {
      await request.text();
    } catch (error) {
      failure = error;
    }
    return new Response("late");
  };
  await withServer(app, { bodyTimeout: 0.3 }, async ({ open }) => {
    const client = await open();
    const started = Date.now();
    await client.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    await client.readResponse().catch(() => {});
    assert.ok(client.closed, "the server closed the connection");
    assert.ok(Date.now() - started < 2500, `closed after ${Date.now() - started} ms`);
    assert.match(String(failure), /stopped arriving/i);
  });
});
