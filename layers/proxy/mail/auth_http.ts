/**
 * nginx's `auth_http` protocol, client side: one HTTP request per authentication attempt to
 * the service that checks the credentials (or the envelope, with `smtp_auth none`) and names
 * the backend.
 *
 * CONTRACT (fixed; the session depends on it): see the types below. PLACEHOLDER body.
 *
 * @module
 */

import type { MailServerConfig } from "../config/mod.ts";

/** One attempt, as the client made it. */
export interface AuthRequest {
  /** `plain` (AUTH PLAIN and AUTH LOGIN both), `login`, `cram-md5`, or `none` (envelope). */
  method: "plain" | "login" | "cram-md5" | "none";
  /** The user name as given ("" with `none`). */
  user: string;
  /** The password, or with `cram-md5` the client's hex digest ("" with `none`). */
  pass: string;
  /** `cram-md5`: the challenge sent to the client (Auth-Salt), as sent (not base64). */
  salt?: string;
  /** 1 for the first attempt of the session (Auth-Login-Attempt). */
  attempt: number;
  /** The client's IP address (Client-IP). */
  clientIp: string;
  /** The client's EHLO/HELO name (Auth-SMTP-Helo). */
  helo: string;
  /** The whole `MAIL FROM:<...> ...` line, without CRLF (Auth-SMTP-From), `none` mode. */
  from?: string;
  /** The whole `RCPT TO:<...> ...` line, without CRLF (Auth-SMTP-To), `none` mode. */
  to?: string;
}

/** What the service answered. */
export type AuthAnswer =
  /** `Auth-Status: OK`: go to `server:port`; `user`/`pass` from Auth-User/Auth-Pass if sent. */
  | { kind: "ok"; server: string; port: number; user?: string; pass?: string }
  /**
   * Refused: `message` is the Auth-Status text, `code` the Auth-Error-Code (e.g. `535 5.7.8`)
   * when given, `wait` the Auth-Wait seconds when given (then the client may try again).
   */
  | { kind: "refused"; message: string; code?: string; wait?: number }
  /** The service failed (unreachable, timeout, not 200, no Auth-Status, bad Auth-Server/Port). */
  | { kind: "failed"; why: string };

/** Asks `server.authHttp` about `request`; never throws. */
export function askAuthHttp(
  _server: MailServerConfig,
  _request: AuthRequest,
): Promise<AuthAnswer> {
  return Promise.resolve({ kind: "failed", why: "not yet" });
}
