// Private to middleware/: small helpers on requests and responses shared by the middleware.

import type { AppObject } from "../../gateway/mod.ts";

/** Adds `name` to the Vary header unless it (or `*`) is already listed. */
export function appendVary(headers: Headers, name: string): void {
  const vary = headers.get("vary");
  if (vary === null) {
    headers.set("vary", name);
    return;
  }
  const wanted = name.toLowerCase();
  for (const part of vary.split(",")) {
    const token = part.trim().toLowerCase();
    if (token === wanted || token === "*") return;
  }
  headers.set("vary", `${vary}, ${name}`);
}

/** Where the path starts in a serialized absolute URL (`request.url`). */
export function pathStart(url: string): number {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash === -1 ? url.length : slash;
}

/** The path of a serialized absolute URL, still percent-encoded, without query or fragment. */
export function pathOf(url: string): string {
  const start = pathStart(url);
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 || c === 35) { // "?" or "#"
      end = i;
      break;
    }
  }
  return start === end ? "/" : url.slice(start, end);
}

/** `{ fetch }` carrying `inner`'s lifespan hooks, so the wrapper works without `compose()`. */
export function wrapApp(inner: AppObject, fetch: AppObject["fetch"]): AppObject {
  const wrapped: AppObject = { fetch };
  if (inner.startup) wrapped.startup = inner.startup;
  if (inner.shutdown) wrapped.shutdown = inner.shutdown;
  return wrapped;
}
