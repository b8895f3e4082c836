/**
 * The typed fields of a config schema and how a raw value (from a TOML file, an env var, an
 * object) becomes a checked one: booleans, strings, integers, numbers, durations (seconds or
 * `"31d"`), sizes (bytes or `"16m"`), enums, string lists and tables.
 *
 * @module
 */

import { isTable } from "./_tables.ts";

/** What every field has: its default and whether `null` is allowed. */
export interface FieldCommon<T> {
  /** The value before any source sets one; `null` also makes the field nullable. */
  default?: T | null;
  /** Whether `null` is a valid value; default: `true` when `default` is `null`. */
  nullable?: boolean;
  /** One line for docs and `--help`-style listings. */
  doc?: string;
}

/** A string. */
export interface StringField extends FieldCommon<string> {
  /** The field's type. */
  type: "string";
}

/** `true` or `false` (an env var may also say `1`/`0`, `on`/`off`, `yes`/`no`). */
export interface BooleanField extends FieldCommon<boolean> {
  /** The field's type. */
  type: "boolean";
}

/** An integer, optionally bounded. */
export interface IntegerField extends FieldCommon<number> {
  /** The field's type. */
  type: "integer";
  /** The smallest allowed value. */
  min?: number;
  /** The largest allowed value. */
  max?: number;
}

/** A finite number, optionally bounded. */
export interface NumberField extends FieldCommon<number> {
  /** The field's type. */
  type: "number";
  /** The smallest allowed value. */
  min?: number;
  /** The largest allowed value. */
  max?: number;
}

/** A duration, stored in seconds: a number, or a string like `"31d"`, `"1h30m"`, `"500ms"`. */
export interface DurationField extends FieldCommon<number> {
  /** The field's type. */
  type: "duration";
}

/** A size, stored in bytes: an integer, or a string like `"16m"`, `"512k"` (1024-based). */
export interface SizeField extends FieldCommon<number> {
  /** The field's type. */
  type: "size";
}

/** One of a fixed set of strings (case matters). */
export interface EnumField extends FieldCommon<string> {
  /** The field's type. */
  type: "enum";
  /** The allowed values. */
  values: readonly string[];
}

/** A list of strings (an env var may also give `a,b,c`). */
export interface ListField extends FieldCommon<string[]> {
  /** The field's type. */
  type: "list";
}

/** A table (a plain object), not checked inside. */
export interface TableField extends FieldCommon<Record<string, unknown>> {
  /** The field's type. */
  type: "table";
}

/** Any value, not checked. */
export interface AnyField extends FieldCommon<unknown> {
  /** The field's type. */
  type: "any";
}

/** One typed config key. */
export type ConfigField =
  | StringField
  | BooleanField
  | IntegerField
  | NumberField
  | DurationField
  | SizeField
  | EnumField
  | ListField
  | TableField
  | AnyField;

/** The typed keys of a config, by name. Keys not in it are allowed and left unchecked. */
export interface ConfigSchema {
  /** The field of each typed key. */
  [key: string]: ConfigField;
}

/** A checked value, or why the raw one was refused (`expected …, got …`). */
export type FieldResult = { ok: true; value: unknown } | { ok: false; why: string };

/** How to check a value. */
export interface CheckFieldOptions {
  /** Accept an env var's looser spellings (`1`/`yes`/`on` booleans, `a,b` lists). */
  lenient?: boolean;
}

/**
 * A value as messages quote it: `"abc"`, `5`, `true`, `null`, `an array`, `a table`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./fields.ts";
 *
 * assert.equal(describeValue("lax"), '"lax"');
 * assert.equal(describeValue([1]), "an array");
 * assert.equal(describeValue({ a: 1 }), "a table");
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date";
  if (value !== null && typeof value === "object") return "a table";
  return String(value);
}

const DURATION_UNITS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
};

/**
 * A duration in seconds from a number of seconds or a string of number+unit parts (`ms`, `s`,
 * `m`, `h`, `d`, `w`); `undefined` when it is neither, or negative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./fields.ts";
 *
 * assert.equal(parseDuration("31d"), 2678400);
 * assert.equal(parseDuration("1h 30m"), 5400);
 * assert.equal(parseDuration("250ms"), 0.25);
 * assert.equal(parseDuration(60), 60);
 * assert.equal(parseDuration("soon"), undefined);
 * ```
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (!/^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)\s*)+$/.test(text)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g)) {
    seconds += Number(amount) * DURATION_UNITS[unit];
  }
  return seconds;
}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * A size in bytes from a non-negative integer or a string like `"512"`, `"64k"`, `"16m"`,
 * `"1g"` (1024-based, as nginx reads them; a trailing `b` is allowed); `undefined` otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSize } from "./fields.ts";
 *
 * assert.equal(parseSize("16m"), 16 * 1024 * 1024);
 * assert.equal(parseSize("64KB"), 65536);
 * assert.equal(parseSize(500_000), 500_000);
 * assert.equal(parseSize("big"), undefined);
 * ```
 */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = /^(\d+)\s*([kmg]?)b?$/i.exec(value.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()];
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const TRUE_WORDS = new Set(["true", "1", "on", "yes"]);
const FALSE_WORDS = new Set(["false", "0", "off", "no"]);

