// One client connection of the HTTP core: read a head, answer it, skip the body, again —
// with nginx's header, idle, body and send deadlines checked by the core's watchdog. Private to
// the HTTP core.

import type { BodySource, Completed, Exchange, Reply, RequestHead } from "../types.ts";
import { headerOf } from "../types.ts";
import { BodySkipper } from "./_body.ts";
import { Output } from "./_output.ts";
import { bufferReply, sendReply, validReply } from "./_reply.ts";
import { HeadError, parseRequestHead } from "./parse.ts";
import { type ConnectionHost, Deadline, headEnd, isDisconnect, Phase } from "./_host.ts";

const CR = 13;
const LF = 10;
/** `performance.timeOrigin`, read once (its getter checks its receiver on every call). */
const TIME_ORIGIN = performance.timeOrigin;
/** Past this much unread request body, the connection is closed instead of read to its end. */
const DISCARD_LIMIT = 1024 * 1024;
/** The read buffer's size while a handler reads a request body. */
const BODY_BUFFER = 64 * 1024;
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/** A client connection and its request loop. */
export class Connection {
  readonly conn: Deno.Conn;
  #host: ConnectionHost;
  #buf = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  #eof = false;
  #out: Output;
  #body = new BodySkipper();
  #remoteAddr: string;
  #remotePort: number;
  /** Read bytes, all exchanges (for `bytesReceived`). */
  #read = 0;
  /** How far past `#start` the buffer was searched for a head's end. */
  #scanned = 0;
  phase: Phase = Phase.None;
  /** When the read in progress times out (0: no deadline). */
  readDeadline = 0;
  readAction: Deadline = Deadline.Close;
  /** Set by drain: finish the exchange in progress, then close. */
  closing = false;
  closed = false;
  /** Set once the socket went to an upgrade's tunnel: drain cuts it, nothing else touches it. */
  tunneled = false;

  constructor(conn: Deno.Conn, host: ConnectionHost) {
    this.conn = conn;
    this.#host = host;
    this.#out = new Output(conn, host, host.options.sendTimeout);
    const addr = conn.remoteAddr;
    if (addr.transport === "tcp" || addr.transport === "udp") {
      this.#remoteAddr = addr.hostname;
      this.#remotePort = addr.port;
    } else {
      this.#remoteAddr = (addr as Deno.UnixAddr).path ||
        ((conn.localAddr as Deno.UnixAddr).path ?? "");
      this.#remotePort = 0;
    }
  }

  /** When the reply write in progress times out (0: none). */
  get writeDeadline(): number {
    return this.#out.deadline;
  }

  /** Serves the connection until it ends; never throws. */
  async run(): Promise<void> {
    try {
      if ("setNoDelay" in this.conn) (this.conn as Deno.TcpConn).setNoDelay(true);
      await this.#serve();
    } catch (error) {
      if (!this.closed && !isDisconnect(error)) {
        this.#host.options.log.warn(`Connection from ${this.#remoteAddr} failed: ${error}`);
      }
    } finally {
      this.close();
      this.#phase(Phase.None);
      this.#host.remove(this);
    }
  }

  /** Closes the socket (a pending read or write fails). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Drain's cut: closes the socket and forgets the connection, even if its handler hangs. */
  abandon(): void {
    this.close();
    this.#phase(Phase.None);
    this.#host.remove(this);
  }

