/**
 * Rule strings (`/user/<int(min=1):id>/<name>`), parsed as Werkzeug parses them: into the parts
 * the matcher walks (one per path segment, a `path` converter swallowing the rest), the trace
 * the URL builder replays, and each part's ordering weight.
 *
 * @module
 */

import {
  bindConverter,
  type BoundConverter,
  type ConverterArg,
  type ConverterArgs,
  type ConverterDefinition,
  escapeRegex,
} from "./converters.ts";

/**
 * A rule string that cannot be parsed: says which rule and where.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRule, RuleSyntaxError } from "./rule.ts";
 *
 * assert.throws(() => parseRule("/user/<int:id"), (error: unknown) => {
 *   assert.ok(error instanceof RuleSyntaxError);
 *   assert.equal(error.position, 6);
 *   return true;
 * });
 * ```
 */
export class RuleSyntaxError extends Error {
  /** The rule string. */
  readonly rule: string;
  /** The 0-based index in `rule` where the problem starts. */
  readonly position: number;

  /** Makes an error for `rule` at `position`, explaining `why`. */
  constructor(rule: string, position: number, why: string) {
    super(`Cannot parse rule "${rule}": ${why} at position ${position}`);
    this.name = "RuleSyntaxError";
    this.rule = rule;
    this.position = position;
  }
}

/**
 * A part's ordering key (Werkzeug's `Weighting`): more static pieces first, then longer static
 * pieces earlier, then fewer converters, then lighter converters.
 */
export interface Weighting {
  /** How many static pieces the part has. */
  readonly staticCount: number;
  /** `[index, -length]` of each static piece. */
  readonly statics: readonly (readonly [number, number])[];
  /** How many converters the part has. */
  readonly argCount: number;
  /** The weight of each converter. */
  readonly args: readonly number[];
}

/** One step of the matcher: a path segment (or, when `final`, the rest of the path). */
export interface RulePart {
  /** Identity: equal parts of different rules share a transition. */
  readonly key: string;
  /** Whether the part is a literal. */
  readonly isStatic: boolean;
  /** The literal (as matched: `%` written `%25`) or the regex source of a dynamic part. */
  readonly text: string;
  /** Whether the part consumes the rest of the path (it holds a non-isolating converter). */
  readonly final: boolean;
  /** Whether a final part ends with `/` (a trailing slash after the rest). */
  readonly suffixed: boolean;
  /** Ordering weight among the dynamic parts of a state. */
  readonly weight: Weighting;
  /** 1-based index, within `text`, of the group capturing each converter's value. */
  readonly valueGroups: readonly number[];
  /** How many capture groups `text` has. */
  readonly groupCount: number;
  /** Indexes into `valueGroups` of custom isolating converters whose match must be checked. */
  readonly checks: readonly number[];
}

/** One step of the URL builder: a literal or a variable name. */
export interface TraceItem {
  /** Whether `data` is a variable name. */
  readonly dynamic: boolean;
  /** The literal text (unencoded) or the variable name. */
  readonly data: string;
}

/** A parsed rule (or host / subdomain pattern). */
export interface ParsedRule {
  /** The matcher's steps. */
  readonly parts: readonly RulePart[];
  /** The builder's steps. */
  readonly trace: readonly TraceItem[];
  /** Variable names, in order of appearance. */
  readonly variables: readonly string[];
  /** The bound converter of each variable (same order). */
  readonly converters: readonly BoundConverter[];
}

/** Options of {@linkcode parseRule}. */
export interface ParseRuleOptions {
  /** Custom converters, by name. */
  converters?: Readonly<Record<string, ConverterDefinition>>;
  /** Parse a host or subdomain pattern: no leading `/`, literals lower-cased, no `%` escaping. */
  domain?: boolean;
}

