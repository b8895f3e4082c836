import assert from "node:assert/strict";
import type { BodySource, Exchange, Reply } from "../types.ts";
import { h2Engine, H2Server } from "./h2.ts";
import { hostOf } from "./_h2_messages.ts";
import { resolveCoreOptions } from "./options.ts";
import { listenTls } from "./tls.ts";
import { hasOpenssl, startTls, testPki, until } from "./_tls_test_util.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !hasOpenssl || h2Engine() === null, fn });

async function readAll(body: BodySource): Promise<string> {
  let text = "";
  for (let chunk = await body.read(); chunk !== null; chunk = await body.read()) {
    text += decoder.decode(chunk, { stream: true });
  }
  return text;
}

/** A BodySource over `parts` that reuses one buffer, as the upstream client does. */
function reusedSource(parts: string[]): BodySource & { cancelled: boolean } {
  const buf = new Uint8Array(64);
  let i = 0;
  return {
    length: parts.reduce((n, p) => n + p.length, 0),
    cancelled: false,
    read() {
      if (i === parts.length) return Promise.resolve(null);
      const n = encoder.encodeInto(parts[i++], buf).written;
      return Promise.resolve(buf.subarray(0, n));
    },
    cancel() {
      this.cancelled = true;
    },
  };
}

Deno.test("hostOf() lower-cases an authority and drops its port and trailing dot", () => {
  assert.equal(hostOf("Example.COM:8443"), "example.com");
  assert.equal(hostOf("example.com."), "example.com");
  assert.equal(hostOf("[::1]:443"), "[::1]");
  assert.equal(hostOf("localhost"), "localhost");
  assert.equal(hostOf(""), "");
});

test("H2Server hands the handler an exchange: target as sent, host from :authority, body", async () => {
  let seen: Exchange | null = null;
  let body = "";
  await using tls = await startTls(async (ex) => {
    seen = ex;
    body = ex.body ? await readAll(ex.body) : "";
    return { status: 200, headers: [], body: null };
  });
  const response = await fetch(`https://LOCALHOST:${tls.port}/a%20b/c?x=1&y`, {
    client: tls.client("2"),
    method: "POST",
    headers: { "X-Two": "1", "Cookie": "a=1" },
    body: "hello h2",
  });
  await response.body?.cancel();
  const ex = seen! as Exchange;
  assert.equal(ex.head.method, "POST");
  assert.equal(ex.head.target, "/a%20b/c?x=1&y");
  assert.equal(ex.head.path, "/a%20b/c");
  assert.equal(ex.head.query, "x=1&y");
  assert.equal(ex.head.version, "1.1");
  assert.equal(ex.head.host, "localhost");
  assert.deepEqual(ex.head.headers.slice(0, 2), ["host", `localhost:${tls.port}`]);
  const fields = new Map<string, string>();
  for (let i = 0; i < ex.head.headers.length; i += 2) {
    fields.set(ex.head.headers[i], ex.head.headers[i + 1]);
  }
  assert.equal(fields.get("x-two"), "1");
  assert.equal(fields.get("cookie"), "a=1");
  assert.equal(ex.head.contentLength, 8);
  assert.equal(body, "hello h2");
  assert.equal(ex.scheme, "https");
  assert.equal(ex.remoteAddr, "127.0.0.1");
  assert.ok(ex.remotePort > 0);
  assert.equal(ex.serverPort, tls.port);
  assert.equal(ex.listen, "127.0.0.1:0");
});

