/**
 * The notes app's storage: SQLite through Deno's built-in `node:sqlite`, one connection per
 * worker (Flask's tutorial opens one per request in `get_db()`; a worker here is a long-lived
 * thread, so it keeps one). Several workers share the file: WAL lets readers run beside the
 * writer, and `busy_timeout` makes a writer wait its turn instead of failing with "database is
 * locked". Every note query names its owner, so another user's note is simply not found.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/** A user, as views and templates see it (never the password hash). */
export interface User {
  /** The row id, kept in the session as `user_id`. */
  readonly id: number;
  /** The name, unique regardless of case. */
  readonly username: string;
}

/** A note. Times are UTC, ISO 8601. */
export interface Note {
  /** The row id. */
  readonly id: number;
  /** The title, never empty. */
  readonly title: string;
  /** The text, possibly empty. */
  readonly body: string;
  /** When it was created. */
  readonly created: string;
  /** When it was last saved. */
  readonly updated: string;
}

/** What a note is made of, checked by the forms or the API. */
export interface NoteInput {
  /** The title. */
  readonly title: string;
  /** The text. */
  readonly body: string;
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  created TEXT NOT NULL DEFAULT (${NOW})
);
CREATE TABLE IF NOT EXISTS notes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  created TEXT NOT NULL DEFAULT (${NOW}),
  updated TEXT NOT NULL DEFAULT (${NOW})
);
CREATE INDEX IF NOT EXISTS notes_by_user ON notes (user_id, updated);
CREATE TABLE IF NOT EXISTS secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

const NOTE_COLUMNS = "id, title, body, created, updated";

/**
 * One worker's connection to the notes database.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotesDb } from "./db.ts";
 *
 * using db = NotesDb.open(":memory:");
 * const ada = db.createUser("ada", "scrypt$…")!;
 * assert.equal(db.createUser("ADA", "scrypt$…"), undefined, "names are unique in any case");
 * const note = db.createNote(ada.id, { title: "Engine", body: "Bernoulli numbers" });
 * assert.deepEqual(db.listNotes(ada.id).map((n) => n.title), ["Engine"]);
 * const bob = db.createUser("bob", "scrypt$…")!;
 * assert.equal(db.getNote(bob.id, note.id), undefined, "only its owner finds it");
 * assert.equal(db.deleteNote(bob.id, note.id), false);
 * assert.equal(db.deleteNote(ada.id, note.id), true);
 * ```
 */
export class NotesDb implements Disposable {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Opens (creating if needed) the database at `path` and its schema; `":memory:"` for a
   * private in-memory one. Safe to run from several workers at once.
   */
  static open(path: string): NotesDb {
    const db = new DatabaseSync(path);
    try {
      // The timeout first: switching to WAL and creating the schema may wait for another worker.
      db.exec("PRAGMA busy_timeout = 5000");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec("PRAGMA foreign_keys = ON");
      db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
    } catch (error) {
      db.close();
      throw new Error(`Cannot open the notes database "${path}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new NotesDb(db);
  }

  /** Closes the connection. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** `using db = NotesDb.open(…)` closes it at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Adds a user; `undefined` when the name is taken (in any case). */
  createUser(username: string, passwordHash: string): User | undefined {
    return this.#db.prepare(
      `INSERT INTO users (username, password_hash) VALUES (?, ?)
       ON CONFLICT (username) DO NOTHING RETURNING id, username`,
    ).get(username, passwordHash) as User | undefined;
  }

  /** The user named `username` (any case) with their password hash, for logging in. */
  findLogin(username: string): (User & { readonly passwordHash: string }) | undefined {
    return this.#db.prepare(
      "SELECT id, username, password_hash AS passwordHash FROM users WHERE username = ?",
    ).get(username) as (User & { passwordHash: string }) | undefined;
  }

  /** The user with `id`, if they still exist. */
  findUser(id: number): User | undefined {
    return this.#db.prepare("SELECT id, username FROM users WHERE id = ?").get(id) as
      | User
      | undefined;
  }

  /** The notes of user `userId`, last saved first. */
  listNotes(userId: number): Note[] {
    return this.#db.prepare(
      `SELECT ${NOTE_COLUMNS} FROM notes WHERE user_id = ? ORDER BY updated DESC, id DESC`,
    ).all(userId) as unknown as Note[];
  }

  /** User `userId`'s note `id`, or `undefined` (missing, or someone else's). */
  getNote(userId: number, id: number): Note | undefined {
    return this.#db.prepare(`SELECT ${NOTE_COLUMNS} FROM notes WHERE user_id = ? AND id = ?`)
      .get(userId, id) as Note | undefined;
  }

  /** Adds a note for user `userId`. */
  createNote(userId: number, input: NoteInput): Note {
    return this.#db.prepare(
      `INSERT INTO notes (user_id, title, body) VALUES (?, ?, ?) RETURNING ${NOTE_COLUMNS}`,
    ).get(userId, input.title, input.body) as unknown as Note;
  }

  /** Replaces user `userId`'s note `id`; `undefined` when they have no such note. */
  updateNote(userId: number, id: number, input: NoteInput): Note | undefined {
    return this.#db.prepare(
      `UPDATE notes SET title = ?, body = ?, updated = ${NOW}
       WHERE user_id = ? AND id = ? RETURNING ${NOTE_COLUMNS}`,
    ).get(input.title, input.body, userId, id) as Note | undefined;
  }

  /** Deletes user `userId`'s note `id`; whether there was one. */
  deleteNote(userId: number, id: number): boolean {
    return this.#db.prepare("DELETE FROM notes WHERE user_id = ? AND id = ?").run(userId, id)
      .changes === 1;
  }

  /**
   * The secret named `name`, made by `make()` the first time any worker asks: the first
   * insert wins, so every worker (and every restart) reads the same value.
   */
  secret(name: string, make: () => string): string {
    this.#db.prepare("INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING")
      .run(name, make());
    const row = this.#db.prepare("SELECT value FROM secrets WHERE name = ?").get(name);
    return (row as { value: string }).value;
  }
}
