// End-to-end helpers over raw TCP: free ports, polling with a deadline, whole writes, reads
// bounded in time, and an echo backend that greets with its name (so a client sees which one
// answered). Every wait is bounded.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The kernel's ephemeral port range (what port 0 and outgoing connections draw from). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range")
      .trim().split(/\s+/).map(Number);
    if (low > 0 && high >= low) return [low, high];
  } catch { /* not Linux: the IANA range */ }
  return [49152, 65535];
}

const EPHEMERAL = ephemeralRange();

/**
 * A TCP port free right now on 127.0.0.1, for a child process to bind later (or to stay
 * unbound: a "dead" upstream). Drawn at random from outside the ephemeral range: a port from
 * there (what binding port 0 gives) can be taken meanwhile by any outgoing connection or
 * port-0 listener of the tests running in parallel.
 */
export function freePort(): number {
  const [low, high] = EPHEMERAL;
  // Below the ephemeral range when there is room, else above it; never under 10000.
  const [from, to] = low - 10000 >= 5000 ? [10000, low - 1] : [high + 1, 65535];
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    }
  }
  throw new Error(`No free port found in ${from}-${to}`);
}

/** Waits until `check` is true, polling, at most `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * `promise`, or a rejection naming `what` after `ms`: a test's clean-up must not hang the whole
 * run (Deno's test runner has no per-test timeout).
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes `closable`; one closed already is fine. */
export function closeQuietly(closable: { close(): void }): void {
  try {
    closable.close();
  } catch { /* closed */ }
}

/** Writes all of `data` (text as UTF-8). */
export async function writeAll(conn: Deno.Conn, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** Reads until `text` has arrived, the end, or 5 s; what came. */
export async function readUntil(conn: Deno.Conn, text: string): Promise<string> {
  let got = "";
  const buf = new Uint8Array(16 * 1024);
  const timer = setTimeout(() => closeQuietly(conn), 5000);
  try {
    while (!got.includes(text)) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += decoder.decode(buf.subarray(0, n));
    }
  } catch {
    /* closed by the timer */
  } finally {
    clearTimeout(timer);
  }
  return got;
}

/** Reads until the peer closes the connection (or 5 s). */
export function readAll(conn: Deno.Conn): Promise<string> {
  return readUntil(conn, "\u0000never\u0000");
}

/** A TCP backend: greets with `NAME\n`, echoes what it gets, records each connection's bytes. */
export interface EchoBackend extends AsyncDisposable {
  name: string;
  address: string;
  /** Each connection's bytes so far. */
  received: Uint8Array[][];
  close(): Promise<void>;
}

/** Starts an {@linkcode EchoBackend} on 127.0.0.1 port 0; `await using` closes it. */
export function startEchoBackend(name: string): EchoBackend {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serving = new Set<Promise<void>>();
  const received: Uint8Array[][] = [];
  const serve = async (conn: Deno.Conn, record: Uint8Array[]) => {
    try {
      await writeAll(conn, `${name}\n`);
      const buf = new Uint8Array(64 * 1024);
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        record.push(buf.slice(0, n));
        await writeAll(conn, buf.subarray(0, n));
      }
      await conn.closeWrite();
    } catch {
      /* cut */
    } finally {
      conns.delete(conn);
      closeQuietly(conn);
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        const record: Uint8Array[] = [];
        received.push(record);
        const p = serve(conn, record);
        serving.add(p);
        p.finally(() => serving.delete(p));
      }
    } catch { /* closed */ }
  })();
  const close = async () => {
    closeQuietly(listener);
    for (const conn of conns) closeQuietly(conn);
    await accepting;
    await Promise.all(serving);
  };
  return {
    name,
    address: `127.0.0.1:${listener.addr.port}`,
    received,
    close,
    [Symbol.asyncDispose]: close,
  };
}
