/**
 * The engine behind {@linkcode Templates}: Nunjucks (the 11ty-maintained 3.x line), typed for
 * the few parts used here, plus what Nunjucks does not do the Jinja way:
 *
 * - templates are compiled here, so a syntax error names its file and line;
 * - each template is bound to the environment of its own autoescape setting (two environments,
 *   escaping and not, share filters and globals), so an `.html` page can include a `.txt` part;
 * - each compiled template notes which file a render error came from (Nunjucks reports the
 *   line of the innermost template but the file of the outermost);
 * - templates run with a faster runtime object of the same results (_runtime.ts).
 *
 * See ENGINES.md for why Nunjucks.
 *
 * @module
 */

import nunjucksModule from "nunjucks";
import { TemplateError, TemplateNotFound } from "./errors.ts";
import { adoptFrame, type EngineFrame, fastRuntime } from "./_runtime.ts";

/** Nunjucks' node-style callback. */
export type Callback<T> = (error: unknown, result?: T) => void;

/** A compiled template as Nunjucks runs it. */
export interface EngineTemplate {
  /** The file it came from. */
  readonly path: string;
  /** Renders with `vars`; calls back once with the text or the error. */
  render(vars: object, callback: Callback<string>): void;
}

/** How compiled templates ask for another one (`extends`, `include`, `import`). */
export type GetTemplate = (
  name: unknown,
  eagerCompile: boolean,
  parentName: string | null,
  ignoreMissing: boolean,
  callback: Callback<EngineTemplate>,
) => void;

/** A Nunjucks environment: options, filters, globals and the template lookup. */
export interface EngineEnvironment {
  readonly opts: { autoescape: boolean };
  readonly asyncFilters: string[];
  readonly extensionsList: unknown[];
  addGlobal(name: string, value: unknown): unknown;
  addFilter(name: string, filter: (...args: never[]) => unknown): unknown;
  getTemplate: GetTemplate;
}

type RenderFunction = (
  env: EngineEnvironment,
  context: EngineContext,
  frame: unknown,
  runtime: unknown,
  callback: Callback<string>,
) => void;

interface EngineContext {
  readonly blocks: Record<string, RenderFunction[]>;
  getBlock(name: string): RenderFunction;
  getSuper(
    env: EngineEnvironment,
    name: string,
    block: RenderFunction,
    frame: unknown,
    runtime: unknown,
    callback: Callback<string>,
  ): void;
}

interface Nunjucks {
  Environment: new (
    loaders: unknown[],
    options: { autoescape: boolean; dev: boolean },
  ) => EngineEnvironment;
  Template: new (
    source: { type: "code"; obj: Record<string, RenderFunction> },
    env: EngineEnvironment,
    path: string,
    eagerCompile: boolean,
  ) => EngineTemplate;
  compiler: {
    compile(
      source: string,
      asyncFilters: string[],
      extensions: unknown[],
      name: string,
      options: object,
    ): string;
  };
  runtime: { markSafe(value: string): unknown };
}

const nunjucks = nunjucksModule as Nunjucks;

/** Which template a piece of compiled code belongs to. */
export interface Origin {
  readonly name: string;
  readonly file: string;
}

interface Failure {
  readonly origin: Origin;
  readonly line?: number;
  readonly column?: number;
  readonly why: string;
  readonly cause: unknown;
}

/** Each block function, wrapped to run as its template's code. */
const entered = new WeakMap<RenderFunction, RenderFunction>();
/** Where each failed render's error came from, noted by the innermost template that saw it. */
const failures = new WeakMap<object, Failure>();
const hooked = new WeakSet<EngineContext>();
/**
 * The template whose code is running. Renders with synchronous filters run to the end in one
 * call stack, so a plain variable tracks it (it only serves error reports).
 */
let running: Origin | undefined;

/** An environment whose template lookup is `getTemplate` (no Nunjucks loaders). */
export function createEnvironment(
  autoescape: boolean,
  getTemplate: GetTemplate,
): EngineEnvironment {
  // dev: keep the error objects (with their line and cause) instead of copying the message.
  const env = new nunjucks.Environment([], { autoescape, dev: true });
  env.getTemplate = getTemplate;
  return env;
}

/** Whether `value` is a compiled template (a template object can stand for a name). */
export function isEngineTemplate(value: unknown): value is EngineTemplate {
  return value instanceof nunjucks.Template;
}

/** Marks `value` as safe HTML: autoescape leaves it alone (Jinja's `Markup`). */
export function markSafe(value: string): unknown {
  return nunjucks.runtime.markSafe(value);
}

/** Compiles `source`; a syntax error becomes a {@linkcode TemplateError} with file and line. */
export function compileTemplate(
  source: string,
  origin: Origin,
  env: EngineEnvironment,
): EngineTemplate {
  let props: Record<string, RenderFunction>;
  try {
    const code = nunjucks.compiler.compile(
      source,
      env.asyncFilters,
      env.extensionsList,
      origin.file,
      env.opts,
    );
    props = new Function(code)();
  } catch (error) {
    throw syntaxError(error, source, origin);
  }
  for (const [key, block] of Object.entries(props)) {
    if (key.startsWith("b_")) entered.set(block, enter(block, origin));
  }
  const root = enter(props.root, origin);
  // Every template runs with our runtime (see _runtime.ts): Nunjucks passes its own to a root.
  props.root = (env, context, frame, _runtime, callback) => {
    hookBlocks(context);
    root(env, context, adoptFrame(frame as EngineFrame), fastRuntime, callback);
  };
  // Eager: `extends` reads the parent's blocks before rendering it.
  return new nunjucks.Template({ type: "code", obj: props }, env, origin.file, true);
}

