/**
 * The map's private record of a rule: the public `Rule` plus everything matching and building
 * need, validated once when the rule is added.
 *
 * @module
 */

import type { BoundConverter, ConverterDefinition } from "./converters.ts";
import { parseRule, type RulePart, RuleSyntaxError, type TraceItem } from "./rule.ts";
import { type RedirectTarget, Rule, type RuleOptions } from "./url_rule.ts";

/** Map-wide settings a rule takes its defaults from. */
export interface RecordSettings {
  readonly converters: Readonly<Record<string, ConverterDefinition>> | undefined;
  readonly hostMatching: boolean;
  readonly defaultSubdomain: string;
  readonly strictSlashes: boolean;
  readonly mergeSlashes: boolean;
}

/** Everything the matcher and the builder know about a rule. */
export interface RuleRecord {
  readonly rule: Rule;
  readonly index: number;
  readonly endpoint: string;
  /** Host or subdomain parts, then path parts. */
  readonly parts: readonly RulePart[];
  readonly domainTrace: readonly TraceItem[];
  readonly pathTrace: readonly TraceItem[];
  readonly variables: readonly string[];
  readonly converters: readonly BoundConverter[];
  readonly domainVariables: number;
  readonly methods: ReadonlySet<string>;
  readonly explicitMethods: ReadonlySet<string>;
  readonly defaults: Readonly<Record<string, unknown>> | undefined;
  readonly strictSlashes: boolean;
  readonly mergeSlashes: boolean;
  readonly websocket: boolean;
  readonly alias: boolean;
  readonly buildOnly: boolean;
  readonly redirectTo: RedirectTarget | undefined;
  /** Identity for duplicate detection: domain and path with variable names erased. */
  readonly shape: string;
  /** Earlier rules of the endpoint whose defaults make them the canonical URL (set by the map). */
  providers: readonly RuleRecord[];
  /** Whether a match needs the alias / defaults / redirect checks. */
  post: boolean;
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VARIABLE = /<(?:([a-zA-Z_][a-zA-Z0-9_]*)(?:\(([^)]*)\))?:)?[a-zA-Z_][a-zA-Z0-9_]*>/g;
const PLACEHOLDER = /<([^>]+)>/g;

function shapeOf(text: string): string {
  return text.replace(VARIABLE, (_, converter: string | undefined, args: string | undefined) => {
    const name = converter === undefined || converter === "string" ? "default" : converter;
    return `<${name}(${(args ?? "").replace(/\s+/g, "")})>`;
  });
}

function fail(rule: string, endpoint: string, why: string): never {
  throw new TypeError(`Cannot add rule "${rule}" for "${endpoint}": ${why}`);
}

function methodsOf(rule: string, endpoint: string, options: RuleOptions) {
  const given = options.methods ?? ["GET"];
  if (typeof given === "string" || !Array.isArray(given) || given.length === 0) {
    fail(rule, endpoint, `methods must be a non-empty array of strings, as ["GET", "POST"]`);
  }
  const explicit = new Set<string>();
  for (const method of given) {
    if (typeof method !== "string" || !METHOD.test(method)) {
      fail(rule, endpoint, `${JSON.stringify(method)} is not a method name`);
    }
    explicit.add(method.toUpperCase());
  }
  const methods = new Set(explicit);
  if (methods.has("GET")) methods.add("HEAD");
  if (options.websocket === true) {
    const extra = [...methods].filter((m) => m !== "GET" && m !== "HEAD" && m !== "OPTIONS");
    if (extra.length > 0) {
      fail(rule, endpoint, `a WebSocket rule allows only GET, HEAD and OPTIONS, not ${extra}`);
    }
  }
  return { explicit, methods: new Set([...methods].sort()) };
}

/**
 * Parses and checks `rule` with its `options`: throws `RuleSyntaxError` for a bad rule string
 * and a `TypeError` ("Cannot add rule …") for bad options.
 */
