/**
 * An htpasswd file (`auth_basic_user_file`): `user:hash` lines, reloaded when it changes,
 * with a small cache of verified credentials so bcrypt's deliberate slowness is paid once.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ConfigError } from "../../gateway/mod.ts";
import { parseHash, type PasswordHash } from "./_hashes.ts";

/** Options for {@linkcode Htpasswd}. */
export interface HtpasswdOptions {
  /** Least milliseconds between two checks of the file's mtime; default 1000. */
  checkInterval?: number;
  /** Verified credentials kept (least recently used dropped first); default 256. */
  cacheSize?: number;
  /** The clock in ms (for tests); default `performance.now`. */
  now?: () => number;
}

const utf8 = new TextDecoder();

/** The user name and password of a Basic `Authorization` value, as bytes; null if not one. */
function basicCredentials(value: string): { user: string; password: Uint8Array } | null {
  if (value.length < 7 || value.slice(0, 6).toLowerCase() !== "basic ") return null;
  let decoded: string;
  try {
    decoded = atob(value.slice(6).trim());
  } catch {
    return null;
  }
  const bytes = Uint8Array.from(decoded, (c) => c.charCodeAt(0));
  const colon = bytes.indexOf(58);
  if (colon === -1) return null;
  return { user: utf8.decode(bytes.subarray(0, colon)), password: bytes.subarray(colon + 1) };
}

function parseFile(path: string, text: string): Map<string, PasswordHash> {
  const users = new Map<string, PasswordHash>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new ConfigError('expected "user:hash"', { file: path, line: i + 1, key: "htpasswd" });
    }
    const user = line.slice(0, colon);
    const end = line.indexOf(":", colon + 1); // nginx: a third field is a comment
    const parsed = parseHash(line.slice(colon + 1, end === -1 ? undefined : end));
    if (typeof parsed === "string") {
      throw new ConfigError(parsed, { file: path, line: i + 1, key: `user "${user}"` });
    }
    if (!users.has(user)) users.set(user, parsed); // the first entry wins, as in nginx
  }
  return users;
}

/**
 * A loaded htpasswd file. Lines are `user:hash` (a third `:field` is ignored); blank lines
 * and `#` comments are skipped; the first line for a user wins. Hash forms: bcrypt
 * (`$2y$`, `$2a$`, `$2b$`), `{SHA}`, `{SSHA}`, `$apr1$`, `$1$` and `{PLAIN}`; anything else
 * (DES crypt, `$5$`, `$6$`, an unprefixed password) is refused when the file loads.
 *
 * The file is read when constructed and again when its mtime or size changes (checked at
 * most once per `checkInterval`); a reload empties the cache of verified credentials. While
 * a reload fails, {@linkcode Htpasswd.check} throws, so nobody gets in on a broken file.
 *
 * @throws {ConfigError} naming `file:line` for a malformed line or unsupported hash.
 * @throws {Error} "Cannot read password file …" when the file cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Htpasswd } from "./htpasswd.ts";
 *
 * const dir = await Deno.makeTempDir();
 * // "{SHA}" + base64(sha1("secret"))
 * await Deno.writeTextFile(`${dir}/htpasswd`, "# users\nalice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n");
 * const file = new Htpasswd(`${dir}/htpasswd`);
 * assert.equal(await file.verify("alice", "secret"), true);
 * assert.equal(await file.check(`Basic ${btoa("alice:wrong")}`), null);
 * assert.equal(await file.check(`Basic ${btoa("alice:secret")}`), "alice");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Htpasswd {
  /** The file's path. */
  readonly path: string;
  readonly #interval: number;
  readonly #cacheSize: number;
  readonly #now: () => number;
  #users = new Map<string, PasswordHash>();
  #verified = new Map<string, string>();
  #version = "";
  #checkedAt: number;
  #failure: Error | null = null;

  /** Reads and parses `path`. */
  constructor(path: string, options: HtpasswdOptions = {}) {
    this.path = path;
    this.#interval = options.checkInterval ?? 1000;
    this.#cacheSize = options.cacheSize ?? 256;
    this.#now = options.now ?? (() => performance.now());
    this.#checkedAt = this.#now();
    const failure = this.#load();
    if (failure) throw failure;
  }

  /** The user names, in file order. */
  get users(): string[] {
    this.#refresh();
    return [...this.#users.keys()];
  }

  /** Whether `user`'s password is `password` (reloading the file first if it changed). */
  async verify(user: string, password: string | Uint8Array): Promise<boolean> {
    this.#refresh();
    const hash = this.#users.get(user);
    if (!hash) return false;
    const bytes = typeof password === "string" ? new TextEncoder().encode(password) : password;
    const text = typeof password === "string" ? password : utf8.decode(password);
    return await hash.verify(bytes, text);
  }

  /**
   * Checks a whole `Authorization` header value: the user name when it holds valid Basic
   * credentials, else null. Successes are remembered by the value's SHA-256.
   */
  async check(authorization: string): Promise<string | null> {
    this.#refresh();
    const key = createHash("sha256").update(authorization).digest("base64");
    const cached = this.#verified.get(key);
    if (cached !== undefined) {
      this.#verified.delete(key); // most recently used goes last
      this.#verified.set(key, cached);
      return cached;
    }
    const credentials = basicCredentials(authorization);
    if (credentials === null) return null;
    const cache = this.#verified; // a reload during the check replaces it
    if (!await this.verify(credentials.user, credentials.password)) return null;
    if (cache === this.#verified && this.#cacheSize > 0) {
      if (cache.size >= this.#cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(key, credentials.user);
    }
    return credentials.user;
  }

  /** Reloads the file when its mtime or size changed, at most once per interval. */
  #refresh(): void {
    const now = this.#now();
    if (now - this.#checkedAt >= this.#interval) {
      this.#checkedAt = now;
      this.#failure = this.#load();
    }
    if (this.#failure) throw this.#failure;
  }

  /** Loads the file if it changed; returns the failure instead of throwing it. */
  #load(): Error | null {
    try {
      const info = Deno.statSync(this.path);
      const version = `${info.mtime?.getTime()}:${info.size}:${info.ino}`;
      if (version === this.#version && this.#failure === null) return null;
      const users = parseFile(this.path, Deno.readTextFileSync(this.path));
      this.#users = users;
      this.#verified = new Map();
      this.#version = version;
      return null;
    } catch (cause) {
      this.#version = "";
      if (cause instanceof ConfigError) return cause;
      const why = cause instanceof Error ? cause.message : String(cause);
      return new Error(`Cannot read password file "${this.path}": ${why}`, { cause });
    }
  }
}
