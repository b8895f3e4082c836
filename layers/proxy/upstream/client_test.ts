import assert from "node:assert/strict";
import type { BodySource } from "../types.ts";
import { BodySkipper } from "../http/_body.ts";
import {
  type UpstreamAddress,
  UpstreamError,
  UpstreamPool,
  type UpstreamRequestOptions,
  type UpstreamResponse,
} from "./client.ts";

// Raw upstreams on 127.0.0.1:0 (and a unix socket), written here so every byte is known.
// Every wait is bounded; every test closes what it opened.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MiB = 1024 * 1024;

const OPTIONS: UpstreamRequestOptions = {
  method: "GET",
  connectTimeout: 2_000,
  sendTimeout: 2_000,
  readTimeout: 2_000,
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The server side of one upstream connection, with a read buffer. */
class Peer {
  readonly conn: Deno.Conn;
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  #closed = false;

  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  /** Reads more bytes; false at EOF (or when the socket broke). */
  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    else if (this.#end === this.#buf.length) {
      const bigger = new Uint8Array(this.#buf.length * 2);
      bigger.set(this.#buf.subarray(this.#start, this.#end));
      this.#end -= this.#start;
      this.#start = 0;
      this.#buf = bigger;
    }
    try {
      const n = await this.conn.read(this.#buf.subarray(this.#end));
      if (n === null) return false;
      this.#end += n;
      return true;
    } catch {
      return false;
    }
  }

  /** The next request: its head as text and its body; `null` when the client closed. */
  async request(): Promise<{ head: string; body: Uint8Array } | null> {
    while (true) {
      const text = decoder.decode(this.#buf.subarray(this.#start, this.#end));
      const end = text.indexOf("\r\n\r\n");
      if (end !== -1) {
        const head = text.slice(0, end + 4);
        this.#start += end + 4;
        const length = /content-length: *(\d+)/i.exec(head);
        const chunked = /transfer-encoding: *chunked/i.test(head);
        const body = chunked
          ? (await this.#chunked()).data
          : await this.#exactly(Number(length?.[1] ?? 0));
        return { head, body };
      }
      if (!(await this.#fill())) return null;
    }
  }

  /** Reads a chunked body: its data (when `keep`) and its length. */
  async #chunked(keep = true): Promise<{ data: Uint8Array; total: number }> {
    const skipper = new BodySkipper();
    skipper.begin(-1);
    const parts: Uint8Array[] = [];
    let total = 0;
    while (!skipper.done) {
      if (this.#start === this.#end && !(await this.#fill())) throw new Error("The body ended");
      const used = skipper.take(this.#buf, this.#start, this.#end);
      const { dataStart, dataLength } = skipper;
      total += dataLength;
      if (keep && dataLength > 0) parts.push(this.#buf.slice(dataStart, dataStart + dataLength));
      this.#start += used;
    }
    const data = new Uint8Array(keep ? total : 0);
    let p = 0;
    for (const part of parts) {
      data.set(part, p);
      p += part.length;
    }
    return { data, total };
  }

  /** Counts the data of a chunked body without keeping it. */
  async countChunked(): Promise<number> {
    return (await this.#chunked(false)).total;
  }

  /** Reads raw bytes until they end with `suffix`; returns them as text. */
  async until(suffix: string): Promise<string> {
    let text = "";
    for (let i = 0; i < 100_000; i++) {
      text += decoder.decode(this.#buf.subarray(this.#start, this.#end));
      this.#start = this.#end;
      if (text.endsWith(suffix)) return text;
      if (!(await this.#fill())) break;
    }
    throw new Error(`The bytes did not end with ${JSON.stringify(suffix)}`);
  }

  /** Reads a request head only. */
  async headOnly(): Promise<string | null> {
    while (true) {
      const text = decoder.decode(this.#buf.subarray(this.#start, this.#end));
      const end = text.indexOf("\r\n\r\n");
      if (end !== -1) {
        this.#start += end + 4;
        return text.slice(0, end + 4);
      }
      if (!(await this.#fill())) return null;
    }
  }

  async #exactly(n: number): Promise<Uint8Array> {
    while (this.#end - this.#start < n) {
      if (!(await this.#fill())) throw new Error("The body ended");
    }
    const body = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return body;
  }

  /** Resolves with true once the client closed (false if it sent bytes instead). */
  async closedByClient(): Promise<boolean> {
    if (this.#start !== this.#end) return false;
    return !(await this.#fill());
  }

  /** Writes all of `data`. */
  async send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

interface RawUpstream {
  address: UpstreamAddress;
  /** Connections accepted so far. */
  readonly accepted: number;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A raw upstream: `serve` runs for each accepted connection, then the connection is closed. */
function rawUpstream(
  serve: (peer: Peer, index: number) => Promise<void>,
  listener: Deno.Listener = Deno.listen({ hostname: "127.0.0.1", port: 0 }),
): RawUpstream {
  const peers = new Set<Peer>();
  const tasks: Promise<void>[] = [];
  let accepted = 0;
  const loop = (async () => {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      const peer = new Peer(conn);
      peers.add(peer);
      tasks.push(
        serve(peer, accepted++).catch(() => {}).finally(() => {
          peer.close();
          peers.delete(peer);
        }),
      );
    }
  })();
  const addr = listener.addr;
  const address: UpstreamAddress = addr.transport === "unix"
    ? { transport: "unix", path: (addr as Deno.UnixAddr).path }
    : { transport: "tcp", hostname: "127.0.0.1", port: (addr as Deno.NetAddr).port };
  return {
    address,
    get accepted() {
      return accepted;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
      for (const peer of peers) peer.close();
      await within(Promise.all(tasks), 5_000, "The upstream's connections");
    },
  };
}

/** A whole response with a Content-Length body. */
function ok(body: string, fields = ""): string {
  return `HTTP/1.1 200 OK\r\nContent-Length: ${
    encoder.encode(body).length
  }\r\n${fields}\r\n${body}`;
}

/** Answers every request on the connection (at most 1000) with `answer(head, i)`. */
async function answerAll(
  peer: Peer,
  answer: (head: string, i: number) => string = (head) => ok(head.split(" ")[1]),
): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const request = await peer.request();
    if (request === null) return;
    await peer.send(answer(request.head, i));
  }
}

function get(path = "/", method = "GET"): Uint8Array {
  return encoder.encode(`${method} ${path} HTTP/1.1\r\nHost: upstream\r\n\r\n`);
}

/** Reads a whole body (bounded) as text. */
async function text(response: UpstreamResponse): Promise<string> {
  if (response.body === null) return "";
  let out = "";
  for (let i = 0; i < 10_000; i++) {
    const chunk = await response.body.read();
    if (chunk === null) return out;
    out += decoder.decode(chunk);
  }
  throw new Error("The body did not end");
}

/** A BodySource over fixed chunks. */
function source(chunks: Uint8Array[], length: number): BodySource & { reads: number } {
  let i = 0;
  return {
    length,
    reads: 0,
    read() {
      this.reads++;
      return Promise.resolve(i < chunks.length ? chunks[i++] : null);
    },
    cancel() {},
  };
}

function pool(options: Partial<ConstructorParameters<typeof UpstreamPool>[0]> = {}): UpstreamPool {
  return new UpstreamPool({
    keepalive: 8,
    keepaliveTimeout: 10_000,
    keepaliveRequests: 1000,
    ...options,
  });
}

async function rejectsWith(
  promise: Promise<unknown>,
  kind: UpstreamError["kind"],
): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `not an UpstreamError: ${error}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`did not fail with "${kind}"`);
}

// --- Keep-alive --------------------------------------------------------------------------

Deno.test("UpstreamPool.request() reuses a keep-alive connection for the next request", async () => {
  await using upstream = rawUpstream((peer) => answerAll(peer));
  using upstreams = pool();
  const first = await upstreams.request(upstream.address, get("/a"), null, OPTIONS);
  assert.equal(first.status, 200);
  assert.equal(first.reason, "OK");
  assert.equal(first.version, "1.1");
  assert.deepEqual(first.headers, ["content-length", "2"]);
  assert.equal(first.body?.length, 2);
  assert.equal(first.reused, false);
  assert.equal(await text(first), "/a");
  assert.equal(upstreams.idle(upstream.address), 1);
  const second = await upstreams.request(upstream.address, get("/b"), null, OPTIONS);
  assert.equal(second.reused, true);
  assert.equal(await text(second), "/b");
  assert.equal(upstream.accepted, 1);
  assert.equal(upstreams.idle(), 1);
});

Deno.test("UpstreamPool.request() keeps the connection of a body read to its last byte only", async () => {
  await using upstream = rawUpstream((peer) => answerAll(peer, () => ok("0123456789")));
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  const chunk = await response.body!.read();
  // The last byte is read: the connection is back in the pool, the chunk still readable.
  assert.equal(upstreams.idle(), 1);
  // Another request takes the connection while the chunk is held: it gets its own buffer.
  const next = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(next.reused, true);
  assert.equal(decoder.decode(chunk!), "0123456789");
  assert.equal(await response.body!.read(), null);
  assert.equal(await text(next), "0123456789");
});

Deno.test("UpstreamPool.request() with whole gives a body that came with its head as bytes", async () => {
  await using upstream = rawUpstream((peer) => answerAll(peer, () => ok("0123456789")));
  using upstreams = pool();
  const whole = { ...OPTIONS, whole: true };
  const response = await upstreams.request(upstream.address, get(), null, whole);
  assert.equal(response.body, null);
  assert.equal(decoder.decode(response.bytes), "0123456789");
  // The connection is back in the pool at once; the bytes stay valid until done().
  assert.equal(upstreams.idle(), 1);
  const next = await upstreams.request(upstream.address, get(), null, whole);
  assert.equal(next.reused, true);
  assert.equal(upstream.accepted, 1);
  assert.equal(decoder.decode(next.bytes), "0123456789");
  assert.equal(decoder.decode(response.bytes), "0123456789");
  response.done!();
  next.done!();
  // Without the option, the same response is a body to read.
  const read = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(read.bytes, undefined);
  assert.equal(await text(read), "0123456789");
});

Deno.test("UpstreamPool.request() with whole watches an idle connection only once done() is called", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(ok("hi"));
    await sleep(20);
    // The upstream drops its idle keep-alive connection.
    peer.conn.close();
  });
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, {
    ...OPTIONS,
    whole: true,
  });
  assert.equal(decoder.decode(response.bytes), "hi");
  await sleep(80);
  // Lent: no read may go into its buffer, so nothing has seen the close yet.
  assert.equal(upstreams.idle(), 1);
  response.done!();
  for (let i = 0; i < 100 && upstreams.idle() > 0; i++) await sleep(10);
  assert.equal(upstreams.idle(), 0);
});

Deno.test("UpstreamPool.request() sends a head given as text, UTF-8, short or long", async () => {
  const heads: string[] = [];
  await using upstream = rawUpstream(async (peer) => {
    for (let i = 0; i < 2; i++) {
      const request = await peer.request();
      if (request === null) return;
      heads.push(request.head);
      await peer.send(ok("ok"));
    }
  });
  using upstreams = pool();
  const short = "GET /é HTTP/1.1\r\nHost: upstream\r\nX-Name: Zoë\r\n\r\n";
  const long = `GET / HTTP/1.1\r\nHost: upstream\r\nX-Long: ${"x".repeat(40_000)}\r\n\r\n`;
  // The long one first: the peer finds heads by text, so bytes past a non-ASCII one would shift.
  for (const head of [long, short]) {
    const response = await upstreams.request(upstream.address, head, null, OPTIONS);
    assert.equal(await text(response), "ok");
  }
  assert.equal(upstream.accepted, 1);
  // The peer decodes UTF-8: the text arrived as its UTF-8 bytes.
  assert.deepEqual(heads, [long, short]);
});

Deno.test("UpstreamPool.request() does not reuse a connection after Connection: close", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(ok("bye", "Connection: close\r\n"));
    await peer.closedByClient();
  });
  using upstreams = pool();
  for (let i = 0; i < 2; i++) {
    const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
    assert.equal(response.reused, false);
    assert.equal(await text(response), "bye");
    assert.equal(upstreams.idle(), 0);
  }
  assert.equal(upstream.accepted, 2);
});

Deno.test("UpstreamPool.request() reuses HTTP/1.0 only with Connection: keep-alive", async () => {
  await using upstream = rawUpstream((peer) =>
    answerAll(
      peer,
      (head) =>
        head.startsWith("GET /ka")
          ? "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nka"
          : "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nno",
    )
  );
  using upstreams = pool();
  const kept = await upstreams.request(upstream.address, get("/ka"), null, OPTIONS);
  assert.equal(kept.version, "1.0");
  assert.equal(await text(kept), "ka");
  assert.equal(upstreams.idle(), 1);
  const closed = await upstreams.request(upstream.address, get("/no"), null, OPTIONS);
  assert.equal(closed.reused, true);
  assert.equal(await text(closed), "no");
  assert.equal(upstreams.idle(), 0);
});

Deno.test("UpstreamPool.request() opens a new connection after keepaliveRequests requests", async () => {
  await using upstream = rawUpstream((peer) => answerAll(peer));
  using upstreams = pool({ keepaliveRequests: 2 });
  const reused: boolean[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
    reused.push(response.reused);
    await text(response);
  }
  assert.deepEqual(reused, [false, true, false, true, false]);
  assert.equal(upstream.accepted, 3);
});

Deno.test("UpstreamPool.request() keeps no connection when keepalive is 0", async () => {
  await using upstream = rawUpstream((peer) => answerAll(peer));
  using upstreams = pool({ keepalive: 0 });
  for (let i = 0; i < 2; i++) {
    await text(await upstreams.request(upstream.address, get(), null, OPTIONS));
    assert.equal(upstreams.idle(), 0);
  }
  assert.equal(upstream.accepted, 2);
});

Deno.test("UpstreamPool.request() keeps at most keepalive idle connections per address", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await sleep(50); // all three requests are in flight at once
    await answerAll(peer);
  });
  using upstreams = pool({ keepalive: 2 });
  const responses = await Promise.all(
    [1, 2, 3].map(() => upstreams.request(upstream.address, get(), null, OPTIONS)),
  );
  for (const response of responses) await text(response);
  assert.equal(upstream.accepted, 3);
  assert.equal(upstreams.idle(upstream.address), 2);
});

Deno.test("UpstreamPool closes an idle connection after keepaliveTimeout", async () => {
  let closedAt = 0;
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(ok("x"));
    if (await peer.closedByClient()) closedAt = performance.now();
  });
  using upstreams = pool({ keepaliveTimeout: 300 });
  await text(await upstreams.request(upstream.address, get(), null, OPTIONS));
  const idleAt = performance.now();
  assert.equal(upstreams.idle(), 1);
  for (let i = 0; i < 100 && closedAt === 0; i++) await sleep(20);
  const took = closedAt - idleAt;
  // Upper bounds allow for a loaded parallel test run (timers fire late, never early).
  assert.ok(took >= 240 && took <= 1500, `closed after ${took} ms`);
  assert.equal(upstreams.idle(), 0);
});

Deno.test("UpstreamPool.close() closes idle connections and refuses new requests", async () => {
  let closed = false;
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(ok("x"));
    closed = await peer.closedByClient();
  });
  const upstreams = pool();
  await text(await upstreams.request(upstream.address, get(), null, OPTIONS));
  upstreams.close();
  assert.equal(upstreams.idle(), 0);
  await assert.rejects(upstreams.request(upstream.address, get(), null, OPTIONS), /closed/);
  for (let i = 0; i < 50 && !closed; i++) await sleep(20);
  assert.ok(closed);
});

// --- Retries on reused connections ----------------------------------------------------------

Deno.test("UpstreamPool.request() retries on a fresh connection when a reused one closes unanswered", async () => {
  let seen = 0;
  await using upstream = rawUpstream(async (peer, index) => {
    if (index === 0) {
      await peer.request();
      await peer.send(ok("first"));
      // gunicorn's keep-alive timeout racing the next request: read it, close, answer nothing.
      if (await peer.request()) seen++;
      return;
    }
    await answerAll(peer, (head) => {
      if (head.startsWith("GET /second")) seen++;
      return ok("second");
    });
  });
  using upstreams = pool();
  assert.equal(
    await text(await upstreams.request(upstream.address, get(), null, OPTIONS)),
    "first",
  );
  const response = await upstreams.request(upstream.address, get("/second"), null, OPTIONS);
  assert.equal(response.reused, false);
  assert.equal(await text(response), "second");
  assert.equal(seen, 2);
  assert.equal(upstream.accepted, 2);
});

Deno.test("UpstreamPool.request() survives an upstream that closes every keep-alive connection after answering", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(ok("x", "Connection: keep-alive\r\n"));
  });
  using upstreams = pool();
  for (let i = 0; i < 30; i++) {
    const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
    assert.equal(response.status, 200);
    assert.equal(await text(response), "x");
    if (i % 3 === 0) await sleep(5); // sometimes the close is seen while idle, sometimes not
  }
  assert.equal(upstream.accepted, 30);
});

Deno.test("UpstreamPool.request() does not retry when retryReused is false", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(ok("first"));
    await peer.request();
  });
  using upstreams = pool();
  await text(await upstreams.request(upstream.address, get(), null, OPTIONS));
  const error = await rejectsWith(
    upstreams.request(upstream.address, get(), null, { ...OPTIONS, retryReused: false }),
    "reset",
  );
  assert.equal(error.sent, true);
  assert.equal(upstream.accepted, 1);
});

Deno.test("UpstreamPool.request() does not retry once the request body was read", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(ok("first"));
    await peer.request(); // head and body, then close unanswered
  });
  using upstreams = pool();
  await text(await upstreams.request(upstream.address, get(), null, OPTIONS));
  const head = encoder.encode("POST / HTTP/1.1\r\nHost: u\r\nContent-Length: 5\r\n\r\n");
  const body = source([encoder.encode("hello")], 5);
  const error = await rejectsWith(
    upstreams.request(upstream.address, head, body, { ...OPTIONS, method: "POST" }),
    "reset",
  );
  assert.equal(error.sent, true);
  assert.equal(upstream.accepted, 1);
});

// --- Framing -------------------------------------------------------------------------------

Deno.test("UpstreamPool.request() decodes a chunked body with trailers and keeps the connection", async () => {
  await using upstream = rawUpstream((peer) =>
    answerAll(peer, () =>
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Checksum: 1\r\nX-More: 2\r\n\r\n")
  );
  using upstreams = pool();
  for (let i = 0; i < 2; i++) {
    const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
    assert.equal(response.body?.length, -1);
    assert.equal(await text(response), "hello, world");
    assert.equal(upstreams.idle(), 1);
  }
  assert.equal(upstream.accepted, 1);
});

Deno.test("UpstreamPool.request() reads a chunked body that arrives a byte at a time", async () => {
  const wire =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    for (const c of wire) await peer.send(c);
    await peer.closedByClient();
  });
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(await text(response), "abcde");
  assert.equal(upstreams.idle(), 1);
});

Deno.test("UpstreamPool.request() reads a Content-Length body sent in pieces (whole or not)", async () => {
  await using upstream = rawUpstream(async (peer) => {
    // Nagle's algorithm would hold a piece back until the last one is acknowledged.
    (peer.conn as Deno.TcpConn).setNoDelay(true);
    while (await peer.request() !== null) {
      await peer.send("HTTP/1.1 200 OK\r\nContent-Le");
      await sleep(10);
      await peer.send("ngth: 11\r\n\r\nhello");
      await sleep(10);
      await peer.send(" world");
    }
  });
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(response.bytes, undefined);
  assert.equal(response.body?.length, 11);
  assert.equal(await text(response), "hello world");
  assert.equal(upstreams.idle(), 1);
  // With `whole`, a body that did not come with its head is read as a body all the same.
  const whole = await upstreams.request(upstream.address, get(), null, { ...OPTIONS, whole: true });
  assert.equal(whole.bytes, undefined);
  assert.equal(await text(whole), "hello world");
  assert.equal(upstreams.idle(), 1);
  assert.equal(upstream.accepted, 1);
});

Deno.test("UpstreamPool.request() with whole streams a body too big for the buffer, and reports one cut short", async () => {
  const big = "y".repeat(100_000);
  await using upstream = rawUpstream(async (peer) => {
    const first = await peer.request();
    if (first === null) return;
    await peer.send(ok(big));
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
    peer.close();
  });
  using upstreams = pool();
  const whole = { ...OPTIONS, whole: true };
  const large = await upstreams.request(upstream.address, get(), null, whole);
  assert.equal(large.bytes, undefined);
  assert.equal(large.body?.length, 100_000);
  assert.equal(await text(large), big);
  const cut = await upstreams.request(upstream.address, get(), null, whole);
  assert.equal(cut.bytes, undefined);
  await rejectsWith(text(cut), "reset");
  assert.equal(upstreams.idle(), 0);
});

Deno.test("UpstreamPool.request() reads a body without length until the upstream closes", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome");
    await sleep(10);
    await peer.send(" more");
  });
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(response.body?.length, -1);
  assert.equal(await text(response), "some more");
  assert.equal(upstreams.idle(), 0);
});

Deno.test("UpstreamPool.request() reads a chunked body when Content-Length is also sent, then closes", async () => {
  await using upstream = rawUpstream((peer) =>
    answerAll(
      peer,
      () =>
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    )
  );
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(response.body?.length, -1);
  assert.equal(await text(response), "ok");
  assert.equal(upstreams.idle(), 0);
});

Deno.test("UpstreamPool.request() gives no body for HEAD, 204 and 304, and keeps the connection", async () => {
  await using upstream = rawUpstream((peer) =>
    answerAll(
      peer,
      (head) =>
        head.startsWith("HEAD")
          ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
          : head.startsWith("GET /204")
          ? "HTTP/1.1 204 No Content\r\n\r\n"
          : head.startsWith("GET /304")
          ? 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: "x"\r\n\r\n'
          : ok(""),
    )
  );
  using upstreams = pool();
  const head = await upstreams.request(upstream.address, get("/", "HEAD"), null, {
    ...OPTIONS,
    method: "HEAD",
  });
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  for (const status of [204, 304]) {
    const response = await upstreams.request(upstream.address, get(`/${status}`), null, OPTIONS);
    assert.equal(response.status, status);
    assert.equal(response.body, null);
  }
  const empty = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(empty.body, null);
  assert.equal(upstream.accepted, 1);
  assert.equal(upstreams.idle(), 1);
});

Deno.test("UpstreamPool.request() skips 100 Continue and 103 Early Hints", async () => {
  await using upstream = rawUpstream((peer) =>
    answerAll(peer, () =>
      "HTTP/1.1 100 Continue\r\n\r\n" +
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + ok("done"))
  );
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(response.status, 200);
  assert.deepEqual(response.headers, ["content-length", "4"]);
  assert.equal(await text(response), "done");
});

Deno.test("UpstreamPool.request() returns all fields in order, names lower-cased, LF-only lines accepted", async () => {
  await using upstream = rawUpstream((peer) =>
    answerAll(
      peer,
      () =>
        "HTTP/1.1 201 Created Here\nSet-Cookie: a=1\r\nX-Empty:\r\nSet-Cookie:  b=2 \r\n" +
        "Content-Length: 2, 2\r\nContent-Length: 2\r\n\nok",
    )
  );
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(response.status, 201);
  assert.equal(response.reason, "Created Here");
  assert.deepEqual(response.headers, [
    "set-cookie",
    "a=1",
    "x-empty",
    "",
    "set-cookie",
    "b=2",
    "content-length",
    "2, 2",
    "content-length",
    "2",
  ]);
  assert.equal(await text(response), "ok");
});

for (
  const [name, wire] of [
    ["a status line that is not HTTP/1.x", "ICY 200 OK\r\n\r\n"],
    ["a two-digit status", "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"],
    ["HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n"],
    [
      "differing Content-Lengths",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    ],
    ["a Content-Length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"],
    ["a folded line", "HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\nContent-Length: 0\r\n\r\n"],
    ["a space before the colon", "HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n"],
    ["a bare CR", "HTTP/1.1 200 OK\r\nX-A: 1\r2\r\n\r\n"],
    ["a head over 64 KiB", `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(70_000)}\r\n\r\n`],
  ]
) {
  Deno.test(`UpstreamPool.request() fails with invalid-response on ${name}`, async () => {
    await using upstream = rawUpstream(async (peer) => {
      await peer.request();
      await peer.send(wire);
      await peer.closedByClient();
    });
    using upstreams = pool();
    const error = await rejectsWith(
      upstreams.request(upstream.address, get(), null, OPTIONS),
      "invalid-response",
    );
    assert.ok(error.sent);
    assert.equal(upstreams.idle(), 0);
  });
}

Deno.test("UpstreamPool.request() body fails with invalid-response on broken chunked framing", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
    );
    await peer.closedByClient();
  });
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  await rejectsWith(text(response), "invalid-response");
  assert.equal(upstreams.idle(), 0);
});

Deno.test("UpstreamPool.request() body fails with reset when the upstream closes before its end", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  });
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.equal(decoder.decode((await response.body!.read())!), "abc");
  await rejectsWith(response.body!.read(), "reset");
  // A broken body keeps failing.
  await rejectsWith(response.body!.read(), "reset");
});

Deno.test("UpstreamPool.request() does not reuse a connection with bytes past the response", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(ok("x") + "HTTP/1.1 200 OK\r\n");
    await peer.closedByClient();
  });
  using upstreams = pool();
  assert.equal(await text(await upstreams.request(upstream.address, get(), null, OPTIONS)), "x");
  assert.equal(upstreams.idle(), 0);
});

// --- Bodies, cancel, upgrade -------------------------------------------------------------

Deno.test("UpstreamPool.request() sends a Content-Length body after the head", async () => {
  await using upstream = rawUpstream((peer) =>
    (async () => {
      const request = await peer.request();
      await peer.send(ok(`${request!.head.split("\r\n")[0]}|${decoder.decode(request!.body)}`));
      await answerAll(peer);
    })()
  );
  using upstreams = pool();
  const head = encoder.encode("PUT /x HTTP/1.1\r\nHost: u\r\nContent-Length: 11\r\n\r\n");
  const body = source([encoder.encode("hello"), encoder.encode(" world")], 11);
  const response = await upstreams.request(upstream.address, head, body, {
    ...OPTIONS,
    method: "PUT",
  });
  assert.equal(await text(response), "PUT /x HTTP/1.1|hello world");
  assert.equal(upstreams.idle(), 1);
});

Deno.test("UpstreamPool.request() chunks a body of unknown length", async () => {
  let wire = "";
  await using upstream = rawUpstream(async (peer) => {
    const head = await peer.headOnly();
    wire = await peer.until("0\r\n\r\n");
    assert.ok(head?.includes("chunked"));
    await peer.send(ok("got it"));
    await peer.closedByClient();
  });
  using upstreams = pool();
  const head = encoder.encode(
    "POST / HTTP/1.1\r\nHost: u\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  const big = new Uint8Array(20_000).fill(120);
  const body = source([encoder.encode("hello"), new Uint8Array(0), big], -1);
  const response = await upstreams.request(upstream.address, head, body, {
    ...OPTIONS,
    method: "POST",
  });
  assert.equal(await text(response), "got it");
  assert.equal(wire, `5\r\nhello\r\n4e20\r\n${"x".repeat(20_000)}\r\n0\r\n\r\n`);
});

Deno.test("UpstreamPool.request() returns an answer that comes before the body is sent", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.headOnly();
    await peer.send("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig");
    await sleep(300); // reads none of the body, then leaves
  });
  using upstreams = pool();
  const head = encoder.encode("POST / HTTP/1.1\r\nHost: u\r\nContent-Length: 268435456\r\n\r\n");
  const block = new Uint8Array(64 * 1024);
  let given = 0;
  const body: BodySource = {
    length: 256 * MiB,
    read: () => Promise.resolve(given++ < 4096 ? block : null),
    cancel() {},
  };
  const response = await upstreams.request(upstream.address, head, body, {
    ...OPTIONS,
    method: "POST",
  });
  assert.equal(response.status, 413);
  assert.equal(await text(response), "big");
  assert.ok(given < 4096, "the whole body was sent");
  assert.equal(upstreams.idle(), 0);
});

Deno.test("UpstreamPool.request() fails with aborted, caused by the body's error, when the request body fails", async () => {
  let closed = false;
  await using upstream = rawUpstream(async (peer) => {
    await peer.headOnly();
    closed = await peer.closedByClient();
  });
  using upstreams = pool();
  const head = encoder.encode("POST / HTTP/1.1\r\nHost: u\r\nContent-Length: 10\r\n\r\n");
  const failure = new Error("The client left");
  const body: BodySource = {
    length: 10,
    read: () => Promise.reject(failure),
    cancel() {},
  };
  const error = await rejectsWith(
    upstreams.request(upstream.address, head, body, { ...OPTIONS, method: "POST" }),
    "aborted",
  );
  assert.equal(error.cause, failure);
  assert.equal(error.message, "Cannot send the request body: The client left");
  for (let i = 0; i < 50 && !closed; i++) await sleep(20);
  assert.ok(closed);
});

Deno.test("UpstreamPool.request() fails with aborted when the request body is shorter than its length", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.headOnly();
    await peer.closedByClient();
  });
  using upstreams = pool();
  const head = encoder.encode("POST / HTTP/1.1\r\nHost: u\r\nContent-Length: 10\r\n\r\n");
  const error = await rejectsWith(
    upstreams.request(upstream.address, head, source([encoder.encode("abc")], 10), {
      ...OPTIONS,
      method: "POST",
    }),
    "aborted",
  );
  assert.ok(error.cause instanceof RangeError);
});

Deno.test("UpstreamPool.request() body cancel() closes the connection mid-body", async () => {
  let closed = false;
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(`HTTP/1.1 200 OK\r\nContent-Length: ${10 * MiB}\r\n\r\n`);
    await peer.send(new Uint8Array(64 * 1024));
    closed = await within(peer.closedByClient(), 2_000, "The close");
  });
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  assert.ok((await response.body!.read())!.length > 0);
  response.body!.cancel();
  response.body!.cancel();
  await rejectsWith(response.body!.read(), "aborted");
  for (let i = 0; i < 50 && !closed; i++) await sleep(20);
  assert.ok(closed);
  assert.equal(upstreams.idle(), 0);
});

Deno.test("UpstreamPool.request() hands over the socket on 101 Switching Protocols", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nearly",
    );
    const buf = new Uint8Array(1024);
    for (let i = 0; i < 100; i++) {
      const n = await peer.conn.read(buf);
      if (n === null) return;
      await peer.send(buf.subarray(0, n));
    }
  });
  using upstreams = pool();
  const head = encoder.encode(
    "GET /ws HTTP/1.1\r\nHost: u\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
  );
  const response = await upstreams.request(upstream.address, head, null, OPTIONS);
  assert.equal(response.status, 101);
  assert.equal(response.body, null);
  const upgraded = response.upgraded!;
  assert.equal(decoder.decode(upgraded.early), "early");
  await upgraded.conn.write(encoder.encode("ping"));
  const buf = new Uint8Array(16);
  const n = await within(upgraded.conn.read(buf), 2_000, "The echo");
  assert.equal(decoder.decode(buf.subarray(0, n!)), "ping");
  upgraded.conn.close();
  assert.equal(upstreams.idle(), 0);
});

// --- Timeouts and aborts ------------------------------------------------------------------

Deno.test("UpstreamPool.request() fails with timeout after readTimeout of silence", async () => {
  let closed = false;
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    closed = await peer.closedByClient();
  });
  using upstreams = pool();
  const started = performance.now();
  const error = await rejectsWith(
    upstreams.request(upstream.address, get(), null, { ...OPTIONS, readTimeout: 500 }),
    "timeout",
  );
  const took = performance.now() - started;
  assert.ok(took >= 400 && took <= 2000, `failed after ${took} ms`);
  assert.ok(error.sent);
  for (let i = 0; i < 50 && !closed; i++) await sleep(20);
  assert.ok(closed);
});

Deno.test("UpstreamPool.request() body fails with timeout when the upstream stalls mid-body", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    await peer.closedByClient();
  });
  using upstreams = pool();
  const response = await upstreams.request(upstream.address, get(), null, {
    ...OPTIONS,
    readTimeout: 300,
  });
  await response.body!.read();
  const started = performance.now();
  await rejectsWith(response.body!.read(), "timeout");
  const took = performance.now() - started;
  assert.ok(took >= 240 && took <= 1500, `failed after ${took} ms`);
});

Deno.test("UpstreamPool.request() fails with timeout when the upstream stops reading the body", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.headOnly();
    await sleep(1_000); // reads nothing more
  });
  using upstreams = pool();
  const head = encoder.encode("POST / HTTP/1.1\r\nHost: u\r\nContent-Length: 268435456\r\n\r\n");
  const block = new Uint8Array(64 * 1024);
  let given = 0;
  const body: BodySource = {
    length: 256 * MiB,
    read: () => Promise.resolve(given++ < 4096 ? block : null),
    cancel() {},
  };
  const error = await within(
    rejectsWith(
      upstreams.request(upstream.address, head, body, {
        ...OPTIONS,
        method: "POST",
        sendTimeout: 300,
      }),
      "timeout",
    ),
    2_500,
    "The send timeout",
  );
  assert.ok(error.sent);
  assert.match(error.message, /accepted nothing/);
});

Deno.test("UpstreamPool.request() fails with connect-timeout when the upstream's backlog is full", async () => {
  // Deno listens with a backlog of 511: once that many connections wait to be accepted, the
  // kernel drops further SYNs and a connect hangs (a sandbox answers for non-routable ones).
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const fillers: Deno.Conn[] = [];
  using upstreams = pool();
  try {
    // A connect that hangs for `ms`, or the connection.
    const attempt = (ms: number) =>
      Deno.connect({
        hostname: "127.0.0.1",
        port: listener.addr.port,
        signal: AbortSignal.timeout(ms),
      }).catch((error) => {
        if (error instanceof DOMException && error.name === "TimeoutError") return null;
        throw error;
      });
    for (let i = 0; i < 4096; i++) {
      // A connect slower than 150 ms may be a stall of a loaded machine, not a full backlog:
      // only one that also hangs for 1.5 s (past the first SYN retransmit) is taken as full.
      const conn = await attempt(150) ?? await attempt(1_500);
      if (conn === null) break;
      fillers.push(conn);
    }
    assert.ok(fillers.length < 4096, "the backlog never filled");
    const started = performance.now();
    const error = await rejectsWith(
      upstreams.request(
        { transport: "tcp", hostname: "127.0.0.1", port: listener.addr.port },
        get(),
        null,
        { ...OPTIONS, connectTimeout: 400 },
      ),
      "connect-timeout",
    );
    const took = performance.now() - started;
    // The lower bound is the timeout's; the upper one allows for a loaded test run (tests run
    // in parallel in one process: a busy neighbour delays timers).
    assert.ok(took >= 320 && took <= 3000, `failed after ${took} ms`);
    assert.equal(error.sent, false);
  } finally {
    for (const conn of fillers) conn.close();
    listener.close();
  }
});

Deno.test("UpstreamPool.request() fails with connect when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  listener.close();
  using upstreams = pool();
  const error = await rejectsWith(
    upstreams.request(
      { transport: "tcp", hostname: "127.0.0.1", port: listener.addr.port },
      get(),
      null,
      OPTIONS,
    ),
    "connect",
  );
  assert.match(error.message, /^Cannot connect to "127\.0\.0\.1:\d+": /);
});

Deno.test("UpstreamPool.request() fails with aborted and closes the socket when the signal aborts", async () => {
  let closed = false;
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    closed = await peer.closedByClient();
  });
  using upstreams = pool();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 200);
  try {
    await rejectsWith(
      upstreams.request(upstream.address, get(), null, {
        ...OPTIONS,
        signal: controller.signal,
      }),
      "aborted",
    );
  } finally {
    clearTimeout(timer);
  }
  for (let i = 0; i < 50 && !closed; i++) await sleep(20);
  assert.ok(closed);
  await rejectsWith(
    upstreams.request(upstream.address, get(), null, { ...OPTIONS, signal: controller.signal }),
    "aborted",
  );
});

Deno.test("UpstreamPool.request() body fails with aborted when the signal aborts mid-body", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    await peer.closedByClient();
  });
  using upstreams = pool();
  const controller = new AbortController();
  const response = await upstreams.request(upstream.address, get(), null, {
    ...OPTIONS,
    signal: controller.signal,
  });
  await response.body!.read();
  setTimeout(() => controller.abort(), 50);
  await rejectsWith(response.body!.read(), "aborted");
});

// --- Unix sockets, Deno.serve, memory ----------------------------------------------------

Deno.test("UpstreamPool.request() talks to a unix socket upstream", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const listener = Deno.listen({ transport: "unix", path: `${dir}/app.sock` });
    await using upstream = rawUpstream((peer) => answerAll(peer), listener);
    using upstreams = pool();
    for (let i = 0; i < 2; i++) {
      const response = await upstreams.request(upstream.address, get("/unix"), null, OPTIONS);
      assert.equal(response.reused, i === 1);
      assert.equal(await text(response), "/unix");
    }
    assert.equal(upstreams.idle({ transport: "unix", path: `${dir}/app.sock` }), 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UpstreamPool.request() keeps connections to Deno.serve alive", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => new Response(`hello ${new URL(request.url).pathname}`),
  );
  using upstreams = pool();
  const address: UpstreamAddress = {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: server.addr.port,
  };
  for (let i = 0; i < 3; i++) {
    const response = await upstreams.request(address, get(`/${i}`), null, OPTIONS);
    assert.equal(response.reused, i > 0);
    assert.equal(await text(response), `hello /${i}`);
  }
  assert.equal(upstreams.idle(address), 1);
});

Deno.test("UpstreamPool.request() streams a 200 MiB response body in constant memory", async () => {
  const total = 200 * MiB;
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
    const block = new Uint8Array(256 * 1024).fill(7);
    for (let sent = 0; sent < total; sent += block.length) await peer.send(block);
    await peer.closedByClient();
  });
  using upstreams = pool();
  const before = Deno.memoryUsage().rss;
  let peak = before;
  const response = await upstreams.request(upstream.address, get(), null, OPTIONS);
  let received = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const chunk = await response.body!.read();
    if (chunk === null) break;
    received += chunk.length;
    if ((i & 127) === 0) peak = Math.max(peak, Deno.memoryUsage().rss);
  }
  assert.equal(received, total);
  // RSS is the whole test process (tests run in parallel beside this one): a buffered 200 MiB
  // body would still show; a constant-memory stream stays far below.
  assert.ok(peak - before < 128 * MiB, `RSS grew by ${((peak - before) / MiB).toFixed(1)} MiB`);
  assert.equal(upstreams.idle(), 1);
});

Deno.test("UpstreamPool.request() streams a 200 MiB chunked request body in constant memory", async () => {
  const total = 200 * MiB;
  await using upstream = rawUpstream(async (peer) => {
    await peer.headOnly();
    const count = await peer.countChunked();
    await peer.send(ok(String(count)));
    await peer.closedByClient();
  });
  using upstreams = pool();
  const block = new Uint8Array(64 * 1024).fill(9);
  let given = 0;
  let peak = 0;
  const before = Deno.memoryUsage().rss;
  const body: BodySource = {
    length: -1,
    read() {
      if ((given & 127) === 0) peak = Math.max(peak, Deno.memoryUsage().rss);
      return Promise.resolve(given++ * block.length < total ? block : null);
    },
    cancel() {},
  };
  const head = encoder.encode(
    "POST /upload HTTP/1.1\r\nHost: u\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  const response = await upstreams.request(upstream.address, head, body, {
    ...OPTIONS,
    method: "POST",
  });
  assert.equal(await text(response), String(total));
  // RSS is the whole test process (tests run in parallel beside this one): a buffered 200 MiB
  // body would still show; a constant-memory stream stays far below.
  assert.ok(peak - before < 128 * MiB, `RSS grew by ${((peak - before) / MiB).toFixed(1)} MiB`);
});

Deno.test("UpstreamPool's idle connections do not keep a process alive, busy ones do", async () => {
  await using upstream = rawUpstream(async (peer) => {
    await peer.request();
    await peer.send(ok("first"));
    await peer.request();
    // The second answer comes late: the child must wait for it on its reused connection.
    await sleep(300);
    await peer.send(ok("late"));
    await peer.closedByClient();
  });
  const port = (upstream.address as { port: number }).port;
  const code = `
    import { UpstreamPool } from ${JSON.stringify(new URL("./client.ts", import.meta.url).href)};
    const pool = new UpstreamPool({ keepalive: 8, keepaliveTimeout: 30000, keepaliveRequests: 100 });
    const address = { transport: "tcp", hostname: "127.0.0.1", port: ${port} };
    const options = { method: "GET", connectTimeout: 5000, sendTimeout: 5000, readTimeout: 5000 };
    const head = new TextEncoder().encode("GET / HTTP/1.1\\r\\nHost: u\\r\\n\\r\\n");
    for (let i = 0; i < 2; i++) {
      const response = await pool.request(address, head, null, options);
      let body = "";
      for (let chunk; (chunk = await response.body.read()) !== null;) body += new TextDecoder().decode(chunk);
      console.log(body, response.reused);
    }
  `;
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = await within(child.output(), 10_000, "The child");
  const took = performance.now() - started;
  assert.equal(decoder.decode(output.stderr), "");
  assert.equal(decoder.decode(output.stdout), "first false\nlate true\n");
  assert.ok(took < 5_000, `the child ran for ${took} ms`);
});

Deno.test("UpstreamPool rejects invalid options", () => {
  assert.throws(() => pool({ keepalive: -1 }), RangeError);
  assert.throws(() => pool({ keepaliveTimeout: 0 }), RangeError);
  assert.throws(() => pool({ keepaliveRequests: 0 }), RangeError);
});
