/**
 * Message flashing (Flask's `flash` / `get_flashed_messages`): a message stored in the
 * session by one request and shown, once, by a later one. Messages sit in the session under
 * `"_flashes"` as `[category, message]` pairs.
 *
 * @module
 */

import type { Session } from "./session.ts";

/** A flashed message with its category: `[category, message]`. */
export type FlashEntry = [category: string, message: string];

/** Options of {@linkcode getFlashed}. */
export interface GetFlashedOptions {
  /** Return `[category, message]` pairs instead of bare messages; default `false`. */
  withCategories?: boolean;
  /** Keep only messages of these categories; default all. */
  categoryFilter?: Iterable<string>;
}

const FLASHES = "_flashes";
// What this request popped from each session: later calls in the same request see it too.
const popped = new WeakMap<Session, FlashEntry[]>();

function isEntry(value: unknown): value is FlashEntry {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === "string" &&
    typeof value[1] === "string";
}

/**
 * Flashes `message` to the next request that calls {@linkcode getFlashed}; `category` is
 * free text (Flask uses `"message"`, `"error"`, `"info"`, `"warning"`). Modifies the session,
 * so it needs a secret key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flash, getFlashed, Session } from "./mod.ts";
 *
 * const session = new Session();
 * flash(session, "Saved.");
 * flash(session, "Disk almost full.", "warning");
 * assert.deepEqual(getFlashed(session, { withCategories: true }), [
 *   ["message", "Saved."],
 *   ["warning", "Disk almost full."],
 * ]);
 * ```
 */
export function flash(session: Session, message: string, category = "message"): void {
  const stored = session.get(FLASHES);
  const flashes = Array.isArray(stored) ? stored.filter(isEntry) : [];
  flashes.push([category, message]);
  session.set(FLASHES, flashes);
}

/**
 * The flashed messages, oldest first, taken out of the session: the first call in a
 * request removes them (so the next request will not see them again) and later calls in the
 * same request return the same list. Pass `withCategories` for `[category, message]` pairs
 * and `categoryFilter` to keep some categories.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flash, getFlashed, Session } from "./mod.ts";
 *
 * const session = new Session();
 * flash(session, "Wrong password.", "error");
 * flash(session, "Welcome back.");
 * assert.deepEqual(getFlashed(session, { categoryFilter: ["error"] }), ["Wrong password."]);
 * assert.deepEqual(getFlashed(session), ["Wrong password.", "Welcome back."]);
 * assert.equal(session.has("_flashes"), false);
 * ```
 */
export function getFlashed(
  session: Session,
  options: GetFlashedOptions & { withCategories: true },
): FlashEntry[];
/** The flashed messages, without categories (see the overload above). */
export function getFlashed(session: Session, options?: GetFlashedOptions): string[];
export function getFlashed(
  session: Session,
  options: GetFlashedOptions = {},
): FlashEntry[] | string[] {
  let flashes = popped.get(session);
  if (flashes === undefined) {
    const stored = session.has(FLASHES) ? session.pop(FLASHES) : undefined;
    flashes = Array.isArray(stored) ? stored.filter(isEntry) : [];
    popped.set(session, flashes);
  }
  let entries = flashes;
  if (options.categoryFilter !== undefined) {
    const keep = new Set(options.categoryFilter);
    entries = entries.filter(([category]) => keep.has(category));
  }
  if (options.withCategories) {
    return entries.map(([category, message]): FlashEntry => [category, message]);
  }
  return entries.map(([, message]) => message);
}
