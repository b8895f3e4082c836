/**
 * The compiled matcher: per host / subdomain state and per (method, WebSocket) view, a compiled
 * function (see `_compile.ts`), built lazily and cached. The walker (`_walker.ts`) runs only
 * for failure analysis (405 / WebSocket mismatch, when the view reported a near miss) and for
 * `Allow` of automatic OPTIONS. Then Werkzeug's order of outcomes: the match, the trailing-slash
 * redirect, the merged-slashes retry and redirect, then 405, WebSocket mismatch, 404.
 *
 * @module
 */

import { compileView } from "./_compile.ts";
import {
  AutoOptions,
  MISS_STEP,
  Pending,
  SLASH_STEP,
  type Step,
  type View,
  type ViewFn,
} from "./_steps.ts";
import { decodePath, leadingSlash, mergeSlashes, rootPathOf } from "./_path.ts";
import type { RuleRecord } from "./_record.ts";
import { buildTrie, type State } from "./_trie.ts";
import { type Collector, fitOf, NO_FIT, walk } from "./_walker.ts";
import type { MatchOptions, MatchResult } from "./match_result.ts";
import type { Rule } from "./url_rule.ts";

/** What the matcher hands back to the map. */
export type Matched = MatchResult | Pending;

interface PathRoot {
  readonly state: State;
  readonly views: Map<string, View>;
  readonly socketViews: Map<string, View>;
  /** The view for methods no rule has (it only detects near misses, for 405). */
  none: View | undefined;
  /** The GET view, looked up without hashing. */
  get: View | undefined;
}

const NOT_FOUND: MatchResult = Object.freeze({ kind: "not_found" });
const WEBSOCKET_MISMATCH: MatchResult = Object.freeze({ kind: "websocket_mismatch" });

/** A 308 to `path` under the request's root path, with its query string. */
export function redirectTo(path: string, options: MatchOptions): MatchResult {
  const query = options.query;
  const suffix = query ? (query[0] === "?" ? query : `?${query}`) : "";
  return { kind: "redirect", location: rootPathOf(options) + path + suffix, status: 308 };
}

/** The compiled matcher of a set of rules. */
export class Matcher {
  readonly #root: State;
  readonly #mergeSlashes: boolean;
  readonly #methods: ReadonlySet<string>;
  readonly #roots = new Map<State, PathRoot>();
  readonly #byRule: ReadonlyMap<Rule, RuleRecord>;
  /** The only path root, when every rule has the same static host / subdomain. */
  readonly #simple: PathRoot | null = null;
  readonly #simpleDomain: string = "";

  /** Builds the state machine of `records`; views compile on first use. */
  constructor(records: readonly RuleRecord[], options: { mergeSlashes: boolean }) {
    this.#root = buildTrie(records);
    this.#mergeSlashes = options.mergeSlashes;
    const methods = new Set<string>();
    for (const record of records) for (const m of record.methods) methods.add(m);
    this.#methods = methods;
    this.#byRule = new Map(records.map((record) => [record.rule, record]));
    const root = this.#root;
    if (root.dynamic.length === 0 && root.static.size === 1) {
      const [domain, state] = [...root.static][0];
      const pathRoot = state.static.get("");
      if (pathRoot) {
        this.#simple = this.#pathRoot(pathRoot);
        this.#simpleDomain = domain;
      }
    }
  }

