/**
 * Reverse routing's public pieces (`RouteMap.build` does the work): the {@linkcode BuildError}
 * that says what was missing and what you probably meant, the query-string encoder for extra
 * params, and the edit distance behind "did you mean".
 *
 * @module
 */

/** Why building failed, and what to try instead. */
export interface BuildErrorInfo {
  /** The endpoint asked for. */
  readonly endpoint: string;
  /** The param names given. */
  readonly params: readonly string[];
  /** The method asked for. */
  readonly method?: string;
  /** The closest endpoint when none has this name. */
  readonly suggestion?: string;
}

/**
 * No rule can build the URL: the message names the endpoint, what is missing or wrong, and the
 * closest endpoint or rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RouteMap } from "./route_map.ts";
 * import { BuildError } from "./build.ts";
 *
 * // An untyped map (not chained), so that the mistakes compile and fail at run time.
 * const map = new RouteMap();
 * map.add("/user/<int:id>", "user");
 * assert.throws(() => map.build("usr", { id: 1 }), BuildError);
 * assert.throws(() => map.build("usr", { id: 1 }), /did you mean "user"\?/);
 * assert.throws(() => map.build("user", {}), /missing "id"/);
 * ```
 */
export class BuildError extends Error {
  /** The endpoint asked for. */
  readonly endpoint: string;
  /** The param names given. */
  readonly params: readonly string[];
  /** The method asked for. */
  readonly method: string | undefined;
  /** The closest endpoint, when the endpoint is unknown. */
  readonly suggestion: string | undefined;

  /** Makes the error; `why` follows `Cannot build URL for "<endpoint>": `. */
  constructor(why: string, info: BuildErrorInfo) {
    super(`Cannot build URL for "${info.endpoint}": ${why}`);
    this.name = "BuildError";
    this.endpoint = info.endpoint;
    this.params = info.params;
    this.method = info.method;
    this.suggestion = info.suggestion;
  }
}

/**
 * Encodes `values` as a query string (`?a=1&b=2`, arrays as repeated keys), leaving out the
 * names in `skip` and `null`/`undefined` values; sorted by key when `sort`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeQuery } from "./build.ts";
 *
 * const skip = new Set(["id"]);
 * assert.equal(encodeQuery({ q: "a b", tag: ["x", "y"], id: 1 }, { skip }), "?q=a+b&tag=x&tag=y");
 * assert.equal(encodeQuery({}), "");
 * ```
 */
export function encodeQuery(
  values: Readonly<Record<string, unknown>>,
  options: { readonly skip?: ReadonlySet<string>; readonly sort?: boolean } = {},
): string {
  const skip = options.skip ?? new Set<string>();
  const sort = options.sort === true;
  let keys = Object.keys(values).filter((key) =>
    !skip.has(key) && values[key] !== null && values[key] !== undefined
  );
  if (keys.length === 0) return "";
  if (sort) keys = keys.sort();
  const search = new URLSearchParams();
  for (const key of keys) {
    const value = values[key];
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item !== null && item !== undefined) search.append(key, String(item));
      }
    } else search.append(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

/**
 * The edit distance between `a` and `b` (insertions, deletions, substitutions, transpositions).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editDistance } from "./build.ts";
 *
 * assert.equal(editDistance("usr", "user"), 1);
 * assert.equal(editDistance("uesr", "user"), 1);
 * assert.equal(editDistance("", "abc"), 3);
 * ```
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The closest of `candidates` to `name` by edit distance, ignoring case (ties: the first), or
 * `undefined` when there are none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closest } from "./build.ts";
 *
 * assert.equal(closest("usr", ["index", "user", "users"]), "user");
 * assert.equal(closest("x", []), undefined);
 * ```
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}