  /** A read deadline passed. */
  timeout(): void {
    this.readDeadline = 0;
    if (this.readAction !== Deadline.Answer408 || this.#out.broken) return this.close();
    const reply = this.#host.errorReply(408);
    // Nothing else writes while a head is being read: the answer goes out beside the read.
    sendReply(this.#out, "GET", "1.1", reply, false, this.#host.fixedLines())
      .finally(() => this.close());
  }

  /** Drain: closes the connection when idle, else lets the exchange in progress finish. */
  stop(): void {
    this.closing = true;
    // A connection that has sent nothing yet may be a client that just connected: it gets its
    // first request answered (with Connection: close), as nginx does; an idle keep-alive one
    // is closed at once.
    if (this.phase === Phase.Waiting && this.#read !== 0) this.close();
  }

  #phase(phase: Phase): void {
    const phases = this.#host.phases;
    phases[this.phase]--;
    phases[phase]++;
    this.phase = phase;
  }

  async #serve(): Promise<void> {
    const options = this.#host.options;
    while (true) {
      let end: number;
      try {
        end = this.#scanHead();
        while (end === -1) {
          // The hot path reads inline: one pending read, no extra promise per request.
          const n = await this.conn.read(this.#readView());
          if (n === null) this.#eof = true;
          else {
            this.#end += n;
            this.#read += n;
          }
          end = this.#scanHead();
        }
      } catch (error) {
        if (error instanceof HeadError) await this.#reject(error, this.#end - this.#start);
        else throw error;
        return;
      }
      if (end < 0) return;
      const headLength = end - this.#start;
      const bytes = this.#buf.subarray(this.#start, end);
      this.#start = end;
      this.#host.requests++;
      this.readDeadline = 0;
      this.#phase(Phase.Writing);
      let head: RequestHead;
      try {
        head = parseRequestHead(bytes, options);
      } catch (error) {
        if (error instanceof HeadError) return await this.#reject(error, headLength);
        throw error;
      }
      const host = this.#host;
      const start = performance.now();
      host.clock = TIME_ORIGIN + start;
      const received = this.#read - (this.#end - this.#start);
      let body: RequestBody | null = null;
      if (head.contentLength !== 0) {
        this.#body.begin(head.contentLength);
        body = new RequestBody(this, head);
      }
      const exchange: Exchange = {
        head,
        remoteAddr: this.#remoteAddr,
        remotePort: this.#remotePort,
        listen: options.listen,
        serverPort: host.serverPort,
        scheme: options.scheme,
        start,
        body,
      };
      let answer: Reply | Promise<Reply>;
      try {
        answer = options.handler(exchange);
        // A promised reply to a bodiless request is awaited here, so that one of bytes (a
        // proxied response that came whole) takes the one-write hot path below too.
        if (answer instanceof Promise && body === null) answer = await answer;
      } catch (error) {
        // Rejected and awaited at once by #exchange, which logs it and answers 500.
        answer = Promise.reject(error);
      }

      // The hot path: a reply (handed back or awaited above) of bytes or nothing for a body, no
      // request body — built into the output buffer and sent with one awaited write, here.
      if (
        head.contentLength === 0 && !(answer instanceof Promise) && validReply(answer) &&
        answer.upgrade === undefined
      ) {
        const keepAlive = head.keepAlive && answer.close !== true && options.idleTimeout > 0 &&
          !host.draining && !this.closing;
        const out = this.#out;
        const headBytes = bufferReply(out, head.method, answer, keepAlive, host.fixedLines());
        if (headBytes !== -1) {
          const before = out.written;
          let error: Error | undefined;
          try {
            const rest = out.sent(await out.send());
            if (rest !== undefined) await rest;
          } catch (thrown) {
            out.failed();
            error = thrown instanceof Error ? thrown : new Error(String(thrown));
          }
          if (options.onCompleted) {
            const bytes = out.written - before;
            const bodyBytes = bytes > headBytes ? bytes - headBytes : 0;
            this.#completed(exchange, answer.status, bytes, bodyBytes, headLength, error);
          }
          if (error !== undefined) return;
          if (!keepAlive) return await this.#linger(false);
          if (this.closing) return;
          continue;
        }
      }
      const keepAlive = await this.#exchange(exchange, headLength, received, body, answer);
      if (!keepAlive || this.closing) return;
    }
  }

  /**
   * Looks for a whole head in the buffer: returns the index past its empty line, -1 when more
   * bytes are needed (setting the phase and its deadline), -2 at a clean end (the peer closed,
   * drain). Limits throw a {@linkcode HeadError}.
   */
  #scanHead(): number {
    const host = this.#host;
    const options = host.options;
    const buf = this.#buf;
    let start = this.#start;
    const end = this.#end;
    // Empty lines before a request line are skipped (RFC 9112 §2.2).
    while (start < end && (buf[start] === LF || buf[start] === CR)) start++;
    if (start !== this.#start) {
      this.#start = start;
      this.#scanned = 0;
    }
    if (start < end) {
      const found = headEnd(buf, start + this.#scanned, end);
      if (found !== -1) {
        this.#scanned = 0;
        if (found - start > options.maxHeaderBytes) {
          throw new HeadError(431, "The request head is larger than the limit");
        }
        return found;
      }
      this.#scanned = end - start > 2 ? end - start - 2 : 0;
      const lf = buf.indexOf(LF, start);
      if ((lf === -1 || lf >= end) && end - start > options.maxRequestLine) {
        throw new HeadError(414, "The request line is longer than the limit");
      }
      if (end - start > options.maxHeaderBytes) {
        throw new HeadError(431, "The request head is larger than the limit");
      }
      if (this.phase !== Phase.Reading) {
        this.#phase(Phase.Reading);
        this.readDeadline = host.clock + options.headerTimeout;
        this.readAction = Deadline.Answer408;
      }
    } else {
      if (this.#read !== 0 && (this.closing || host.draining)) return -2;
      if (this.phase !== Phase.Waiting) {
        this.#phase(Phase.Waiting);
        // A new connection gets the header timeout for its first byte, as in nginx.
        const idle = this.#read === 0 ? options.headerTimeout : options.idleTimeout;
        this.readDeadline = host.clock + idle;
        this.readAction = Deadline.Close;
      }
    }
    return this.#eof ? -2 : -1;
  }

  /** Where the next read goes: the buffer's free end (compacted or grown when full). */
  #readView(): Uint8Array {
    if (this.#start === this.#end) {
      // The usual case, all consumed: the whole buffer, no view to allocate.
      this.#start = this.#end = 0;
      return this.#buf;
    }
    if (this.#end === this.#buf.length) {
      const live = this.#end - this.#start;
      if (this.#start > 0) this.#buf.copyWithin(0, this.#start, this.#end);
      else {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf);
        this.#buf = bigger;
      }
      this.#start = 0;
      this.#end = live;
    }
    return this.#buf.subarray(this.#end);
  }

  /** Reads more bytes into the buffer. */
  async #fill(): Promise<void> {
    const n = await this.conn.read(this.#readView());
    if (n === null) this.#eof = true;
    else {
      this.#end += n;
      this.#read += n;
    }
  }

  /**
   * Runs one exchange with the handler's `answer` (the general path: a promised reply, a
   * request body, a body of files, parts or a stream); returns whether the connection may
   * carry another.
   */
  async #exchange(
    exchange: Exchange,
    headLength: number,
    before: number,
    body: RequestBody | null,
    answer: Reply | Promise<Reply>,
  ): Promise<boolean> {
    const host = this.#host;
    const options = host.options;
    const head = exchange.head;
    let reply: Reply;
    try {
      reply = answer instanceof Promise ? await answer : answer;
      if (!validReply(reply)) throw new TypeError("The handler returned no valid Reply");
    } catch (error) {
      options.log.error(`Cannot answer "${head.method} ${head.target}": the handler failed`, error);
      reply = host.errorReply(500);
    }
    let keepAlive = head.keepAlive && reply.close !== true && options.idleTimeout > 0 &&
      !host.draining && !this.closing;

    // The request body: what the handler left unread and is buffered is dropped now, the rest
    // read while the reply goes out (after a read the handler may still have in flight).
    let bodyLeft = false;
    let skipping: Promise<boolean> | null = null;
    if (body !== null) {
      const broken = await body.release();
      try {
        if (broken) throw new Error("The request body is broken");
        this.#start += this.#body.consume(this.#buf, this.#start, this.#end);
        if (!this.#body.done) {
          bodyLeft = true;
          // A client waiting for 100 Continue may never send the body: close after the reply.
          const waits = headerOf(head, "expect")?.toLowerCase() === "100-continue";
          if (waits || this.#body.remaining > DISCARD_LIMIT) keepAlive = false;
          if (keepAlive) skipping = this.#skipBody();
        }
      } catch {
        bodyLeft = true;
        keepAlive = false;
      }
    }
    let sent = await sendReply(
      this.#out,
      head.method,
      head.version,
      reply,
      keepAlive,
      host.fixedLines(),
    );
    if (sent.error && !sent.headSent && !this.#out.broken) {
      options.log.error(`Cannot send the reply to "${head.method} ${head.target}"`, sent.error);
      const error = sent.error;
      sent = await sendReply(
        this.#out,
        head.method,
        head.version,
        host.errorReply(500),
        false,
        host.fixedLines(),
      );
      sent.error = error;
      reply = { status: 500, headers: [], body: null };
    }
    if (reply.status === 101 && reply.upgrade && !sent.error) {
      return await this.#upgrade(exchange, reply.upgrade, headLength, sent);
    }
    keepAlive = sent.keepAlive;
    if (skipping !== null) {
      if (sent.error) this.close();
      keepAlive = await skipping.catch(() => false) && keepAlive;
      bodyLeft = !this.#body.done;
    }
    if (options.onCompleted) {
      this.#completed(
        exchange,
        reply.status,
        sent.bytes,
        sent.bodyBytes,
        headLength + (this.#read - before - (this.#end - this.#start)),
        sent.error,
      );
    }
    if (!keepAlive && !sent.error) await this.#linger(bodyLeft);
    return keepAlive;
  }

  /** Hands the socket to an upgrade (101) and waits for the tunnel to end; never keeps it. */
  async #upgrade(
    exchange: Exchange,
    upgrade: NonNullable<Reply["upgrade"]>,
    headLength: number,
    sent: { bytes: number; bodyBytes: number },
  ): Promise<boolean> {
    const early = this.#buf.slice(this.#start, this.#end);
    this.#start = this.#end = 0;
    this.readDeadline = 0;
    this.tunneled = true;
    let error: Error | undefined;
    try {
      await upgrade({ conn: this.conn, early });
    } catch (thrown) {
      error = thrown instanceof Error ? thrown : new Error(String(thrown));
      if (!isDisconnect(error)) {
        this.#host.options.log.warn(`A tunnel from ${this.#remoteAddr} failed: ${error}`);
      }
    }
    if (this.#host.options.onCompleted) {
      this.#completed(exchange, 101, sent.bytes, sent.bodyBytes, headLength + early.length, error);
    }
    return false;
  }

  /** Reads the next request-body bytes into the buffer, under the body timeout. */
  async fillBody(): Promise<void> {
    const host = this.#host;
    if (this.#buf.length < BODY_BUFFER && this.#start === this.#end) {
      this.#buf = new Uint8Array(BODY_BUFFER);
      this.#start = this.#end = 0;
    }
    this.readDeadline = host.clock + host.options.bodyTimeout;
    this.readAction = Deadline.Close;
    try {
      await this.#fill();
    } finally {
      this.readDeadline = 0;
    }
    if (this.#eof) {
      throw new Deno.errors.UnexpectedEof("The client closed before sending its whole body");
    }
  }

  /**
   * The next run of request-body data already buffered, consumed (a view of the buffer), or
   * `null` when more must be read first; `undefined` once the body is complete.
   */
  takeBody(): Uint8Array | null | undefined {
    const body = this.#body;
    while (!body.done) {
      if (this.#start === this.#end) return null;
      this.#start += body.take(this.#buf, this.#start, this.#end);
      if (body.dataLength > 0) {
        return this.#buf.subarray(body.dataStart, body.dataStart + body.dataLength);
      }
    }
    return undefined;
  }

  /** Whether request bytes past the head are already buffered. */
  bodyBuffered(): boolean {
    return this.#start !== this.#end;
  }

  /** Writes `100 Continue` (before the first body read of a client that asked for it). */
  async sendContinue(): Promise<void> {
    await this.#out.write(CONTINUE);
  }

  /** Reads and drops the rest of the body, each read under the body timeout. */
  async #skipBody(): Promise<boolean> {
    const host = this.#host;
    let seen = 0;
    while (!this.#body.done) {
      if (seen > DISCARD_LIMIT || this.#eof) return false;
      this.readDeadline = host.clock + host.options.bodyTimeout;
      this.readAction = Deadline.Close;
      await this.#fill();
      const n = this.#body.consume(this.#buf, this.#start, this.#end);
      this.#start += n;
      seen += n;
    }
    this.readDeadline = 0;
    return true;
  }

  /** Answers a head the core refuses, then closes. */
  async #reject(error: HeadError, headLength: number): Promise<void> {
    const host = this.#host;
    this.readDeadline = 0;
    if (this.phase !== Phase.Writing) {
      host.requests++;
      this.#phase(Phase.Writing);
    }
    host.options.log.info(
      `Refused a request from ${this.#remoteAddr} (${error.status}): ${error.message}`,
    );
    const reply = host.errorReply(error.status);
    const method = error.method === "HEAD" ? "HEAD" : "GET";
    const sent = await sendReply(this.#out, method, "1.1", reply, false, host.fixedLines());
    if (host.options.onCompleted) {
      const head: RequestHead = {
        method: error.method,
        target: error.target,
        path: "",
        query: "",
        version: "1.1",
        headers: [],
        host: "",
        keepAlive: false,
        contentLength: 0,
      };
      const exchange: Exchange = {
        head,
        remoteAddr: this.#remoteAddr,
        remotePort: this.#remotePort,
        listen: host.options.listen,
        serverPort: host.serverPort,
        scheme: host.options.scheme,
        start: performance.now(),
        body: null,
      };
      this.#completed(exchange, reply.status, sent.bytes, sent.bodyBytes, headLength, sent.error);
    }
    if (!sent.error) await this.#linger(true);
  }

  #completed(
    exchange: Exchange,
    status: number,
    bytesSent: number,
    bodyBytesSent: number,
    bytesReceived: number,
    error: Error | undefined,
  ): void {
    const done: Completed = {
      exchange,
      status,
      bytesSent,
      bodyBytesSent,
      bytesReceived,
      end: performance.now(),
    };
    if (error) done.error = error;
    try {
      this.#host.options.onCompleted!(done);
    } catch (error) {
      this.#host.options.log.error("Cannot report a completed exchange", error);
    }
  }

  /**
   * nginx's lingering close: when the client may still be sending (an unread body, pipelined
   * requests, a refused head), stop writing and read and drop for a while, so the kernel does
   * not reset the connection — and lose the reply — on unread bytes.
   */
  async #linger(unread: boolean): Promise<void> {
    if (this.#eof || this.closed || (!unread && this.#start === this.#end)) return;
    try {
      await this.conn.closeWrite();
    } catch {
      return;
    }
    this.readDeadline = this.#host.clock + this.#host.options.lingerTimeout;
    this.readAction = Deadline.Close;
    while (!this.#eof && !this.closed) {
      this.#start = this.#end = 0;
      await this.#fill();
    }
  }
}

/**
 * A request body as its handler reads it: de-chunked data straight from the connection's
 * buffer, each read under the body timeout, `100 Continue` sent first when the client asked.
 */
class RequestBody implements BodySource {
  readonly length: number;
  #connection: Connection;
  #continue: boolean;
  #pending: Promise<Uint8Array | null> | null = null;
  #cancelled = false;
  #broken = false;
  #released = false;

