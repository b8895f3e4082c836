/**
 * Turns each config source (a TOML text, env vars, an object) into entries: a key path, a raw
 * value and where it came from, so that a bad value is blamed on its file and line, env var or
 * source label.
 *
 * @module
 */

import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../../gateway/mod.ts";
import { describeValue } from "./fields.ts";
import { isTable } from "./_tables.ts";
import { lineOf, tomlKeyLines } from "./_toml_lines.ts";

/** Where a value came from: the `ConfigError` fields, and how leniently to read it. */
export interface Origin {
  /** The file, env var or source label. */
  file: string;
  /** The 1-based line in `file`, for TOML values. */
  line?: number;
  /** The key as the source spells it (`app.DEBUG`, `SQLALCHEMY.POOL`). */
  key: string;
  /** Whether the value is an env var's (looser booleans and lists). */
  lenient: boolean;
  /** The env var's text, before JSON decoding. */
  raw?: string;
}

/** One value to load. */
export interface Entry {
  /** The config key path: `["DEBUG"]`, or `["SQLALCHEMY", "POOL"]` for a nested env key. */
  path: string[];
  /** The value as the source gave it (JSON-decoded for env vars). */
  value: unknown;
  /** Where it came from. */
  origin: Origin;
  /** How the source would spell another key, for "did you mean". */
  spell(key: string): string;
}

/** `file:line`, or `file` when the line is unknown. */
export function where(origin: Origin): string {
  return origin.line === undefined ? origin.file : `${origin.file}:${origin.line}`;
}

/** `value` with its tables as plain objects (smol-toml makes them without a prototype). */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (!isTable(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
}

function tomlError(error: unknown, file: string, text: string, section?: string): never {
  if (!(error instanceof TomlError)) throw error;
  const why = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
  const key = [...tomlKeyLines(text)].find(([, line]) => line === error.line)?.[0] ??
    section ?? "toml";
  throw new ConfigError(`expected valid TOML: ${why} (column ${error.column})`, {
    file,
    line: error.line,
    key,
    cause: error,
  });
}

/**
 * The entries of `text`'s top level, or of its `section` table (dotted: `tool.app`); none when
 * the section is absent.
 */
export function tomlEntries(text: string, file: string, section?: string): Entry[] {
  let document: Record<string, unknown>;
  try {
    document = parse(text) as Record<string, unknown>;
  } catch (error) {
    tomlError(error, file, text, section);
  }
  const lines = tomlKeyLines(text);
  const prefix = section ? `${section}.` : "";
  let table: unknown = document;
  for (const part of section ? section.split(".") : []) {
    if (!isTable(table) || !(part in table)) return [];
    table = table[part];
  }
  if (!isTable(table)) {
    throw new ConfigError(`expected a table, got ${describeValue(table)}`, {
      file,
      line: lineOf(lines, section!),
      key: section!,
    });
  }
  return Object.entries(table).map(([key, value]) => ({
    path: [key],
    value: plain(value),
    origin: { file, line: lineOf(lines, prefix + key), key: prefix + key, lenient: false },
    spell: (known: string) => prefix + known,
  }));
}

/**
 * Reads the TOML file at `path`; `null` when it is missing and `silent` is set.
 */
export async function readToml(
  path: string,
  silent: boolean,
  section?: string,
): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    const missing = error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.IsADirectory || error instanceof Deno.errors.NotADirectory;
    if (missing && silent) return null;
    const why = error instanceof Deno.errors.NotFound ? "not found" : (error as Error).message;
    throw new ConfigError(`cannot read the file: ${why}`, {
      file: path,
      key: section ?? "config",
      cause: error,
    });
  }
}

/**
 * The entries of the env vars starting with `prefix_`, in name order (as Flask): values
 * JSON-decoded when they parse, else strings; `__` nests (`APP_DB__POOL` → `DB.POOL`).
 */
export function envEntries(prefix: string, env: Record<string, string>): Entry[] {
  const start = `${prefix}_`;
  const entries: Entry[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(start) || name.length === start.length) continue;
    const raw = env[name];
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: the string itself
    }
    const path = name.slice(start.length).split("__");
    entries.push({
      path,
      value,
      origin: { file: name, key: path.join("."), lenient: true, raw },
      spell: (known: string) => `${start}${known}`,
    });
  }
  return entries;
}

/** The entries of an object's own enumerable keys, blamed on `source`. */
export function objectEntries(values: Record<string, unknown>, source: string): Entry[] {
  return Object.keys(values).map((key) => ({
    path: [key],
    value: values[key],
    origin: { file: source, key, lenient: false },
    spell: (known: string) => known,
  }));
}
