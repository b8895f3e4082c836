/**
 * nginx's `auth_http` protocol, client side: one HTTP request per authentication attempt to
 * the service that checks the credentials (or the envelope, with `smtp_auth none`) and names
 * the backend.
 *
 * The request mirrors `ngx_mail_auth_http_module`: the same header fields, the credentials
 * escaped the same way (space, `%` and control bytes as `%XX`), `Client-Host: [UNAVAILABLE]`
 * as nginx sends without a resolver. The answer is read as nginx reads it, plus two checks of
 * its own: a status other than 200 is a failure, and an `Auth-Error-Code` that is not a 4xx or
 * 5xx code is ignored. `Auth-Status: WAIT` (ask again after `Auth-Wait` seconds, without
 * telling the client) is followed a few times.
 *
 * @module
 */

import type { MailServerConfig } from "../config/mod.ts";
import { escapeAuthValue, escapeProtocolValue, latin1ToUtf8, unescapeAuthValue } from "./_xtext.ts";

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

/** How many times `Auth-Status: WAIT` is followed before the attempt counts as failed. */
export const AUTH_WAIT_ROUNDS = 5;

/**
 * Asks `server.authHttp` about `request`; never throws.
 *
 * Each request has `server.authHttpTimeout` to get its answer's head. The answer's `wait` is
 * set only for a positive `Auth-Wait` (nginx closes the session on a refusal without one, or
 * with `Auth-Wait: 0`). Credentials appear in no `why`.
 *
 * @example
 * ```ts ignore
 * const answer = await askAuthHttp(server, {
 *   method: "plain", user: "joe", pass: "secret", attempt: 1,
 *   clientIp: "192.0.2.7", helo: "client.example.org",
 * });
 * if (answer.kind === "ok") await openBackend({ hostname: answer.server, port: answer.port }, intro);
 * ```
 */
export async function askAuthHttp(
  server: MailServerConfig,
  request: AuthRequest,
): Promise<AuthAnswer> {
  try {
    for (let round = 1;; round++) {
      const answer = await askOnce(server, request);
      if (answer.kind !== "wait") return answer;
      if (round > AUTH_WAIT_ROUNDS) {
        return failed(server, `it answered "WAIT" ${round} times in a row`);
      }
      await sleep(Math.min(answer.seconds * 1000, server.authHttpTimeout));
    }
  } catch (error) {
    // Not expected (askOnce catches what fetch throws); kept so that the contract holds.
    return failed(server, error instanceof Error ? error.message : String(error));
  }
}

/**
 * The header fields of the request for `request`, as nginx builds them (`fetch` adds `Host`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MailServerConfig } from "../config/mod.ts";
 * import { authHttpHeaders } from "./auth_http.ts";
 *
 * const server = {
 *   authHttp: "http://127.0.0.1:9000/auth",
 *   authHttpHeaders: [{ name: "X-Auth-Key", value: "k" }],
 * } as MailServerConfig;
 * const headers = authHttpHeaders(server, {
 *   method: "login", user: "joe", pass: "50% off", attempt: 2,
 *   clientIp: "192.0.2.7", helo: "client.example.org",
 * });
 * assert.equal(headers.get("Auth-Method"), "plain");
 * assert.equal(headers.get("Auth-Pass"), "50%25%20off");
 * assert.equal(headers.get("Auth-Login-Attempt"), "2");
 * assert.equal(headers.get("X-Auth-Key"), "k");
 * ```
 */
export function authHttpHeaders(server: MailServerConfig, request: AuthRequest): Headers {
  const headers = new Headers();
  // nginx names AUTH LOGIN "plain" too: the service gets a user and a password either way.
  headers.set("Auth-Method", request.method === "login" ? "plain" : request.method);
  headers.set("Auth-User", escapeAuthValue(request.user));
  headers.set("Auth-Pass", escapeAuthValue(request.pass));
  if (request.method === "cram-md5" && request.salt !== undefined) {
    headers.set("Auth-Salt", escapeProtocolValue(request.salt));
  }
  headers.set("Auth-Protocol", "smtp");
  headers.set("Auth-Login-Attempt", String(request.attempt));
  headers.set("Client-IP", escapeProtocolValue(request.clientIp));
  headers.set("Client-Host", "[UNAVAILABLE]");
  headers.set("Auth-SMTP-Helo", escapeProtocolValue(request.helo));
  if (request.from !== undefined) headers.set("Auth-SMTP-From", escapeProtocolValue(request.from));
  if (request.to !== undefined) headers.set("Auth-SMTP-To", escapeProtocolValue(request.to));
  for (const { name, value } of server.authHttpHeaders) headers.append(name, value);
  return headers;
}

