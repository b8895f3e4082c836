// Writing HTTP/1.x responses: framing (length, chunked or close-delimited), the date, the
// error answers. Private to the gateway's reference server.

import { ProtocolError } from "./_conn_reader.ts";
import type { Head } from "./_http1_head.ts";
import { HOP_BY_HOP } from "./hop_by_hop.ts";
import { statusText } from "./status.ts";

const encoder = new TextEncoder();
const NOT_YET: unique symbol = Symbol("not yet");

let dateCache = "";
let dateSecond = 0;
/** The current time as an HTTP date, computed once a second. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateCache = new Date(now).toUTCString();
  }
  return dateCache;
}

/** Writes every byte (a write may take only part). */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

function encodeHead(head: string, body?: Uint8Array): Uint8Array {
  // deno-lint-ignore no-control-regex
  if (/[^\x00-\x7f]/.test(head)) {
    const bytes = new Uint8Array(head.length + (body?.length ?? 0));
    for (let i = 0; i < head.length; i++) bytes[i] = head.charCodeAt(i);
    if (body) bytes.set(body, head.length);
    return bytes;
  }
  if (!body) return encoder.encode(head);
  const bytes = new Uint8Array(head.length + body.length);
  encoder.encodeInto(head, bytes);
  bytes.set(body, head.length);
  return bytes;
}

function chunkFrame(chunk: Uint8Array): Uint8Array {
  const size = chunk.length.toString(16);
  const frame = new Uint8Array(size.length + chunk.length + 4);
  encoder.encodeInto(size + "\r\n", frame);
  frame.set(chunk, size.length + 2);
  frame[frame.length - 2] = 13;
  frame[frame.length - 1] = 10;
  return frame;
}

const LAST_CHUNK = encoder.encode("0\r\n\r\n");

