/**
 * What every request of the notes app carries in `c.g` (Flask's `g`): the worker's database
 * connection (`get_db()`) and the logged-in user (`g.user`), both set by the app's before hook.
 *
 * @module
 */

import type { RequestContext } from "../../layers/framework/mod.ts";
import type { NotesDb, User } from "./db.ts";

/** The type of `c.g`. */
export type NotesState = {
  /** This worker's connection. */
  db: NotesDb;
  /** The logged-in user, or `null`. */
  user: User | null;
};

/** A request context of the notes app. */
export type NotesContext = RequestContext<NotesState>;

/**
 * The database (Flask tutorial's `get_db()`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getDb } from "./state.ts";
 *
 * assert.throws(() => getDb({ g: {} } as never), /before startup/);
 * ```
 */
export function getDb(c: NotesContext): NotesDb {
  const db = c.g.db;
  if (!db) throw new Error("Cannot use the database before startup() opened it");
  return db;
}

/**
 * The logged-in user; throws when there is none (views behind `loginRequired` only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireUser } from "./state.ts";
 *
 * assert.deepEqual(requireUser({ g: { user: { id: 1, username: "ada" } } } as never), {
 *   id: 1,
 *   username: "ada",
 * });
 * ```
 */
export function requireUser(c: NotesContext): NonNullable<NotesState["user"]> {
  const user = c.g.user;
  if (!user) throw new Error("Cannot answer: this view needs a logged-in user (loginRequired)");
  return user;
}
