/**
 * Request paths as the matcher sees them: percent-decoded once, except `%2F` and `%25`, which
 * stay encoded so that an encoded slash never splits a segment (and `%252F` stays `%2F` text).
 * Values are un-escaped after matching.
 *
 * @module
 */

const PROTECT = /%(2[fF]|25)/g;
const PROTECTED = /%2F|%25/g;
const HEX = /^[0-9A-Fa-f]{2}$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Turns the protected escapes back into the characters they stand for. */
function unescapeProtected(match: string): string {
  return match === "%2F" ? "/" : "%";
}

/**
 * Decodes a raw path that contains `%`. `%2F` and `%25` are kept (upper-cased); a `%` that
 * starts no valid escape is treated as a literal `%` (so kept as `%25`); bytes that are not
 * UTF-8 decode to U+FFFD. Never throws.
 */
export function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(PROTECT, (_, hex: string) => "%25" + hex.toUpperCase()));
  } catch {
    return decodeLenient(raw);
  }
}

function decodeLenient(raw: string): string {
  const chunks: Uint8Array[] = [];
  let bytes: number[] = [];
  let literal = "";
  const flushLiteral = () => {
    if (literal === "") return;
    if (bytes.length > 0) chunks.push(Uint8Array.from(bytes)), bytes = [];
    chunks.push(encoder.encode(literal));
    literal = "";
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    const hex = raw.slice(i + 1, i + 3);
    if (c !== "%" || !HEX.test(hex)) {
      literal += c === "%" ? "%25" : c;
      continue;
    }
    const code = parseInt(hex, 16);
    i += 2;
    if (code === 0x2f || code === 0x25) {
      literal += code === 0x2f ? "%2F" : "%25";
      continue;
    }
    flushLiteral();
    bytes.push(code);
  }
  flushLiteral();
  if (bytes.length > 0) chunks.push(Uint8Array.from(bytes));
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) all.set(chunk, at), at += chunk.length;
  return decoder.decode(all);
}

/** A matched value with the kept escapes (`%2F`, `%25`) turned back into `/` and `%`. */
export function unprotect(value: string): string {
  return value.indexOf("%") === -1 ? value : value.replace(PROTECTED, unescapeProtected);
}

/** `path` with every run of slashes merged into one. */
export function mergeSlashes(path: string): string {
  return path.replace(/\/{2,}/g, "/");
}

/** `path` starting with exactly one `/` (Werkzeug strips leading slashes, then adds one). */
export function leadingSlash(path: string): string {
  if (path.charCodeAt(0) === 47 && path.charCodeAt(1) !== 47) return path;
  return "/" + path.replace(/^\/+/, "");
}

/** The root path (where the map is mounted) without a trailing slash. */
export function rootPathOf(options: { readonly rootPath?: string }): string {
  const root = options.rootPath;
  if (!root) return "";
  return root.endsWith("/") ? root.replace(/\/+$/, "") : root;
}
