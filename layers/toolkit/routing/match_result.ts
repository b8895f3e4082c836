/**
 * What matching a request gives: a discriminated union, never thrown on the hot path; and
 * {@linkcode resultError}, which turns a failed result into the toolkit's `HttpError` for code
 * that prefers exceptions.
 *
 * @module
 */

import {
  BadRequest,
  type HttpError,
  type HttpErrorOptions,
  MethodNotAllowed,
  NotFound,
  RequestRedirect,
} from "../exceptions.ts";
import type { Params, Rule } from "./url_rule.ts";

/** Request details for matching. */
export interface MatchOptions {
  /** The request's `Host` (for host matching, or for the subdomain with a `serverName`). */
  readonly host?: string;
  /** The subdomain, when known (overrides what `host` gives). */
  readonly subdomain?: string;
  /** `http`, `https`, `ws` or `wss` (default ports are stripped from `host` by it). */
  readonly scheme?: string;
  /** Whether the request is a WebSocket upgrade (`Upgrade: websocket`). */
  readonly websocket?: boolean;
  /** The raw query string (with or without `?`), kept on redirects. */
  readonly query?: string;
  /** Where the map is mounted (`ctx.rootPath`): prefixed to redirect locations. */
  readonly rootPath?: string;
}

/**
 * A rule matched: its endpoint, the converted params and the rule. Read-only: a rule without
 * variables returns one shared, frozen result.
 */
export interface RouteMatch<P = Params, E extends string = string> {
  /** Tells the outcomes apart. */
  readonly kind: "match";
  /** The rule's endpoint. */
  readonly endpoint: E;
  /** The converted values (and the rule's defaults), by variable name. */
  readonly params: P;
  /** The rule that matched. */
  readonly rule: Rule;
}

/** Go to the canonical URL (trailing slash, merged slashes, defaults, alias, `redirectTo`). */
export interface RedirectResult {
  /** Tells the outcomes apart. */
  readonly kind: "redirect";
  /** Where to go: a path (with the root path and query) or, to another host, a full URL. */
  readonly location: string;
  /** Always `308 Permanent Redirect` (method and body kept). */
  readonly status: 308;
}

/** The path matches, but not with this method. */
export interface MethodNotAllowedResult {
  /** Tells the outcomes apart. */
  readonly kind: "method_not_allowed";
  /** Methods of every rule matching the path, and OPTIONS, sorted. */
  readonly allowed: readonly string[];
}

/** No rule matches the path. */
export interface NotFoundResult {
  /** Tells the outcomes apart. */
  readonly kind: "not_found";
}

/** An OPTIONS request answered automatically: reply `204` with `Allow`. */
export interface OptionsResult {
  /** Tells the outcomes apart. */
  readonly kind: "options";
  /** Methods of every rule matching the path, and OPTIONS, sorted. */
  readonly allowed: readonly string[];
}

/** A rule matches the path, but only for WebSocket requests, or only for plain ones. */
export interface WebsocketMismatchResult {
  /** Tells the outcomes apart. */
  readonly kind: "websocket_mismatch";
}

/** The results that stand for an HTTP error: {@linkcode resultError} turns them into one. */
export type FailedResult =
  | RedirectResult
  | MethodNotAllowedResult
  | NotFoundResult
  | WebsocketMismatchResult;

/** Everything a match can give; `M` is the success type (typed per endpoint by typed maps). */
export type MatchResult<M = RouteMatch> = M | OptionsResult | FailedResult;

/**
 * `400 Bad Request` for a WebSocket request to a plain rule or the reverse (Werkzeug's
 * `WebsocketMismatch`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebsocketMismatch } from "./match_result.ts";
 *
 * assert.equal(new WebsocketMismatch().status, 400);
 * ```
 */
export class WebsocketMismatch extends BadRequest {
  /** Makes the error with a description saying what went wrong. */
  constructor(description?: string, options?: HttpErrorOptions) {
    super(
      description ??
        "The URL is only for WebSocket requests, or only for plain HTTP requests, " +
          "and this request is the other kind.",
      options,
    );
  }
}

/**
 * The `HttpError` a failed result stands for (`RequestRedirect`, `MethodNotAllowed`,
 * `NotFound`, `WebsocketMismatch`), or `null` for a match or an automatic OPTIONS answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resultError } from "./match_result.ts";
 *
 * const error = resultError({ kind: "method_not_allowed", allowed: ["GET", "HEAD", "OPTIONS"] });
 * assert.equal(error?.status, 405);
 * assert.equal(error?.headers.get("allow"), "GET, HEAD, OPTIONS");
 * assert.equal(resultError({ kind: "not_found" })?.status, 404);
 * ```
 */
export function resultError(result: FailedResult): HttpError;
/** {@inheritDoc resultError} */
export function resultError(result: MatchResult<unknown>): HttpError | null;
export function resultError(result: MatchResult<unknown>): HttpError | null {
  const kind = (result as { kind?: unknown }).kind;
  switch (kind) {
    case "redirect":
      return new RequestRedirect((result as RedirectResult).location);
    case "method_not_allowed":
      return new MethodNotAllowed((result as MethodNotAllowedResult).allowed);
    case "not_found":
      return new NotFound();
    case "websocket_mismatch":
      return new WebsocketMismatch();
    default:
      return null;
  }
}
