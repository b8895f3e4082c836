/**
 * Signed-cookie sessions (Flask's `SecureCookieSessionInterface`, on WebCrypto): the whole
 * session travels in one cookie, as JSON signed with HMAC-SHA256 and timestamped, so any
 * worker of any process can read it and no server keeps state.
 *
 * The cookie value is `payload.timestamp.signature` (base64url parts, as itsdangerous's
 * `URLSafeTimedSerializer` lays them out), signed with a key derived from `secretKey` and the
 * salt `"cookie-session"`. It is not byte-compatible with Flask's cookies, which use SHA-1.
 *
 * @module
 */

import {
  CookieError,
  type CookieOptions,
  deleteCookieHeader,
  parseCookies,
  parseSet,
  type SameSite,
  serializeCookie,
} from "../../toolkit/mod.ts";
import { TimedSerializer } from "./_signer.ts";
import { Session, type SessionData, SessionError } from "./session.ts";

/** Settings of a {@linkcode SessionStore} (Flask's `SESSION_COOKIE_*` and friends). */
export interface SessionOptions {
  /** The secret that signs cookies (Flask's `SECRET_KEY`); `null` or `""`: sessions are read-only and empty. */
  secretKey: string | null;
  /** Older secrets still accepted when verifying (Flask's `SECRET_KEY_FALLBACKS`); default none. */
  fallbackKeys?: readonly string[];
  /** The cookie name; default `"session"`. */
  cookieName?: string;
  /** `Domain`; default none (this host only). */
  domain?: string;
  /** `Path`; default `"/"`. */
  path?: string;
  /** `HttpOnly`; default `true`. */
  httpOnly?: boolean;
  /** `Secure`; default unset (forced on by `sameSite: "None"` and `partitioned`). */
  secure?: boolean;
  /** `SameSite`; default `"Lax"`, `null` leaves the attribute out. */
  sameSite?: SameSite | Lowercase<SameSite> | null;
  /** `Partitioned` (CHIPS); default `false`. */
  partitioned?: boolean;
  /**
   * Seconds a permanent session lives (its cookie's `Max-Age`), and the most a cookie's
   * signature may age before it is ignored; default 31 days.
   */
  permanentLifetime?: number;
  /** Re-send a permanent session's cookie on every request, sliding its expiry; default `true`. */
  refreshEachRequest?: boolean;
  /** The key-derivation salt; default `"cookie-session"`. */
  salt?: string;
  /** How many recently verified cookies to remember, skipping their HMAC; default 512, 0 turns it off. */
  cacheSize?: number;
  /** Receives warnings (an oversized cookie); default: dropped. Pass the app logger's `warn`. */
  warn?: (message: string) => void;
  /** The clock, in milliseconds since the epoch; default `Date.now` (tests inject one). */
  now?: () => number;
}

/** {@linkcode SessionOptions} with every default filled in, as {@linkcode resolveSessionOptions} returns them. */
export interface ResolvedSessionOptions {
  /** The signing secret, `null` when none is configured. */
  readonly secretKey: string | null;
  /** Older secrets accepted when verifying. */
  readonly fallbackKeys: readonly string[];
  /** The cookie name. */
  readonly cookieName: string;
  /** The cookie's attributes except `Max-Age`. */
  readonly cookie: Readonly<CookieOptions>;
  /** Seconds a permanent session lives. */
  readonly permanentLifetime: number;
  /** Whether permanent sessions are re-sent on every request. */
  readonly refreshEachRequest: boolean;
  /** The key-derivation salt. */
  readonly salt: string;
  /** How many verified cookies are remembered. */
  readonly cacheSize: number;
  /** Where warnings go. */
  readonly warn: (message: string) => void;
  /** The clock, in milliseconds. */
  readonly now: () => number;
}

/** Browsers may drop a `Set-Cookie` longer than this (Werkzeug's `max_cookie_size`). */
export const MAX_COOKIE_SIZE = 4093;
const DAY = 86_400;
const MAX_COOKIE_CHARS = 8192;

