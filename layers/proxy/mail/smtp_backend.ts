/**
 * The backend side of an SMTP proxy session: connect to the server `auth_http` named, read its
 * greeting, introduce the real client (EHLO, XCLIENT) or authenticate (`proxy_smtp_auth`),
 * replay the envelope in `smtp_auth none` mode, and hand the connection over for relaying.
 *
 * Like nginx's `ngx_mail_proxy_module`, one command at a time, each reply read whole. Unlike
 * nginx, XCLIENT is sent only when the backend's EHLO offers it (so a plain SMTP server works
 * as a backend; {@linkcode BackendSession.xclient} tells the caller to warn), and only the
 * attributes the backend lists.
 *
 * @module
 */

import {
  ReplyReader,
  replySummary,
  replyText,
  type SmtpReply,
  SmtpReplyError,
} from "./_smtp_reply.ts";
import { encodeXtext } from "./_xtext.ts";

/** Who the client is and what the backend must hear before the relay starts. */
export interface BackendIntro {
  /** Our own name (`server_name`), for the EHLO before XCLIENT. */
  serverName: string;
  /** The client's EHLO/HELO name. */
  helo: string;
  /** Whether the client said EHLO (true) or HELO (false): the backend hears the same. */
  esmtp: boolean;
  /** The client's IP address (XCLIENT ADDR). */
  clientIp: string;
  /** The authenticated user (XCLIENT LOGIN), absent with `smtp_auth none`. */
  login?: string;
  /** `xclient`: send XCLIENT when the backend offers it. */
  xclient: boolean;
  /** `proxy_smtp_auth`: authenticate with AUTH PLAIN with these credentials. */
  proxyAuth?: { user: string; pass: string };
  /** `smtp_auth none`: the client's MAIL FROM and RCPT TO lines (no CRLF), replayed. */
  envelope?: { from: string; to: string };
  /** `proxy_connect_timeout`-like deadline for connect + the whole handshake, ms. */
  timeout: number;
}

/** A backend ready to relay. */
export interface BackendSession {
  /** The open connection. */
  conn: Deno.Conn;
  /** Bytes read past the handshake's last reply (none in practice; relay them first). */
  early: Uint8Array;
  /**
   * The reply line(s) to give the client now, CRLF-terminated: `235 2.0.0 OK\r\n` after AUTH,
   * or the backend's own reply to the replayed RCPT TO in `none` mode.
   */
  reply: string;
  /**
   * Whether the backend was told the client with XCLIENT. False when `intro.xclient` was set
   * but the backend's EHLO did not offer XCLIENT (worth a warning: the backend sees the proxy's
   * address as the client's), and when `intro.xclient` was not set.
   */
  xclient?: boolean;
}

/** Why the backend could not be readied: `reply` is what the client should get (4xx). */
export class BackendError extends Error {
  /** The reply for the client, CRLF-terminated (e.g. `451 4.4.1 Cannot reach the backend\r\n`). */
  readonly reply: string;
  /** Makes the error: `message` for the log, `reply` for the client. */
  constructor(message: string, reply: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BackendError";
    this.reply = reply;
  }
}

/** The client's reply when the backend cannot be connected (RFC 3463 4.4.1: no answer). */
export const REPLY_UNREACHABLE = "451 4.4.1 Cannot reach the mail server, try again later\r\n";
/** The client's reply when the connection broke or stalled mid-handshake (4.4.2: bad connection). */
export const REPLY_CONNECTION = "451 4.4.2 Connection to the mail server lost, try again later\r\n";
/** The client's reply when the backend answered the handshake wrongly (4.3.0: system error). */
export const REPLY_INTERNAL = "451 4.3.0 Temporary server error, try again later\r\n";

const ENCODER = new TextEncoder();

