/**
 * `Authorization` and `WWW-Authenticate`: parse credentials (Basic, Bearer, Digest, any
 * other scheme) and challenges, build challenges and Basic credentials (Werkzeug's
 * `Authorization` / `WWWAuthenticate`, RFC 9110 11, RFC 7617, RFC 6750, RFC 7616).
 *
 * @module
 */

import { setOwn } from "../_own.ts";
import { isOws, isToken, isTokenCode, splitList, splitPair, trimOws } from "./_header_lexer.ts";
import { parseDict, quoteHeaderValue } from "./options_header.ts";

/** Basic credentials (RFC 7617). */
export interface BasicAuthorization {
  /** Always `"basic"`. */
  type: "basic";
  /** The user id (before the first `:`). */
  username: string;
  /** The password (after the first `:`, may contain `:`). */
  password: string;
}

/** Bearer credentials (RFC 6750). */
export interface BearerAuthorization {
  /** Always `"bearer"`. */
  type: "bearer";
  /** The token as sent. */
  token: string;
}

/** Digest parameters (RFC 7616); any other parameter is kept as well. */
export interface DigestParams {
  /** Any other parameter. */
  [key: string]: string | undefined;
  /** The user name. */
  username?: string;
  /** The protection space. */
  realm?: string;
  /** The server nonce. */
  nonce?: string;
  /** The request target. */
  uri?: string;
  /** The computed digest. */
  response?: string;
  /** The quality of protection. */
  qop?: string;
  /** The nonce count. */
  nc?: string;
  /** The client nonce. */
  cnonce?: string;
  /** The opaque server value. */
  opaque?: string;
  /** The hash algorithm. */
  algorithm?: string;
}

/** Digest credentials (RFC 7616). */
export interface DigestAuthorization {
  /** Always `"digest"`. */
  type: "digest";
  /** The parameters, keys lower-cased. */
  params: DigestParams;
}

/** Credentials of any other scheme: a token68 or parameters. */
export interface OtherAuthorization {
  /** The scheme, lower-cased. */
  type: string;
  /** The token68, when the credentials are not parameters. */
  token?: string;
  /** The parameters (empty when a token was sent), keys lower-cased. */
  params: Record<string, string>;
}

/** Parsed `Authorization` credentials. */
export type Authorization =
  | BasicAuthorization
  | BearerAuthorization
  | DigestAuthorization
  | OtherAuthorization;

/** One `WWW-Authenticate` challenge. */
export interface Challenge {
  /** The scheme; lower-cased when parsed, written as given (known schemes capitalized). */
  scheme: string;
  /** The auth parameters (keys lower-cased when parsed). */
  params: Record<string, string>;
  /** A token68 instead of parameters. */
  token?: string;
}

const WHITESPACE = /\s/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true });

