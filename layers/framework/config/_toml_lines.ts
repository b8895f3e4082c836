/**
 * Where each key of a TOML text sits. smol-toml gives values without positions, so this scans
 * the lines for table headers (`[app]`, `[app.SQLALCHEMY]`, `[[jobs]]`) and `key = value`
 * assignments (bare, quoted and dotted keys) and records the 1-based line of every key path.
 * Lines inside multi-line strings are skipped; keys inside inline tables take their parent's line.
 *
 * @module
 */

const PART = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const DOTTED = String.raw`${PART}(?:\s*\.\s*${PART})*`;
const ARRAY_TABLE = new RegExp(String.raw`^\[\[\s*(${DOTTED})\s*\]\]`);
const TABLE = new RegExp(String.raw`^\[\s*(${DOTTED})\s*\]`);
const ASSIGNMENT = new RegExp(String.raw`^(${DOTTED})\s*=`);
const ONE_PART = new RegExp(PART, "g");

/** The parts of a dotted key, quotes removed: `a."b.c".d` → `["a", "b.c", "d"]`. */
function splitKey(dotted: string): string[] {
  return [...dotted.matchAll(ONE_PART)].map(([part]) => {
    if (part.startsWith('"')) return JSON.parse(part) as string;
    if (part.startsWith("'")) return part.slice(1, -1);
    return part;
  });
}

/** Whether `line` opens or closes a multi-line string (an odd count of `"""` / `'''`). */
function togglesMultiline(line: string): boolean {
  return ((line.match(/"""|'''/g)?.length ?? 0) % 2) === 1;
}

/**
 * The 1-based line of every key path in `text`, keyed by the dotted path (`app.DEBUG`); an
 * array-of-tables item adds its 1-based index (`jobs[2].name`). The first occurrence wins.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tomlKeyLines } from "./_toml_lines.ts";
 *
 * const lines = tomlKeyLines('workers = 2\n\n[app]\nDEBUG = true\nSQL.POOL = 5\n');
 * assert.equal(lines.get("app"), 3);
 * assert.equal(lines.get("app.DEBUG"), 4);
 * assert.equal(lines.get("app.SQL.POOL"), 5);
 * ```
 */
export function tomlKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  const record = (path: string, line: number) => {
    if (!lines.has(path)) lines.set(path, line);
  };
  /** The path of a header's parts, with the current index of every array table on the way. */
  const headerPath = (parts: string[], isArray: boolean): string => {
    let path = "";
    for (const [i, part] of parts.entries()) {
      path = path === "" ? part : `${path}.${part}`;
      if (isArray && i === parts.length - 1) {
        const n = (arrayCounts.get(path) ?? 0) + 1;
        arrayCounts.set(path, n);
        path = `${path}[${n}]`;
      } else if (arrayCounts.has(path)) {
        path = `${path}[${arrayCounts.get(path)}]`;
      }
    }
    return path;
  };
  let table = "";
  let inMultiline = false;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    const skip = inMultiline;
    if (togglesMultiline(line)) inMultiline = !inMultiline;
    if (skip) continue;
    const arrayHeader = ARRAY_TABLE.exec(line);
    const header = arrayHeader ? null : TABLE.exec(line);
    if (arrayHeader || header) {
      table = headerPath(splitKey((arrayHeader ?? header)![1]), arrayHeader !== null);
      record(table, index + 1);
      continue;
    }
    const assignment = ASSIGNMENT.exec(line);
    if (!assignment) continue;
    let path = table;
    for (const part of splitKey(assignment[1])) {
      path = path === "" ? part : `${path}.${part}`;
      record(path, index + 1);
    }
  }
  return lines;
}

/**
 * The line of `path`, or of the nearest enclosing key that has one (a key inside an inline
 * table), from a map made by {@linkcode tomlKeyLines}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineOf, tomlKeyLines } from "./_toml_lines.ts";
 *
 * const lines = tomlKeyLines('[app]\nDB = { POOL = "x" }\n');
 * assert.equal(lineOf(lines, "app.DB.POOL"), 2);
 * assert.equal(lineOf(lines, "other"), undefined);
 * ```
 */
export function lineOf(lines: Map<string, number>, path: string): number | undefined {
  for (let p = path; p !== ""; p = p.replace(/(?:\.[^.]*|\[\d+\])$/, "")) {
    const line = lines.get(p);
    if (line !== undefined) return line;
    if (!/[.[]/.test(p)) break;
  }
  return undefined;
}