  /** Compiles every view now: each host / subdomain, each method the rules use, OPTIONS. */
  prepare(): void {
    const domains = [...this.#root.static.values(), ...this.#root.dynamic.map((t) => t.state)];
    for (const domain of domains) {
      const pathRoot = domain.static.get("");
      if (!pathRoot) continue;
      const root = this.#pathRoot(pathRoot);
      for (const method of [...this.#methods, "OPTIONS"]) this.#view(root, method);
      root.get = this.#view(root, "GET");
    }
  }

  #pathRoot(state: State): PathRoot {
    let root = this.#roots.get(state);
    if (!root) {
      root = { state, views: new Map(), socketViews: new Map(), none: undefined, get: undefined };
      this.#roots.set(state, root);
    }
    return root;
  }

  #view(root: PathRoot, method: string, websocket = false): View {
    const views = websocket ? root.socketViews : root.views;
    const cached = views.get(method);
    if (cached !== undefined) return cached;
    const upper = method.toUpperCase();
    if (upper !== method) return views.get(upper) ?? this.#view(root, upper, websocket);
    if (method !== "OPTIONS" && !this.#methods.has(method)) {
      return root.none ??= compileView(root.state, () => NO_FIT);
    }
    const request = { method, websocket };
    const view = compileView(root.state, (record) => fitOf(record, request));
    views.set(method, view);
    return view;
  }

  /** Matches `method` and the raw `path` (percent-encoded, no query) for `domain`. */
  match(method: string, path: string, domain: string, options: MatchOptions): Matched {
    // The hot path, small enough to be inlined: one host, plain HTTP, a well-formed path. A
    // static path is looked up as it came: decoding changes no static key (a literal "%" is
    // "%25" in both forms).
    const simple = this.#simple;
    if (
      simple !== null && domain === this.#simpleDomain && options.websocket !== true &&
      path.charCodeAt(0) === 47 && path.charCodeAt(1) !== 47
    ) {
      const view = method === "GET"
        ? simple.get ?? this.#getView(simple)
        : this.#view(simple, method);
      const hit = view.statics.get(path);
      if (hit !== undefined && typeof hit !== "function") return hit;
      if (path.indexOf("%") === -1) {
        const step = hit === undefined
          ? view.run(path, false, null)
          : this.#staticStep(hit, view, path);
        if (step !== null && typeof step === "object" && step.kind === "match") return step;
        return this.#after(step, method, path, domain, options);
      }
    }
    return this.#matchSlow(method, path, domain, options);
  }

  #getView(root: PathRoot): View {
    return root.get = this.#view(root, "GET");
  }