/**
 * Connects to `hostname:port` and runs the handshake; throws {@linkcode BackendError}.
 *
 * @example
 * ```ts ignore
 * const backend = await openBackend({ hostname: "10.0.0.5", port: 25 }, {
 *   serverName: "mx.example.com", helo: "client.example.org", esmtp: true,
 *   clientIp: "192.0.2.7", login: "joe", xclient: true, timeout: 60_000,
 * });
 * await client.write(new TextEncoder().encode(backend.reply)); // 235 2.0.0 OK
 * await tunnel(client, new Uint8Array(), backend.conn, backend.early, 86_400_000);
 * ```
 */
export async function openBackend(
  address: { hostname: string; port: number },
  intro: BackendIntro,
): Promise<BackendSession> {
  const label = address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
  const connecting = new AbortController();
  let conn: Deno.Conn | null = null;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (conn) closeQuietly(conn);
    else connecting.abort();
  }, intro.timeout);
  try {
    try {
      conn = await Deno.connect({
        hostname: address.hostname,
        port: address.port,
        signal: connecting.signal,
      });
    } catch (error) {
      const why = timedOut
        ? `no connection after ${intro.timeout} ms`
        : error instanceof Error
        ? error.message
        : String(error);
      throw new BackendError(`Cannot connect to backend "${label}": ${why}`, REPLY_UNREACHABLE, {
        cause: error,
      });
    }
    if (timedOut) throw new Error("timed out"); // the timer fired as the connect completed
    (conn as Deno.TcpConn).setNoDelay?.(true);
    const session = await handshake(new Dialogue(conn, label), intro);
    if (timedOut) throw new Error("timed out");
    return session;
  } catch (error) {
    if (conn) closeQuietly(conn);
    if (timedOut && !(error instanceof BackendError && error.reply === REPLY_UNREACHABLE)) {
      throw new BackendError(
        `Cannot ready backend "${label}": no complete handshake after ${intro.timeout} ms`,
        REPLY_CONNECTION,
        { cause: error },
      );
    }
    if (error instanceof BackendError) throw error;
    throw new BackendError(
      `Cannot ready backend "${label}": ${error instanceof Error ? error.message : error}`,
      REPLY_INTERNAL,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Greeting, introduction, authentication, envelope. */
async function handshake(dialogue: Dialogue, intro: BackendIntro): Promise<BackendSession> {
  dialogue.expect(await dialogue.read(), "the greeting", [220]);
  const hello = `${intro.esmtp ? "EHLO" : "HELO"} ${intro.helo}`;
  let xclient = false;
  if (intro.xclient) {
    const ehlo = await dialogue.command(`EHLO ${intro.serverName}`);
    // A server that knows no EHLO (500, 502) cannot offer XCLIENT: go on as without it.
    if (ehlo.code !== 500 && ehlo.code !== 502) {
      dialogue.expect(ehlo, `EHLO ${intro.serverName}`, [250]);
      const offered = xclientAttributes(ehlo);
      if (offered) {
        const line = xclientLine(intro, offered);
        // Postfix answers with a new 220 greeting; nginx accepts 250 as well.
        dialogue.expect(await dialogue.command(line), "XCLIENT", [220, 250]);
        xclient = true;
      }
    }
  }
  dialogue.expect(await dialogue.command(hello), hello, [250]);
  if (intro.proxyAuth) {
    const { user, pass } = intro.proxyAuth;
    if (user.includes("\0") || pass.includes("\0")) {
      throw dialogue.fail("AUTH PLAIN", "the user name or password holds a NUL");
    }
    const line = `AUTH PLAIN ${base64(ENCODER.encode(`\0${user}\0${pass}`))}`;
    dialogue.expect(await dialogue.command(line, "AUTH PLAIN"), "AUTH PLAIN", [235]);
  }
  let reply = "235 2.0.0 OK\r\n";
  if (intro.envelope) {
    const { from, to } = intro.envelope;
    const mail = await dialogue.command(from);
    if (mail.code < 200 || mail.code > 299) {
      throw dialogue.fail(from, `the backend answered ${replySummary(mail)}`);
    }
    reply = replyText(await dialogue.command(to));
  }
  return { conn: dialogue.conn, early: dialogue.rest(), reply, xclient };
}

/**
 * The attributes the EHLO reply's `XCLIENT` line lists (`["NAME", "ADDR", ...]`, upper case;
 * empty when it lists none), or null when XCLIENT is not offered.
 */
function xclientAttributes(ehlo: SmtpReply): string[] | null {
  for (const line of ehlo.lines.slice(1)) {
    const words = line.slice(4).trim().split(/\s+/);
    if (words[0]?.toUpperCase() === "XCLIENT") return words.slice(1).map((w) => w.toUpperCase());
  }
  return null;
}

/**
 * `XCLIENT ADDR=... [LOGIN=...] NAME=[UNAVAILABLE] HELO=...`, values xtext-encoded, leaving out what the
 * backend did not list (when it listed anything).
 */
function xclientLine(intro: BackendIntro, offered: string[]): string {
  const takes = (name: string) => offered.length === 0 || offered.includes(name);
  const parts = ["XCLIENT"];
  if (takes("ADDR")) parts.push(`ADDR=${encodeXtext(xclientAddress(intro.clientIp))}`);
  if (intro.login && takes("LOGIN")) parts.push(`LOGIN=${encodeXtext(intro.login)}`);
  if (takes("NAME")) parts.push("NAME=[UNAVAILABLE]");
  if (intro.helo && takes("HELO")) parts.push(`HELO=${encodeXtext(intro.helo)}`);
  return parts.join(" ");
}

/** `192.0.2.7`, `IPV6:2001:db8::7`; an IPv4-mapped IPv6 address as plain IPv4. */
function xclientAddress(ip: string): string {
  const bare = ip.replace(/^\[(.*)\]$/, "$1");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1];
  return bare.includes(":") ? `IPV6:${bare}` : bare;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed (by the deadline, or by the other side's error path).
  }
}

/** One command line out, one whole reply in, with the errors a session can log. */
class Dialogue {
  readonly conn: Deno.Conn;
  #label: string;
  #reader: ReplyReader;

  constructor(conn: Deno.Conn, label: string) {
    this.conn = conn;
    this.#label = label;
    this.#reader = new ReplyReader(conn);
  }

  /** Reads one reply; a closed or garbled connection becomes a {@linkcode BackendError}. */
  async read(): Promise<SmtpReply> {
    try {
      return await this.#reader.read();
    } catch (error) {
      if (error instanceof SmtpReplyError && error.kind === "malformed") {
        throw this.fail("a reply", error.message, error);
      }
      const why = error instanceof Error ? error.message : String(error);
      throw new BackendError(
        `Cannot ready backend "${this.#label}": the connection broke (${why})`,
        REPLY_CONNECTION,
        { cause: error },
      );
    }
  }

  /** Sends `line` (checked: no CR, LF or NUL) with CRLF and reads the reply. */
  async command(line: string, shown = line): Promise<SmtpReply> {
    if (/[\r\n\0]/.test(line)) throw this.fail(shown, "the line holds CR, LF or NUL");
    const bytes = ENCODER.encode(`${line}\r\n`);
    try {
      for (let sent = 0; sent < bytes.length;) {
        sent += await this.conn.write(bytes.subarray(sent));
      }
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new BackendError(
        `Cannot ready backend "${this.#label}": cannot send ${shown} (${why})`,
        REPLY_CONNECTION,
        { cause: error },
      );
    }
    return await this.read();
  }

  /** Throws unless `reply` has one of `codes`. */
  expect(reply: SmtpReply, what: string, codes: number[]): void {
    if (!codes.includes(reply.code)) {
      throw this.fail(what, `the backend answered ${replySummary(reply)}`);
    }
  }

  fail(what: string, why: string, cause?: unknown): BackendError {
    return new BackendError(
      `Cannot ready backend "${this.#label}": ${what}: ${why}`,
      REPLY_INTERNAL,
      cause === undefined ? undefined : { cause },
    );
  }

  rest(): Uint8Array {
    return this.#reader.rest();
  }
}
