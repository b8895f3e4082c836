/**
 * Text helpers shared by the converters and the URL builder: percent-encoding for paths,
 * regex escaping, and the rejection marker.
 *
 * @module
 */

/** The value a bound converter returns to reject. */
export const REJECT: unique symbol = Symbol("reject");

const SAFE_TEXT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;
const SAFE_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const RESTORE = /%(?:24|26|2B|2C|3A|3B|3D|40)/g;
const RESTORE_PATH = /%(?:24|26|2B|2C|2F|3A|3B|3D|40)/g;

/**
 * Percent-encodes `text` for a URL path, keeping the characters a path segment allows
 * (`!$&'()*+,;=:@` and the unreserved ones) and, when `keepSlash`, `/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quotePath } from "./converters.ts";
 *
 * assert.equal(quotePath("a b/c", false), "a%20b%2Fc");
 * assert.equal(quotePath("a b/c", true), "a%20b/c");
 * assert.equal(quotePath("café", true), "caf%C3%A9");
 * ```
 */
export function quotePath(text: string, keepSlash: boolean): string {
  if ((keepSlash ? SAFE_PATH : SAFE_TEXT).test(text)) return text;
  return encodeURIComponent(text.toWellFormed()).replace(
    keepSlash ? RESTORE_PATH : RESTORE,
    decodeURIComponent,
  );
}

/**
 * Escapes `text` for use as a literal in a regular expression.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeRegex } from "./converters.ts";
 *
 * assert.equal(escapeRegex("a.b"), "a\\.b");
 * assert.ok(new RegExp(`^${escapeRegex("(x)*")}$`).test("(x)*"));
 * ```
 */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
