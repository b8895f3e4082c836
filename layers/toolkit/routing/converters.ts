/**
 * URL converters (Werkzeug's `werkzeug.routing.converters`): what a `<converter:name>` part of a
 * rule matches, how the matched text becomes a value, and how a value goes back into a URL.
 *
 * Built in: `default`/`string(minlength=1, maxlength, length)`, `path`,
 * `int(fixed_digits, min, max, signed)`, `float(min, max, signed)`, `uuid` and `any(a, b, …)`.
 * Custom converters are plain objects (or factories taking the rule's arguments) registered on
 * the map.
 *
 * @module
 */

import { BUILTINS } from "./_builtin_converters.ts";
import { quotePath, REJECT } from "./_convert_core.ts";

export { escapeRegex, quotePath, REJECT } from "./_convert_core.ts";

/** A converter argument as written in a rule: `int(min=1)`, `any("a b", c)`, `string(3)`. */
export type ConverterArg = string | number | boolean | null;

/** The arguments of a converter in a rule: positional then keyword, as Werkzeug parses them. */
export interface ConverterArgs {
  /** Positional arguments, in order. */
  readonly positional: readonly ConverterArg[];
  /** Keyword arguments (`name=value`). */
  readonly named: Readonly<Record<string, ConverterArg>>;
}

/**
 * A custom converter: what it matches and how it converts. `toValue` rejects a match by throwing
 * {@linkcode ValidationError} (the rule then does not match and the next one is tried).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Converter, ValidationError } from "./converters.ts";
 *
 * const even: Converter<number> = {
 *   regex: "\\d+",
 *   toValue(raw) {
 *     const n = Number(raw);
 *     if (n % 2 !== 0) throw new ValidationError();
 *     return n;
 *   },
 *   toUrl: (value) => String(value),
 * };
 * assert.equal(even.toValue?.("4"), 4);
 * assert.throws(() => even.toValue?.("3"), ValidationError);
 * ```
 */
export interface Converter<T = unknown> {
  /** A JavaScript regular expression source (no `^`/`$`, no named groups or backreferences). */
  readonly regex: string;
  /** Ordering weight among dynamic parts: lower is tried first (default 100; `int` is 50). */
  readonly weight?: number;
  /**
   * Whether it matches within one path segment (default: when `regex` has no `/`). A
   * converter that is not (like `path`) consumes the rest of the path.
   */
  readonly partIsolating?: boolean;
  /** Turns the matched (decoded) text into the value; throws `ValidationError` to reject. */
  toValue?(raw: string): T;
  /** Turns a value back into URL text (unencoded: the map percent-encodes it). */
  toUrl?(value: T): string;
}

/** A converter taking arguments from the rule, as in `<hex(4):code>`. */
export type ConverterFactory<T = unknown> = (args: ConverterArgs) => Converter<T>;

/** A custom converter as registered on a map: a converter or a factory of converters. */
export type ConverterDefinition<T = unknown> = Converter<T> | ConverterFactory<T>;

/**
 * Thrown by a converter's `toValue` (or `toUrl`) to say "this value does not fit": the rule does
 * not match (or build) and the next rule is tried, as Werkzeug's `ValidationError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ValidationError } from "./converters.ts";
 *
 * assert.equal(new ValidationError().name, "ValidationError");
 * ```
 */
export class ValidationError extends Error {
  /** Makes a rejection; the message is only for debugging. */
  constructor(message = "Cannot convert the value: it does not fit the converter") {
    super(message);
    this.name = "ValidationError";
  }
}

