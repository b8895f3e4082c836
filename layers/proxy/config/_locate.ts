/**
 * Where a key sits in a TOML text. smol-toml reports no positions for values, so this scans the
 * text for table headers (`[types]`, `[[server]]`, `[[server.location]]`) and `key =` lines and
 * maps each key path (`server[2].location[1].try_files`, indexes 1-based) to its 1-based line.
 *
 * @module
 */

import { ConfigError } from "../../gateway/mod.ts";

/** A TOML key segment (bare or quoted). */
const KEY_PART = `(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')`;
const KEYS = `${KEY_PART}(?:\\s*\\.\\s*${KEY_PART})*`;
const ARRAY_HEADER = new RegExp(`^\\[\\[\\s*(${KEYS})\\s*\\]\\]`);
const TABLE_HEADER = new RegExp(`^\\[\\s*(${KEYS})\\s*\\]`);
const KEY_ASSIGN = new RegExp(`^(${KEYS})\\s*=`);

function segments(keys: string): string[] {
  return [...keys.matchAll(new RegExp(KEY_PART, "g"))].map(([s]) => s.replace(/^["']|["']$/g, ""));
}

/** The 1-based line of every key path and table header in `text` (first occurrence wins). */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const arrays = new Map<string, number>();
  const resolve = (parts: string[], array: boolean): string => {
    let path = "";
    parts.forEach((part, i) => {
      path = path ? `${path}.${part}` : part;
      if (array && i === parts.length - 1) {
        const n = (arrays.get(path) ?? 0) + 1;
        arrays.set(path, n);
        path += `[${n}]`;
      } else if (arrays.has(path)) path += `[${arrays.get(path)}]`;
    });
    return path;
  };
  let table = "";
  let inString = false;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const wasInString = inString;
    if ((line.match(/"""|'''/g)?.length ?? 0) % 2 === 1) inString = !inString;
    if (wasInString) return;
    let path: string | null = null;
    const array = ARRAY_HEADER.exec(line);
    const header = array ? null : TABLE_HEADER.exec(line);
    if (array) path = table = resolve(segments(array[1]), true);
    else if (header) path = table = resolve(segments(header[1]), false);
    else {
      const assign = KEY_ASSIGN.exec(line);
      if (assign) path = [table, ...segments(assign[1])].filter(Boolean).join(".");
    }
    if (path && !lines.has(path)) lines.set(path, index + 1);
  });
  return lines;
}

/** The path one level up: `a[2].b` → `a[2]` → `a` → `""`. */
export function parentPath(path: string): string {
  const match = /(?:\.[^.[\]]*|\[\d+\])$/.exec(path);
  return match ? path.slice(0, match.index) : "";
}

/** A place in the config to blame: a key path, with a way to fail there. */
export interface At {
  /** The key path (`server[1].listen`). */
  readonly path: string;
  /** Throws a ConfigError naming this key's file, line and path. */
  fail(why: string, cause?: unknown): never;
  /** The place of a key inside this one (`key`), or of an array item (`[n]`, 1-based). */
  child(key: string | number): At;
}

/**
 * The config's text (and the `-g` overrides' text), able to name the file and line of any key
 * path: a path whose first key came from `-g` is blamed on `-g`.
 */
export class Source {
  readonly file: string;
  #lines: Map<string, number>;
  #globalLines: Map<string, number>;
  #globalKeys: Set<string>;

  /** Indexes `text` (from `file`) and the `-g` overrides' text, whose top-level keys win. */
  constructor(file: string, text: string, globals = "") {
    this.file = file;
    this.#lines = keyLines(text);
    this.#globalLines = keyLines(globals);
    this.#globalKeys = new Set([...this.#globalLines.keys()].map((p) => p.split(/[.[]/)[0]));
  }

  /** The file, 1-based line (when known) and key of `path`. */
  where(path: string): { file: string; line?: number; key: string } {
    const global = this.#globalKeys.has(path.split(/[.[]/)[0]);
    const lines = global ? this.#globalLines : this.#lines;
    for (let p = path; p; p = parentPath(p)) {
      const line = lines.get(p);
      if (line !== undefined) return { file: global ? "-g" : this.file, line, key: path };
    }
    return { file: global ? "-g" : this.file, key: path };
  }

  /** The line of `path` (or of the nearest enclosing key that has one). */
  line(path: string): number | undefined {
    return this.where(path).line;
  }

  /** A handle on `path`. */
  at(path: string): At {
    const fail = (why: string, cause?: unknown): never => {
      throw new ConfigError(why, { ...this.where(path), cause });
    };
    const child = (key: string | number) =>
      this.at(typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);
    return { path, fail, child };
  }
}
