/**
 * CSRF protection (Flask-WTF's `CSRFProtect`): each session holds a random raw token; pages
 * embed a signed, time-limited token made from it; unsafe requests must send that token back
 * in a form field or a header, and over HTTPS must come from the same origin.
 *
 * @module
 */

import { BadRequest } from "../../toolkit/mod.ts";
import { constantTimeEqual, encodeBase64Url, TimedSerializer } from "./_signer.ts";
import { type Session, SessionError } from "./session.ts";

/** Settings of {@linkcode CsrfProtect} (Flask-WTF's `WTF_CSRF_*`). */
export interface CsrfOptions {
  /** The secret that signs tokens (`WTF_CSRF_SECRET_KEY`, usually the app's `secretKey`). */
  secretKey: string | null;
  /** Older secrets still accepted when verifying; default none. */
  fallbackKeys?: readonly string[];
  /** The form field, and the session key of the raw token; default `"csrf_token"`. */
  fieldName?: string;
  /** Headers that may carry the token, checked in order after the form field; default `["X-CSRFToken", "X-CSRF-Token"]`. */
  headers?: readonly string[];
  /** Methods that need a token; default `["POST", "PUT", "PATCH", "DELETE"]`. */
  methods?: readonly string[];
  /** Seconds a token stays valid; default 3600, `null` for as long as the session. */
  timeLimit?: number | null;
  /** Over HTTPS, require an `Origin` or `Referer` of the same origin; default `true`. */
  sslStrict?: boolean;
  /** Other origins the strict check accepts, e.g. `"https://admin.example.com"`; default none. */
  trustedOrigins?: readonly string[];
  /** The key-derivation salt; default `"wtf-csrf-token"`. */
  salt?: string;
  /** The clock, in milliseconds since the epoch; default `Date.now` (tests inject one). */
  now?: () => number;
}

/** {@linkcode CsrfOptions} with every default filled in. */
export interface ResolvedCsrfOptions {
  /** The signing secret, `null` when none is configured. */
  readonly secretKey: string | null;
  /** Older secrets accepted when verifying. */
  readonly fallbackKeys: readonly string[];
  /** The form field and session key. */
  readonly fieldName: string;
  /** Headers that may carry the token. */
  readonly headers: readonly string[];
  /** Methods that need a token, upper-case. */
  readonly methods: ReadonlySet<string>;
  /** Seconds a token stays valid, or `null`. */
  readonly timeLimit: number | null;
  /** Whether HTTPS requests must be same-origin. */
  readonly sslStrict: boolean;
  /** Extra accepted origins, normalized. */
  readonly trustedOrigins: ReadonlySet<string>;
  /** The key-derivation salt. */
  readonly salt: string;
  /** The clock, in milliseconds. */
  readonly now: () => number;
}

/** Where {@linkcode CsrfProtect.check} reads a form field: a `FormData`, `MultiDict` or `URLSearchParams`. */
export interface FormFields {
  /** The field's value; anything but a string (a file, `null`) counts as missing. */
  get(name: string): unknown;
}

/**
 * A failed CSRF check: `400 Bad Request`, its description the reason (e.g. "The CSRF token
 * has expired."). The app renders it like any other HTTP error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CsrfError } from "./mod.ts";
 *
 * const error = new CsrfError("The CSRF token is missing.");
 * assert.equal(error.status, 400);
 * assert.equal(error.description, "The CSRF token is missing.");
 * ```
 */
export class CsrfError extends BadRequest {}

function fail(key: string, why: string): never {
  throw new SessionError(`Cannot use the CSRF settings: ${key} ${why}`, { key });
}

function origin(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : null;
  } catch {
    return null;
  }
}

/**
 * Fills in the defaults of {@linkcode CsrfOptions} and checks them once, throwing a
 * {@linkcode SessionError} naming the bad option. A missing `secretKey` is allowed until a
 * token is needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCsrfOptions } from "./mod.ts";
 *
 * const options = resolveCsrfOptions({ secretKey: "s3cret", methods: ["post"] });
 * assert.equal(options.timeLimit, 3600);
 * assert.equal(options.methods.has("POST"), true);
 * ```
 */
export function resolveCsrfOptions(options: CsrfOptions): ResolvedCsrfOptions {
  const secretKey = options.secretKey === "" ? null : options.secretKey ?? null;
  if (secretKey !== null && typeof secretKey !== "string") fail("secretKey", "must be a string");
  const fallbackKeys = [...(options.fallbackKeys ?? [])];
  for (const key of fallbackKeys) {
    if (typeof key !== "string" || key === "") fail("fallbackKeys", "must be non-empty strings");
  }
  const fieldName = options.fieldName ?? "csrf_token";
  if (typeof fieldName !== "string" || fieldName === "") fail("fieldName", "must not be empty");
  const timeLimit = options.timeLimit === undefined ? 3600 : options.timeLimit;
  if (timeLimit !== null && !(typeof timeLimit === "number" && timeLimit > 0)) {
    fail("timeLimit", `must be a positive number of seconds or null, not ${timeLimit}`);
  }
  const salt = options.salt ?? "wtf-csrf-token";
  if (typeof salt !== "string" || salt === "") fail("salt", "must be a non-empty string");
  const trustedOrigins = new Set<string>();
  for (const trusted of options.trustedOrigins ?? []) {
    const normalized = origin(trusted);
    if (normalized === null) {
      fail("trustedOrigins", `has ${JSON.stringify(trusted)}, not an origin`);
    }
    trustedOrigins.add(normalized);
  }
  return {
    secretKey,
    fallbackKeys,
    fieldName,
    headers: [...(options.headers ?? ["X-CSRFToken", "X-CSRF-Token"])],
    methods: new Set(
      (options.methods ?? ["POST", "PUT", "PATCH", "DELETE"]).map((method) => method.toUpperCase()),
    ),
    timeLimit,
    sslStrict: options.sslStrict ?? true,
    trustedOrigins,
    salt,
    now: options.now ?? Date.now,
  };
}

