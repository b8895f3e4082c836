/**
 * The backend side of an SMTP proxy session: connect to the server `auth_http` named, read its
 * greeting, introduce the real client (EHLO, XCLIENT) or authenticate (`proxy_smtp_auth`),
 * replay the envelope in `smtp_auth none` mode, and hand the connection over for relaying.
 *
 * CONTRACT (fixed; the session depends on it). PLACEHOLDER body.
 *
 * @module
 */

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
}

/** Why the backend could not be readied: `reply` is what the client should get (4xx). */
export class BackendError extends Error {
  /** The reply for the client, CRLF-terminated (e.g. `451 4.4.1 Cannot reach the backend\r\n`). */
  readonly reply: string;
  constructor(message: string, reply: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BackendError";
    this.reply = reply;
  }
}

/** Connects to `hostname:port` and runs the handshake; throws {@linkcode BackendError}. */
export function openBackend(
  _address: { hostname: string; port: number },
  _intro: BackendIntro,
): Promise<BackendSession> {
  return Promise.reject(new BackendError("not yet", "451 4.3.0 Not yet\r\n"));
}
