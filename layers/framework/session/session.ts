/**
 * The session object (Flask's `session`): a string-keyed map of JSON values that records
 * whether it was read (`accessed`) or changed (`modified`), so the store knows when to send
 * `Set-Cookie` and `Vary: Cookie`.
 *
 * @module
 */

/** A value a session can hold: anything `JSON.stringify` turns back into itself. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A session's contents as a plain object (what the cookie carries). */
export type SessionData = Record<string, JsonValue>;

/**
 * A session or CSRF setup that cannot work: no secret key, or an invalid setting (`key`
 * names it). Raised at startup by the checks, or when an unusable session is changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Session, SessionError } from "./session.ts";
 *
 * const session = new Session({}, { unavailableReason: "Cannot use the session: no key" });
 * assert.throws(() => session.set("user", 1), SessionError);
 * ```
 */
export class SessionError extends Error {
  /** The option at fault, when one is (e.g. `"secretKey"`). */
  readonly key?: string;

  /** Creates the error; `options.key` names the option at fault. */
  constructor(message: string, options: ErrorOptions & { key?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SessionError";
    if (options.key !== undefined) this.key = options.key;
  }
}

/** Options of the {@linkcode Session} constructor. */
export interface SessionInit {
  /** Whether no valid cookie was loaded (default `true`). */
  isNew?: boolean;
  /**
   * Why this session cannot be changed; when set, every change throws a
   * {@linkcode SessionError} with this message (the store sets it when no secret key is
   * configured, so reading an empty session still works).
   */
  unavailableReason?: string;
}

const PERMANENT = "_permanent";

/**
 * One request's session. Values must be JSON values: a `Date` comes back as its ISO string.
 * Changing a value in place (`session.get("cart").push(item)`) is not seen: call
 * {@linkcode Session.set} again, or set `modified = true`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Session } from "./session.ts";
 *
 * const session = new Session({ user: "ada" }, { isNew: false });
 * assert.equal(session.get("user"), "ada");
 * assert.equal(session.accessed, true);
 * assert.equal(session.modified, false);
 * session.set("visits", 1);
 * assert.equal(session.modified, true);
 * assert.deepEqual(session.toJSON(), { user: "ada", visits: 1 });
 * ```
 */
export class Session {
  #data: Map<string, JsonValue>;
  #unavailableReason: string | undefined;
  /** Whether the contents changed in this request (the store then sends the cookie). */
  modified = false;
  /** Whether the contents were read or changed (the store then adds `Vary: Cookie`). */
  accessed = false;
  /** Whether no valid cookie was loaded for this request. */
  readonly isNew: boolean;

  /** Makes a session holding a copy of `data`. */
  constructor(data: Readonly<SessionData> = {}, init: SessionInit = {}) {
    this.#data = new Map(Object.entries(data));
    this.isNew = init.isNew ?? true;
    this.#unavailableReason = init.unavailableReason;
  }

  #change(): void {
    if (this.#unavailableReason !== undefined) throw new SessionError(this.#unavailableReason);
    this.modified = true;
    this.accessed = true;
  }

  /** Whether the session can be changed (false when no secret key is configured). */
  get available(): boolean {
    return this.#unavailableReason === undefined;
  }

  /** How many keys the session holds, `_permanent` and `_flashes` included (not an access). */
  get size(): number {
    return this.#data.size;
  }

  /** A value, or `undefined`. The type parameter is a cast: check values you did not store. */
  get<T extends JsonValue = JsonValue>(key: string): T | undefined {
    this.accessed = true;
    return this.#data.get(key) as T | undefined;
  }

  /** Whether `key` is set. */
  has(key: string): boolean {
    this.accessed = true;
    return this.#data.has(key);
  }

  /** Sets a value (`undefined` deletes it). Throws a {@linkcode SessionError} when unavailable. */
  set(key: string, value: JsonValue | undefined): this {
    this.#change();
    if (value === undefined) this.#data.delete(key);
    else this.#data.set(key, value);
    return this;
  }

  /** Deletes a key; true when it was set. Throws a {@linkcode SessionError} when unavailable. */
  delete(key: string): boolean {
    this.#change();
    return this.#data.delete(key);
  }

  /** Deletes a key and returns its value (Python's `dict.pop`). */
  pop<T extends JsonValue = JsonValue>(key: string): T | undefined {
    const value = this.get<T>(key);
    this.delete(key);
    return value;
  }

  /** Deletes every key (log out). The store then deletes the cookie. */
  clear(): void {
    this.#change();
    this.#data.clear();
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    this.accessed = true;
    return [...this.#data.keys()];
  }

  /** The `[key, value]` pairs, in insertion order. */
  entries(): [string, JsonValue][] {
    this.accessed = true;
    return [...this.#data.entries()];
  }

  /**
   * Whether the session outlives the browser session: its cookie gets `Max-Age` of the
   * store's `permanentLifetime`. Kept in the session as `_permanent`, as Flask does.
   */
  get permanent(): boolean {
    return this.#data.get(PERMANENT) === true;
  }

  set permanent(value: boolean) {
    if (value) this.set(PERMANENT, true);
    else if (this.#data.has(PERMANENT)) this.delete(PERMANENT);
  }

  /** The contents as a plain object (a copy; does not count as an access). */
  toJSON(): SessionData {
    return Object.fromEntries(this.#data);
  }
}
