/**
 * Serving static files next to an app (Werkzeug's `SharedDataMiddleware`).
 *
 * @module
 */

import { resolve } from "node:path";
import { type App, type AppObject, toAppObject } from "../../gateway/mod.ts";
import { isHttpError, NotFound } from "../exceptions.ts";
import { sendFile, sendFromDirectory, type StaticFileOptions } from "../static_files.ts";
import { belowRoot } from "../_paths.ts";
import { pathOf, wrapApp } from "./_http.ts";

/** Options for {@linkcode sharedData}: those of `sendFile`, and what to do on a miss. */
export interface SharedDataOptions extends StaticFileOptions {
  /** Pass requests for missing files on to the app (default); `false` answers 404 itself. */
  fallthrough?: boolean;
}

/**
 * Serves files under URL prefixes and passes every other request on to the app.
 *
 * `exports` maps a URL prefix to a directory (`"/static": "./public"`: `/static/css/a.css` is
 * `./public/css/a.css`) or to one file (`"/favicon.ico": "./public/favicon.ico"`). Paths are
 * resolved against the working directory once, here. The longest prefix wins, at a segment
 * boundary, matched below `ctx.rootPath`. Only GET and HEAD are served; a request for a
 * missing file, a directory, a dotfile or a path escaping the directory (`..`) falls through to
 * the app. Files go out through `sendFromDirectory` / `sendFile` with `options` (cache headers,
 * ETags, ranges, precompressed siblings…); an error response they raise on purpose (a
 * `Forbidden` for `dotfiles: "deny"`) is sent as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { sharedData } from "./shared_data.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/site.css`, "body {}\n");
 * const app = sharedData({ "/static": root }, { maxAge: 3600 })(() => new Response("from app"));
 * const ctx = testContext();
 * const file = await app.fetch(new Request("http://x/static/site.css"), ctx);
 * assert.equal(await file.text(), "body {}\n");
 * assert.equal(file.headers.get("cache-control"), "public, max-age=3600");
 * const missing = await app.fetch(new Request("http://x/static/none.css"), ctx);
 * assert.equal(await missing.text(), "from app");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function sharedData(
  exports: Readonly<Record<string, string>>,
  options: SharedDataOptions = {},
): (app: App) => AppObject {
  const { fallthrough = true, ...fileOptions } = options;
  const mounts = new Map<string, string>();
  for (const [prefix, path] of Object.entries(exports)) {
    mounts.set(mountKey(prefix), resolve(path));
  }

  return (app) => {
    const inner = toAppObject(app);
    return wrapApp(inner, async (request, ctx) => {
      const method = request.method;
      if (method !== "GET" && method !== "HEAD") return inner.fetch(request, ctx);
      const below = belowRoot(pathOf(request.url), ctx.rootPath);
      for (let cut = below.length; cut > 0; cut = below.lastIndexOf("/", cut - 1)) {
        const target = mounts.get(cut === below.length ? below : below.slice(0, cut));
        if (target === undefined) continue;
        const rest = cut === below.length ? "" : decode(below.slice(cut + 1));
        try {
          if (rest === "") return await sendFile(request, target, fileOptions);
          if (rest !== null) return await sendFromDirectory(request, target, rest, fileOptions);
        } catch (error) {
          if (!isHttpError(error)) throw error;
          if (!(error instanceof NotFound)) return error.toResponse(request);
        }
        break;
      }
      return fallthrough || !matches(below, mounts)
        ? inner.fetch(request, ctx)
        : new NotFound().toResponse(request);
    });
  };
}

/** Whether some export's prefix covers `path` (to tell a miss from a path no export serves). */
function matches(path: string, mounts: ReadonlyMap<string, string>): boolean {
  for (let cut = path.length; cut > 0; cut = path.lastIndexOf("/", cut - 1)) {
    if (mounts.has(cut === path.length ? path : path.slice(0, cut))) return true;
  }
  return false;
}

/** Percent-decodes a URL path; `null` when it is malformed (`%zz`, bad UTF-8). */
function decode(path: string): string | null {
  if (!path.includes("%")) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

/** `/static/` → `/static`, percent-encoded as a URL path. */
function mountKey(prefix: string): string {
  const parsed = prefix.startsWith("/") && !prefix.startsWith("//")
    ? URL.parse(prefix, "http://x")
    : null;
  if (parsed === null || parsed.search !== "" || parsed.hash !== "") {
    throw new TypeError(
      `Cannot serve files at "${prefix}": a prefix must be a path starting with "/"`,
    );
  }
  let key = parsed.pathname;
  while (key.endsWith("/")) key = key.slice(0, -1);
  if (key === "") {
    throw new TypeError(
      `Cannot serve files at "${prefix}": the root would hide the app; use a prefix`,
    );
  }
  return key;
}
