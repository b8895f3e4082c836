/**
 * The built-in converters (Werkzeug's `Map.default_converters`): `default`/`string`, `path`,
 * `int`, `float`, `uuid` and `any`, bound to a rule's arguments.
 *
 * @module
 */

import type { BoundConverter, ConverterArg, ConverterArgs } from "./converters.ts";
import { escapeRegex, quotePath, REJECT } from "./_convert_core.ts";

/** Binds a built-in converter to its arguments. */
export type Builtin = (args: ConverterArgs, name: string) => BoundConverter;

const SEGMENT = "[^/]";
/** Python's `.` (everything but `\n`); JavaScript's `.` also stops at `\r`, U+2028 and U+2029. */
const PATH_REGEX = "[^/][^\\n]*?";
const UUID_REGEX = "[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}";
const UUID_RE = new RegExp(`^${UUID_REGEX}$`);

function fail(name: string, why: string): never {
  throw new TypeError(`Cannot use converter "${name}": ${why}`);
}

function takeArgs(
  name: string,
  args: ConverterArgs,
  names: readonly string[],
): Record<string, ConverterArg | undefined> {
  if (args.positional.length > names.length) {
    fail(name, `it takes at most ${names.length} positional arguments`);
  }
  const out: Record<string, ConverterArg | undefined> = {};
  args.positional.forEach((value, i) => out[names[i]] = value);
  for (const [key, value] of Object.entries(args.named)) {
    if (!names.includes(key)) fail(name, `it has no argument "${key}"`);
    if (out[key] !== undefined) fail(name, `argument "${key}" is given twice`);
    out[key] = value;
  }
  return out;
}

function optionalNumber(name: string, key: string, value: ConverterArg | undefined) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    fail(name, `argument "${key}" must be a number, not ${JSON.stringify(value)}`);
  }
  return value;
}

function lengthArg(name: string, key: string, value: ConverterArg | undefined) {
  const n = optionalNumber(name, key, value);
  if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
    fail(name, `argument "${key}" must be a whole number ≥ 0, not ${n}`);
  }
  return n;
}

const identity = (raw: string) => raw;

const stringConverter: Builtin = (args, name) => {
  const a = takeArgs(name, args, ["minlength", "maxlength", "length"]);
  const length = lengthArg(name, "length", a.length);
  const min = length ?? lengthArg(name, "minlength", a.minlength) ?? 1;
  const max = length ?? lengthArg(name, "maxlength", a.maxlength);
  if (max !== undefined && max < min) fail(name, `maxlength ${max} is below minlength ${min}`);
  const regex = length !== undefined
    ? `${SEGMENT}{${length}}`
    : min === 1 && max === undefined
    ? `${SEGMENT}+`
    : `${SEGMENT}{${min},${max ?? ""}}`;
  return {
    name,
    regex,
    groups: 0,
    weight: 100,
    partIsolating: true,
    custom: false,
    identity: true,
    plainInt: false,
    convert: identity,
    toUrl(value) {
      const text = String(value);
      if (text.length < min || (max !== undefined && text.length > max)) return REJECT;
      return quotePath(text, false);
    },
  };
};

const pathConverter: Builtin = (args, name) => {
  takeArgs(name, args, []);
  return {
    name,
    regex: PATH_REGEX,
    groups: 0,
    weight: 200,
    partIsolating: false,
    custom: false,
    identity: true,
    plainInt: false,
    convert: identity,
    toUrl(value) {
      const text = String(value);
      if (text === "" || text[0] === "/" || text.includes("\n")) return REJECT;
      return quotePath(text, true);
    },
  };
};