/** A template that renders nothing (`{% include "x" ignore missing %}`). */
export function emptyTemplate(env: EngineEnvironment): EngineTemplate {
  const root: RenderFunction = (_env, _context, _frame, _runtime, callback) => callback(null, "");
  return new nunjucks.Template({ type: "code", obj: { root } }, env, "", true);
}

/** Renders `template`; a failure becomes a {@linkcode TemplateError} (or stays ours). */
export function renderTemplate(
  template: EngineTemplate,
  vars: object,
  origin: Origin,
): Promise<string> {
  return new Promise((resolve, reject) => {
    try {
      template.render(vars, (error, output) => {
        if (error) reject(renderError(error, origin));
        else resolve(output ?? "");
      });
    } catch (error) {
      reject(renderError(error, origin));
    }
  });
}

function syntaxError(error: unknown, source: string, origin: Origin): TemplateError {
  const { lineno, colno } = error as { lineno?: unknown; colno?: unknown };
  const why = error instanceof Error ? error.message : String(error);
  let line = typeof lineno === "number" ? lineno : undefined;
  const column = line !== undefined && typeof colno === "number" ? colno : undefined;
  // The parser gives no position when it ran out of input: that is the last line.
  if (line === undefined && /end of file|EOF/.test(why)) line = source.split("\n").length;
  return new TemplateError("Cannot compile", why, {
    templateName: origin.name,
    file: origin.file,
    line,
    column,
    cause: error,
  });
}

/**
 * Nunjucks runs a child's blocks from the layout's code: wrap this render context's block
 * lookups so each block runs as its own template's code. Own properties of one context, not a
 * change to Nunjucks' classes.
 */
function hookBlocks(context: EngineContext): void {
  if (hooked.has(context)) return;
  hooked.add(context);
  const { getBlock, getSuper } = context;
  context.getBlock = function (name) {
    const block = getBlock.call(this, name);
    return entered.get(block) ?? block;
  };
  context.getSuper = function (env, name, block, frame, runtime, callback) {
    const chain = this.blocks[name] ?? [];
    const index = chain.indexOf(block);
    const parent = index === -1 ? undefined : chain[index + 1];
    const run = parent === undefined ? undefined : entered.get(parent);
    if (run === undefined) getSuper.call(this, env, name, block, frame, runtime, callback);
    else run(env, this, frame, runtime, callback);
  };
}

/**
 * `render` (a root or block function of the template `origin`) run as `origin`'s code: an error
 * it calls back with is noted as `origin`'s, with the engine's line. Nunjucks continues the
 * caller's code inside that callback (continuation-passing), so an error thrown there belongs
 * to the caller; the engine's line for it would be this block's, so it is noted without one.
 */
function enter(render: RenderFunction, origin: Origin): RenderFunction {
  return (env, context, frame, runtime, callback) => {
    const caller = running;
    running = origin;
    try {
      render(env, context, frame, runtime, (error, output) => {
        if (error !== null && error !== undefined) note(error, origin, true);
        const inner = running;
        running = caller;
        try {
          callback(error, output);
        } catch (thrown) {
          if (caller !== undefined) note(thrown, caller, false);
          throw thrown;
        } finally {
          running = inner;
        }
      });
    } finally {
      running = caller;
    }
  };
}

function note(error: unknown, origin: Origin, withPosition: boolean): void {
  if (typeof error !== "object" || error === null || failures.has(error)) return;
  const { lineno, colno, cause } = error as { lineno?: unknown; colno?: unknown; cause?: unknown };
  // The engine wrapped an error already noted (thrown by a caller's code): keep that note.
  if (typeof cause === "object" && cause !== null && failures.has(cause)) return;
  let line: number | undefined;
  let column: number | undefined;
  // Render-time positions are 0-based; 0:0 means the code failed before its first statement.
  if (
    withPosition && typeof lineno === "number" && typeof colno === "number" &&
    (lineno > 0 || colno > 0)
  ) {
    line = lineno + 1;
    column = colno + 1;
  }
  const inner = cause ?? error;
  const why = inner instanceof Error ? inner.message : String(inner);
  failures.set(error, { origin, line, column, why, cause: inner });
}

function renderError(error: unknown, origin: Origin): Error {
  for (const link of causes(error)) {
    if (link instanceof TemplateError || link instanceof TemplateNotFound) return link;
  }
  for (const link of causes(error)) {
    const failure = failures.get(link);
    if (failure === undefined) continue;
    return new TemplateError("Cannot render", failure.why, {
      templateName: failure.origin.name,
      file: failure.origin.file,
      line: failure.line,
      column: failure.column,
      cause: failure.cause,
    });
  }
  const why = error instanceof Error ? error.message : String(error);
  return new TemplateError("Cannot render", why, {
    templateName: origin.name,
    file: origin.file,
    cause: error,
  });
}

function* causes(error: unknown): Generator<object> {
  let link = error;
  for (let depth = 0; depth < 16 && typeof link === "object" && link !== null; depth++) {
    yield link;
    link = (link as { cause?: unknown }).cause;
  }
}