const NO_SECRET = "Cannot use the session: set secretKey in the app config (a long random " +
  "string kept out of source control, e.g. generated with `openssl rand -hex 32` and read from " +
  "an environment variable)";

function noop(): void {}

function fail(key: string, why: string): never {
  throw new SessionError(`Cannot use the session settings: ${key} ${why}`, { key });
}

function checkSecret(key: string, value: unknown): void {
  if (typeof value !== "string" || value === "") fail(key, "must be a non-empty string");
}

/**
 * Throws the {@linkcode SessionError} a session change would throw when `secretKey` is not
 * set. Call it at startup when the app will need sessions (or CSRF protection).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertSecretKey, SessionError } from "./mod.ts";
 *
 * assert.throws(() => assertSecretKey({ secretKey: null }), SessionError);
 * assertSecretKey({ secretKey: "s3cret" });
 * ```
 */
export function assertSecretKey(options: { secretKey?: string | null }): void {
  if (typeof options.secretKey !== "string" || options.secretKey === "") {
    throw new SessionError(NO_SECRET, { key: "secretKey" });
  }
}

/**
 * Fills in the defaults of {@linkcode SessionOptions} and checks every value once (the cookie
 * attributes through a trial `serializeCookie`), throwing a {@linkcode SessionError} that
 * names the bad option. A missing `secretKey` is allowed: see {@linkcode assertSecretKey}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSessionOptions, SessionError } from "./mod.ts";
 *
 * const options = resolveSessionOptions({ secretKey: "s3cret" });
 * assert.equal(options.cookieName, "session");
 * assert.equal(options.permanentLifetime, 31 * 86400);
 * assert.throws(() => resolveSessionOptions({ secretKey: "s", secure: false, sameSite: "None" }), SessionError);
 * ```
 */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  const secretKey = options.secretKey === "" ? null : options.secretKey ?? null;
  if (secretKey !== null) checkSecret("secretKey", secretKey);
  const fallbackKeys = options.fallbackKeys ?? [];
  if (!Array.isArray(fallbackKeys)) fail("fallbackKeys", "must be an array of strings");
  for (const key of fallbackKeys) checkSecret("fallbackKeys", key);
  const permanentLifetime = options.permanentLifetime ?? 31 * DAY;
  if (!(typeof permanentLifetime === "number" && permanentLifetime >= 1)) {
    fail(
      "permanentLifetime",
      `must be a number of seconds of at least 1, not ${permanentLifetime}`,
    );
  }
  const cacheSize = options.cacheSize ?? 512;
  if (!(Number.isSafeInteger(cacheSize) && cacheSize >= 0)) {
    fail("cacheSize", `must be a whole number of at least 0, not ${cacheSize}`);
  }
  const salt = options.salt ?? "cookie-session";
  if (typeof salt !== "string" || salt === "") fail("salt", "must be a non-empty string");
  const cookieName = options.cookieName ?? "session";
  const cookie: CookieOptions = {
    path: options.path ?? "/",
    httpOnly: options.httpOnly ?? true,
  };
  if (options.domain !== undefined) cookie.domain = options.domain;
  if (options.secure !== undefined) cookie.secure = options.secure;
  const sameSite = options.sameSite === undefined ? "Lax" : options.sameSite;
  if (sameSite !== null) cookie.sameSite = sameSite;
  if (options.partitioned) cookie.partitioned = true;
  try {
    serializeCookie(cookieName, "x", cookie);
  } catch (error) {
    if (!(error instanceof CookieError)) throw error;
    throw new SessionError(`Cannot use the session settings: ${error.message}`, {
      key: "cookie",
      cause: error,
    });
  }
  return {
    secretKey,
    fallbackKeys: [...fallbackKeys],
    cookieName,
    cookie: Object.freeze(cookie),
    permanentLifetime,
    refreshEachRequest: options.refreshEachRequest ?? true,
    salt,
    cacheSize,
    warn: options.warn ?? noop,
    now: options.now ?? Date.now,
  };
}