/** Decodes Basic credentials: strict base64, then strict UTF-8; `null` when malformed. */
function decodeBasic(token: string): [string, string] | null {
  if (!BASE64.test(token)) return null;
  const padded = token.length % 4 === 0 ? token : token + "=".repeat(4 - (token.length % 4));
  let binary: string;
  try {
    binary = atob(padded);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  let text: string;
  try {
    text = UTF8_STRICT.decode(bytes);
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  if (colon === -1) return null;
  return [text.slice(0, colon), text.slice(colon + 1)];
}

/** Whether credentials or a challenge rest is `key=value` parameters rather than a token68. */
function looksLikeParams(rest: string): boolean {
  let end = rest.length;
  while (end > 0 && rest.charCodeAt(end - 1) === 61) end--;
  return rest.lastIndexOf("=", end - 1) !== -1;
}

function paramsOf(rest: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(parseDict(rest))) {
    if (value !== null && isToken(key)) setOwn(params, key.toLowerCase(), value);
  }
  return params;
}

/**
 * Parses an `Authorization` header. Basic credentials must be valid base64 of UTF-8 text
 * holding a `:` (split at the first one); Bearer needs a single token; Digest and unknown
 * schemes with `key=value` parts give `params`, other schemes a `token`. Returns `null`
 * for an absent or malformed header; never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAuthorization } from "./authorization.ts";
 *
 * assert.deepEqual(parseAuthorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), {
 *   type: "basic",
 *   username: "Aladdin",
 *   password: "open sesame",
 * });
 * assert.deepEqual(parseAuthorization("Bearer mF_9.B5f-4.1JqM"), { type: "bearer", token: "mF_9.B5f-4.1JqM" });
 * assert.equal(parseAuthorization("Basic !!!"), null);
 * ```
 */
export function parseAuthorization(header: string | null): Authorization | null {
  if (typeof header !== "string") return null;
  const value = trimOws(header);
  let end = 0;
  while (end < value.length && isTokenCode(value.charCodeAt(end))) end++;
  if (end === 0 || (end < value.length && !isOws(value.charCodeAt(end)))) return null;
  const type = value.slice(0, end).toLowerCase();
  const rest = trimOws(value, end);
  if (type === "basic") {
    const decoded = decodeBasic(rest);
    return decoded && { type, username: decoded[0], password: decoded[1] };
  }
  if (type === "bearer") {
    if (rest === "" || WHITESPACE.test(rest)) return null;
    return { type, token: rest };
  }
  if (type === "digest") {
    return rest === "" ? null : { type, params: paramsOf(rest) };
  }
  if (rest !== "" && looksLikeParams(rest)) return { type, params: paramsOf(rest) };
  return rest === "" ? { type, params: {} } : { type, token: rest, params: {} };
}

/** Index just past the leading token of `item`, when it starts a new challenge; else -1. */
function challengeStart(item: string): number {
  let end = 0;
  while (end < item.length && isTokenCode(item.charCodeAt(end))) end++;
  if (end === 0) return -1;
  if (end === item.length) return end;
  if (!isOws(item.charCodeAt(end))) return -1;
  let next = end;
  while (next < item.length && isOws(item.charCodeAt(next))) next++;
  return item.charCodeAt(next) === 61 ? -1 : end; // "key = value" is a parameter
}

/**
 * Parses a `WWW-Authenticate` (or `Proxy-Authenticate`) header into its challenges: one
 * header may hold several, separated by commas that are not inside quoted strings.
 * Schemes and parameter names are lower-cased. Parameters before the first scheme and
 * malformed parts are skipped; never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWWWAuthenticate } from "./authorization.ts";
 *
 * assert.deepEqual(parseWWWAuthenticate('Basic realm="a, b", charset="UTF-8", Bearer error="invalid_token"'), [
 *   { scheme: "basic", params: { realm: "a, b", charset: "UTF-8" } },
 *   { scheme: "bearer", params: { error: "invalid_token" } },
 * ]);
 * ```
 */
export function parseWWWAuthenticate(header: string | null): Challenge[] {
  const challenges: Challenge[] = [];
  if (typeof header !== "string") return challenges;
  let current: Challenge | undefined;
  for (const item of splitList(header)) {
    const start = challengeStart(item);
    let part = item;
    if (start !== -1) {
      current = { scheme: item.slice(0, start).toLowerCase(), params: {} };
      challenges.push(current);
      part = trimOws(item, start);
      if (part === "") continue;
      if (!looksLikeParams(part)) {
        if (!WHITESPACE.test(part)) current.token = part;
        continue;
      }
    }
    if (current === undefined || current.token !== undefined) continue;
    const [key, value] = splitPair(part);
    if (value !== null && isToken(key)) setOwn(current.params, key.toLowerCase(), value);
  }
  return challenges;
}

const SCHEME_NAMES: Readonly<Record<string, string>> = {
  basic: "Basic",
  bearer: "Bearer",
  digest: "Digest",
  negotiate: "Negotiate",
};
/** Parameters RFC 7616/7617/6750 define as quoted-strings, quoted even when they are tokens. */
const ALWAYS_QUOTED: ReadonlySet<string> = new Set([
  "realm",
  "domain",
  "nonce",
  "opaque",
  "qop",
  "charset",
  "scope",
  "error",
  "error_description",
  "error_uri",
]);

/**
 * Builds a `WWW-Authenticate` value from one challenge or several. `basic`, `bearer`,
 * `digest` and `negotiate` are capitalized; `realm` and the other parameters the RFCs
 * define as quoted strings are always quoted, others only when needed. Throws an `Error`
 * when a scheme or parameter name is not a token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatWWWAuthenticate } from "./authorization.ts";
 *
 * assert.equal(
 *   formatWWWAuthenticate({ scheme: "basic", params: { realm: "admin", charset: "UTF-8" } }),
 *   'Basic realm="admin", charset="UTF-8"',
 * );
 * assert.equal(
 *   formatWWWAuthenticate([{ scheme: "Bearer", params: {} }, { scheme: "Digest", params: { realm: "x", algorithm: "SHA-256" } }]),
 *   'Bearer, Digest realm="x", algorithm=SHA-256',
 * );
 * ```
 */
export function formatWWWAuthenticate(challenge: Challenge | readonly Challenge[]): string {
  const list: readonly Challenge[] = Array.isArray(challenge)
    ? challenge
    : [challenge as Challenge];
  return list.map(({ scheme, params, token }) => {
    if (!isToken(scheme)) {
      throw new Error(
        `Cannot format WWW-Authenticate: scheme ${JSON.stringify(scheme)} is not a token`,
      );
    }
    const name = SCHEME_NAMES[scheme.toLowerCase()] ?? scheme;
    if (token !== undefined) return `${name} ${token}`;
    const parts: string[] = [];
    for (const [key, value] of Object.entries(params ?? {})) {
      if (!isToken(key)) {
        throw new Error(
          `Cannot format WWW-Authenticate: parameter name ${JSON.stringify(key)} is not a token`,
        );
      }
      const allowToken = !ALWAYS_QUOTED.has(key.toLowerCase());
      parts.push(`${key}=${quoteHeaderValue(value, { allowToken })}`);
    }
    return parts.length === 0 ? name : `${name} ${parts.join(", ")}`;
  }).join(", ");
}

const ENCODER = new TextEncoder();

/**
 * Builds a Basic `Authorization` value (UTF-8, RFC 7617). Throws an `Error` when the user
 * name contains a `:`, which the scheme cannot carry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { basicAuthorization, parseAuthorization } from "./authorization.ts";
 *
 * assert.equal(basicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
 * assert.deepEqual(parseAuthorization(basicAuthorization("j\u00fcrgen", "p:w")), {
 *   type: "basic",
 *   username: "j\u00fcrgen",
 *   password: "p:w",
 * });
 * ```
 */
export function basicAuthorization(username: string, password: string): string {
  if (String(username).includes(":")) {
    throw new Error(
      `Cannot build Basic credentials: user name ${JSON.stringify(username)} contains ":"`,
    );
  }
  let binary = "";
  for (const byte of ENCODER.encode(`${username}:${password}`)) {
    binary += String.fromCharCode(byte);
  }
  return `Basic ${btoa(binary)}`;
}
