/**
 * Media types from file extensions, and whether a type is worth compressing, both from
 * `mime-db` (the database behind the npm `mime-types` and `compressible` packages).
 *
 * @module
 */

import db from "mime-db";

interface MimeEntry {
  source?: string;
  extensions?: string[];
  compressible?: boolean;
  charset?: string;
}

const entries = db as Record<string, MimeEntry>;
const FACET_SCORES: Readonly<Record<string, number>> = {
  "prs.": 100,
  "x-": 200,
  "x.": 300,
  "vnd.": 400,
};
const SOURCE_SCORES: Readonly<Record<string, number>> = { nginx: 10, apache: 20, iana: 40 };
const TYPE_SCORES: Readonly<Record<string, number>> = {
  application: 1,
  font: 2,
  audio: 2,
  video: 3,
};
const FACET = /^(prs\.|x-|x\.|vnd\.)/;
const COMPRESSIBLE_FALLBACK = /^text\/|\+(?:json|text|xml)$/;

let byExtension: Map<string, string> | undefined;

/**
 * How "official" a type is, after the `mime-score` rules `mime-types` uses to settle an
 * extension claimed by several types: registered trees beat `vnd.`, `x-` and `prs.`, IANA
 * beats Apache beats nginx, video/audio/font/application beat the rest, shorter wins.
 */
function score(type: string, source: string | undefined): number {
  if (type === "application/octet-stream") return 0;
  const slash = type.indexOf("/");
  const facet = FACET.exec(type.slice(slash + 1))?.[1];
  return (facet ? FACET_SCORES[facet] : 900) + (source ? SOURCE_SCORES[source] ?? 30 : 30) +
    (TYPE_SCORES[type.slice(0, slash)] ?? 0) + 1 - type.length / 100;
}

function withCharset(type: string, entry: MimeEntry): string {
  return type.startsWith("text/") || entry.charset === "UTF-8" ? `${type}; charset=utf-8` : type;
}

function buildIndex(): Map<string, string> {
  const best = new Map<string, { type: string; score: number }>();
  for (const type in entries) {
    const entry = entries[type];
    if (!entry.extensions) continue;
    const points = score(type, entry.source);
    for (const extension of entry.extensions) {
      const current = best.get(extension);
      if (!current || points > current.score) best.set(extension, { type, score: points });
    }
  }
  const index = new Map<string, string>();
  for (const [extension, { type }] of best) {
    index.set(extension, withCharset(type, entries[type]));
  }
  return index;
}

function extensionOf(pathOrExt: string): string {
  const slash = pathOrExt.lastIndexOf("/");
  const dot = pathOrExt.lastIndexOf(".");
  if (dot > slash) return pathOrExt.slice(dot + 1).toLowerCase();
  return slash < 0 ? pathOrExt.toLowerCase() : "";
}

/**
 * The `Content-Type` for a file path or a bare extension (`"site.css"`, `".css"`, `"css"`), or
 * `undefined` when the extension is unknown. Text types and those mime-db marks UTF-8
 * (JavaScript, JSON, …) get `; charset=utf-8`. `overrides` maps lower-case extensions (no dot)
 * to full types, used as given. The extension index is built on first use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentTypeFor } from "./mime.ts";
 *
 * assert.equal(contentTypeFor("static/site.css"), "text/css; charset=utf-8");
 * assert.equal(contentTypeFor("app.js"), "text/javascript; charset=utf-8");
 * assert.equal(contentTypeFor("data.json"), "application/json; charset=utf-8");
 * assert.equal(contentTypeFor("png"), "image/png");
 * assert.equal(contentTypeFor("README"), undefined);
 * assert.equal(contentTypeFor("a.md", { md: "text/plain" }), "text/plain");
 * ```
 */
export function contentTypeFor(
  pathOrExt: string,
  overrides?: Readonly<Record<string, string>>,
): string | undefined {
  const extension = extensionOf(pathOrExt);
  if (extension === "") return undefined;
  if (overrides && Object.hasOwn(overrides, extension)) return overrides[extension];
  return (byExtension ??= buildIndex()).get(extension);
}

/**
 * Whether a response of this type is worth compressing: mime-db's `compressible` flag, else
 * `text/*` and `+json` / `+text` / `+xml` types (the `compressible` package's rule). Parameters
 * such as `; charset=utf-8` and letter case are ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCompressibleType } from "./mime.ts";
 *
 * assert.equal(isCompressibleType("text/html; charset=utf-8"), true);
 * assert.equal(isCompressibleType("application/json"), true);
 * assert.equal(isCompressibleType("image/png"), false);
 * assert.equal(isCompressibleType("application/vnd.example+json"), true);
 * ```
 */
export function isCompressibleType(type: string | null | undefined): boolean {
  if (!type) return false;
  const semicolon = type.indexOf(";");
  const essence = (semicolon < 0 ? type : type.slice(0, semicolon)).trim().toLowerCase();
  const known = Object.hasOwn(entries, essence) ? entries[essence].compressible : undefined;
  return known ?? COMPRESSIBLE_FALLBACK.test(essence);
}