test("H2Server sends every kind of reply body, with Content-Length when it is known", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/f.txt`, "0123456789");
  const source = reusedSource(["ab", "cd", "ef"]);
  const files: { closed: boolean }[] = [];
  const range = async (offset: number, length: number) => {
    const file = await Deno.open(`${dir}/f.txt`);
    const spy = { closed: false };
    files.push(spy);
    const close = file.close.bind(file);
    file.close = () => {
      spy.closed = true;
      close();
    };
    return { file, offset, length };
  };
  const replies: Record<string, () => Reply | Promise<Reply>> = {
    "/bytes": () => ({ status: 200, headers: ["X-A", "1"], body: encoder.encode("bytes") }),
    "/range": async () => ({ status: 206, headers: [], body: await range(2, 5) }),
    "/parts": async () => ({
      status: 200,
      headers: [],
      body: [encoder.encode("["), await range(0, 3), encoder.encode("]")],
    }),
    "/source": () => ({ status: 200, headers: [], body: source }),
    "/stream": () => ({
      status: 200,
      headers: ["Content-Type", "text/plain"],
      body: ReadableStream.from([encoder.encode("s1"), encoder.encode("s2")]),
    }),
    "/none": () => ({ status: 204, headers: [], body: null }),
    "/own-server": () => ({ status: 200, headers: [], body: null, server: "other" }),
  };
  await using tls = await startTls((ex) => replies[ex.head.path]());
  const client = tls.client("2");
  const get = async (path: string, method = "GET") => {
    const response = await fetch(`https://localhost:${tls.port}${path}`, { client, method });
    return { response, text: await response.text() };
  };
  try {
    let { response, text } = await get("/bytes");
    assert.equal(text, "bytes");
    assert.equal(response.headers.get("x-a"), "1");
    assert.equal(response.headers.get("server"), "ngw2f");
    assert.ok(response.headers.get("date"));
    ({ response, text } = await get("/range"));
    assert.equal(response.status, 206);
    assert.equal(text, "23456");
    assert.equal(response.headers.get("content-length"), "5");
    ({ response, text } = await get("/parts"));
    assert.equal(text, "[012]");
    assert.equal(response.headers.get("content-length"), "5");
    ({ text } = await get("/source"));
    assert.equal(text, "abcdef");
    ({ response, text } = await get("/stream"));
    assert.equal(text, "s1s2");
    assert.equal(response.headers.get("content-length"), null);
    ({ response, text } = await get("/none"));
    assert.equal(response.status, 204);
    assert.equal(text, "");
    ({ response } = await get("/own-server"));
    assert.equal(response.headers.get("server"), "other");
    // HEAD: the length the body would have had, no body, the file closed.
    ({ response, text } = await get("/range", "HEAD"));
    assert.equal(response.headers.get("content-length"), "5");
    assert.equal(text, "");
    await until(() => tls.completed.length === 8, 3_000, "eight completions");
    const byPath = new Map(
      tls.completed.map((d) => [d.exchange.head.method + d.exchange.head.path, d]),
    );
    assert.equal(byPath.get("GET/range")!.bodyBytesSent, 5);
    assert.equal(byPath.get("GET/range")!.status, 206);
    assert.equal(byPath.get("GET/source")!.bodyBytesSent, 6);
    assert.equal(byPath.get("GET/stream")!.bodyBytesSent, 4);
    assert.equal(byPath.get("HEAD/range")!.bodyBytesSent, 0);
    assert.ok(byPath.get("GET/bytes")!.bytesSent > 5);
    assert.ok(tls.completed.every((d) => d.error === undefined));
    assert.equal(files.length, 3);
    assert.ok(files.every((f) => f.closed), "every file range is closed");
    assert.ok(source.cancelled, "a source is released at its end, as the core does");
    assert.deepEqual(tls.errors, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("H2Server cancels a streamed reply body when the client resets the stream", async () => {
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const endless: BodySource = {
    length: -1,
    read: () =>
      new Promise((resolve) => timer = setTimeout(() => resolve(encoder.encode("tick\n")), 20)),
    cancel: () => {
      cancelled = true;
      clearTimeout(timer);
    },
  };
  await using tls = await startTls(() => ({ status: 200, headers: [], body: endless }));
  const response = await fetch(`https://localhost:${tls.port}/events`, { client: tls.client("2") });
  const reader = response.body!.getReader();
  assert.equal(decoder.decode((await reader.read()).value), "tick\n");
  await reader.cancel();
  await until(() => cancelled, 3_000, "the source to be cancelled");
  await until(() => tls.completed.length === 1, 3_000, "the completion");
  assert.ok(tls.completed[0].bodyBytesSent >= 5);
});

test("H2Server releases a reply that comes after its connection was cut", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/f.txt`, "late reply");
  let answer = (_reply: Reply) => {};
  let closed = false;
  try {
    await using tls = await startTls(() => new Promise<Reply>((resolve) => answer = resolve));
    const pending = fetch(`https://localhost:${tls.port}/late`, { client: tls.client("2") })
      .then(() => "answered", () => "failed");
    await until(() => tls.server.stats().writing === 1, 3_000, "the request");
    await tls.server.drain(50);
    assert.equal(await pending, "failed");
    const file = await Deno.open(`${dir}/f.txt`);
    const close = file.close.bind(file);
    file.close = () => {
      closed = true;
      close();
    };
    answer({ status: 200, headers: [], body: { file, offset: 0, length: 10 } });
    await until(() => closed, 2_000, "the file to be closed");
    assert.equal(tls.completed.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("H2Server answers 500 when the handler throws or returns no reply", async () => {
  await using tls = await startTls((ex) => {
    if (ex.head.path === "/throw") throw new Error("boom");
    return null as unknown as Reply;
  });
  const client = tls.client("2");
  for (const path of ["/throw", "/null"]) {
    const response = await fetch(`https://localhost:${tls.port}${path}`, { client });
    assert.equal(response.status, 500);
    assert.match(await response.text(), /<title>500 Internal Server Error<\/title>/);
  }
  assert.equal(tls.errors.length, 2);
  assert.match(tls.errors[0], /Cannot answer "GET \/throw": the handler failed/);
});

test("H2Server answers 505 to a 101 reply and ends its tunnel", async () => {
  let tunnel: "pending" | "ended" = "pending";
  await using tls = await startTls(() => ({
    status: 101,
    headers: ["Upgrade", "websocket", "Connection", "upgrade"],
    body: null,
    upgrade: async ({ conn }) => {
      await conn.read(new Uint8Array(8)).catch(() => {});
      tunnel = "ended";
    },
  }));
  const response = await fetch(`https://localhost:${tls.port}/ws`, { client: tls.client("2") });
  assert.equal(response.status, 505);
  await response.body?.cancel();
  await until(() => tunnel === "ended", 2_000, "the tunnel to end");
  await until(() => tls.completed.length === 1, 2_000, "the completion");
  assert.equal(tls.completed[0].status, 505);
  assert.match(tls.errors.join("\n"), /Cannot switch protocols on HTTP\/2 for "GET \/ws"/);
});

test("H2Server fails a request body read after the body timeout", async () => {
  let failure = "";
  await using tls = await startTls(async (ex) => {
    try {
      await readAll(ex.body!);
    } catch (error) {
      failure = String(error);
    }
    return { status: 400, headers: [], body: null };
  }, { bodyTimeout: 200 });
  let stalled = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode("part"));
      stalled = () => controller.close();
    },
  });
  const response = await fetch(`https://localhost:${tls.port}/upload`, {
    client: tls.client("2"),
    method: "PUT",
    body,
  });
  assert.equal(response.status, 400);
  await response.body?.cancel();
  stalled();
  assert.match(failure, /TimedOut: The client sent no body bytes for 200 ms/);
});