function checkBoolean(value: unknown, lenient: boolean): FieldResult {
  if (typeof value === "boolean") return { ok: true, value };
  if (lenient && (typeof value === "string" || value === 0 || value === 1)) {
    const word = String(value).trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return { ok: true, value: true };
    if (FALSE_WORDS.has(word)) return { ok: true, value: false };
  }
  return { ok: false, why: `expected a boolean (true/false), got ${describeValue(value)}` };
}

function bounds(kind: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
  if (min !== undefined) return `${kind} of at least ${min}`;
  if (max !== undefined) return `${kind} of at most ${max}`;
  return kind;
}

function checkNumber(value: unknown, field: IntegerField | NumberField): FieldResult {
  const integer = field.type === "integer";
  const expected = bounds(integer ? "an integer" : "a number", field.min, field.max);
  const fits = typeof value === "number" &&
    (integer ? Number.isSafeInteger(value) : Number.isFinite(value)) &&
    (field.min === undefined || value >= field.min) &&
    (field.max === undefined || value <= field.max);
  return fits
    ? { ok: true, value }
    : { ok: false, why: `expected ${expected}, got ${describeValue(value)}` };
}

function checkList(value: unknown, lenient: boolean): FieldResult {
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    return { ok: true, value: [...value] };
  }
  if (lenient && typeof value === "string") {
    const items = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
    return { ok: true, value: items };
  }
  return { ok: false, why: `expected an array of strings, got ${describeValue(value)}` };
}

/**
 * Whether `field` accepts `null`: its `nullable`, else whether its default is `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptsNull } from "./fields.ts";
 *
 * assert.equal(acceptsNull({ type: "string", default: null }), true);
 * assert.equal(acceptsNull({ type: "boolean", default: false }), false);
 * ```
 */
export function acceptsNull(field: ConfigField): boolean {
  return field.nullable ?? field.default === null;
}

/**
 * Checks `value` against `field`, normalizing it (durations to seconds, sizes to bytes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkField } from "./fields.ts";
 *
 * const samesite = { type: "enum", values: ["Lax", "Strict", "None"], default: null } as const;
 * assert.deepEqual(checkField(samesite, "Lax"), { ok: true, value: "Lax" });
 * assert.deepEqual(checkField(samesite, "lax"), {
 *   ok: false,
 *   why: 'expected one of "Lax", "Strict", "None", got "lax"',
 * });
 * assert.deepEqual(checkField({ type: "duration" }, "2h"), { ok: true, value: 7200 });
 * assert.deepEqual(checkField({ type: "boolean" }, "on", { lenient: true }), { ok: true, value: true });
 * ```
 */
export function checkField(
  field: ConfigField,
  value: unknown,
  options: CheckFieldOptions = {},
): FieldResult {
  if (value === null && acceptsNull(field)) return { ok: true, value: null };
  const lenient = options.lenient ?? false;
  const got = describeValue(value);
  switch (field.type) {
    case "string":
      return typeof value === "string"
        ? { ok: true, value }
        : { ok: false, why: `expected a string, got ${got}` };
    case "boolean":
      return checkBoolean(value, lenient);
    case "integer":
    case "number":
      return checkNumber(value, field);
    case "duration": {
      const seconds = parseDuration(value);
      return seconds === undefined
        ? {
          ok: false,
          why: `expected a duration (seconds, or a string like "31d", "12h", "30m"), got ${got}`,
        }
        : { ok: true, value: seconds };
    }
    case "size": {
      const bytes = parseSize(value);
      return bytes === undefined
        ? {
          ok: false,
          why: `expected a size in bytes (an integer, or a string like "16m"), got ${got}`,
        }
        : { ok: true, value: bytes };
    }
    case "enum":
      return typeof value === "string" && field.values.includes(value) ? { ok: true, value } : {
        ok: false,
        why: `expected one of ${field.values.map((v) => JSON.stringify(v)).join(", ")}, got ${got}`,
      };
    case "list":
      return checkList(value, lenient);
    case "table":
      return isTable(value)
        ? { ok: true, value }
        : { ok: false, why: `expected a table, got ${got}` };
    case "any":
      return { ok: true, value };
  }
}
