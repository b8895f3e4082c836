// Private to the static file engine's tests and bench: settings with nginx's defaults, a fake
// exchange, and a reader for any reply body.

import { defaultSettings } from "../config/mod.ts";
import type { Settings } from "../config/types.ts";
import type { ErrorStatus, Exchange, FileRange, Reply } from "../types.ts";

/** Settings with the defaults the config layer fills in, overridden by `overrides`. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return { ...defaultSettings(), accessLog: [], ...overrides };
}

/** An exchange for `target` with `headers` (lower-case names), as the core would hand it. */
export function testExchange(
  target: string,
  headers: Record<string, string> = {},
  method = "GET",
): Exchange {
  const q = target.indexOf("?");
  const flat: string[] = [];
  for (const [name, value] of Object.entries(headers)) flat.push(name, value);
  return {
    head: {
      method,
      target,
      path: q < 0 ? target : target.slice(0, q),
      query: q < 0 ? "" : target.slice(q + 1),
      version: "1.1",
      headers: flat,
      host: "localhost",
      keepAlive: true,
      contentLength: 0,
    },
    remoteAddr: "127.0.0.1",
    remotePort: 40000,
    listen: "127.0.0.1:8080",
    serverPort: 8080,
    scheme: "http",
    start: performance.now(),
    body: null,
  };
}

/** `reply` as a Reply, failing when it is an error status. */
export function asReply(reply: Reply | ErrorStatus): Reply {
  if (typeof reply === "number") throw new Error(`Cannot read reply: got status ${reply}`);
  return reply;
}

/** The value of header `name` (case-insensitive) in a reply, or null. */
export function headerIn(reply: Reply, name: string): string | null {
  const lower = name.toLowerCase();
  for (let i = 0; i < reply.headers.length; i += 2) {
    if (reply.headers[i].toLowerCase() === lower) return reply.headers[i + 1];
  }
  return null;
}

/** The body bytes, reading (and closing) any file ranges as the core would. */
export function bodyBytes(reply: Reply): Uint8Array {
  const body = reply.body;
  if (body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ReadableStream || "read" in body) {
    throw new Error("Cannot read body: a stream");
  }
  const parts = Array.isArray(body) ? body : [body];
  const chunks = parts.map((part) => part instanceof Uint8Array ? part : readRange(part));
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The body as text. */
export function bodyText(reply: Reply): string {
  return new TextDecoder().decode(bodyBytes(reply));
}

function readRange(range: FileRange): Uint8Array {
  try {
    const out = new Uint8Array(range.length);
    range.file.seekSync(range.offset, Deno.SeekMode.Start);
    let read = 0;
    while (read < range.length) {
      const n = range.file.readSync(out.subarray(read));
      if (n === null) throw new Error("Cannot read range: the file ended early");
      read += n;
    }
    return out;
  } finally {
    range.file.close();
  }
}
