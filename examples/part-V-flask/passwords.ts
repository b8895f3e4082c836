/**
 * Password hashing (Werkzeug's `generate_password_hash` / `check_password_hash`, scrypt only):
 * scrypt from `node:crypto` with a random 16-byte salt, N=16384, r=8, p=1, stored as
 * `scrypt$N$r$p$salt$hash` (salt and hash in base64url) so the cost can be raised later without
 * breaking old hashes, and compared in constant time.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from "node:crypto";

/** scrypt's cost parameters and the derived key's length, in bytes. */
const COST = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;
const SALT_LENGTH = 16;
/** The most memory a stored hash's cost may need (128·N·r bytes), so a bad row cannot hog a worker. */
const MAX_MEMORY = 256 * 2 ** 20;

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, length, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/**
 * Hashes `password` with a fresh random salt: `scrypt$16384$8$1$<salt>$<hash>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashPassword, verifyPassword } from "./passwords.ts";
 *
 * const stored = await hashPassword("correct horse");
 * assert.match(stored, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
 * assert.notEqual(stored, await hashPassword("correct horse"), "a new salt each time");
 * assert.equal(await verifyPassword("correct horse", stored), true);
 * assert.equal(await verifyPassword("battery staple", stored), false);
 * ```
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, { ...COST, maxmem: MAX_MEMORY }, KEY_LENGTH);
  return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64url"), hash.toString("base64url")]
    .join("$");
}

/**
 * Whether `password` matches `stored` (a {@linkcode hashPassword} result, with whatever cost it
 * was made with). A malformed `stored` value never matches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyPassword } from "./passwords.ts";
 *
 * assert.equal(await verifyPassword("anything", "plain-text-password"), false);
 * ```
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], "base64url");
  const expected = Buffer.from(parts[5], "base64url");
  const sane = [N, r, p].every((n) => Number.isInteger(n) && n > 0) &&
    128 * N * r < MAX_MEMORY && p <= 16 && salt.length > 0 && expected.length >= 16;
  if (!sane) return false;
  try {
    const actual = await derive(password, salt, { N, r, p, maxmem: MAX_MEMORY }, expected.length);
    return timingSafeEqual(actual, expected);
  } catch {
    return false; // parameters scrypt refuses (N not a power of two, too much memory)
  }
}

let dummy: Promise<string> | undefined;

/**
 * A hash of nothing, checked against when the user does not exist so that a login takes as
 * long for an unknown name as for a wrong password (no user enumeration by timing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dummyHash, verifyPassword } from "./passwords.ts";
 *
 * assert.equal(await verifyPassword("guess", await dummyHash()), false);
 * ```
 */
export function dummyHash(): Promise<string> {
  return dummy ??= hashPassword(crypto.randomUUID());
}
