// Private to auth/: the password hash forms an htpasswd file may hold, and their checks.
// bcrypt (`$2y$`, `$2a$`, `$2b$`) through bcryptjs; `{SHA}`, `{SSHA}`, `{PLAIN}`, and the
// MD5-crypt family (`$apr1$` from `htpasswd -m`, `$1$` from glibc) with node:crypto.

import bcrypt from "bcryptjs";
import { createHash, timingSafeEqual } from "node:crypto";

/** Checks a password (its bytes, and the same read as UTF-8) against one stored hash. */
export type Verify = (password: Uint8Array, text: string) => boolean | Promise<boolean>;

/** A parsed hash: its scheme's name (for messages) and its check. */
export interface PasswordHash {
  scheme: "bcrypt" | "sha" | "ssha" | "plain" | "apr1" | "md5-crypt";
  verify: Verify;
}

const encoder = new TextEncoder();
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const MD5_CRYPT = /^(\$apr1\$|\$1\$)([^$]{0,8})\$[./0-9A-Za-z]{22}$/;
const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function base64Bytes(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function sha1(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha1");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function md5(...parts: (Uint8Array | string)[]): Uint8Array {
  const hash = createHash("md5");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** MD5-crypt (Poul-Henning Kamp's, as in glibc `$1$` and Apache `$apr1$`). */
export function md5Crypt(password: Uint8Array, salt: string, magic: "$1$" | "$apr1$"): string {
  const saltBytes = encoder.encode(salt);
  const alternate = md5(password, saltBytes, password);
  const ctx = createHash("md5").update(password).update(magic).update(saltBytes);
  for (let left = password.length; left > 0; left -= 16) {
    ctx.update(alternate.subarray(0, Math.min(16, left)));
  }
  for (let i = password.length; i > 0; i >>= 1) {
    ctx.update(i & 1 ? new Uint8Array(1) : password.subarray(0, 1));
  }
  let final: Uint8Array = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const round = createHash("md5").update(i & 1 ? password : final);
    if (i % 3) round.update(saltBytes);
    if (i % 7) round.update(password);
    final = round.update(i & 1 ? final : password).digest();
  }
  const f = final;
  const to64 = (value: number, count: number) => {
    let out = "";
    for (let n = 0; n < count; n++, value >>= 6) out += ITOA64[value & 0x3f];
    return out;
  };
  return `${magic}${salt}$` +
    to64((f[0] << 16) | (f[6] << 8) | f[12], 4) + to64((f[1] << 16) | (f[7] << 8) | f[13], 4) +
    to64((f[2] << 16) | (f[8] << 8) | f[14], 4) + to64((f[3] << 16) | (f[9] << 8) | f[15], 4) +
    to64((f[4] << 16) | (f[10] << 8) | f[5], 4) + to64(f[11], 2);
}

/**
 * Parses a stored hash; a string naming what is wrong when the form is unsupported or
 * malformed (the hash itself never goes into the message).
 */
export function parseHash(hash: string): PasswordHash | string {
  if (hash.startsWith("$2")) {
    if (!BCRYPT.test(hash)) return "malformed bcrypt hash";
    return { scheme: "bcrypt", verify: (_, text) => bcrypt.compare(text, hash) };
  }
  if (hash.startsWith("{SHA}")) {
    const digest = base64Bytes(hash.slice(5));
    if (digest === null || digest.length !== 20) return 'malformed "{SHA}" hash';
    return { scheme: "sha", verify: (password) => same(sha1(password), digest) };
  }
  if (hash.startsWith("{SSHA}")) {
    const decoded = base64Bytes(hash.slice(6));
    if (decoded === null || decoded.length <= 20) return 'malformed "{SSHA}" hash';
    const digest = decoded.subarray(0, 20);
    const salt = decoded.subarray(20);
    return { scheme: "ssha", verify: (password) => same(sha1(password, salt), digest) };
  }
  if (hash.startsWith("{PLAIN}")) {
    const stored = encoder.encode(hash.slice(7));
    return { scheme: "plain", verify: (password) => same(password, stored) };
  }
  const md5 = MD5_CRYPT.exec(hash);
  if (md5) {
    const magic = md5[1] as "$1$" | "$apr1$";
    const stored = encoder.encode(hash);
    return {
      scheme: magic === "$1$" ? "md5-crypt" : "apr1",
      verify: (password) => same(encoder.encode(md5Crypt(password, md5[2], magic)), stored),
    };
  }
  if (hash.startsWith("$apr1$") || hash.startsWith("$1$")) return "malformed MD5-crypt hash";
  const scheme = /^\$[0-9a-z]+\$/.exec(hash)?.[0];
  const form = scheme
    ? `"${scheme}" hashes are not supported`
    : /^[./0-9A-Za-z]{13}$/.test(hash)
    ? "DES crypt(3) hashes are not supported"
    : 'a plain-text password needs the "{PLAIN}" prefix';
  return `${form}; use bcrypt ("htpasswd -B"), "{SHA}", "{SSHA}", "$apr1$" or "{PLAIN}"`;
}