function addVaryCookie(headers: Headers): void {
  const current = headers.get("vary");
  if (current === null) return headers.set("vary", "Cookie");
  const vary = parseSet(current);
  if (vary.has("cookie") || vary.has("*")) return;
  vary.add("Cookie");
  headers.set("vary", vary.toString());
}

/**
 * Opens a request's session from its cookie and saves it into the response's headers. Holds
 * no sessions itself: two stores with the same options (two workers) read each other's
 * cookies. A tampered, expired or unreadable cookie opens as an empty new session; nothing
 * here throws on client input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionStore } from "./mod.ts";
 *
 * const store = new SessionStore({ secretKey: "s3cret" });
 * const first = await store.open(new Request("http://localhost/login"));
 * first.set("user", "ada");
 * const headers = new Headers();
 * await store.save(first, headers);
 * const cookie = headers.getSetCookie()[0].split(";")[0]; // "session=…"
 *
 * const next = await store.open(new Request("http://localhost/", { headers: { cookie } }));
 * assert.equal(next.get("user"), "ada");
 * assert.equal(next.isNew, false);
 * ```
 */
export class SessionStore {
  /** The resolved options. */
  readonly options: ResolvedSessionOptions;
  #serializer: TimedSerializer | null;

  /** Checks `options` once ({@linkcode resolveSessionOptions}); the keys are derived on first use. */
  constructor(options: SessionOptions) {
    this.options = resolveSessionOptions(options);
    const { secretKey, fallbackKeys, salt, cacheSize } = this.options;
    this.#serializer = secretKey === null
      ? null
      : new TimedSerializer([secretKey, ...fallbackKeys], salt, cacheSize);
  }

  /**
   * The request's session: the cookie's contents when its signature and age are good,
   * otherwise empty and `isNew`. Without a secret key, an empty session that throws a
   * {@linkcode SessionError} when changed.
   */
  async open(request: Request): Promise<Session> {
    if (this.#serializer === null) {
      return new Session({}, { isNew: true, unavailableReason: NO_SECRET });
    }
    const value = parseCookies(request.headers.get("cookie")).get(this.options.cookieName);
    if (value === undefined || value === "" || value.length > MAX_COOKIE_CHARS) {
      return new Session();
    }
    const now = this.options.now() / 1000;
    const loaded = await this.#serializer.loads(value, this.options.permanentLifetime, now);
    if (!loaded.ok) return new Session();
    const data = loaded.value;
    if (typeof data !== "object" || data === null || Array.isArray(data)) return new Session();
    return new Session(data as SessionData, { isNew: false });
  }

  /**
   * Adds the session's `Set-Cookie` to `headers` when needed: when it was modified, or on
   * every request for a permanent session with `refreshEachRequest`. A modified session left
   * empty deletes the cookie. Adds `Vary: Cookie` whenever the session was read or changed,
   * so shared caches keep pages of different users apart. Warns when the cookie is too large for
   * browsers to keep.
   */
  async save(session: Session, headers: Headers): Promise<void> {
    const { cookieName, cookie } = this.options;
    if (this.#serializer === null) return;
    if (session.accessed) addVaryCookie(headers);
    if (session.size === 0) {
      if (session.modified) headers.append("set-cookie", deleteCookieHeader(cookieName, cookie));
      return;
    }
    const permanent = session.permanent;
    if (!session.modified && !(permanent && this.options.refreshEachRequest)) return;
    const value = await this.#serializer.dumps(session.toJSON(), this.options.now() / 1000);
    const header = serializeCookie(
      cookieName,
      value,
      permanent ? { ...cookie, maxAge: this.options.permanentLifetime } : cookie,
    );
    headers.append("set-cookie", header);
    addVaryCookie(headers);
    if (header.length > MAX_COOKIE_SIZE) {
      this.options.warn(
        `The ${JSON.stringify(cookieName)} cookie is ${header.length} bytes, over the ` +
          `${MAX_COOKIE_SIZE} bytes browsers keep: they may ignore it. Store less in the session.`,
      );
    }
  }
}