export function createRecord(
  rule: string,
  endpoint: string,
  init: { options: RuleOptions; settings: RecordSettings; index: number },
): RuleRecord {
  const { options, settings, index } = init;
  if (typeof rule !== "string") fail(String(rule), endpoint, "the rule must be a string");
  if (typeof endpoint !== "string") fail(rule, String(endpoint), "the endpoint must be a string");
  const { explicit, methods } = methodsOf(rule, endpoint, options);
  if (options.host !== undefined && !settings.hostMatching) {
    fail(rule, endpoint, `"host" needs a map with hostMatching: true (use "subdomain")`);
  }
  if (options.subdomain !== undefined && settings.hostMatching) {
    fail(rule, endpoint, `"subdomain" does not apply with hostMatching: true (use "host")`);
  }
  const mergeSlashes = options.mergeSlashes ?? settings.mergeSlashes;
  const text = mergeSlashes ? rule.replace(/\/{2,}/g, "/") : rule;
  const subdomain = options.subdomain ?? settings.defaultSubdomain;
  const domainText = settings.hostMatching ? options.host ?? "" : subdomain;
  const converters = settings.converters;
  const domain = parseRule(domainText, { converters, domain: true });
  const path = parseRule(text, { converters });
  for (const name of path.variables) {
    if (domain.variables.includes(name)) {
      const at = text.indexOf(`${name}>`);
      throw new RuleSyntaxError(text, at, `variable "${name}" is also in the host or subdomain`);
    }
  }
  const variables = [...domain.variables, ...path.variables];
  const defaults = options.defaults;
  if (defaults !== undefined) {
    if (typeof defaults !== "object" || defaults === null) {
      fail(rule, endpoint, "defaults must be an object");
    }
    for (const key of Object.keys(defaults)) {
      if (variables.includes(key)) {
        fail(rule, endpoint, `default "${key}" is also a variable of the rule`);
      }
    }
  }
  const redirectTo = options.redirectTo;
  if (typeof redirectTo === "string") {
    for (const [, name] of redirectTo.matchAll(PLACEHOLDER)) {
      if (!variables.includes(name) && !(defaults && Object.hasOwn(defaults, name))) {
        fail(rule, endpoint, `redirectTo "${redirectTo}" uses "<${name}>", which is no variable`);
      }
    }
  } else if (redirectTo !== undefined && typeof redirectTo !== "function") {
    fail(rule, endpoint, "redirectTo must be a string or a function");
  }
  const record: RuleRecord = {
    rule: new Rule({
      rule,
      endpoint,
      methods: [...methods],
      variables,
      options,
      subdomain: settings.hostMatching ? "" : subdomain,
      strictSlashes: settings.strictSlashes,
      mergeSlashes: settings.mergeSlashes,
    }),
    index,
    endpoint,
    parts: [...domain.parts, ...path.parts],
    domainTrace: domain.trace,
    pathTrace: path.trace,
    variables,
    converters: [...domain.converters, ...path.converters],
    domainVariables: domain.variables.length,
    methods,
    explicitMethods: explicit,
    defaults: options.defaults ? { ...options.defaults } : undefined,
    strictSlashes: options.strictSlashes ?? settings.strictSlashes,
    mergeSlashes,
    websocket: options.websocket === true,
    alias: options.alias === true,
    buildOnly: options.buildOnly === true,
    redirectTo: redirectTo as RedirectTarget | undefined,
    shape: `${shapeOf(domainText.toLowerCase())}|${shapeOf(text)}`,
    providers: [],
    post: false,
  };
  return record;
}

/** Throws when `record` matches exactly what an earlier rule matches (same methods too). */
export function checkDuplicate(record: RuleRecord, others: readonly RuleRecord[]): void {
  if (record.buildOnly) return;
  for (const other of others) {
    if (other.buildOnly || other.shape !== record.shape || other.websocket !== record.websocket) {
      continue;
    }
    const shared = [...record.explicitMethods].filter((m) => other.explicitMethods.has(m));
    if (shared.length === 0) continue;
    fail(
      record.rule.rule,
      record.endpoint,
      `it duplicates rule "${other.rule.rule}" of "${other.endpoint}" for ${shared.join(", ")}`,
    );
  }
}
