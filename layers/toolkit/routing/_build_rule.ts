/**
 * Building one rule's URL (Werkzeug's `Rule.build` and `Rule.suitable_for`), and why none of an
 * endpoint's rules could build.
 *
 * @module
 */

import { encodeQuery } from "./build.ts";
import { quotePath, REJECT } from "./converters.ts";
import type { RuleRecord } from "./_record.ts";

/** A rule built: its host / subdomain, path and query string (with `?`, or empty). */
export interface Built {
  readonly domain: string;
  readonly path: string;
  readonly query: string;
}

type Op = string | number;

interface Builder {
  readonly domainOps: readonly Op[];
  readonly pathOps: readonly Op[];
}

const builders = new WeakMap<RuleRecord, Builder>();

function builderOf(record: RuleRecord): Builder {
  let builder = builders.get(record);
  if (builder) return builder;
  let variable = 0;
  const opsOf = (trace: RuleRecord["pathTrace"], domain: boolean) => {
    const ops: Op[] = [];
    for (const item of trace) {
      if (item.dynamic) ops.push(variable++);
      else {
        const text = domain ? item.data.toLowerCase() : quotePath(item.data, true);
        if (typeof ops[ops.length - 1] === "string") ops[ops.length - 1] += text;
        else ops.push(text);
      }
    }
    return ops;
  };
  const domainOps = opsOf(record.domainTrace, true);
  const pathOps = opsOf(record.pathTrace, false);
  builder = { domainOps, pathOps };
  builders.set(record, builder);
  return builder;
}

/**
 * Whether `record` can build from `values` with `method` (Werkzeug's `Rule.suitable_for`):
 * it allows the method, every variable is given, and given defaults equal the rule's.
 */
export function suitableFor(
  record: RuleRecord,
  request: { readonly values: Readonly<Record<string, unknown>>; readonly method?: string },
): boolean {
  const { values, method } = request;
  if (method !== undefined && !record.methods.has(method)) return false;
  const defaults = record.defaults;
  for (const key of record.rule.arguments) {
    if (!(defaults && Object.hasOwn(defaults, key)) && !Object.hasOwn(values, key)) return false;
  }
  if (defaults) {
    for (const key of Object.keys(defaults)) {
      if (Object.hasOwn(values, key) && values[key] !== defaults[key]) return false;
    }
  }
  return true;
}

/**
 * Builds `record` with `values` (domain, path, and with `appendUnknown` the extra values as a
 * query string); `null` when a converter rejects a value.
 */
export function buildRecord(
  record: RuleRecord,
  values: Readonly<Record<string, unknown>>,
  options: { appendUnknown: boolean; sortParameters: boolean },
): Built | null {
  const builder = builderOf(record);
  const run = (ops: readonly Op[]): string | null => {
    let out = "";
    for (const op of ops) {
      if (typeof op === "string") {
        out += op;
        continue;
      }
      const text = record.converters[op].toUrl(values[record.variables[op]]);
      if (text === REJECT) return null;
      out += text;
    }
    return out;
  };
  const domain = run(builder.domainOps);
  const path = domain === null ? null : run(builder.pathOps);
  if (domain === null || path === null) return null;
  const query = options.appendUnknown
    ? encodeQuery(values, { skip: record.rule.arguments, sort: options.sortParameters })
    : "";
  return { domain, path, query };
}

/** Why no rule of `records` (one endpoint, build order) could build from `values`. */
export function explainFailure(
  records: readonly RuleRecord[],
  request: { readonly values: Readonly<Record<string, unknown>>; readonly method?: string },
): string {
  const { values, method } = request;
  const reasons = records.map((record) => {
    const rule = `rule "${record.rule.rule}"`;
    if (method !== undefined && !record.methods.has(method)) {
      return { score: 3, why: `${rule} allows ${quote(record.methods)}, not "${method}"` };
    }
    const defaults = record.defaults ?? {};
    const missing = [...record.rule.arguments].filter((key) =>
      !Object.hasOwn(defaults, key) && !Object.hasOwn(values, key)
    );
    if (missing.length > 0) {
      return { score: 1 + missing.length / 100, why: `missing ${quote(missing)} for ${rule}` };
    }
    for (const key of Object.keys(defaults)) {
      if (Object.hasOwn(values, key) && values[key] !== defaults[key]) {
        return {
          score: 2,
          why: `${rule} has ${key} = ${JSON.stringify(defaults[key])}, not ${
            JSON.stringify(values[key])
          }`,
        };
      }
    }
    const rejected = record.variables.find((name, i) =>
      record.converters[i].toUrl(values[name]) === REJECT
    );
    return {
      score: 0,
      why: `${rule} cannot use ${rejected ?? "a value"} = ${
        JSON.stringify(String(values[rejected ?? ""]))
      } (${record.converters[record.variables.indexOf(rejected ?? "")]?.name ?? "converter"})`,
    };
  });
  reasons.sort((a, b) => a.score - b.score);
  return reasons[0]?.why ?? "no rule has this endpoint";
}

function quote(names: Iterable<string>): string {
  return [...names].map((n) => `"${n}"`).join(", ");
}
