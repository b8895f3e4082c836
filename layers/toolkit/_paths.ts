// Private to the toolkit (its folders share it): where a request path sits below the mount point.

/**
 * `path` below `rootPath` when it starts with it at a segment boundary (the gateway's rule, as
 * `classic()` applies it for PATH_INFO): `"/"` for the mount point itself; otherwise `path`
 * unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { belowRoot } from "./_paths.ts";
 *
 * assert.equal(belowRoot("/app/users", "/app"), "/users");
 * assert.equal(belowRoot("/app", "/app"), "/");
 * assert.equal(belowRoot("/application", "/app"), "/application");
 * assert.equal(belowRoot("/users", ""), "/users");
 * ```
 */
export function belowRoot(path: string, rootPath: string): string {
  if (
    rootPath !== "" && path.startsWith(rootPath) &&
    (path.length === rootPath.length || path.charCodeAt(rootPath.length) === 47)
  ) {
    return path.length === rootPath.length ? "/" : path.slice(rootPath.length);
  }
  return path;
}
