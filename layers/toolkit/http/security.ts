/**
 * Path safety helpers: join untrusted path parts under a trusted directory, and turn an
 * uploaded file's name into a safe one (Werkzeug's `safe_join` and `secure_filename`).
 *
 * @module
 */

const WINDOWS_DEVICE_FILES: ReadonlySet<string> = new Set([
  "CON",
  "PRN",
  "AUX",
  "NUL",
  "CONIN$",
  "CONOUT$",
  ..."0123456789".split("").map((n) => `COM${n}`),
  ..."0123456789".split("").map((n) => `LPT${n}`),
]);
const IS_WINDOWS = typeof Deno !== "undefined" && Deno.build?.os === "windows";
const DRIVE_LETTER = /^[A-Za-z]:/;
const NOT_FILENAME_CHAR = /[^A-Za-z0-9_.-]/g;
// Python's str.split() whitespace, restricted to ASCII (the string is ASCII by then).
// deno-lint-ignore no-control-regex
const ASCII_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f ]+/;
// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/g;
const PATH_SEPARATORS = /[/\\]/g;
const EDGE_DOTS_UNDERSCORES = /^[._]+|[._]+$/g;

/**
 * Normalize a POSIX path the way Python's `posixpath.normpath` does: collapse slashes,
 * drop `.` segments and resolve `..` where possible (an empty path becomes `"."`).
 */
function normalizePosix(path: string): string {
  if (path === "") return ".";
  const absolute = path.charCodeAt(0) === 47; // "/"
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(segment);
  }
  const joined = out.join("/");
  if (absolute) return "/" + joined;
  return joined === "" ? "." : joined;
}

function isWindowsDeviceName(segment: string): boolean {
  const dot = segment.indexOf(".");
  const stem = (dot === -1 ? segment : segment.slice(0, dot)).trim().toUpperCase();
  return WINDOWS_DEVICE_FILES.has(stem);
}

/**
 * Safely join zero or more untrusted path parts onto a trusted base directory.
 *
 * Each part is normalized on its own; the join is refused (`null`) when a part is absolute,
 * climbs out with `..`, holds a NUL byte or a backslash, starts with a Windows drive letter
 * (`C:`), or (on Windows only) names a device file such as `CON` or `nul.txt`. An empty part
 * adds nothing, so `safeJoin(dir, "")` is `dir` itself. An empty `directory` means `"."`, so
 * the first untrusted part can never become trusted. The result is a normalized POSIX path
 * under `directory`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeJoin } from "./security.ts";
 *
 * assert.equal(safeJoin("/srv/static", "css/site.css"), "/srv/static/css/site.css");
 * assert.equal(safeJoin("/srv/static", "a/../b.txt"), "/srv/static/b.txt");
 * assert.equal(safeJoin("/srv/static", "../etc/passwd"), null);
 * assert.equal(safeJoin("/srv/static", "/etc/passwd"), null);
 * assert.equal(safeJoin("/srv/static", "..\\secret"), null);
 * assert.equal(safeJoin("/srv/static", ""), "/srv/static");
 * ```
 */
export function safeJoin(directory: string, ...pathnames: string[]): string | null {
  if (typeof directory !== "string" || directory.includes("\0")) return null;
  let joined = directory === "" ? "." : directory;
  for (const raw of pathnames) {
    if (typeof raw !== "string") return null;
    if (raw === "") continue;
    if (raw.includes("\0") || raw.includes("\\") || DRIVE_LETTER.test(raw)) return null;
    const part = normalizePosix(raw);
    if (part === ".") continue;
    if (part.charCodeAt(0) === 47 || part === ".." || part.startsWith("../")) return null;
    if (IS_WINDOWS && part.split("/").some(isWindowsDeviceName)) return null;
    joined += "/" + part;
  }
  return normalizePosix(joined);
}

/**
 * Make a file name safe to store on any regular file system: the result is ASCII letters,
 * digits, `_`, `.` and `-` only, path separators and runs of white space become a single
 * `_`, and leading or trailing `.`/`_` are stripped. Windows device names (`CON`, `NUL`,
 * `COM1`, …) are prefixed with `_` on every platform. The result may be empty: pick a
 * name of your own then.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { secureFilename } from "./security.ts";
 *
 * assert.equal(secureFilename("My cool movie.mov"), "My_cool_movie.mov");
 * assert.equal(secureFilename("../../../etc/passwd"), "etc_passwd");
 * assert.equal(secureFilename("i contain cool \u00fcml\u00e4uts.txt"), "i_contain_cool_umlauts.txt");
 * assert.equal(secureFilename("con.txt"), "_con.txt");
 * assert.equal(secureFilename("../.."), "");
 * ```
 */
export function secureFilename(filename: string): string {
  if (typeof filename !== "string") return "";
  const ascii = filename.normalize("NFKD").replace(NON_ASCII, "")
    .replace(PATH_SEPARATORS, " ");
  const name = ascii.split(ASCII_WHITESPACE).filter((word) => word !== "").join("_")
    .replace(NOT_FILENAME_CHAR, "")
    .replace(EDGE_DOTS_UNDERSCORES, "");
  if (name !== "" && WINDOWS_DEVICE_FILES.has(name.split(".")[0].toUpperCase())) {
    return "_" + name;
  }
  return name;
}