/** Answers a request the server refuses, and asks for the connection to close. */
export async function rejectRequest(conn: Deno.Conn, error: ProtocolError): Promise<void> {
  const body = `${statusText(error.status)}: ${error.message}\n`;
  const head = `HTTP/1.1 ${error.status} ${statusText(error.status)}\r\ndate: ${httpDate()}\r\n` +
    `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
    `connection: close\r\n\r\n`;
  await writeAll(conn, encoder.encode(head + body)).catch(() => {});
}

/**
 * Writes `response` for a request with `head`; returns the body bytes sent and whether the
 * connection may stay open. `wantKeepAlive()` is asked when the head is composed; `sent.head`
 * turns true just before the head goes out.
 */
export async function writeResponse(
  conn: Deno.Conn,
  head: Head,
  response: Response,
  wantKeepAlive: () => boolean,
  sent: { head: boolean },
): Promise<{ bytes: number; keepAlive: boolean }> {
  const status = response.status;
  let text = `HTTP/1.1 ${status} ${response.statusText || statusText(status)}\r\n`;
  let declared: string | null = null;
  let closeAsked = false;
  let hasDate = false;
  for (const [name, value] of response.headers) {
    if (HOP_BY_HOP.has(name)) {
      if (name === "connection" && /\bclose\b/i.test(value)) closeAsked = true;
      continue;
    }
    if (name === "content-length") {
      declared = value;
      continue;
    }
    if (name === "date") hasDate = true;
    text += `${name}: ${value}\r\n`;
  }
  if (!hasDate) text += `date: ${httpDate()}\r\n`;
  let keepAlive = !closeAsked;
  const http10 = head.protocol === "HTTP/1.0";
  // Asked as late as possible: the answer may depend on how much of the request body is read.
  const connectionLine = () => {
    keepAlive &&= wantKeepAlive();
    return keepAlive
      ? (http10 ? "connection: keep-alive\r\n\r\n" : "\r\n")
      : "connection: close\r\n\r\n";
  };

  const sendHead = (bytes: Uint8Array) => {
    sent.head = true;
    return writeAll(conn, bytes);
  };

  const noBody = head.method === "HEAD" || status === 204 || status === 304 || status < 200;
  if (noBody || response.body === null) {
    if (!noBody) text += "content-length: 0\r\n";
    else if (head.method === "HEAD") {
      // HEAD answers with the length the GET would have, when it is known.
      const length = declared ?? await completeLength(response.body);
      if (length !== null) text += `content-length: ${length}\r\n`;
    }
    if (response.body) await response.body.cancel().catch(() => {});
    await sendHead(encodeHead(text + connectionLine()));
    return { bytes: 0, keepAlive };
  }

  const reader = response.body.getReader();
  // Every chunk is checked: anything but bytes (a string, say) must not go out as garbage.
  const check = (result: ReadableStreamReadResult<Uint8Array>) => {
    if (!result.done && !(result.value instanceof Uint8Array)) {
      throw new TypeError(
        `the response body yielded a ${typeof result.value} chunk, not a Uint8Array`,
      );
    }
    return result;
  };
  // A read started ahead may fail while a write is failing: it is awaited, or dropped.
  // (Not wrapped in another promise: the race below must see an already-settled read.)
  const readAhead = () => {
    const next = reader.read();
    next.catch(() => {});
    return next;
  };
  try {
    const first = check(await reader.read());
    if (first.done) {
      text += "content-length: 0\r\n";
      await sendHead(encodeHead(text + connectionLine()));
      return { bytes: 0, keepAlive };
    }
    let pending = readAhead();
    const second = await Promise.race([pending, NOT_YET as typeof NOT_YET]);
    if (second !== NOT_YET) check(second);
    if (second !== NOT_YET && second.done && declared === null) {
      // The whole body is here already: send it with its length in one write.
      text += `content-length: ${first.value.length}\r\n`;
      await sendHead(encodeHead(text + connectionLine(), first.value));
      return { bytes: first.value.length, keepAlive };
    }
    const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined;
    const chunked = length === undefined && !http10;
    if (length !== undefined) text += `content-length: ${length}\r\n`;
    else if (chunked) text += "transfer-encoding: chunked\r\n";
    else keepAlive = false;
    // Never more than the declared length: the excess would be read as the next response.
    const tooLong = (bytes: number) => {
      if (length !== undefined && bytes > length) {
        throw new ProtocolError(500, `the app declared ${length} bytes and sent more`);
      }
    };
    let bytes = first.value.length;
    tooLong(bytes);
    let firstFrame: Uint8Array | undefined = first.value;
    // An empty chunk is skipped: framed, it would read as the last chunk.
    if (chunked) firstFrame = bytes > 0 ? chunkFrame(first.value) : undefined;
    await sendHead(encodeHead(text + connectionLine(), firstFrame));
    while (true) {
      const next = check(await pending);
      if (next.done) break;
      pending = readAhead();
      if (next.value.length === 0) continue;
      bytes += next.value.length;
      tooLong(bytes);
      await writeAll(conn, chunked ? chunkFrame(next.value) : next.value);
    }
    if (chunked) await writeAll(conn, LAST_CHUNK);
    if (length !== undefined && bytes !== length) {
      throw new ProtocolError(500, `the app declared ${length} bytes and sent ${bytes}`);
    }
    return { bytes, keepAlive };
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
}

/** The body's length when it is all available at once (a string or bytes body), else null. */
async function completeLength(body: ReadableStream<Uint8Array> | null): Promise<number | null> {
  if (body === null) return 0;
  const reader = body.getReader();
  try {
    const first = await reader.read();
    if (first.done) return 0;
    const second = await Promise.race([reader.read(), NOT_YET as typeof NOT_YET]);
    const complete = second !== NOT_YET && second.done && first.value instanceof Uint8Array;
    return complete ? first.value.length : null;
  } catch {
    return null;
  } finally {
    reader.releaseLock();
  }
}
