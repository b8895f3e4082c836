/**
 * The client side of the SMTP proxy (nginx's `ngx_mail_smtp_module`): the greeting, EHLO/HELO,
 * STARTTLS (RFC 3207), AUTH PLAIN/LOGIN/CRAM-MD5 (RFC 4954) or, with `smtp_auth none`, the
 * envelope; then `auth_http` names the backend, the backend is readied, and bytes are relayed.
 * Commands sent together are answered in order, the replies written once the input runs dry
 * (RFC 2920). Its collaborators come in as {@linkcode SmtpDeps}, so tests can fake them; the
 * dialogue itself is `_smtp_dialogue.ts`.
 *
 * @module
 */

import type { Logger } from "../../gateway/mod.ts";
import type { MailServerConfig } from "../config/mod.ts";
import type { TlsKeyPair } from "../http/tls.ts";
import type { ConnectionInfo } from "../stream/mod.ts";
import type { TunnelEnd } from "../upstream/mod.ts";
import type { askAuthHttp } from "./auth_http.ts";
import type { openBackend } from "./smtp_backend.ts";
import { SmtpSession } from "./_smtp_dialogue.ts";
import { writeWithin } from "./_smtp_reply.ts";

/** What a session calls out to: the `auth_http` service and the backend. */
export interface SmtpDeps {
  /** Asks the auth service about an attempt ({@linkcode askAuthHttp}). */
  auth: typeof askAuthHttp;
  /** Connects to the backend and readies it ({@linkcode openBackend}). */
  connect: typeof openBackend;
}

/** What {@linkcode serveSmtp} needs besides the client. */
export interface SmtpSessionOptions {
  /** The `[[mail.server]]`. */
  server: MailServerConfig;
  /** The certificate for STARTTLS; null when the server has none. */
  tls: TlsKeyPair | null;
  /** The auth service and the backend. */
  deps: SmtpDeps;
  /** Where the outcomes go (never a password). */
  log: Logger;
}

/** The client's connection, as a {@linkcode TcpService} session gives it. */
export interface SmtpClient {
  /** The connection (TLS already when the listener is `ssl`). */
  conn: TunnelEnd;
  /** Its two ends; `tls` says whether it is already TLS. */
  info: ConnectionInfo;
  /** Closes `closable` with the session (the TLS session, the backend's connection). */
  adopt(closable: { close(): void }): void;
}

/**
 * Holds one client's SMTP dialogue to its end: closed, failed, or relayed to a backend until
 * either side is done. Resolves when the session is over; the caller closes `client.conn`.
 *
 * @example
 * ```ts ignore
 * import { askAuthHttp } from "./auth_http.ts";
 * import { openBackend } from "./smtp_backend.ts";
 *
 * await TcpService.start({
 *   listen: server.listen,
 *   maxConnections: 512,
 *   log,
 *   handle: (session) =>
 *     serveSmtp(session, { server, tls: null, deps: { auth: askAuthHttp, connect: openBackend }, log }),
 * });
 * ```
 */
export function serveSmtp(client: SmtpClient, options: SmtpSessionOptions): Promise<void> {
  return new SmtpSession(client, options).run();
}

/**
 * Tells a connection refused by `limit_conn`, `limit_req` or `worker_connections` to come back
 * later (`421 4.7.0`); gives up after a few seconds if it cannot be written.
 *
 * @example
 * ```ts ignore
 * await refuseSmtp(conn, server); // "421 4.7.0 mx.example.com Too many connections, try again later"
 * ```
 */
export async function refuseSmtp(conn: TunnelEnd, server: MailServerConfig): Promise<void> {
  const line = `421 4.7.0 ${server.serverName} Too many connections, try again later\r\n`;
  await writeWithin(conn, new TextEncoder().encode(line), Math.min(server.timeout, 5_000));
}