  #staticStep(hit: ViewFn, view: View, path: string): Step {
    const step = hit(path, false, null);
    return step === null || step === MISS_STEP ? view.run(path, false, null) : step;
  }

  #after(step: Step, method: string, path: string, domain: string, options: MatchOptions) {
    if (step !== null && step !== MISS_STEP) {
      return this.#settle(step, path, path, domain, options, false);
    }
    return this.#fail(method, path, path, domain, options, step === MISS_STEP);
  }

  #matchSlow(method: string, path: string, domain: string, options: MatchOptions): Matched {
    if (path === "") {
      // Werkzeug: an empty path (the mount point without its slash) redirects to "/".
      const root = this.match(method, "/", domain, options);
      return root.kind === "match" || root.kind === "options" || root.kind === "pending"
        ? redirectTo("/", options)
        : root;
    }
    const raw = path.charCodeAt(0) === 47 && path.charCodeAt(1) !== 47 ? path : leadingSlash(path);
    const decoded = raw.indexOf("%") !== -1;
    const target = decoded ? decodePath(raw) : raw;
    const websocket = options.websocket === true;
    const step = this.#find(method, target, domain, websocket, decoded);
    if (step !== null && step !== MISS_STEP) {
      return this.#settle(step, target, raw, domain, options, false);
    }
    return this.#fail(method, target, raw, domain, options, step === MISS_STEP);
  }

  #settle(
    step: Step,
    target: string,
    raw: string,
    domain: string,
    options: MatchOptions,
    merged: boolean,
  ): Matched {
    if (step === SLASH_STEP) return redirectTo(raw + "/", options);
    if (merged) return redirectTo(raw, options);
    if (step instanceof AutoOptions) {
      const decoded = raw.indexOf("%") !== -1;
      return { kind: "options", allowed: this.allowedMethods(target, domain, decoded) };
    }
    return step as Matched;
  }

  #fail(
    method: string,
    target: string,
    raw: string,
    domain: string,
    options: MatchOptions,
    missed: boolean,
  ): Matched {
    const doubled = this.#mergeSlashes && target.includes("//");
    if (!doubled && !missed) return NOT_FOUND;
    const websocket = options.websocket === true;
    const decoded = raw.indexOf("%") !== -1;
    method = method.toUpperCase();
    let merged: string | null = null;
    let mergedMissed = false;
    if (doubled) {
      merged = mergeSlashes(target);
      const step = this.#find(method, merged, domain, websocket, decoded);
      if (step === MISS_STEP) mergedMissed = true;
      else if (step !== null && this.#mergesSlashes(step)) {
        return this.#settle(step, merged, mergeSlashes(raw), domain, options, true);
      }
    }
    const collector: Collector = { methods: new Set(), websocket: false };
    const request = { method, websocket, decoded, domain, collector };
    if (missed) walk(this.#root, { ...request, path: target });
    if (mergedMissed) walk(this.#root, { ...request, path: merged! });
    if (collector.methods.size > 0) {
      collector.methods.add("OPTIONS");
      return { kind: "method_not_allowed", allowed: [...collector.methods].sort() };
    }
    return collector.websocket ? WEBSOCKET_MISMATCH : NOT_FOUND;
  }

  /** Whether the rule of a successful step redirects merged slashes (not `mergeSlashes: false`). */
  #mergesSlashes(step: Step): boolean {
    if (step instanceof Pending || step instanceof AutoOptions) return step.record.mergeSlashes;
    if (typeof step !== "object" || step === null || step.kind !== "match") return true;
    return this.#byRule.get(step.rule)?.mergeSlashes ?? true;
  }

  /** Methods of every rule matching `target` (decoded), with OPTIONS, sorted. */
  allowedMethods(target: string, domain: string, decoded: boolean): string[] {
    const collector: Collector = { methods: new Set(), websocket: false };
    const request = { method: null, websocket: false, decoded, domain, collector };
    walk(this.#root, { ...request, path: target });
    if (this.#mergeSlashes && target.includes("//")) {
      walk(this.#root, { ...request, path: mergeSlashes(target) });
    }
    collector.methods.add("OPTIONS");
    return [...collector.methods].sort();
  }

  #run(
    root: PathRoot,
    method: string,
    target: string,
    websocket: boolean,
    decoded: boolean,
    values: readonly string[] | null,
  ): Step {
    const view = this.#view(root, method, websocket);
    const hit = view.statics.get(target);
    if (hit !== undefined) {
      if (typeof hit !== "function") return hit;
      const step = hit(target, decoded, values);
      if (step !== null && step !== MISS_STEP) return step;
    }
    return view.run(target, decoded, values);
  }

  /** The first outcome in Werkzeug's order; `MISS_STEP` or `null` when there is none. */
  #find(
    method: string,
    target: string,
    domain: string,
    websocket: boolean,
    decoded: boolean,
  ): Step {
    const simple = this.#simple;
    if (simple !== null) {
      if (domain !== this.#simpleDomain) return null;
      return this.#run(simple, method, target, websocket, decoded, null);
    }
    let missed = false;
    const root = this.#root;
    const exact = root.static.get(domain)?.static.get("");
    if (exact) {
      const step = this.#run(this.#pathRoot(exact), method, target, websocket, decoded, null);
      if (step === MISS_STEP) missed = true;
      else if (step !== null) return step;
    }
    for (const transition of root.dynamic) {
      const match = transition.re.exec(domain);
      const next = match && transition.state.static.get("");
      if (!next) continue;
      const values = transition.part.valueGroups.map((g) => match![g]);
      const step = this.#run(this.#pathRoot(next), method, target, websocket, decoded, values);
      if (step === MISS_STEP) missed = true;
      else if (step !== null) return step;
    }
    return missed ? MISS_STEP : null;
  }
}