type OneAnswer = AuthAnswer | { kind: "wait"; seconds: number };

async function askOnce(server: MailServerConfig, request: AuthRequest): Promise<OneAnswer> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), server.authHttpTimeout);
  let response: Response;
  try {
    response = await fetch(server.authHttp, {
      headers: authHttpHeaders(server, request),
      redirect: "manual",
      signal: deadline.signal,
    });
  } catch (error) {
    if (deadline.signal.aborted) {
      return failed(server, `no answer after ${server.authHttpTimeout} ms`);
    }
    return failed(server, error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
  // The body means nothing to the protocol.
  await response.body?.cancel().catch(() => {});
  if (response.status !== 200) return failed(server, `it answered status ${response.status}`);
  return readAnswer(server, response.headers);
}

/** The answer's header fields, read as nginx reads them. */
function readAnswer(server: MailServerConfig, headers: Headers): OneAnswer {
  const status = headers.get("Auth-Status");
  if (status === null) return failed(server, "the answer has no Auth-Status");
  if (status === "") return failed(server, "the answer's Auth-Status is empty");
  if (status === "WAIT") {
    return { kind: "wait", seconds: parseSeconds(headers.get("Auth-Wait")) ?? 0 };
  }
  if (status !== "OK") {
    const answer: AuthAnswer = { kind: "refused", message: printable(latin1ToUtf8(status)) };
    const code = headers.get("Auth-Error-Code");
    if (code !== null && /^[45][0-9][0-9](?: [45]\.[0-9]{1,3}\.[0-9]{1,3})?$/.test(code)) {
      answer.code = code;
    }
    const wait = parseSeconds(headers.get("Auth-Wait"));
    if (wait) answer.wait = wait;
    return answer;
  }
  const host = headers.get("Auth-Server");
  const portText = headers.get("Auth-Port");
  if (!host || !portText) return failed(server, "it answered OK without Auth-Server or Auth-Port");
  const name = serverName(host);
  if (name === null) return failed(server, `it answered an invalid Auth-Server ${quote(host)}`);
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : 0;
  if (port < 1 || port > 65535) {
    return failed(server, `it answered an invalid Auth-Port ${quote(portText)}`);
  }
  const answer: AuthAnswer = { kind: "ok", server: name, port };
  const user = headers.get("Auth-User");
  const pass = headers.get("Auth-Pass");
  if (user !== null) answer.user = unescapeAuthValue(user);
  if (pass !== null) answer.pass = unescapeAuthValue(pass);
  return answer;
}

/**
 * `Auth-Server` as a connectable host name: an IPv4 address, an IPv6 address (brackets
 * dropped), or a DNS name; null for anything else.
 */
function serverName(text: string): string | null {
  if (/^[0-9.]+$/.test(text)) {
    const parts = text.split(".");
    const ok = parts.length === 4 &&
      parts.every((part) => /^[0-9]{1,3}$/.test(part) && Number(part) <= 255);
    return ok ? text : null;
  }
  const bare = text.replace(/^\[(.*)\]$/, "$1");
  if (bare.includes(":")) {
    if (!/^[0-9A-Fa-f:.]+$/.test(bare)) return null;
    try {
      return new URL(`http://[${bare}]/`).hostname === "" ? null : bare;
    } catch {
      return null;
    }
  }
  if (text.length > 253) return null;
  const label = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
  return text.replace(/\.$/, "").split(".").every((part) => label.test(part)) ? text : null;
}

function parseSeconds(text: string | null): number | undefined {
  if (text === null || !/^[0-9]{1,9}$/.test(text)) return undefined;
  return Number(text);
}

function failed(server: MailServerConfig, why: string): AuthAnswer {
  return { kind: "failed", why: `Cannot ask auth_http "${server.authHttp}": ${why}` };
}

/** The text with control characters dropped (it goes into a reply line). */
function printable(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, "").trim();
}

function quote(text: string): string {
  const clean = printable(text);
  return JSON.stringify(clean.length > 100 ? `${clean.slice(0, 100)}…` : clean);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
