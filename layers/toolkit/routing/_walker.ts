/**
 * The reference matcher: Werkzeug's `StateMachineMatcher.match` run directly on the state
 * machine, part by part. The compiled matcher answers the common case; this one is the ground
 * truth it falls back to (a converter rejecting a value, failure analysis for 405 and
 * WebSocket mismatches, `Allow` for automatic OPTIONS).
 *
 * @module
 */

import { REJECT } from "./converters.ts";
import { unprotect } from "./_path.ts";
import type { RuleRecord } from "./_record.ts";
import type { State } from "./_trie.ts";
import type { Params } from "./url_rule.ts";

/** How a rule fits a request: not at all, as a match, or through automatic OPTIONS. */
export type Fit = 0 | 1 | 2;

/** Fit kinds. */
export const NO_FIT = 0, FITS = 1, AUTO_OPTIONS = 2;

/** A request as the walker and the views see it. */
export interface WalkRequest {
  /** The method, upper-case (`null`: no method fits, to collect them all). */
  readonly method: string | null;
  /** Whether it is a WebSocket upgrade. */
  readonly websocket: boolean;
}

/**
 * Whether `record` answers the request's method over WebSocket or not. Every rule answers
 * OPTIONS, automatically unless it lists it.
 */
export function fitOf(record: RuleRecord, request: WalkRequest): Fit {
  const { method, websocket } = request;
  if (method === null) return NO_FIT;
  const listed = record.methods.has(method);
  if (!listed && method !== "OPTIONS") return NO_FIT;
  if (record.websocket !== websocket) return NO_FIT;
  return listed ? FITS : AUTO_OPTIONS;
}

/** What the walk learned about rules that matched the path but not the request. */
export interface Collector {
  /** Methods of rules matching the path with another method (for `405` and `Allow`). */
  readonly methods: Set<string>;
  /** Whether a rule matched the path but not the WebSocket-ness. */
  websocket: boolean;
}

/** A walk's result. */
export type Found =
  | { readonly kind: "rule" | "options"; readonly record: RuleRecord; readonly params: Params }
  | { readonly kind: "slash" };

const SLASH_FOUND: Found = { kind: "slash" };
const TRAILING = [""];

/**
 * Converts raw matched values with the rule's converters (and adds its defaults); `REJECT`
 * when a converter rejects one.
 */
export function convertValues(
  record: RuleRecord,
  values: readonly string[],
  options: { readonly decoded: boolean },
): Params | typeof REJECT {
  const decoded = options.decoded;
  const params: Params = {};
  const converters = record.converters;
  for (let i = 0; i < converters.length; i++) {
    const raw = decoded && i >= record.domainVariables ? unprotect(values[i]) : values[i];
    const value = converters[i].convert(raw);
    if (value === REJECT) return REJECT;
    Object.defineProperty(params, record.variables[i], {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  if (record.defaults) {
    for (const key of Object.keys(record.defaults)) {
      Object.defineProperty(params, key, {
        value: record.defaults[key],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
  return params;
}

/** What {@linkcode walk} walks. */
export interface WalkInput extends WalkRequest {
  /** The host or subdomain. */
  readonly domain: string;
  /** The path, decoded and protected (see `_path.ts`). */
  readonly path: string;
  /** Whether the path had escapes (values are then un-protected). */
  readonly decoded: boolean;
  /** Where near misses are recorded, if anywhere. */
  readonly collector?: Collector;
}

/**
 * Walks the machine from `root` for the input's domain and path. Returns the first rule in
 * Werkzeug's order that fits and whose converters accept the values, a trailing-slash redirect,
 * or `null`; records near misses in the collector.
 */
export function walk(root: State, input: WalkInput): Found | null {
  const { method, domain, path } = input;
  const collector = input.collector ?? null;
  const values: string[] = [];

  const consider = (record: RuleRecord): Fit => {
    const fit = fitOf(record, input);
    if (fit === NO_FIT && collector !== null) {
      if (method === null || !(record.methods.has(method) || method === "OPTIONS")) {
        for (const m of record.methods) collector.methods.add(m);
      } else collector.websocket = true;
    }
    return fit;
  };

  const accept = (record: RuleRecord, fit: Fit): Found | null => {
    const params = convertValues(record, values, input);
    if (params === REJECT) return null;
    return { kind: fit === FITS ? "rule" : "options", record, params };
  };

  const visit = (state: State, parts: readonly string[], i: number): Found | null => {
    if (i === parts.length) {
      for (const record of state.rules) {
        const fit = consider(record);
        if (fit !== NO_FIT) {
          const found = accept(record, fit);
          if (found) return found;
        }
      }
      const branch = state.static.get("");
      if (branch) {
        for (const record of branch.rules) {
          const fit = fitOf(record, input);
          if (fit === NO_FIT) continue;
          if (record.strictSlashes) return SLASH_FOUND;
          const found = accept(record, fit);
          if (found) return found;
        }
      }
      return null;
    }
    const part = parts[i];
    const next = state.static.get(part);
    if (next) {
      const found = visit(next, parts, i + 1);
      if (found) return found;
    }
    for (const transition of state.dynamic) {
      const final = transition.part.final;
      const target = final ? parts.slice(i).join("/") : part;
      const match = transition.re.exec(target);
      if (match === null) continue;
      const groups = transition.part.valueGroups;
      for (const g of groups) values.push(match[g]);
      let found: Found | null;
      if (!final) found = visit(transition.state, parts, i + 1);
      else if (transition.part.suffixed && match[match.length - 1] === "/") {
        found = visit(transition.state, TRAILING, 0);
      } else found = visit(transition.state, parts, parts.length);
      values.length -= groups.length;
      if (found) return found;
    }
    if (i === parts.length - 1 && part === "") {
      for (const record of state.rules) {
        if (record.strictSlashes) continue;
        const fit = consider(record);
        if (fit !== NO_FIT) {
          const found = accept(record, fit);
          if (found) return found;
        }
      }
    }
    return null;
  };

  const parts = path.split("/");
  parts.unshift(domain);
  return visit(root, parts, 0);
}
