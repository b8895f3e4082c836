/**
 * Loading an app from a module path, as `gunicorn module:app` does.
 *
 * @module
 */

import { isApp, toAppObject } from "./app.ts";
import { AppLoadError } from "./errors.ts";
import type { AppObject } from "./types.ts";

/** Options for {@linkcode loadApp}. */
export interface LoadAppOptions {
  /** The directory a relative path resolves against; default `Deno.cwd()`. */
  cwd?: string;
  /** A query string added to the module URL (`v=2`) to load a fresh copy of a changed file. */
  version?: string;
}

/** The parts of an app spec `path/app.ts[:export]`. */
export interface AppSpec {
  /** The absolute path of the module. */
  file: string;
  /** The export named after the colon, if any. */
  exportName: string | undefined;
}

const EXPORT_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
const FALLBACK_EXPORTS = ["default", "app", "application"];

/**
 * Splits `path/app.ts[:export]` and resolves the path against `cwd`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAppSpec } from "./load.ts";
 *
 * const spec = parseAppSpec("examples/app.ts:api", "/srv");
 * assert.ok(spec.file === "/srv/examples/app.ts" && spec.exportName === "api");
 * ```
 */
export function parseAppSpec(spec: string, cwd: string = Deno.cwd()): AppSpec {
  let path = spec;
  let exportName: string | undefined;
  const colon = spec.lastIndexOf(":");
  if (colon > 0 && EXPORT_NAME.test(spec.slice(colon + 1))) {
    path = spec.slice(0, colon);
    exportName = spec.slice(colon + 1);
  }
  if (path.startsWith("file://")) path = decodeURIComponent(new URL(path).pathname);
  const file = path.startsWith("/") ? path : `${cwd.replace(/\/+$/, "")}/${path}`;
  return { file: normalizePath(file), exportName };
}

function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object without a fetch method";
  return `a ${typeof value}`;
}

function lookup(module: Record<string, unknown>, name: string): unknown {
  let value: unknown = module;
  for (const part of name.split(".")) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Imports the module named by `spec` (`path/app.ts[:export]`) and returns its app.
 *
 * Without an export name it takes `default`, then `app`, then `application`. Every failure is an
 * {@linkcode AppLoadError} that names the file, the export and the reason, and lists the exports
 * the module does have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadApp } from "./load.ts";
 * import { AppLoadError } from "./errors.ts";
 *
 * await assert.rejects(loadApp("no/such/app.ts"), (error) => {
 *   assert.ok(error instanceof AppLoadError);
 *   assert.match(error.message, /file not found/);
 *   return true;
 * });
 * ```
 */
export async function loadApp(spec: string, options: LoadAppOptions = {}): Promise<AppObject> {
  const { file, exportName } = parseAppSpec(spec, options.cwd);
  let asked = exportName ?? "default";
  const fail = (why: string, extra: { available?: string[]; cause?: unknown } = {}) =>
    new AppLoadError(`Cannot load app "${spec}": ${why}`, { file, exportName: asked, ...extra });

  try {
    const stat = await Deno.stat(file);
    if (!stat.isFile) throw fail(`"${file}" is not a file`);
  } catch (error) {
    if (error instanceof AppLoadError) throw error;
    if (error instanceof Deno.errors.NotFound) throw fail(`file not found: "${file}"`);
    throw fail(`cannot read "${file}": ${(error as Error).message}`, { cause: error });
  }

  let module: Record<string, unknown>;
  const url = `file://${file.split("/").map(encodeURIComponent).join("/")}` +
    (options.version ? `?${options.version}` : "");
  try {
    module = await import(url);
  } catch (error) {
    throw fail(describeImportError(error, file), { cause: error });
  }

  const available = Object.keys(module).sort();
  const name = exportName ?? FALLBACK_EXPORTS.find((candidate) => module[candidate] !== undefined);
  const shown = available.length ? available.map((n) => `"${n}"`).join(", ") : "none";
  if (name === undefined) {
    throw fail(
      `"${file}" has no default export (nor "app" or "application"); its exports: ${shown}. ` +
        `Name one as "${spec}:NAME"`,
      { available },
    );
  }
  asked = name;
  const value = lookup(module, name);
  if (value === undefined) {
    throw fail(`"${file}" has no export "${name}"; its exports: ${shown}`, { available });
  }
  if (!isApp(value)) {
    throw fail(
      `export "${name}" is ${describe(value)}, not an app ` +
        "(a function (request, ctx) => Response, or an object with a fetch method)",
      { available },
    );
  }
  return toAppObject(value);
}

/** Turns Deno's import failure into one line: what, where, and the offending source line. */
function describeImportError(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const syntax = /^SyntaxError: (.*)$/m.exec(message);
  if (syntax) {
    const at = /at (file:\/\/\S+:\d+:\d+)/.exec(message);
    const where = at ? decodeURIComponent(new URL(at[1]).pathname) : file;
    const source = /^\s*\d+ \|(.*\S.*)$/m.exec(message)?.[1].trim();
    return `syntax error at ${where}: ${syntax[1]}` + (source ? ` (in "${source}")` : "");
  }
  const reason = message.split("\n").filter((line) => !/^\s+at /.test(line)).join(" ")
    .replace(/\s+/g, " ").trim();
  const kind = error instanceof Error && error.name !== "Error" && error.name !== "TypeError"
    ? `${error.name}: `
    : "";
  return `the module failed to import in "${file}": ${kind}${reason}`;
}
