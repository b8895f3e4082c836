// Private to the toolkit: the 4xx errors about the resource (who may see it, whether it is
// there, its state and preconditions). Public through exceptions.ts.

import { HttpError, type HttpErrorOptions } from "./_http_error.ts";
import { type Challenge, formatWWWAuthenticate } from "./http/authorization.ts";

/** Options of {@linkcode Unauthorized}. */
export interface UnauthorizedOptions extends HttpErrorOptions {
  /**
   * `WWW-Authenticate` challenges, as header values (`'Basic realm="admin"'`) or
   * {@linkcode Challenge} objects (`{ scheme: "Basic", params: { realm: "admin" } }`).
   */
  wwwAuthenticate?: string | Challenge | readonly (string | Challenge)[];
}

/**
 * `401 Unauthorized`: credentials are missing or wrong; `wwwAuthenticate` sets the challenges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Unauthorized } from "./exceptions.ts";
 *
 * const error = new Unauthorized(undefined, { wwwAuthenticate: 'Basic realm="admin"' });
 * assert.equal(error.headers.get("www-authenticate"), 'Basic realm="admin"');
 * ```
 */
export class Unauthorized extends HttpError {
  /** This class's status, 401. */
  static override readonly status: number = 401;

  /** Makes a 401 with optional `WWW-Authenticate` challenges. */
  constructor(description?: string, options: UnauthorizedOptions = {}) {
    super(description, options);
    const challenges = options.wwwAuthenticate;
    if (challenges === undefined) return;
    const list = Array.isArray(challenges) ? challenges : [challenges as string | Challenge];
    for (const challenge of list) {
      this.headers.append(
        "www-authenticate",
        typeof challenge === "string" ? challenge : formatWWWAuthenticate(challenge),
      );
    }
  }
}

/**
 * `403 Forbidden`: the client may not access the resource.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Forbidden } from "./exceptions.ts";
 *
 * assert.equal(new Forbidden().title, "Forbidden");
 * ```
 */
export class Forbidden extends HttpError {
  /** This class's status, 403. */
  static override readonly status: number = 403;
}

/**
 * `404 Not Found`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotFound } from "./exceptions.ts";
 *
 * assert.equal(new NotFound().toResponse().status, 404);
 * ```
 */
export class NotFound extends HttpError {
  /** This class's status, 404. */
  static override readonly status: number = 404;
}

/**
 * `405 Method Not Allowed`: sets `Allow` to the methods the resource supports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MethodNotAllowed } from "./exceptions.ts";
 *
 * const error = new MethodNotAllowed(["GET", "HEAD"]);
 * assert.equal(error.headers.get("allow"), "GET, HEAD");
 * assert.deepEqual(error.allowed, ["GET", "HEAD"]);
 * ```
 */
export class MethodNotAllowed extends HttpError {
  /** This class's status, 405. */
  static override readonly status: number = 405;
  /** The methods the resource supports. */
  readonly allowed: readonly string[];

  /** Makes a 405 listing the `allowed` methods. */
  constructor(allowed: readonly string[], description?: string, options?: HttpErrorOptions) {
    super(description, options);
    this.allowed = [...allowed];
    this.headers.set("allow", this.allowed.join(", "));
  }
}

/**
 * `406 Not Acceptable`: no representation matches the request's `Accept*` headers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotAcceptable } from "./exceptions.ts";
 *
 * assert.equal(new NotAcceptable().status, 406);
 * ```
 */
export class NotAcceptable extends HttpError {
  /** This class's status, 406. */
  static override readonly status: number = 406;
}

/**
 * `409 Conflict`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Conflict } from "./exceptions.ts";
 *
 * assert.equal(new Conflict().status, 409);
 * ```
 */
export class Conflict extends HttpError {
  /** This class's status, 409. */
  static override readonly status: number = 409;
}

/**
 * `410 Gone`: the resource existed but was removed for good.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Gone } from "./exceptions.ts";
 *
 * assert.equal(new Gone().status, 410);
 * ```
 */
export class Gone extends HttpError {
  /** This class's status, 410. */
  static override readonly status: number = 410;
}

/**
 * `412 Precondition Failed`: an `If-Match` / `If-Unmodified-Since` check failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PreconditionFailed } from "./exceptions.ts";
 *
 * assert.equal(new PreconditionFailed().status, 412);
 * ```
 */
export class PreconditionFailed extends HttpError {
  /** This class's status, 412. */
  static override readonly status: number = 412;
}

/**
 * `423 Locked` (WebDAV).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Locked } from "./exceptions.ts";
 *
 * assert.equal(new Locked().status, 423);
 * ```
 */
export class Locked extends HttpError {
  /** This class's status, 423. */
  static override readonly status: number = 423;
}

/**
 * `424 Failed Dependency` (WebDAV).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FailedDependency } from "./exceptions.ts";
 *
 * assert.equal(new FailedDependency().status, 424);
 * ```
 */
export class FailedDependency extends HttpError {
  /** This class's status, 424. */
  static override readonly status: number = 424;
}

/**
 * `428 Precondition Required`: the request must be conditional.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PreconditionRequired } from "./exceptions.ts";
 *
 * assert.equal(new PreconditionRequired().status, 428);
 * ```
 */
export class PreconditionRequired extends HttpError {
  /** This class's status, 428. */
  static override readonly status: number = 428;
}

/**
 * `451 Unavailable For Legal Reasons`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnavailableForLegalReasons } from "./exceptions.ts";
 *
 * assert.equal(new UnavailableForLegalReasons().status, 451);
 * ```
 */
export class UnavailableForLegalReasons extends HttpError {
  /** This class's status, 451. */
  static override readonly status: number = 451;
}

/**
 * The 4xx errors about the resource, for `httpErrorFor()` to pick by status; not
 * MethodNotAllowed, whose constructor takes the allowed methods first.
 */
export const RESOURCE_ERRORS: readonly (typeof HttpError)[] = [
  Unauthorized,
  Forbidden,
  NotFound,
  NotAcceptable,
  Conflict,
  Gone,
  PreconditionFailed,
  Locked,
  FailedDependency,
  PreconditionRequired,
  UnavailableForLegalReasons,
];
