/**
 * Errors as plain data for the dev server's pages: the class, the message, the parsed stack
 * (source-mapped positions, as Deno reports them), the `cause` chain, and the source lines
 * around each frame of the user's own code. Plain data crosses a Worker boundary unchanged.
 *
 * @module
 */

/** One line of a stack trace. */
export interface StackFrame {
  /** The function, as V8 names it (`async boom`, `new Store`), or `""` at the top level. */
  fn: string;
  /** Where: a URL (`file:///app.ts`, `ext:core/...`), or `<anonymous>` / `native`. */
  url: string;
  /** The file path, for `file:` URLs. */
  file?: string;
  /** The 1-based line, when known. */
  line?: number;
  /** The 1-based column, when known. */
  column?: number;
  /** Whether the frame is outside the user's code (node_modules, Deno's internals, ngw2f). */
  library: boolean;
  /** The source around `line`, once {@linkcode readSources} has read it. */
  source?: SourceLines;
}

/** A window of a source file. */
export interface SourceLines {
  /** The number of the first line in `lines`. */
  first: number;
  /** The lines, without their line breaks (cut at 300 characters). */
  lines: string[];
}

/** An error and its causes, as plain data. */
export interface ErrorInfo {
  /** The class: `TypeError`, a subclass's constructor name, or `Non-error value` for a throw of anything else. */
  name: string;
  /** The message (for a non-error throw, the value as `Deno.inspect` shows it). */
  message: string;
  /** The parsed stack, top frame first. */
  frames: StackFrame[];
  /** The stack as V8 wrote it (colours removed), for copying. */
  stack: string;
  /** The error's `cause`, when it is set. */
  cause?: ErrorInfo;
}

/** Options for {@linkcode describeError} and {@linkcode parseStack}. */
export interface DescribeErrorOptions {
  /** Which frame URLs are library code; default node_modules, non-`file:` URLs and ngw2f's own layers. */
  isLibrary?: (url: string) => boolean;
}

