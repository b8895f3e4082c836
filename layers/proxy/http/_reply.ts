// Writing a Reply as HTTP/1.1 bytes: the status line, the handler's fields, the core's Date,
// Server, framing and Connection fields, then the body (bytes, file ranges, parts or a stream).
// Private to the HTTP core.

import { STATUS_TEXT } from "../../gateway/mod.ts";
import type { BodySource, FileRange, Reply, ReplyBody } from "../types.ts";
import type { Output } from "./_output.ts";

/** What writing a reply did. */
export interface Sent {
  /** Bytes written, head and body. */
  bytes: number;
  /** Body bytes written. */
  bodyBytes: number;
  /** Whether the connection may carry another exchange (a stream on 1.0 ends it). */
  keepAlive: boolean;
  /** Whether any byte went out. */
  headSent: boolean;
  /** Why the reply could not be sent in full. */
  error?: Error;
}

const statusLines: string[] = [];

/** `HTTP/1.1 200 OK\r\n`, built once per status. */
function statusLine(status: number): string {
  return statusLines[status] ??= `HTTP/1.1 ${status} ${
    (STATUS_TEXT as Record<number, string>)[status] ?? "Unknown"
  }\r\n`;
}

/** Whether `status` forbids a body (1xx, 204, 304). */
export function bodyless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/** Whether `reply` is shaped like a Reply (a bad one becomes a 500). */
export function validReply(reply: Reply): boolean {
  const status = reply?.status;
  return typeof status === "number" && (status | 0) === status && status >= 100 &&
    status <= 999 && Array.isArray(reply.headers);
}

/** Whether `body` is a {@linkcode BodySource} (not a file range). */
function isSource(body: BodySource | FileRange): body is BodySource {
  return typeof (body as BodySource).read === "function";
}

/** The body's length, or -1 for a stream. */
function bodyLength(body: ReplyBody): number {
  if (body === null) return 0;
  if (body instanceof Uint8Array) return body.length;
  if (Array.isArray(body)) {
    let n = 0;
    for (const part of body) n += part instanceof Uint8Array ? part.length : part.length;
    return n;
  }
  if (body instanceof ReadableStream) return -1;
  return body.length;
}

/** Closes every file of `body` (also when it was never read); cancels an unread stream. */
export function releaseBody(body: ReplyBody): void {
  if (body === null || body instanceof Uint8Array) return;
  if (Array.isArray(body)) {
    for (const part of body) if (!(part instanceof Uint8Array)) closeFile(part);
  } else if (body instanceof ReadableStream) {
    if (!body.locked) body.cancel().catch(() => {});
  } else if (isSource(body)) {
    body.cancel();
  } else {
    closeFile(body);
  }
}

function closeFile(range: FileRange): void {
  try {
    range.file.close();
  } catch { /* already closed */ }
}

/**
 * The head of `reply` as text: its status line and fields, the core's `fixed` Date/Server lines,
 * then the framing (`length` ≥ 0: Content-Length; -1 with `chunked`: Transfer-Encoding) and
 * Connection fields. Throws when a field is not stringable (a Symbol).
 */