/** A converter bound to a rule's arguments, as the matcher uses it. */
export interface BoundConverter {
  /** The converter's name in the rule (`int`, `default`, a custom name). */
  readonly name: string;
  /** The regex source matched in the path. */
  readonly regex: string;
  /** How many capture groups `regex` itself has. */
  readonly groups: number;
  /** Ordering weight. */
  readonly weight: number;
  /** Whether it stays within one segment. */
  readonly partIsolating: boolean;
  /** Whether it is a custom converter (its regex may need a post-match check). */
  readonly custom: boolean;
  /** Whether `convert` returns the text unchanged (the matcher then skips the call). */
  readonly identity: boolean;
  /** Whether it is a plain `int` (unsigned, no arguments): the matcher parses it inline. */
  readonly plainInt: boolean;
  /** Matched text to value, or `REJECT`. */
  convert(raw: string): unknown;
  /** Value to percent-encoded URL text, or `REJECT`. */
  toUrl(value: unknown): string | typeof REJECT;
}

const identity = (raw: string) => raw;

function fail(name: string, why: string): never {
  throw new TypeError(`Cannot use converter "${name}": ${why}`);
}

/** Counts the capture groups of a regex source; throws on sources we cannot embed. */
function checkCustomRegex(name: string, regex: string): number {
  let compiled: RegExp;
  try {
    compiled = new RegExp(`(?:${regex})|`);
  } catch (error) {
    fail(name, `its regex ${JSON.stringify(regex)} is invalid (${(error as Error).message})`);
  }
  if (/\(\?<(?![=!])/.test(regex) || /\\(?:[1-9]|k<)/.test(regex)) {
    fail(name, `its regex ${JSON.stringify(regex)} uses named groups or backreferences`);
  }
  return compiled.exec("")!.length - 1;
}

function bindCustom(name: string, definition: ConverterDefinition, args: ConverterArgs) {
  let converter: Converter;
  if (typeof definition === "function") converter = definition(args);
  else {
    if (args.positional.length > 0 || Object.keys(args.named).length > 0) {
      fail(name, "it takes no arguments (register a factory function for arguments)");
    }
    converter = definition;
  }
  if (!converter || typeof converter.regex !== "string") {
    fail(name, "it has no regex string");
  }
  const { regex, toValue, toUrl } = converter;
  const groups = checkCustomRegex(name, regex);
  const partIsolating = converter.partIsolating ?? !regex.includes("/");
  const bound: BoundConverter = {
    name,
    regex,
    groups,
    weight: converter.weight ?? 100,
    partIsolating,
    custom: true,
    identity: !toValue,
    plainInt: false,
    convert: toValue
      ? (raw) => {
        try {
          return toValue.call(converter, raw);
        } catch (error) {
          if (error instanceof ValidationError) return REJECT;
          throw error;
        }
      }
      : identity,
    toUrl(value) {
      let text: string;
      try {
        text = toUrl ? String(toUrl.call(converter, value)) : String(value);
      } catch (error) {
        if (error instanceof ValidationError) return REJECT;
        throw error;
      }
      return quotePath(text, !partIsolating);
    },
  };
  return bound;
}

/**
 * Binds converter `name` to `args`: a custom converter from `options.converters` first, else a
 * built-in.
 * Throws a `TypeError` ("Cannot use converter …") for unknown names and bad arguments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindConverter, REJECT } from "./converters.ts";
 *
 * const int = bindConverter("int", { positional: [], named: { max: 10 } });
 * assert.equal(int.convert("7"), 7);
 * assert.equal(int.convert("11"), REJECT);
 * assert.equal(int.toUrl(7), "7");
 * ```
 */
export function bindConverter(
  name: string,
  args: ConverterArgs,
  options: { readonly converters?: Readonly<Record<string, ConverterDefinition>> } = {},
): BoundConverter {
  const custom = options.converters;
  if (custom && Object.hasOwn(custom, name)) return bindCustom(name, custom[name], args);
  const builtin = BUILTINS.get(name);
  if (!builtin) {
    const known = [...BUILTINS.keys(), ...Object.keys(custom ?? {})].map((n) => `"${n}"`);
    fail(name, `no such converter (known: ${known.join(", ")})`);
  }
  return builtin(args, name);
}
