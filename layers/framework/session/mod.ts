/**
 * Sessions, flashed messages and CSRF protection for the framework (Flask's signed-cookie
 * `session`, `flash`/`get_flashed_messages`, and Flask-WTF's `CSRFProtect`), usable by any
 * app: open the session from the request, use it, save it into the response's headers.
 *
 * @example A login, a flash, and a protected form post
 * ```ts
 * import assert from "node:assert/strict";
 * import { CsrfProtect, flash, getFlashed, SessionStore } from "./mod.ts";
 *
 * const secretKey = "change-me";
 * const store = new SessionStore({ secretKey });
 * const csrf = new CsrfProtect({ secretKey });
 *
 * // Request 1: log in, flash a message, render a form with a CSRF token.
 * const session = await store.open(new Request("http://localhost/login"));
 * session.set("user", "ada");
 * flash(session, "Welcome, Ada.");
 * const token = await csrf.token(session);
 * const headers = new Headers();
 * await store.save(session, headers);
 * const cookie = headers.getSetCookie()[0].split(";")[0];
 *
 * // Request 2 (any worker): the form comes back.
 * const request = new Request("http://localhost/profile", {
 *   method: "POST",
 *   headers: { cookie },
 *   body: new URLSearchParams({ csrf_token: token, name: "Ada" }),
 * });
 * const next = await store.open(request);
 * await csrf.check(request, next, await request.formData());
 * assert.equal(next.get("user"), "ada");
 * assert.deepEqual(getFlashed(next), ["Welcome, Ada."]);
 * ```
 *
 * @module
 */

export {
  type JsonValue,
  Session,
  type SessionData,
  SessionError,
  type SessionInit,
} from "./session.ts";
export {
  assertSecretKey,
  MAX_COOKIE_SIZE,
  type ResolvedSessionOptions,
  resolveSessionOptions,
  type SessionOptions,
  SessionStore,
} from "./session_store.ts";
export { flash, type FlashEntry, getFlashed, type GetFlashedOptions } from "./flash.ts";
export {
  CsrfError,
  type CsrfOptions,
  CsrfProtect,
  type FormFields,
  resolveCsrfOptions,
  type ResolvedCsrfOptions,
} from "./csrf.ts";
