/**
 * Writes the converted config as TOML in the order it was built (servers and locations in
 * file order), with a comment line above any table that has one. Strings holding `\` or `"`
 * are written as literal strings (`'~* \.png$'`) so regexes read as they did in nginx.
 *
 * @module
 */

/** A TOML value as the converter builds it. */
export type TomlValue = string | number | boolean | TomlValue[] | Table;

/** A TOML table; its keys keep insertion order. */
export interface Table {
  [key: string]: TomlValue;
}

/** Comments written above a table's header (or above its first key when it has none). */
export type Comments = WeakMap<Table, string[]>;

// deno-lint-ignore no-control-regex -- TOML forbids raw control characters but tab
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** `text` as a TOML string: literal when that reads better, else basic with escapes. */
export function tomlString(text: string): string {
  if (/[\\"]/.test(text) && !text.includes("'") && !CONTROL.test(text)) return `'${text}'`;
  // deno-lint-ignore no-control-regex -- the characters TOML wants escaped
  const escaped = text.replace(/[\\"\x00-\x1f\x7f]/g, (ch) => {
    const named: Record<string, string> = {
      "\\": "\\\\",
      '"': '\\"',
      "\b": "\\b",
      "\t": "\\t",
      "\n": "\\n",
      "\f": "\\f",
      "\r": "\\r",
    };
    return named[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return `"${escaped}"`;
}

function key(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : tomlString(name);
}

function isTable(value: TomlValue): value is Table {
  return typeof value === "object" && !Array.isArray(value);
}

function isTableArray(value: TomlValue): value is Table[] {
  return Array.isArray(value) && value.length > 0 && value.every(isTable);
}

/** A value on one line, or an array over several when one line would be too long. */
function inline(value: TomlValue, indent = ""): string {
  if (typeof value === "string") return tomlString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => inline(v, `${indent}  `));
    const one = `[${items.join(", ")}]`;
    if (one.length <= 80 || items.length < 2) return one;
    return `[\n${items.map((i) => `${indent}  ${i},\n`).join("")}${indent}]`;
  }
  const entries = Object.entries(value).map(([k, v]) => `${key(k)} = ${inline(v, indent)}`);
  return entries.length ? `{ ${entries.join(", ")} }` : "{}";
}

function commentLines(table: Table, comments: Comments): string[] {
  return (comments.get(table) ?? []).map((c) => `# ${c.replace(/\s*\n\s*/g, " ")}`);
}

/**
 * The TOML text of `table` under header path `path` (`[]` for the document): its plain keys,
 * then its sub-tables (`[path.key]`; tables inside those inline), then its arrays of tables.
 */
export function writeToml(
  table: Table,
  comments: Comments,
  path: string[] = [],
  inSection = false,
): string {
  const lines: string[] = [];
  const sections: [string, Table][] = [];
  const arrays: [string, Table[]][] = [];
  for (const [name, value] of Object.entries(table)) {
    if (isTableArray(value)) arrays.push([name, value]);
    else if (isTable(value) && !inSection && Object.keys(value).length) {
      sections.push([name, value]);
    } else lines.push(`${key(name)} = ${inline(value)}`);
  }
  const blocks = [lines.join("\n")];
  for (const [name, sub] of sections) {
    const header = [...path, name].map(key).join(".");
    const body = writeToml(sub, comments, [...path, name], true);
    blocks.push([...commentLines(sub, comments), `[${header}]`, body].filter(Boolean).join("\n"));
  }
  for (const [name, items] of arrays) {
    const header = [...path, name].map(key).join(".");
    for (const item of items) {
      const body = writeToml(item, comments, [...path, name]);
      blocks.push(
        [...commentLines(item, comments), `[[${header}]]`, body].filter(Boolean).join("\n"),
      );
    }
  }
  return blocks.filter(Boolean).join("\n\n");
}