const TOKEN_CACHE_SIZE = 256;
const NO_SECRET = "Cannot use CSRF protection: set secretKey in the app config (a long random " +
  "string kept out of source control, e.g. generated with `openssl rand -hex 32` and read from " +
  "an environment variable)";

/**
 * CSRF protection for an app: {@linkcode CsrfProtect.token} for templates,
 * {@linkcode CsrfProtect.check} before unsafe requests reach a view. Keeps no state between
 * requests: the raw token lives in the session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CsrfError, CsrfProtect, Session } from "./mod.ts";
 *
 * const csrf = new CsrfProtect({ secretKey: "s3cret" });
 * const session = new Session();
 * const token = await csrf.token(session); // put it in a hidden "csrf_token" field
 *
 * const post = (headers: HeadersInit) => new Request("http://localhost/", { method: "POST", headers });
 * await csrf.check(post({ "x-csrftoken": token }), session);
 * await assert.rejects(csrf.check(post({}), session), CsrfError);
 * ```
 */
export class CsrfProtect {
  /** The resolved options. */
  readonly options: ResolvedCsrfOptions;
  #serializer: TimedSerializer | null;
  // The token made for each session (one per request), so a page with several forms reuses it,
  // with the raw token it was made from (a session cleared since then gets a new one).
  #issued = new WeakMap<Session, { raw: string; token: Promise<string> }>();

  /** Checks `options` once ({@linkcode resolveCsrfOptions}); keys are derived on first use. */
  constructor(options: CsrfOptions) {
    this.options = resolveCsrfOptions(options);
    const { secretKey, fallbackKeys, salt } = this.options;
    this.#serializer = secretKey === null
      ? null
      : new TimedSerializer([secretKey, ...fallbackKeys], salt, TOKEN_CACHE_SIZE);
  }

  #signer(): TimedSerializer {
    if (this.#serializer === null) throw new SessionError(NO_SECRET, { key: "secretKey" });
    return this.#serializer;
  }

  /**
   * The signed token for forms and `X-CSRFToken` headers. Creates the session's raw token
   * when it has none (modifying the session); returns the same token for the rest of the
   * request (a new one after the session is cleared). Throws a {@linkcode SessionError} when no secret key is configured.
   */
  async token(session: Session): Promise<string> {
    const signer = this.#signer();
    const field = this.options.fieldName;
    let raw = session.get(field);
    const issued = this.#issued.get(session);
    if (issued !== undefined && issued.raw === raw) return await issued.token;
    if (typeof raw !== "string" || raw === "") {
      raw = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
      session.set(field, raw);
    }
    const token = signer.dumps(raw, this.options.now() / 1000);
    this.#issued.set(session, { raw, token });
    return await token;
  }

  /**
   * Checks one token against the session (Flask-WTF's `validate_csrf`), throwing a
   * {@linkcode CsrfError} with the reason.
   */
  async validate(token: string | null | undefined, session: Session): Promise<void> {
    const signer = this.#signer();
    if (!token) throw new CsrfError("The CSRF token is missing.");
    const raw = session.get(this.options.fieldName);
    if (typeof raw !== "string" || raw === "") {
      throw new CsrfError("The CSRF session token is missing.");
    }
    const loaded = await signer.loads(token, this.options.timeLimit, this.options.now() / 1000);
    if (!loaded.ok) {
      throw new CsrfError(
        loaded.reason === "expired" ? "The CSRF token has expired." : "The CSRF token is invalid.",
      );
    }
    if (typeof loaded.value !== "string" || !constantTimeEqual(loaded.value, raw)) {
      throw new CsrfError("The CSRF tokens do not match.");
    }
  }

  /**
   * Protects one request (Flask-WTF's `protect()`): does nothing for safe methods; otherwise
   * reads the token from `form`'s field (pass the parsed form: the body is not read here) or
   * the headers, validates it, and over HTTPS with `sslStrict` requires the `Origin` (or,
   * without one, the `Referer`) to be this origin or a trusted one. Throws a
   * {@linkcode CsrfError} (400) with the reason.
   */
  async check(request: Request, session: Session, form?: FormFields): Promise<void> {
    if (!this.options.methods.has(request.method.toUpperCase())) return;
    await this.validate(this.#readToken(request, form), session);
    if (this.options.sslStrict && request.url.startsWith("https:")) this.#checkOrigin(request);
  }

  #readToken(request: Request, form: FormFields | undefined): string | null {
    const field = form?.get(this.options.fieldName);
    if (typeof field === "string" && field !== "") return field;
    for (const name of this.options.headers) {
      const value = request.headers.get(name);
      if (value) return value;
    }
    return null;
  }

  #checkOrigin(request: Request): void {
    const own = new URL(request.url).origin;
    const sent = request.headers.get("origin");
    if (sent !== null) {
      const from = origin(sent);
      if (from === null || (from !== own && !this.options.trustedOrigins.has(from))) {
        throw new CsrfError("The origin does not match the host.");
      }
      return;
    }
    const referrer = request.headers.get("referer");
    if (!referrer) throw new CsrfError("The referrer header is missing.");
    const from = origin(referrer);
    if (from === null || (from !== own && !this.options.trustedOrigins.has(from))) {
      throw new CsrfError("The referrer does not match the host.");
    }
  }
}
