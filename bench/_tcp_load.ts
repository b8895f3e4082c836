// deno-lint-ignore-file no-console
// The load client of bench/stream_mail.ts, run as its own process (wrk speaks only HTTP). Three
// modes, each bounded by --seconds (and bulk by --bytes too):
//
//   rate   N loops of connect → write --size bytes → read them back → close
//   bulk   N connections each sending up to --bytes while reading the echo back
//   smtp   N loops of connect → EHLO → AUTH PLAIN → MAIL/RCPT/DATA (a small message) → QUIT
//
//   deno run -A bench/_tcp_load.ts --mode rate --port PORT [--seconds 5] [--concurrency 32]
//
// Prints one JSON line: counts, errors, elapsed ms, bytes, and a latency histogram (1 % wide
// buckets of µs) that bench/stream_mail.ts merges over client processes.

import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "rate" },
    port: { type: "string" },
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "32" },
    size: { type: "string", default: "64" },
    bytes: { type: "string", default: String(1024 ** 3) },
  },
});
const port = Number(values.port);
const seconds = Math.min(Number(values.seconds), 60);
const concurrency = Math.min(Number(values.concurrency), 1024);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Latencies, µs, in 1 % wide log buckets: bucket k holds [e^(k/100), e^((k+1)/100)). */
const histogram = new Map<number, number>();
let count = 0;
let errors = 0;
let firstError = "";
let bytes = 0;

function record(startMs: number): void {
  const us = Math.max(1, (performance.now() - startMs) * 1000);
  const k = Math.floor(Math.log(us) * 100);
  histogram.set(k, (histogram.get(k) ?? 0) + 1);
  count++;
}

function fail(error: unknown): Promise<void> {
  errors++;
  firstError ||= error instanceof Error ? error.message : String(error);
  // A refused connect must not spin: back off a little.
  return new Promise((resolve) => setTimeout(resolve, 5));
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length;) off += await conn.write(data.subarray(off));
}

async function connect(): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  return conn;
}

/**
 * New connections one after another until `deadline`, each running `session` and then closed;
 * each success is timed from its connect, each failure counted (and the connection closed).
 */
async function connectionLoop(
  deadline: number,
  session: (conn: Deno.Conn) => Promise<void>,
): Promise<void> {
  while (performance.now() < deadline) {
    const start = performance.now();
    let conn: Deno.Conn | null = null;
    try {
      conn = await connect();
      await session(conn);
      conn.close();
      conn = null;
      record(start);
    } catch (error) {
      try {
        conn?.close();
      } catch { /* closed */ }
      await fail(error);
    }
  }
}

/** connect → write `size` bytes → read them back → close, until `deadline`. */
function rateLoop(deadline: number, payload: Uint8Array): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  return connectionLoop(deadline, async (conn) => {
    await writeAll(conn, payload);
    let got = 0;
    while (got < payload.length) {
      const n = await conn.read(buf);
      if (n === null) throw new Error(`Echo ended after ${got} of ${payload.length} bytes`);
      got += n;
    }
  });
}

/**
 * One connection sending up to `limit` bytes (or until `deadline`) while reading the echo, then
 * reading the rest of it. No half-close: nginx's stream module ends a session on the client's
 * FIN unless `proxy_half_close` is on.
 */
async function bulkStream(deadline: number, limit: number): Promise<void> {
  const start = performance.now();
  const conn = await connect();
  const chunk = new Uint8Array(256 * 1024).fill(0x61);
  let sent = 0;
  let writing = true;
  const writer = (async () => {
    try {
      while (sent < limit && performance.now() < deadline) {
        const n = Math.min(chunk.length, limit - sent);
        await writeAll(conn, chunk.subarray(0, n));
        sent += n;
      }
    } finally {
      writing = false;
    }
  })();
  const buf = new Uint8Array(256 * 1024);
  let received = 0;
  const written = writer.then(() => undefined, () => undefined);
  let pending: Promise<number | null> | null = null;
  try {
    while (writing || received < sent) {
      pending ??= conn.read(buf);
      // While writing, the reader may be all caught up: the writer's end wakes it.
      const n = writing ? await Promise.race([pending, written]) : await pending;
      if (n === undefined) continue;
      pending = null;
      if (n === null) throw new Error(`Echo ended after ${received} of ${sent} bytes`);
      received += n;
    }
    await writer;
    bytes += received;
    record(start);
  } catch (error) {
    await fail(error);
  } finally {
    pending?.catch(() => {});
    conn.close();
  }
  await written;
}

/** A reader of whole SMTP replies: the code of the last line. */
class Replies {
  #conn: Deno.Conn;
  #buf = new Uint8Array(8 * 1024);
  #text = "";
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }
  async code(): Promise<number> {
    while (true) {
      // A reply ends at a line whose 4th character is a space ("250 ..." after "250-...").
      let start = 0;
      for (let lf = this.#text.indexOf("\n"); lf >= 0; lf = this.#text.indexOf("\n", start)) {
        if (this.#text[start + 3] !== "-") {
          const code = Number(this.#text.slice(start, start + 3));
          this.#text = this.#text.slice(lf + 1);
          return code;
        }
        start = lf + 1;
      }
      const n = await this.#conn.read(this.#buf);
      if (n === null) throw new Error("The SMTP server closed mid-reply");
      this.#text += decoder.decode(this.#buf.subarray(0, n));
    }
  }
}

const PLAIN = btoa("\0bench@example.com\0secret");
const MESSAGE = encoder.encode(
  "From: bench@example.com\r\nTo: sink@example.com\r\nSubject: bench\r\n\r\n" +
    "Hello from bench/_tcp_load.ts.\r\n".repeat(8) + ".\r\n",
);
const STEPS: [Uint8Array | null, number][] = [
  [null, 220],
  [encoder.encode("EHLO client.bench.local\r\n"), 250],
  [encoder.encode(`AUTH PLAIN ${PLAIN}\r\n`), 235],
  [encoder.encode("MAIL FROM:<bench@example.com>\r\n"), 250],
  [encoder.encode("RCPT TO:<sink@example.com>\r\n"), 250],
  [encoder.encode("DATA\r\n"), 354],
  [MESSAGE, 250],
  [encoder.encode("QUIT\r\n"), 221],
];

/** Whole SMTP sessions, one command at a time, until `deadline`. */
function smtpLoop(deadline: number): Promise<void> {
  return connectionLoop(deadline, async (conn) => {
    const replies = new Replies(conn);
    for (const [command, expected] of STEPS) {
      if (command) await writeAll(conn, command);
      const code = await replies.code();
      if (code !== expected) throw new Error(`Expected ${expected}, got ${code}`);
    }
  });
}

const began = performance.now();
const deadline = began + seconds * 1000;
const loops: Promise<void>[] = [];
for (let i = 0; i < concurrency; i++) {
  if (values.mode === "rate") {
    loops.push(rateLoop(deadline, new Uint8Array(Number(values.size)).fill(0x62)));
  } else if (values.mode === "bulk") {
    loops.push(bulkStream(deadline, Number(values.bytes)).catch(fail));
  } else if (values.mode === "smtp") loops.push(smtpLoop(deadline));
  else throw new Error(`Cannot run: unknown --mode "${values.mode}"`);
}
await Promise.all(loops);
console.log(JSON.stringify({
  count,
  errors,
  firstError,
  bytes,
  elapsedMs: performance.now() - began,
  histogram: [...histogram],
}));