test("H2Server closes a connection idle past keepalive_timeout", async () => {
  await using tls = await startTls(() => ({ status: 204, headers: [], body: null }), {
    idleTimeout: 200,
  });
  const response = await fetch(`https://localhost:${tls.port}/`, { client: tls.client("2") });
  assert.equal(response.status, 204);
  assert.equal(tls.server.stats().active, 1);
  await until(() => tls.server.stats().active === 0, 2_000, "the idle connection to close");
});

Deno.test({
  name: "H2Server serves with the deprecated Deno.serveHttp engine too",
  ignore: !hasOpenssl ||
    typeof (Deno as unknown as { serveHttp?: unknown }).serveHttp !== "function",
}, async () => {
  const pki = await testPki();
  const listener = listenTls({
    hostname: "127.0.0.1",
    port: 0,
    certificates: [pki.pairs.localhost],
    alpnProtocols: ["h2"],
  });
  const completed: number[] = [];
  const options = resolveCoreOptions({
    handler: (ex) => ({
      status: 200,
      headers: [],
      body: encoder.encode(`legacy ${ex.head.target}`),
    }),
    listen: "127.0.0.1:0",
    scheme: "https",
    onCompleted: (done) => completed.push(done.status),
  });
  const h2 = new H2Server(options, listener.addr.port, "serveHttp");
  const accepting = (async () => {
    for await (const conn of listener) {
      await conn.handshake();
      h2.serve(conn);
    }
  })();
  const client = Deno.createHttpClient({ caCerts: [pki.ca], http1: false, http2: true });
  try {
    const response = await fetch(`https://localhost:${listener.addr.port}/old?x`, { client });
    assert.equal(await response.text(), "legacy /old?x");
    await until(() => completed.length === 1, 2_000, "the completion");
    assert.deepEqual(completed, [200]);
  } finally {
    client.close();
    listener.close();
    await accepting.catch(() => {});
    await h2.drain(500);
  }
});
