/**
 * What a compiled view returns to the matcher, and the shared results of constant rules.
 *
 * @module
 */

import type { RuleRecord } from "./_record.ts";
import type { MatchResult, RouteMatch } from "./match_result.ts";
import type { Params } from "./url_rule.ts";

/** A match whose rule needs the map's alias / defaults / redirect checks. */
export class Pending {
  /** Tells it from a result. */
  readonly kind = "pending";
  /** Holds the matched rule and its params. */
  constructor(readonly record: RuleRecord, readonly params: Params) {}
}

/** A request answered by automatic OPTIONS (the map then computes `Allow`). */
export class AutoOptions {
  /** Tells it from a result. */
  readonly kind = "auto_options";
  /** Holds the rule that matched the path. */
  constructor(readonly record: RuleRecord) {}
}

/** The trailing-slash redirect. */
export const SLASH_STEP = 1 as const;

/** No match, but some rule of another method (or WebSocket-ness) matched the path. */
export const MISS_STEP = 2 as const;

/**
 * What a compiled view returns: a result, a pending match, the redirect sentinel, or no match
 * (`MISS_STEP` when a rule of another method matched the path, else `null`).
 */
export type Step =
  | MatchResult
  | Pending
  | AutoOptions
  | typeof SLASH_STEP
  | typeof MISS_STEP
  | null;

/** A compiled view: matches the (decoded, protected) `path` with the host / subdomain values. */
export type ViewFn = (
  path: string,
  decoded: boolean,
  domainValues: readonly string[] | null,
) => Step;

/** A compiled view: fully static paths in a hash map, everything else in one function. */
export interface View {
  /**
   * Outcome of each fully static path (decoded, protected): a shared frozen result when it is
   * constant, else a function to call as the view itself.
   */
  readonly statics: ReadonlyMap<string, ViewFn | MatchResult>;
  /** The search for every other path. */
  readonly run: ViewFn;
}

const constants = new WeakMap<RuleRecord, RouteMatch>();

/**
 * The result of a rule without variables (its params are its defaults): one frozen object,
 * shared by every match.
 */
export function constantResult(record: RuleRecord): RouteMatch {
  let result = constants.get(record);
  if (!result) {
    result = Object.freeze({
      kind: "match",
      endpoint: record.endpoint,
      params: Object.freeze({ ...record.defaults }),
      rule: record.rule,
    });
    constants.set(record, result);
  }
  return result;
}