const PART =
  /(\/)|([^</]+)|<(?:([a-zA-Z_][a-zA-Z0-9_]*)(?:\((.*?)\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>/y;
const ARG =
  /\s*(?:(\w+)\s*=\s*)?(True|False|-?\d+\.\d+|-?\d+\.|-?\d+|[\w.]+|[urUR]?("[^"]*?"|'[^']*'))\s*,/y;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOATS: Readonly<Record<string, number>> = {
  inf: Infinity,
  "-inf": -Infinity,
  infinity: Infinity,
  "-infinity": -Infinity,
  nan: NaN,
};

function pythonize(value: string, quoted: string | undefined): ConverterArg {
  if (quoted !== undefined) return quoted.slice(1, -1);
  if (value === "None") return null;
  if (value === "True") return true;
  if (value === "False") return false;
  if (NUMBER.test(value)) return Number(value);
  const special = SPECIAL_FLOATS[value.toLowerCase()];
  return special === undefined ? value : special;
}

/**
 * Parses converter arguments as Werkzeug does: `1, max=10`, `"a b", c`, `signed=True`. Returns
 * the index of the first unparsable character instead of the arguments when it fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConverterArgs } from "./rule.ts";
 *
 * assert.deepEqual(parseConverterArgs(`2, max=10, signed=True`), {
 *   positional: [2],
 *   named: { max: 10, signed: true },
 * });
 * assert.deepEqual(parseConverterArgs(`"a b", c`), { positional: ["a b", "c"], named: {} });
 * assert.equal(parseConverterArgs(`a b`), 0);
 * ```
 */
export function parseConverterArgs(text: string): ConverterArgs | number {
  // Werkzeug ignores what follows the last argument; we accept only trailing commas / spaces.
  const source = text.replace(/[\s,]+$/, "") + ",";
  const positional: ConverterArg[] = [];
  const named: Record<string, ConverterArg> = {};
  let position = 0;
  if (source === ",") return { positional, named };
  while (position < source.length) {
    ARG.lastIndex = position;
    const match = ARG.exec(source);
    if (!match) return position;
    const value = pythonize(match[2], match[3]);
    if (match[1] === undefined) positional.push(value);
    else named[match[1]] = value;
    position = ARG.lastIndex;
  }
  return { positional, named };
}

interface Piece {
  weights: [number, number][];
  args: number[];
}

function weighting(piece: Piece): Weighting {
  return {
    staticCount: piece.weights.length,
    statics: piece.weights,
    argCount: piece.args.length,
    args: piece.args,
  };
}

function compareLists<T>(a: readonly T[], b: readonly T[], cmp: (x: T, y: T) => number): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

const byNumber = (x: number, y: number) => x - y;

/**
 * Orders two weights as Werkzeug sorts a state's dynamic transitions (negative: `a` first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareWeights, parseRule } from "./rule.ts";
 *
 * const int = parseRule("/<int:id>").parts[1].weight;
 * const str = parseRule("/<name>").parts[1].weight;
 * assert.ok(compareWeights(int, str) < 0);
 * ```
 */
export function compareWeights(a: Weighting, b: Weighting): number {
  return (b.staticCount - a.staticCount) ||
    compareLists(a.statics, b.statics, (x, y) => (x[0] - y[0]) || (x[1] - y[1])) ||
    (b.argCount - a.argCount) ||
    compareLists(a.args, b.args, byNumber);
}

function weightKey(w: Weighting): string {
  return `${w.statics.map((s) => s.join(":")).join(",")};${w.args.join(",")}`;
}

/**
 * Parses a rule string (or, with `domain`, a host / subdomain pattern) into parts, trace,
 * variables and converters. Throws {@linkcode RuleSyntaxError} naming the rule and position.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRule } from "./rule.ts";
 *
 * const parsed = parseRule("/user/<int:id>/<name>");
 * assert.deepEqual(parsed.variables, ["id", "name"]);
 * assert.deepEqual(parsed.parts.map((p) => p.isStatic), [true, true, false, false]);
 * assert.throws(() => parseRule("/x/<nope:y>"), /unknown converter "nope" .* at position 3$/);
 * ```
 */
export function parseRule(rule: string, options: ParseRuleOptions = {}): ParsedRule {
  const domain = options.domain === true;
  if (!domain && rule[0] !== "/") throw new RuleSyntaxError(rule, 0, `a rule must start with "/"`);
  const parts: RulePart[] = [];
  const trace: TraceItem[] = [];
  const variables: string[] = [];
  const converters: BoundConverter[] = [];

  let text = "";
  let isStatic = true;
  let final = false;
  let groupCount = 0;
  let valueGroups: number[] = [];
  let checks: number[] = [];
  let piece: Piece = { weights: [], args: [] };

  const flush = (suffixed: boolean) => {
    const weight = weighting(piece);
    const key = isStatic
      ? text
      : `${final ? "F" : "D"}${suffixed ? "S" : ""}|${weightKey(weight)}|${text}`;
    parts.push({
      key,
      isStatic,
      text,
      final,
      suffixed,
      weight,
      valueGroups,
      groupCount,
      checks,
    });
    text = "";
    isStatic = true;
    final = false;
    groupCount = 0;
    valueGroups = [];
    checks = [];
    piece = { weights: [], args: [] };
  };

  let pos = 0;
  while (pos < rule.length) {
    PART.lastIndex = pos;
    const match = PART.exec(rule);
    if (!match) {
      const why = rule[pos] === "<"
        ? `expected "<name>" or "<converter:name>"`
        : `unexpected ${JSON.stringify(rule[pos])}`;
      throw new RuleSyntaxError(rule, pos, why);
    }
    const [, slash, literal, converterName, argText, variable] = match;
    if (literal !== undefined) {
      piece.weights.push([piece.weights.length, -literal.length]);
      trace.push({ dynamic: false, data: literal });
      const form = domain ? literal.toLowerCase() : literal.replaceAll("%", "%25");
      text += isStatic ? form : escapeRegex(form);
    } else if (variable !== undefined) {
      if (isStatic) text = escapeRegex(text);
      isStatic = false;
      if (variables.includes(variable)) {
        throw new RuleSyntaxError(rule, pos, `variable "${variable}" appears twice`);
      }
      const args = parseConverterArgs(argText ?? "");
      if (typeof args === "number") {
        const at = pos + 1 + (converterName?.length ?? 0) + 1 + args;
        throw new RuleSyntaxError(rule, at, `cannot parse converter arguments "${argText}"`);
      }
      let converter: BoundConverter;
      try {
        converter = bindConverter(converterName ?? "default", args, options);
      } catch (error) {
        const why = (error as Error).message.replace(/^Cannot use converter "[^"]*": /, "");
        const name = converterName ?? "default";
        throw new RuleSyntaxError(
          rule,
          pos,
          why.startsWith("no such converter")
            ? `unknown converter "${name}"${why.slice("no such converter".length)}`
            : `converter "${name}": ${why}`,
        );
      }
      variables.push(variable);
      converters.push(converter);
      if (!converter.partIsolating) final = true;
      valueGroups.push(groupCount + 1);
      if (converter.custom && converter.partIsolating) checks.push(valueGroups.length - 1);
      groupCount += 1 + converter.groups;
      text += `(${converter.regex})`;
      piece.args.push(converter.weight);
      trace.push({ dynamic: true, data: variable });
    } else if (slash !== undefined) {
      trace.push({ dynamic: false, data: "/" });
      if (final) text += "/";
      else flush(false);
    }
    pos = PART.lastIndex;
  }
  if (final && text.endsWith("/")) {
    // A trailing slash after a `path` converter: the part ends before it, and an empty static
    // part follows, so "/files/a" redirects to "/files/a/" as for any branch rule.
    text = text.slice(0, -1);
    const weight = weighting(piece);
    flush(true);
    parts.push({
      key: "",
      isStatic: true,
      text: "",
      final: false,
      suffixed: false,
      weight,
      valueGroups: [],
      groupCount: 0,
      checks: [],
    });
  } else flush(false);
  return { parts, trace, variables, converters };
}
