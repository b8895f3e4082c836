/**
 * A parser of nginx's config syntax: directives, blocks, quotes, escapes, comments and
 * `include` (globs too), each directive keeping the file and line it was written at.
 *
 * @module
 */

import { dirname, isAbsolute, join, resolve } from "node:path";
import { takesBlock } from "./_grammar.ts";
import { type Statement, statements } from "./_tokenize.ts";
import { NginxSyntaxError } from "./errors.ts";

/** One directive: `name arg arg;` or `name args { … }`. */
export interface NginxDirective {
  /** The directive's name, as written. */
  name: string;
  /** Its arguments, quotes removed and escapes decoded; `$var` and `${var}` kept verbatim. */
  args: string[];
  /** The file it was written in (included files by their resolved path). */
  file: string;
  /** The 1-based line of its name. */
  line: number;
  /** The directives of its `{ … }` block, or null for a directive ended by `;`. */
  block: NginxDirective[] | null;
}

/** A parsed config: the main context's directives, includes already expanded in place. */
export interface NginxBlock {
  /** The main file, as given. */
  file: string;
  /** The directives at the top of the file. */
  directives: NginxDirective[];
}

/** How `parseNginxConfig()` reads included files. */
export interface ParseNginxOptions {
  /**
   * Relative `include` paths resolve against it, as nginx's conf prefix; default: the main
   * file's folder (nginx's rule with `-c`, whichever file the `include` is in).
   */
  prefix?: string;
  /** Reads an included file; default `Deno.readTextFileSync`. */
  readFile?: (path: string) => string;
  /** Lists the names in a folder (for glob includes); default `Deno.readDirSync`. */
  readDir?: (path: string) => string[];
}

function diskDir(path: string): string[] {
  return [...Deno.readDirSync(path)].map((entry) => entry.name);
}

const GLOB = /[*?[]/;

/** A shell glob segment (`*.conf`, `site-?`, `[a-c]*`) as a regex; `*` skips dot-files. */
function segmentRegex(segment: string): RegExp {
  let source = "";
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    const close = ch === "[" ? segment.indexOf("]", i + 2) : -1;
    if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else if (close > 0) {
      const body = segment.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\");
      source += `[${body}]`;
      i = close;
    } else source += ch.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${segment.startsWith(".") ? "" : "(?!\\.)"}${source}$`);
}

/** The files matching an absolute glob `pattern`, sorted as glob(3) sorts them. */
function expandGlob(pattern: string, readDir: (path: string) => string[]): string[] {
  const segments = pattern.split("/");
  let paths = [segments[0] === "" ? "/" : segments[0]];
  for (const segment of segments.slice(1)) {
    if (!segment) continue;
    if (!GLOB.test(segment)) {
      paths = paths.map((p) => join(p, segment));
      continue;
    }
    const regex = segmentRegex(segment);
    paths = paths.flatMap((dir) => {
      try {
        return readDir(dir).filter((name) => regex.test(name)).sort().map((n) => join(dir, n));
      } catch {
        return [];
      }
    });
  }
  return paths;
}

interface Context {
  prefix: string;
  readFile: (path: string) => string;
  readDir: (path: string) => string[];
  stack: string[];
}

function readBlock(
  source: Iterator<Statement>,
  file: string,
  context: Context,
  parent: string | null,
  isFile = false,
): NginxDirective[] {
  const directives: NginxDirective[] = [];
  for (;;) {
    const statement = source.next().value as Statement;
    const fail = (why: string): never => {
      throw new NginxSyntaxError(why, { file, line: statement.line });
    };
    if (statement.end === "eof") {
      if (!isFile) fail('unexpected end of file, expecting "}"');
      return directives;
    }
    if (statement.end === "}") {
      if (isFile) fail('unexpected "}"');
      return directives;
    }
    const [name, ...args] = statement.words;
    const block = takesBlock(name, parent);
    if (statement.end === ";" && block === true) fail(`directive "${name}" has no opening "{"`);
    if (statement.end === "{" && block === false) {
      fail(`directive "${name}" is not terminated by ";"`);
    }
    if (name === "include" && statement.end === ";") {
      if (args.length !== 1) fail('invalid number of arguments in "include" directive');
      directives.push(...include(args[0], file, statement.line, context, parent));
      continue;
    }
    directives.push({
      name,
      args,
      file,
      line: statement.line,
      block: statement.end === "{" ? readBlock(source, file, context, name) : null,
    });
  }
}

function include(
  path: string,
  file: string,
  line: number,
  context: Context,
  parent: string | null,
): NginxDirective[] {
  const fail = (why: string, cause?: unknown): never => {
    throw new NginxSyntaxError(why, { file, line, cause });
  };
  const full = isAbsolute(path) ? path : resolve(context.prefix, path);
  const files = GLOB.test(full) ? expandGlob(full, context.readDir) : [full];
  return files.flatMap((included) => {
    if (context.stack.includes(included)) {
      fail(
        `cannot include "${path}": it includes itself (${
          [...context.stack, included].join(" → ")
        })`,
      );
    }
    let text: string;
    try {
      text = context.readFile(included);
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound
        ? "no such file"
        : error instanceof Deno.errors.IsADirectory
        ? "it is a folder"
        : (error as Error).message;
      return fail(`cannot include "${included}": ${why}`, error);
    }
    const nested = { ...context, stack: [...context.stack, included] };
    return readBlock(statements(text, included), included, nested, parent, true);
  });
}

/**
 * Parses nginx config `text` (read from `file`) into its directives, expanding `include`
 * (relative to `options.prefix`, glob patterns sorted). Throws `NginxSyntaxError` with the
 * file and line for what nginx would reject as syntax.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNginxConfig } from "./parse.ts";
 *
 * const files: Record<string, string> = { "/etc/nginx/site.conf": "server { listen 80; }" };
 * const root = parseNginxConfig(
 *   "worker_processes 2;\nhttp {\n  include site.conf;\n}\n",
 *   "/etc/nginx/nginx.conf",
 *   { readFile: (path) => files[path] },
 * );
 * assert.deepEqual(root.directives[0].args, ["2"]);
 * const server = root.directives[1].block![0];
 * assert.equal(server.file, "/etc/nginx/site.conf");
 * assert.deepEqual(server.block![0], {
 *   name: "listen",
 *   args: ["80"],
 *   file: "/etc/nginx/site.conf",
 *   line: 1,
 *   block: null,
 * });
 * ```
 */
export function parseNginxConfig(
  text: string,
  file: string,
  options: ParseNginxOptions = {},
): NginxBlock {
  const context: Context = {
    prefix: resolve(options.prefix ?? dirname(file)),
    readFile: options.readFile ?? Deno.readTextFileSync,
    readDir: options.readDir ?? diskDir,
    stack: [resolve(file)],
  };
  return { file, directives: readBlock(statements(text, file), file, context, null, true) };
}