function numberConverter(float: boolean): Builtin {
  return (args, name) => {
    const a = takeArgs(
      name,
      args,
      float ? ["min", "max", "signed"] : ["fixed_digits", "min", "max", "signed"],
    );
    const fixed = lengthArg(name, "fixed_digits", a.fixed_digits) ?? 0;
    const min = optionalNumber(name, "min", a.min);
    const max = optionalNumber(name, "max", a.max);
    if (a.signed !== undefined && typeof a.signed !== "boolean") {
      fail(name, `argument "signed" must be True or False, not ${JSON.stringify(a.signed)}`);
    }
    const signed = a.signed === true;
    const digits = float ? "\\d+\\.\\d+" : "\\d+";
    const regex = signed ? `-?${digits}` : digits;
    const check = new RegExp(`^${regex}$`);
    const inRange = (n: number) =>
      (min === undefined || n >= min) && (max === undefined || n <= max);
    const plain = fixed === 0 && min === undefined && max === undefined;
    let convert: (raw: string) => unknown;
    if (float) {
      convert = (raw) => {
        const n = Number(raw);
        return inRange(n) ? n : REJECT;
      };
    } else if (plain) {
      convert = (raw) => {
        if (raw.length < 16) return +raw;
        const n = +raw;
        return Number.isSafeInteger(n) ? n : REJECT;
      };
    } else {
      convert = (raw) => {
        if (fixed !== 0 && raw.length !== fixed) return REJECT;
        const n = +raw;
        return Number.isSafeInteger(n) && inRange(n) ? n : REJECT;
      };
    }
    return {
      name,
      regex,
      groups: 0,
      weight: 50,
      partIsolating: true,
      custom: false,
      identity: false,
      plainInt: !float && plain && !signed,
      convert,
      toUrl(value) {
        let text: string;
        if (float) {
          const n = typeof value === "string" ? Number(value) : value;
          if (typeof n !== "number" || !Number.isFinite(n)) return REJECT;
          text = Number.isInteger(n) && Math.abs(n) < 1e21 ? n.toFixed(1) : String(n);
        } else {
          if (typeof value === "number") {
            if (!Number.isSafeInteger(value)) return REJECT;
            text = String(value);
          } else if (typeof value === "bigint") {
            text = String(value);
          } else if (typeof value === "string" && /^-?\d+$/.test(value)) {
            text = String(BigInt(value));
          } else return REJECT;
          if (fixed !== 0) {
            text = text[0] === "-"
              ? "-" + text.slice(1).padStart(fixed, "0")
              : text.padStart(fixed, "0");
          }
        }
        if (!check.test(text) || convert(text) === REJECT) return REJECT;
        return text;
      },
    };
  };
}

const uuidConverter: Builtin = (args, name) => {
  takeArgs(name, args, []);
  return {
    name,
    regex: UUID_REGEX,
    groups: 0,
    weight: 100,
    partIsolating: true,
    custom: false,
    identity: false,
    plainInt: false,
    convert: (raw) => raw.toLowerCase(),
    toUrl(value) {
      const text = String(value);
      return UUID_RE.test(text) ? text : REJECT;
    },
  };
};

const anyConverter: Builtin = (args, name) => {
  if (Object.keys(args.named).length > 0) fail(name, "it takes only positional arguments");
  if (args.positional.length === 0) fail(name, "it needs at least one value, as any(a, b)");
  const items = args.positional.map((item) => String(item));
  const set = new Set(items);
  return {
    name,
    regex: `(?:${items.map(escapeRegex).join("|")})`,
    groups: 0,
    weight: 100,
    partIsolating: true,
    custom: false,
    identity: true,
    plainInt: false,
    convert: identity,
    toUrl(value) {
      const text = String(value);
      return set.has(text) ? quotePath(text, false) : REJECT;
    },
  };
};

/** The built-in converters by name, as Werkzeug's `Map.default_converters`. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map([
  ["default", stringConverter],
  ["string", stringConverter],
  ["path", pathConverter],
  ["int", numberConverter(false)],
  ["float", numberConverter(true)],
  ["uuid", uuidConverter],
  ["any", anyConverter],
]);
