// Server-side STARTTLS (RFC 3207) on a connection that already spoke plaintext. Deno 2.9.6 has
// no public API for it (Deno.startTls is client-only), but node:tls runs over any Duplex: the
// connection is wrapped in one whose read() is conn.read and whose write() is conn.write, and a
// server TLSSocket handshakes over it. The session then looks like a TunnelEnd again, so the
// line reader and tunnel() work on either. Private to the mail module.

import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import tls from "node:tls";
import type { TunnelEnd } from "../upstream/mod.ts";
import type { TlsKeyPair } from "../http/tls.ts";

/** What {@linkcode startTls} needs. */
export interface StartTlsOptions {
  /** The certificate chain and key (PEM). */
  tls: TlsKeyPair;
  /** The longest the handshake may take, ms. */
  timeout: number;
}

/** Plaintext bytes queued above this stop the reads of the connection until read() catches up. */
const HIGH_WATER = 64 * 1024;

/**
 * Runs a TLS server handshake on `conn` (whose plaintext reads must be over: nothing may be
 * reading it) and resolves to the TLS session; rejects when the handshake fails or times out,
 * having closed `conn`.
 *
 * @example
 * ```ts ignore
 * const secure = await startTls(conn, { tls: { cert, key }, timeout: 10_000 });
 * await secure.write(new TextEncoder().encode("250 OK\r\n"));
 * ```
 */
export function startTls(conn: TunnelEnd, options: StartTlsOptions): Promise<TunnelEnd> {
  const session = new ServerTlsSession(conn, options.tls);
  return session.handshake(options.timeout).then(() => session);
}

/**
 * A Duplex that reads and writes a Deno connection (or any TunnelEnd); each read waits for
 * `room()` first (the TLS socket itself reads on while paused, so the back-pressure is here).
 */
function duplexOf(conn: TunnelEnd, room: () => Promise<void>): Duplex {
  const buf = new Uint8Array(16 * 1024);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  return new Duplex({
    read() {
      room().then(() => conn.read(buf)).then(
        (n) => this.push(n === null ? null : Buffer.from(buf.subarray(0, n))),
        (error) => closed ? this.push(null) : this.destroy(error),
      );
    },
    write(chunk: Buffer, _encoding, callback) {
      writeAll(conn, chunk).then(() => callback(), (error) => callback(error));
    },
    final(callback) {
      conn.closeWrite().then(() => callback(), () => callback());
    },
    destroy(error, callback) {
      close();
      callback(error);
    },
  });
}

class ServerTlsSession implements TunnelEnd {
  readonly #socket: tls.TLSSocket;
  readonly #chunks: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  #room: (() => void) | null = null;
  #secure = false;

  constructor(conn: TunnelEnd, pair: TlsKeyPair) {
    const room = () =>
      this.#queued <= HIGH_WATER || this.#ended
        ? Promise.resolve()
        : new Promise<void>((resolve) => (this.#room = resolve));
    this.#socket = new tls.TLSSocket(duplexOf(conn, room), {
      isServer: true,
      cert: pair.cert,
      key: pair.key,
    });
    this.#socket.on("data", (data: Buffer) => {
      this.#chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.#queued += data.byteLength;
      this.#notify();
    });
    this.#socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    this.#socket.on("error", (error: Error) => {
      this.#error ??= error;
      this.#ended = true;
      this.#notify();
    });
    this.#socket.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
    this.#socket.on("secure", () => {
      this.#secure = true;
      this.#notify();
    });
  }

  #makeRoom(): void {
    const room = this.#room;
    this.#room = null;
    room?.();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #waitEvent(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** Resolves once the handshake is done; rejects (and closes) on failure or after `ms`. */
  async handshake(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      while (!this.#secure) {
        if (this.#ended) {
          throw new Error(`Cannot start TLS: ${this.#error?.message ?? "the client closed"}`);
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("Cannot start TLS: the handshake timed out");
        clearTimeout(timer);
        const event = this.#waitEvent();
        timer = setTimeout(() => this.#notify(), left);
        await event;
      }
    } catch (error) {
      this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async read(p: Uint8Array): Promise<number | null> {
    while (!this.#chunks.length) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await this.#waitEvent();
    }
    let n = 0;
    while (n < p.length && this.#chunks.length) {
      const chunk = this.#chunks[0];
      const take = Math.min(chunk.length, p.length - n);
      p.set(chunk.subarray(0, take), n);
      n += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    this.#queued -= n;
    if (this.#queued <= HIGH_WATER) this.#makeRoom();
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    if (this.#ended && this.#socket.destroyed) {
      return Promise.reject(new Deno.errors.BrokenPipe("Cannot write: the TLS session is closed"));
    }
    const copy = Buffer.from(p); // the caller may reuse `p` before the socket is done with it
    return new Promise((resolve, reject) => {
      this.#socket.write(copy, (error?: Error | null) => error ? reject(error) : resolve(p.length));
    });
  }

  closeWrite(): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed || socket.writableFinished) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once("close", () => resolve());
      socket.end(() => resolve());
    });
  }

  close(): void {
    this.#ended = true;
    this.#socket.destroy();
    this.#makeRoom();
    this.#notify();
  }
}

async function writeAll(conn: TunnelEnd, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}
