/**
 * Finding a template in an ordered list of folders, as Jinja's `FileSystemLoader` does: names
 * use `/`, may not climb out with `..`, and the first folder holding the file wins.
 *
 * @module
 */

import { join } from "node:path";
import { TemplateError, TemplateNotFound } from "./errors.ts";

/** A template's text and the file state it was read at. */
export interface TemplateSource {
  /** The normalised name (`"admin/index.html"`). */
  readonly name: string;
  /** The file it was read from. */
  readonly file: string;
  /** Its text. */
  readonly source: string;
  /** What {@linkcode isUnchanged} compares. */
  readonly stamp: FileStamp;
}

/** A file's modification time and size when it was read. */
export interface FileStamp {
  readonly mtime: number | null;
  readonly size: number;
}

/**
 * `name` split on `/` with empty and `.` segments dropped, or `undefined` when a segment is
 * `..` or holds a backslash or NUL (Jinja's `split_template_path`).
 */
export function normalizeName(name: string): string | undefined {
  const pieces: string[] = [];
  for (const piece of name.split("/")) {
    if (piece === ".." || piece.includes("\\") || piece.includes("\0")) return undefined;
    if (piece !== "" && piece !== ".") pieces.push(piece);
  }
  return pieces.length === 0 ? undefined : pieces.join("/");
}

/** Reads `name` from the first of `folders` holding it; throws {@linkcode TemplateNotFound}. */
export function findTemplate(name: string, folders: readonly string[]): TemplateSource {
  const normalized = normalizeName(name);
  if (normalized !== undefined) {
    for (const folder of folders) {
      const file = join(folder, normalized);
      const found = readIfFile(name, file);
      if (found !== undefined) return { name: normalized, file, ...found };
    }
  }
  throw new TemplateNotFound(name, folders);
}

/** Whether `file` still has `stamp` (autoReload's check before reusing a compiled template). */
export function isUnchanged(file: string, stamp: FileStamp): boolean {
  try {
    const info = Deno.statSync(file);
    return info.isFile && (info.mtime?.getTime() ?? null) === stamp.mtime &&
      info.size === stamp.size;
  } catch {
    return false; // gone or unreadable: look it up again
  }
}

function readIfFile(
  name: string,
  file: string,
): { source: string; stamp: FileStamp } | undefined {
  try {
    const info = Deno.statSync(file);
    if (!info.isFile) return undefined;
    const source = Deno.readTextFileSync(file);
    return { source, stamp: { mtime: info.mtime?.getTime() ?? null, size: info.size } };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    const why = error instanceof Error ? error.message : String(error);
    throw new TemplateError("Cannot read", why, { templateName: name, file, cause: error });
  }
}