  constructor(connection: Connection, head: RequestHead) {
    this.#connection = connection;
    this.length = head.contentLength;
    this.#continue = head.version === "1.1" &&
      headerOf(head, "expect")?.toLowerCase() === "100-continue";
  }

  read(): Promise<Uint8Array | null> {
    if (this.#released || this.#cancelled) {
      return Promise.reject(new Deno.errors.BadResource("The request body was released"));
    }
    if (this.#pending) return Promise.reject(new Error("A body read is already in progress"));
    const pending = this.#next();
    this.#pending = pending;
    return pending.finally(() => {
      if (this.#pending === pending) this.#pending = null;
    });
  }

  async #next(): Promise<Uint8Array | null> {
    const connection = this.#connection;
    try {
      if (this.#continue) {
        this.#continue = false;
        if (!connection.bodyBuffered()) await connection.sendContinue();
      }
      while (true) {
        const data = connection.takeBody();
        if (data === undefined) return null;
        if (data !== null) return data;
        await connection.fillBody();
      }
    } catch (error) {
      this.#broken = true;
      throw error;
    }
  }

  cancel(): void {
    this.#cancelled = true;
  }

  /**
   * The exchange is over for the handler: waits for a read still in flight; returns whether
   * the body broke (framing, timeout, the client left) so the core closes the connection.
   */
  async release(): Promise<boolean> {
    this.#released = true;
    if (this.#pending) await this.#pending.catch(() => {});
    return this.#broken;
  }
}
