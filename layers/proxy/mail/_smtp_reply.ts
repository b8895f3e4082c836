/**
 * Reading SMTP replies (RFC 5321 section 4.2) from a backend: `250-` continuation lines up to
 * the `250 ` line, bounded in line length and line count, keeping whatever came after the
 * last reply for the relay. And writing replies to a client within a deadline.
 *
 * @module
 */

import type { TunnelEnd } from "../upstream/mod.ts";

/** One SMTP reply: its code and its lines as received, without their CRLF. */
export interface SmtpReply {
  /** The three-digit code (`250`). */
  code: number;
  /** Every line, code included (`250-mx.example.com`, `250 PIPELINING`). */
  lines: string[];
}

/** Why a reply could not be read. */
export class SmtpReplyError extends Error {
  /** `closed`: the peer closed before a whole reply; `malformed`: not an SMTP reply. */
  readonly kind: "closed" | "malformed";
  /** Makes the error. */
  constructor(kind: "closed" | "malformed", message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SmtpReplyError";
    this.kind = kind;
  }
}

/** Limits of a {@linkcode ReplyReader}. */
export interface ReplyReaderOptions {
  /** The longest line, CRLF included, in bytes. Default 4096 (RFC 5321 allows 512). */
  maxLine?: number;
  /** The most lines in one reply. Default 100. */
  maxLines?: number;
}

const DECODER = new TextDecoder();
const LINE = /^([2-5][0-9][0-9])(?:([ -])(.*))?$/s;

/**
 * Reads whole replies from a connection, one at a time.
 *
 * @example
 * ```ts ignore
 * const reader = new ReplyReader(conn);
 * const greeting = await reader.read(); // { code: 220, lines: ["220 mx ESMTP"] }
 * const early = reader.rest();
 * ```
 */
export class ReplyReader {
  #source: { read(buffer: Uint8Array): Promise<number | null> };
  #buffer = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  #maxLine: number;
  #maxLines: number;

  /** Reads from `source` (a connection). */
  constructor(
    source: { read(buffer: Uint8Array): Promise<number | null> },
    options: ReplyReaderOptions = {},
  ) {
    this.#source = source;
    this.#maxLine = options.maxLine ?? 4096;
    this.#maxLines = options.maxLines ?? 100;
  }

  /** Reads the next whole reply; throws {@linkcode SmtpReplyError}. */
  async read(): Promise<SmtpReply> {
    const lines: string[] = [];
    let code = 0;
    while (lines.length < this.#maxLines) {
      const line = await this.#line();
      const match = LINE.exec(line);
      if (!match) throw new SmtpReplyError("malformed", `not an SMTP reply line: ${quote(line)}`);
      const lineCode = Number(match[1]);
      if (code && lineCode !== code) {
        throw new SmtpReplyError("malformed", `a reply mixes codes ${code} and ${lineCode}`);
      }
      code = lineCode;
      lines.push(line);
      if (match[2] !== "-") return { code, lines };
    }
    throw new SmtpReplyError("malformed", `a reply of more than ${this.#maxLines} lines`);
  }

  /** The bytes read past the last reply (a copy). */
  rest(): Uint8Array {
    return this.#buffer.slice(this.#start, this.#end);
  }

  /** The next line without its LF (and CR), as UTF-8 text. */
  async #line(): Promise<string> {
    let scanned = 0; // bytes after #start known to hold no LF
    for (;;) {
      const lf = this.#buffer.subarray(this.#start + scanned, this.#end).indexOf(0x0a);
      if (lf >= 0) {
        const end = this.#start + scanned + lf;
        if (end + 1 - this.#start > this.#maxLine) throw this.#tooLong();
        const text = DECODER.decode(this.#buffer.subarray(this.#start, end));
        this.#start = end + 1;
        return text.endsWith("\r") ? text.slice(0, -1) : text;
      }
      scanned = this.#end - this.#start;
      if (scanned >= this.#maxLine) throw this.#tooLong();
      this.#makeRoom();
      const count = await this.#source.read(this.#buffer.subarray(this.#end));
      if (count === null) {
        throw new SmtpReplyError(
          "closed",
          scanned > 0 ? "closed in the middle of a reply line" : "closed",
        );
      }
      this.#end += count;
    }
  }

  #tooLong(): SmtpReplyError {
    return new SmtpReplyError("malformed", `a reply line longer than ${this.#maxLine} bytes`);
  }

  /** Moves the unread bytes to the front, or grows the buffer up to one line plus a read. */
  #makeRoom(): void {
    if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buffer.length) {
      const bigger = new Uint8Array(this.#buffer.length * 2);
      bigger.set(this.#buffer.subarray(0, this.#end));
      this.#buffer = bigger;
    }
  }
}

/**
 * A reply as the client should get it: every line CRLF-terminated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replyText } from "./_smtp_reply.ts";
 * assert.equal(replyText({ code: 550, lines: ["550 5.1.1 No such user"] }), "550 5.1.1 No such user\r\n");
 * ```
 */
export function replyText(reply: SmtpReply): string {
  return reply.lines.map((line) => `${line}\r\n`).join("");
}

/**
 * A reply's first line, shortened and with control characters shown as `?`, for a log message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replySummary } from "./_smtp_reply.ts";
 * assert.equal(replySummary({ code: 421, lines: ["421 4.3.2 Bye\x07"] }), '"421 4.3.2 Bye?"');
 * ```
 */
export function replySummary(reply: SmtpReply): string {
  return quote(reply.lines[0] ?? String(reply.code));
}

function quote(text: string): string {
  // deno-lint-ignore no-control-regex
  const clean = text.replace(/[\x00-\x1f\x7f]/g, "?");
  return JSON.stringify(clean.length > 200 ? `${clean.slice(0, 200)}…` : clean);
}

/**
 * Writes all of `bytes` within `ms`; false when it failed or took longer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeWithin } from "./_smtp_reply.ts";
 *
 * const written: string[] = [];
 * const conn = {
 *   read: () => Promise.resolve(null),
 *   write: (p: Uint8Array) => (written.push(new TextDecoder().decode(p)), Promise.resolve(p.length)),
 *   closeWrite: () => Promise.resolve(),
 *   close() {},
 * };
 * assert.equal(await writeWithin(conn, new TextEncoder().encode("250 OK\r\n"), 1_000), true);
 * assert.deepEqual(written, ["250 OK\r\n"]);
 * ```
 */
export async function writeWithin(
  conn: TunnelEnd,
  bytes: Uint8Array,
  ms: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const write = (async () => {
    let off = 0;
    while (off < bytes.length) off += await conn.write(bytes.subarray(off));
    return true;
  })().catch(() => false);
  try {
    return await Promise.race([write, late]);
  } finally {
    clearTimeout(timer);
  }
}
