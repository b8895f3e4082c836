/**
 * Where a URI lives on disk: `root` + URI, or the location's prefix replaced by `alias`, with
 * every spelling of an escape refused before the file system is asked.
 *
 * @module
 */

import type { Settings } from "../config/types.ts";
import type { ErrorStatus } from "../types.ts";

/** The part of a location that {@linkcode mapPath} needs: its modifier and its pattern. */
export interface LocationPattern {
  /** `""` (prefix), `=`, `^~`, `~`, `~*` or `@`. */
  modifier: string;
  /** The prefix or exact path, the regex source, or the name. */
  pattern: string;
}

/**
 * Maps a decoded, normalised URI (see `normalizeUri`) to a file-system path. With `alias` set
 * and a location given, a prefix or exact location's pattern is replaced by the alias (joined
 * on a `/`, so `location /i` + `alias /data/img/` never yields `/data/img/../x` for
 * `/i../x`), and a regex location's alias is the whole path; otherwise the URI is appended to
 * `root` (a trailing slash on the root is dropped). A trailing slash on the URI is kept, so a
 * directory request maps to `…/dir/`.
 *
 * The URI is checked again, whatever the caller did: 400 when it does not start with `/`, holds
 * a NUL byte or a `.`/`..` segment; 404 for a backslash (no spelling of a separator reaches the
 * file system), for a segment starting with `.` unless `hidden_files` is on, when neither root
 * nor alias is set, or when the URI does not start with the alias location's prefix.
 * Symlinks are the file system's business: `StaticFiles.serve()` and `probe()` check them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Settings } from "../config/types.ts";
 * import { mapPath } from "./map_path.ts";
 *
 * const settings = { root: "/srv/www", alias: null, hiddenFiles: false } as Settings;
 * assert.equal(mapPath("/css/site.css", settings, null), "/srv/www/css/site.css");
 * assert.equal(mapPath("/.env", settings, null), 404);
 * assert.equal(mapPath("/a/../../etc/passwd", settings, null), 400);
 *
 * const aliased = { ...settings, alias: "/data/img/" } as Settings;
 * const location = { modifier: "", pattern: "/i/" };
 * assert.equal(mapPath("/i/top.gif", aliased, location), "/data/img/top.gif");
 * assert.equal(mapPath("/i../x", aliased, { modifier: "", pattern: "/i" }), 404);
 * ```
 */
export function mapPath(
  uri: string,
  settings: Settings,
  location: LocationPattern | null,
): string | ErrorStatus {
  const bad = checkSegments(uri, 0, settings.hiddenFiles);
  if (bad !== 0) return bad;
  const alias = settings.alias;
  if (alias !== null && location !== null && location.modifier !== "@") {
    return mapAlias(uri, alias, location, settings.hiddenFiles);
  }
  const root = settings.root;
  if (root === null) return 404;
  return root.charCodeAt(root.length - 1) === 47 ? root.slice(0, -1) + uri : root + uri;
}

function mapAlias(
  uri: string,
  alias: string,
  location: LocationPattern,
  hiddenFiles: boolean,
): string | ErrorStatus {
  const modifier = location.modifier;
  if (modifier === "~" || modifier === "~*") return alias;
  const prefix = location.pattern;
  if (!uri.startsWith(prefix)) return 404;
  const rest = uri.slice(prefix.length);
  if (rest === "") return alias;
  const base = alias.charCodeAt(alias.length - 1) === 47 ? alias.slice(0, -1) : alias;
  if (rest.charCodeAt(0) === 47) return base + rest;
  // The URI continues the prefix's last segment (`/i` + `../x`): that piece is a segment of
  // its own under the alias, and must pass the same checks.
  const bad = checkSegments("/" + rest, 0, hiddenFiles);
  return bad !== 0 ? 404 : base + "/" + rest;
}

/**
 * 0 when every segment of `path` (from `start`, which is a `/`) is a plain name; else the
 * status: 400 for a missing leading slash, NUL, `.` or `..`; 404 for a backslash or, unless
 * `hidden`, a name starting with `.`.
 */
function checkSegments(path: string, start: number, hidden: boolean): ErrorStatus {
  const length = path.length;
  if (length === start || path.charCodeAt(start) !== 47) return 400;
  for (let i = start; i < length; i++) {
    const code = path.charCodeAt(i);
    if (code === 47) {
      if (path.charCodeAt(i + 1) !== 46) continue;
      // A segment starting with ".": ".", ".." and dot-files.
      const after = path.charCodeAt(i + 2);
      if (after === 47 || i + 2 === length) return 400;
      if (after === 46) {
        const third = path.charCodeAt(i + 3);
        if (third === 47 || i + 3 === length) return 400;
      }
      if (!hidden) return 404;
    } else if (code === 92) {
      return 404;
    } else if (code === 0) {
      return 400;
    }
  }
  return 0;
}
