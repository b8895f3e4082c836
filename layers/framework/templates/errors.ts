/**
 * The two ways a template can fail: it is not in any folder ({@linkcode TemplateNotFound}), or
 * it does not compile or render ({@linkcode TemplateError}, naming the file and line).
 *
 * @module
 */

/**
 * No folder holds the template (Jinja's `TemplateNotFound`): names the template and the folders
 * searched, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TemplateNotFound } from "./errors.ts";
 *
 * const error = new TemplateNotFound("index.html", ["/srv/app/templates"]);
 * assert.equal(error.message, 'Cannot find template "index.html": searched "/srv/app/templates"');
 * assert.equal(error.templateName, "index.html");
 * ```
 */
export class TemplateNotFound extends Error {
  /** The name asked for, as given (`"admin/index.html"`). */
  readonly templateName: string;
  /** The folders searched, in search order. */
  readonly searched: readonly string[];

  /** Creates the error; the message lists the folders searched. */
  constructor(templateName: string, searched: readonly string[], options?: ErrorOptions) {
    const where = searched.length === 0
      ? "no template folders are configured"
      : `searched ${searched.map((folder) => `"${folder}"`).join(", ")}`;
    super(`Cannot find template "${templateName}": ${where}`, options);
    this.name = "TemplateNotFound";
    this.templateName = templateName;
    this.searched = searched;
  }
}

/** Where a {@linkcode TemplateError} happened. */
export interface TemplateErrorOptions {
  /** The template's name (`"layout.html"`), or `"<string>"` for `renderString`. */
  templateName: string;
  /** The template's file, or `"<string>"` for `renderString`. */
  file: string;
  /** The 1-based line, when the engine knows it. */
  line?: number;
  /** The 1-based column, when the engine knows it. */
  column?: number;
  /** The underlying failure: the engine's error, or what a filter or global threw. */
  cause?: unknown;
}

/**
 * A template does not compile (a syntax error) or failed while rendering (calling something that
 * is not a function, an unknown filter, an error thrown by a filter or global): names the
 * template's file and, when the engine knows it, the line. An error thrown by a function the
 * template called (a filter, a global, a value in `vars`) is kept as `cause`.
 *
 * `file` is always the template whose code failed (a child's block, the layout, an included
 * part). `line` is exact for syntax errors and for calls (`f()`, a macro); Nunjucks records no
 * position for other render errors (a filter that throws) nor for code that follows a
 * `{% block %}` or `{% include %}`, and then `line` is `undefined` or the nearest call before.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TemplateError } from "./errors.ts";
 *
 * const error = new TemplateError("Cannot compile", "unexpected token: %}", {
 *   templateName: "page.html",
 *   file: "/srv/app/templates/page.html",
 *   line: 3,
 *   column: 8,
 * });
 * assert.equal(
 *   error.message,
 *   'Cannot compile template "page.html" (/srv/app/templates/page.html:3:8): unexpected token: %}',
 * );
 * ```
 */
export class TemplateError extends Error {
  /** The template's name, or `"<string>"`. */
  readonly templateName: string;
  /** The template's file, or `"<string>"`. */
  readonly file: string;
  /** The 1-based line, when known. */
  readonly line: number | undefined;
  /** The 1-based column, when known. */
  readonly column: number | undefined;

  /**
   * Creates the error; the message becomes
   * `<action> template "<name>" (<file>[:line[:column]]): <why>`.
   */
  constructor(action: string, why: string, options: TemplateErrorOptions) {
    const { templateName, file, line, column } = options;
    let where = file;
    if (line !== undefined) where += column === undefined ? `:${line}` : `:${line}:${column}`;
    super(
      `${action} template "${templateName}" (${where}): ${why}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "TemplateError";
    this.templateName = templateName;
    this.file = file;
    this.line = line;
    this.column = column;
  }
}