function headText(
  reply: Reply,
  length: number,
  chunked: boolean,
  keepAlive: boolean,
  fixed: string,
): string {
  let text = statusLine(reply.status);
  const fields = reply.headers;
  for (let i = 0; i + 1 < fields.length; i += 2) text += fields[i] + ": " + fields[i + 1] + "\r\n";
  // A reply may name its own Server (server_tokens set per location): Date stays.
  text += reply.server === undefined
    ? fixed
    : fixed.slice(0, fixed.indexOf("\r\n") + 2) + `Server: ${reply.server}\r\n`;
  // A switch of protocols carries its own Connection and Upgrade fields.
  if (reply.status === 101) return text + "\r\n";
  if (length >= 0) text += "Content-Length: " + length + "\r\n";
  else if (chunked) text += "Transfer-Encoding: chunked\r\n";
  return text + (keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
}

/** What a cached head was built from, and its bytes. */
interface CachedHead {
  status: number;
  fields: string[];
  server: string | undefined;
  length: number;
  keepAlive: boolean;
  /** The Date/Server lines it holds (the Date changes once a second). */
  fixed: string;
  bytes: Uint8Array;
}

/** Heads longer than this are built each time. */
const MAX_CACHED_HEAD = 1024;

/**
 * The last head the hot path built: a reply with the same status, fields and framing in the same
 * second (the same page or file again, nearly every reply under load) reuses its bytes instead
 * of building and encoding the text again.
 */
let lastHead: CachedHead = {
  status: 0,
  fields: [],
  server: undefined,
  length: 0,
  keepAlive: false,
  fixed: "",
  bytes: new Uint8Array(0),
};

/** Whether two flat field lists hold the same values. */
function sameFields(a: string[], b: string[]): boolean {
  const n = a.length;
  if (b.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The hot path: puts a reply whose body is bytes or null (and fits) into the output buffer,
 * head and body, synchronously; the caller writes it with one socket write. Returns the head's
 * byte count, or -1 (the buffer left empty) when the reply needs {@linkcode sendReply}.
 */
export function bufferReply(
  out: Output,
  method: string,
  reply: Reply,
  keepAlive: boolean,
  fixed: string,
): number {
  const body = reply.body;
  if (body !== null && !(body instanceof Uint8Array)) return -1;
  const status = reply.status;
  const noBody = bodyless(status);
  const length = noBody ? -2 : body === null ? 0 : body.length;
  const sendBody = length > 0 && method !== "HEAD";
  if (sendBody && length > out.room) return -1;
  const server = reply.server;
  const fields = reply.headers;
  const last = lastHead;
  if (
    last.status === status && last.length === length && last.keepAlive === keepAlive &&
    last.fixed === fixed && last.server === server && sameFields(last.fields, fields)
  ) {
    out.headBytes(last.bytes);
  } else {
    let text: string;
    try {
      text = headText(reply, length, false, keepAlive, fixed);
    } catch {
      return -1;
    }
    out.head(text);
    if (out.pending <= MAX_CACHED_HEAD) {
      lastHead = {
        status,
        fields: fields.slice(),
        server,
        length,
        keepAlive,
        fixed,
        bytes: out.copyHead(),
      };
    }
  }
  const headBytes = out.pending;
  if (sendBody) {
    if (length > out.room) {
      out.reset();
      return -1;
    }
    out.append(body!);
  }
  return headBytes;
}

/**
 * Writes `reply` for a request with `method` and `version`; `fixed` is the core's
 * `Date`/`Server` lines. Never throws: a failure is in `Sent.error`. Files are always closed.
 */
export async function sendReply(
  out: Output,
  method: string,
  version: "1.0" | "1.1",
  reply: Reply,
  keepAlive: boolean,
  fixed: string,
): Promise<Sent> {
  const status = reply.status;
  const body = reply.body;
  const noBody = bodyless(status);
  const head = method === "HEAD";
  const length = noBody ? -2 : bodyLength(body);
  const chunked = length === -1 && version === "1.1";
  // A stream's end is the connection's end on HTTP/1.0 (except for HEAD: nothing to delimit).
  if (length === -1 && !chunked && !head) keepAlive = false;
  const text = headText(reply, length, chunked && !head, keepAlive, fixed);

  const before = out.written;
  let headBytes = 0;
  const sent: Sent = { bytes: 0, bodyBytes: 0, keepAlive, headSent: false };
  try {
    out.head(text);
    headBytes = out.pending;
    if (!noBody && !head && body !== null) {
      if (body instanceof Uint8Array) {
        const wait = out.append(body);
        if (wait) await wait;
      } else if (Array.isArray(body)) {
        for (const part of body) {
          const wait = part instanceof Uint8Array
            ? out.append(part)
            : out.appendFile(part.file, part.offset, part.length);
          if (wait) await wait;
        }
      } else if (body instanceof ReadableStream) {
        await pipeStream(out, body, chunked);
      } else if (isSource(body)) {
        await pipeSource(out, body, chunked);
      } else {
        const wait = out.appendFile(body.file, body.offset, body.length);
        if (wait) await wait;
      }
    }
    if (out.pending > 0) await out.flush();
  } catch (error) {
    out.reset();
    sent.error = error instanceof Error ? error : new Error(String(error));
    sent.keepAlive = false;
  } finally {
    releaseBody(body);
  }
  sent.bytes = out.written - before;
  sent.headSent = sent.bytes > 0;
  sent.bodyBytes = Math.max(0, sent.bytes - headBytes);
  return sent;
}

/** Sends a stream's chunks as they come: chunk-framed on 1.1, raw (close-delimited) on 1.0. */
async function pipeStream(
  out: Output,
  stream: ReadableStream<Uint8Array>,
  chunked: boolean,
): Promise<void> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) {
        throw new TypeError(`The reply stream yielded a ${typeof value}, not a Uint8Array`);
      }
      // An empty chunk is skipped: framed, it would read as the last one.
      if (value.length === 0) continue;
      if (chunked) {
        let wait = out.appendText(value.length.toString(16) + "\r\n");
        if (wait) await wait;
        wait = out.append(value);
        if (wait) await wait;
        wait = out.appendText("\r\n");
        if (wait) await wait;
      } else {
        const wait = out.append(value);
        if (wait) await wait;
      }
      await out.flush();
    }
    if (chunked) {
      const wait = out.appendText("0\r\n\r\n");
      if (wait) await wait;
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/**
 * Sends a {@linkcode BodySource}'s chunks as they come, each flushed at once (an event stream
 * is not held back): as they are under a Content-Length, chunk-framed on 1.1, raw on 1.0. A
 * source that ends short of (or runs past) its declared length breaks the reply.
 */
async function pipeSource(out: Output, source: BodySource, chunked: boolean): Promise<void> {
  let left = source.length;
  while (true) {
    const chunk = await source.read();
    if (chunk === null) break;
    if (chunk.length === 0) continue;
    if (left >= 0) {
      if (chunk.length > left) throw new RangeError("The body is longer than its Content-Length");
      left -= chunk.length;
    }
    let wait: Promise<void> | undefined;
    if (chunked) {
      wait = out.appendText(chunk.length.toString(16) + "\r\n");
      if (wait) await wait;
      wait = out.append(chunk);
      if (wait) await wait;
      wait = out.appendText("\r\n");
    } else wait = out.append(chunk);
    if (wait) await wait;
    // The whole declared body is here: it goes out with the last chunk, not on its own.
    if (left !== 0) await out.flush();
  }
  if (left > 0) throw new Deno.errors.UnexpectedEof("The body ended short of its Content-Length");
  if (chunked) {
    const wait = out.appendText("0\r\n\r\n");
    if (wait) await wait;
  }
}
