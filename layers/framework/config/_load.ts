/**
 * Loading entries into a config's state: typed keys checked against their field, nested env
 * keys set inside a copy of their table, likely typos collected as warnings. All or nothing: the
 * new state is returned only when every entry is good.
 *
 * @module
 */

import { ConfigError } from "../../gateway/mod.ts";
import { checkField, type ConfigField, type ConfigSchema, describeValue } from "./fields.ts";
import { type Entry, type Origin, where } from "./_sources.ts";
import { isTable, withNested } from "./_tables.ts";
import { likelyTypo } from "./_typo.ts";

/** A config's values and where each came from. */
export interface ConfigState {
  /** The value of each key. */
  values: Map<string, unknown>;
  /** The origin of each key's value. */
  origins: Map<string, Origin>;
}

/** Flask's rule for files and objects: only uppercase keys are config. */
function isUpperKey(key: string): boolean {
  return key === key.toUpperCase() && key !== key.toLowerCase();
}

function fail(why: string, origin: Origin): never {
  throw new ConfigError(why, { file: origin.file, line: origin.line, key: origin.key });
}

/** `value` checked against `field`; an env var's text is tried when its JSON value is refused. */
export function checkFrom(field: ConfigField, value: unknown, origin: Origin): unknown {
  let result = checkField(field, value, { lenient: origin.lenient });
  if (!result.ok && origin.raw !== undefined && origin.raw !== value) {
    result = checkField(field, origin.raw, { lenient: true });
  }
  return result.ok ? result.value : fail(result.why, origin);
}

/** The top-level table after setting a nested env key (`DB__POOL`) inside a copy of it. */
function nested(entry: Entry, field: ConfigField | undefined, current: unknown) {
  const [top, ...rest] = entry.path;
  const blocked = (path: string[], what: string): never =>
    fail(`cannot set a nested key: ${path.join(".")} is ${what}, not a table`, entry.origin);
  if (field && field.type !== "table" && field.type !== "any") {
    blocked([top], `a ${field.type} key`);
  }
  if (current !== undefined && current !== null && !isTable(current)) {
    blocked([top], describeValue(current));
  }
  return withNested(
    isTable(current) ? current : undefined,
    rest,
    entry.value,
    (path, found) => blocked([top, ...path], describeValue(found)),
  );
}

/**
 * `state` with `entries` applied in order, and the warnings they raised; throws a `ConfigError`
 * (leaving `state` as it was) at the first bad value. With `upperOnly`, keys that are not
 * uppercase are skipped, as Flask's `from_mapping` does.
 */
export function loadEntries(
  schema: Readonly<ConfigSchema>,
  state: ConfigState,
  entries: Entry[],
  upperOnly: boolean,
): ConfigState & { warnings: string[] } {
  const values = new Map(state.values);
  const origins = new Map(state.origins);
  const warnings: string[] = [];
  for (const entry of entries) {
    const [top] = entry.path;
    const field = Object.hasOwn(schema, top) ? schema[top] : undefined;
    if (!field) {
      const typo = likelyTypo(top, Object.keys(schema));
      const kept = !upperOnly || isUpperKey(top);
      if (typo !== undefined) {
        const what = kept ? "unknown key (kept)" : "ignored: only uppercase keys are config";
        const suggestion = JSON.stringify(entry.spell(typo));
        warnings.push(
          `${where(entry.origin)}: ${entry.origin.key}: ${what}; did you mean ${suggestion}?`,
        );
      }
      if (!kept) continue;
    }
    let value: unknown;
    if (entry.path.length > 1) value = nested(entry, field, values.get(top));
    else value = field ? checkFrom(field, entry.value, entry.origin) : entry.value;
    values.set(top, value);
    origins.set(top, entry.origin);
  }
  return { values, origins, warnings };
}