/** Where an error happened in the user's code. */
export interface ErrorLocation {
  /** The file path. */
  file: string;
  /** The 1-based line, when known. */
  line?: number;
  /** The 1-based column, when known. */
  column?: number;
  /** The source around `line`, when it was read. */
  source?: SourceLines;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const FRAME = /^\s*at (?:(.+?) \((.+)\)|(.+))$/;
const POSITION = /^(.*?):(\d+):(\d+)$/;
const MESSAGE_AT = / at (file:\/\/\S+:\d+:\d+)\s*$/m;
/** ngw2f's own layers: `file:///…/layers/`. */
const LAYERS = new URL("../../", import.meta.url).href;
const MAX_CAUSES = 8;
const MAX_LINE = 300;

/**
 * Whether a frame URL is library code: not a `file:` URL, or under node_modules or ngw2f's layers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLibraryUrl } from "./stack_trace.ts";
 *
 * assert.equal(isLibraryUrl("ext:core/01_core.js"), true);
 * assert.equal(isLibraryUrl("file:///srv/app/node_modules/hono/dist/hono.js"), true);
 * assert.equal(isLibraryUrl("file:///srv/app/routes.ts"), false);
 * ```
 */
export function isLibraryUrl(url: string): boolean {
  return !url.startsWith("file://") || url.includes("/node_modules/") || url.startsWith(LAYERS);
}

function fileOf(url: string): string | undefined {
  if (!url.startsWith("file://")) return undefined;
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
}

/**
 * Parses the `at …` lines of a V8 stack; other lines (the message, code excerpts) are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStack } from "./stack_trace.ts";
 *
 * const [frame] = parseStack("Error: boom\n    at async handle (file:///srv/app.ts:12:5)");
 * assert.deepEqual(
 *   [frame.fn, frame.file, frame.line, frame.column, frame.library],
 *   ["async handle", "/srv/app.ts", 12, 5, false],
 * );
 * ```
 */
export function parseStack(stack: string, options: DescribeErrorOptions = {}): StackFrame[] {
  const isLibrary = options.isLibrary ?? isLibraryUrl;
  const frames: StackFrame[] = [];
  for (const raw of stack.replace(ANSI, "").split("\n")) {
    const match = FRAME.exec(raw);
    if (!match) continue;
    const fn = match[1] ?? "";
    const where = match[2] ?? match[3];
    const position = POSITION.exec(where);
    const url = position ? position[1] : where;
    const frame: StackFrame = { fn, url, library: isLibrary(url) };
    const file = fileOf(url);
    if (file !== undefined) frame.file = file;
    if (position) {
      frame.line = Number(position[2]);
      frame.column = Number(position[3]);
    }
    frames.push(frame);
  }
  return frames;
}

function nameOf(error: Error): string {
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (error.name && error.name !== "Error") return String(error.name);
  return typeof ctor === "string" && ctor !== "" ? ctor : "Error";
}

function inspect(value: unknown): string {
  try {
    return typeof value === "string" ? value : Deno.inspect(value, { depth: 3, colors: false });
  } catch {
    return String(value);
  }
}

/**
 * Turns anything thrown into plain data: class, message, parsed stack and the `cause` chain
 * (at most 8 deep, cycles cut).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeError } from "./stack_trace.ts";
 *
 * const info = describeError(new Error("outer", { cause: new RangeError("inner") }));
 * assert.equal(info.message, "outer");
 * assert.equal(info.cause?.name, "RangeError");
 * assert.equal(describeError("just a string").name, "Non-error value");
 * ```
 */
export function describeError(error: unknown, options: DescribeErrorOptions = {}): ErrorInfo {
  const seen = new Set<unknown>();
  const describe = (value: unknown, depth: number): ErrorInfo => {
    seen.add(value);
    if (!(value instanceof Error)) {
      return { name: "Non-error value", message: inspect(value), frames: [], stack: "" };
    }
    const stack = typeof value.stack === "string" ? value.stack.replace(ANSI, "") : "";
    const message = inspect(value.message);
    const frames = parseStack(stack, options);
    // A module that fails to link (`does not provide an export named …`) has no stack, only
    // `at file:///…:line:col` in its message: make that its top frame.
    const at = frames.some((frame) => !frame.library) ? null : MESSAGE_AT.exec(message);
    if (at) frames.unshift(...parseStack(`    at ${at[1]}`, options));
    const info: ErrorInfo = { name: nameOf(value), message, frames, stack };
    const cause = value.cause;
    if (cause !== undefined && !seen.has(cause) && depth < MAX_CAUSES) {
      info.cause = describe(cause, depth + 1);
    }
    return info;
  };
  return describe(error, 0);
}

/** Options for {@linkcode readSources}. */
export interface ReadSourcesOptions {
  /** Lines shown before and after a frame's line; default 5. */
  context?: number;
  /** The most frames to read source for, over the whole chain; default 40. */
  maxFrames?: number;
}

/**
 * Reads the source lines around each user frame (library frames are skipped) into
 * `frame.source`, for the whole `cause` chain; files that cannot be read are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeError, readSources } from "./stack_trace.ts";
 *
 * const file = await Deno.makeTempFile({ suffix: ".ts" });
 * await Deno.writeTextFile(file, "a\nb\nc\n");
 * const info = describeError(new Error("x"));
 * info.frames = [{ fn: "", url: `file://${file}`, file, line: 2, column: 1, library: false }];
 * await readSources(info, { context: 1 });
 * assert.deepEqual(info.frames[0].source, { first: 1, lines: ["a", "b", "c"] });
 * await Deno.remove(file);
 * ```
 */
export async function readSources(
  info: ErrorInfo,
  options: ReadSourcesOptions = {},
): Promise<ErrorInfo> {
  const context = options.context ?? 5;
  let budget = options.maxFrames ?? 40;
  const files = new Map<string, Promise<string[] | null>>();
  const read = (file: string) => {
    let lines = files.get(file);
    if (!lines) {
      lines = Deno.readTextFile(file).then((text) => text.split(/\r?\n/), () => null);
      files.set(file, lines);
    }
    return lines;
  };
  const jobs: Promise<void>[] = [];
  for (let error: ErrorInfo | undefined = info; error; error = error.cause) {
    for (const frame of error.frames) {
      if (frame.library || !frame.file || !frame.line || budget <= 0) continue;
      budget--;
      const { file, line } = frame;
      jobs.push(
        read(file).then((lines) => {
          if (!lines || line > lines.length) return;
          const first = Math.max(1, line - context);
          const last = Math.min(lines.length, line + context);
          frame.source = {
            first,
            lines: lines.slice(first - 1, last).map((text) =>
              text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text
            ),
          };
        }),
      );
    }
  }
  await Promise.all(jobs);
  return info;
}

/**
 * Describes `error` and reads its sources: {@linkcode describeError} then {@linkcode readSources}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectError } from "./stack_trace.ts";
 *
 * const info = await collectError(new TypeError("bad"));
 * assert.equal(info.name, "TypeError");
 * ```
 */
export function collectError(
  error: unknown,
  options: DescribeErrorOptions & ReadSourcesOptions = {},
): Promise<ErrorInfo> {
  return readSources(describeError(error, options), options);
}

/**
 * Where the error began in the user's code: the first user frame of the deepest error in the
 * chain that has one (the innermost cause is closest to the fault).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { locateError } from "./stack_trace.ts";
 *
 * const location = locateError({
 *   name: "Error",
 *   message: "outer",
 *   stack: "",
 *   frames: [],
 *   cause: {
 *     name: "SyntaxError",
 *     message: "Expression expected",
 *     stack: "",
 *     frames: [{ fn: "", url: "file:///srv/app.ts", file: "/srv/app.ts", line: 2, column: 11, library: false }],
 *   },
 * });
 * assert.deepEqual([location?.file, location?.line, location?.column], ["/srv/app.ts", 2, 11]);
 * ```
 */
export function locateError(info: ErrorInfo): ErrorLocation | undefined {
  const chain: ErrorInfo[] = [];
  for (let error: ErrorInfo | undefined = info; error; error = error.cause) chain.push(error);
  for (const error of chain.reverse()) {
    const frame = error.frames.find((f) => !f.library && f.file);
    if (frame?.file) {
      const location: ErrorLocation = { file: frame.file };
      if (frame.line !== undefined) location.line = frame.line;
      if (frame.column !== undefined) location.column = frame.column;
      if (frame.source) location.source = frame.source;
      return location;
    }
  }
  return undefined;
}

/**
 * The copy-paste traceback: each error's class, message and stack, then `Caused by:` and the
 * next, as Deno prints them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeError, formatTraceback } from "./stack_trace.ts";
 *
 * const text = formatTraceback(describeError(new Error("a", { cause: new Error("b") })));
 * assert.match(text, /^Error: a\n/);
 * assert.match(text, /Caused by: Error: b/);
 * ```
 */
export function formatTraceback(info: ErrorInfo): string {
  const parts: string[] = [];
  for (let error: ErrorInfo | undefined = info; error; error = error.cause) {
    const frames = error.frames.map((frame) => `    at ${frameLabel(frame)}`);
    parts.push(`${error.name}: ${error.message}${frames.length ? "\n" : ""}${frames.join("\n")}`);
  }
  return parts.join("\nCaused by: ");
}

/**
 * A frame as one line: `fn (path:line:col)`, or `path:line:col` at the top level; files are
 * shown as paths, not `file://` URLs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameLabel } from "./stack_trace.ts";
 *
 * const frame = { fn: "boom", url: "file:///srv/a.ts", file: "/srv/a.ts", line: 3, column: 9, library: false };
 * assert.equal(frameLabel(frame), "boom (/srv/a.ts:3:9)");
 * ```
 */
export function frameLabel(frame: StackFrame): string {
  const where = (frame.file ?? frame.url) +
    (frame.line !== undefined ? `:${frame.line}:${frame.column ?? 0}` : "");
  return frame.fn ? `${frame.fn} (${where})` : where;
}
