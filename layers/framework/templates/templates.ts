/**
 * Jinja-style templates (Flask's `render_template`): Nunjucks templates found in an ordered list
 * of folders (the app's `templates/`, then each blueprint's), HTML-escaped by file extension,
 * compiled once and, in development, re-read when the file changes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Templates } from "./templates.ts";
 *
 * const folder = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${folder}/base.html`, "<h1>{% block title %}{% endblock %}</h1>");
 * await Deno.writeTextFile(
 *   `${folder}/hello.html`,
 *   '{% extends "base.html" %}{% block title %}Hello, {{ name }}!{% endblock %}',
 * );
 * const templates = new Templates({ folders: [folder] });
 * assert.equal(await templates.render("hello.html", { name: "<you>" }), "<h1>Hello, &lt;you&gt;!</h1>");
 * await Deno.remove(folder, { recursive: true });
 * ```
 *
 * @module
 */

import {
  compileTemplate,
  createEnvironment,
  emptyTemplate,
  type EngineEnvironment,
  type EngineTemplate,
  isEngineTemplate,
  markSafe,
  type Origin,
  renderTemplate,
} from "./_engine.ts";
import { type FileStamp, findTemplate, isUnchanged, normalizeName } from "./_folders.ts";
import { TemplateNotFound } from "./errors.ts";

export { markSafe } from "./_engine.ts";

/** A filter: receives the value left of `|`, then the filter's arguments. */
// deno-lint-ignore no-explicit-any
export type TemplateFilter = (...args: any[]) => unknown;

/** Options of the {@linkcode Templates} constructor. */
export interface TemplatesOptions {
  /**
   * The folders searched, in order: the app's `templates/`, then each blueprint's. The first
   * folder holding a name wins, so the app overrides a blueprint.
   */
  folders: readonly string[];
  /**
   * Development: before reusing a compiled template, check its file's modification time and
   * size and re-read it when they changed (Flask's `TEMPLATES_AUTO_RELOAD`). Default false:
   * each template is read and compiled once.
   */
  autoReload?: boolean;
  /**
   * Whether a template's output is HTML-escaped, from its name; default
   * {@linkcode defaultAutoescape} (`.html .htm .xml .xhtml .svg`). A template and the layouts it
   * extends follow the rendered template's setting; an included or imported one, its own.
   */
  autoescape?: (name: string) => boolean;
  /** App-wide values every template sees (`config`, helpers); `vars` of a render win. */
  globals?: Record<string, unknown>;
  /**
   * Extra filters, by name. Built in: Nunjucks' (`upper`, `join`, `default`, `safe`, `escape`,
   * `dump`...) and Flask's `tojson`.
   */
  filters?: Record<string, TemplateFilter>;
}

const ESCAPED_EXTENSIONS = [".html", ".htm", ".xml", ".xhtml", ".svg"];

/**
 * The default autoescape rule (Flask's): names ending in `.html`, `.htm`, `.xml`, `.xhtml` or
 * `.svg`, in any case.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultAutoescape } from "./templates.ts";
 *
 * assert.equal(defaultAutoescape("index.HTML"), true);
 * assert.equal(defaultAutoescape("mail.txt"), false);
 * ```
 */
export function defaultAutoescape(name: string): boolean {
  const lower = name.toLowerCase();
  return ESCAPED_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/**
 * Flask's `tojson` filter: JSON safe to put in HTML and `<script>` (`<`, `>`, `&` and `'` as
 * `\u` escapes), marked safe; `indent` pretty-prints.
 */
function tojson(value: unknown, indent?: number): unknown {
  const json = JSON.stringify(value ?? null, null, indent) ?? "null";
  return markSafe(json.replace(/[<>&']/g, (char) => HTML_SAFE_JSON[char]));
}

const HTML_SAFE_JSON: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "'": "\\u0027",
};

interface Cached {
  readonly template: EngineTemplate;
  readonly origin: Origin;
  readonly stamp: FileStamp;
}

const STRING_ORIGIN: Origin = { name: "<string>", file: "<string>" };
const encoder = new TextEncoder();

/**
 * Finds, compiles, caches and renders templates (Flask's Jinja environment).
 *
 * Templates use Nunjucks' Jinja dialect: `{% extends %}`/`{% block %}`/`super()`,
 * `{% include %}`, `{% macro %}` with `{% import %}`/`{% from ... import %}`, filters,
 * `{%- -%}` whitespace control. Values are escaped in templates whose name
 * {@linkcode TemplatesOptions.autoescape} selects; `|safe` or {@linkcode markSafe} opts out.
 *
 * Per-request helpers (`urlFor`, `getFlashed`, `csrfToken`, `request`, `session`) are passed by
 * the App in each render's `vars`; app-wide values go in `globals`. As in Jinja, an imported
 * macro file sees only globals unless imported `with context`
 * (`{% from "forms.html" import field with context %}`).
 *
 * Errors: a missing template throws {@linkcode TemplateNotFound} (listing the folders
 * searched); a syntax or render error throws {@linkcode TemplateError} with `file` and `line`,
 * keeping what a filter or global threw as `cause`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Templates } from "./templates.ts";
 *
 * const app = await Deno.makeTempDir();
 * const blueprint = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${blueprint}/card.html`, "<p>{{ title | shout }}</p>");
 * const templates = new Templates({
 *   folders: [app, blueprint],
 *   filters: { shout: (value: string) => `${value}!` },
 * });
 * assert.equal(await templates.render("card.html", { title: "Hi" }), "<p>Hi!</p>");
 * assert.equal(await templates.renderString("{{ 1 + 1 }}"), "2");
 * await Deno.remove(app, { recursive: true });
 * await Deno.remove(blueprint, { recursive: true });
 * ```
 */
export class Templates {
  readonly #folders: readonly string[];
  readonly #autoReload: boolean;
  readonly #autoescape: (name: string) => boolean;
  readonly #escaping: EngineEnvironment;
  readonly #plain: EngineEnvironment;
  readonly #cache = new Map<string, Cached>();

  /** Creates the environment; nothing is read until the first render. */
  constructor(options: TemplatesOptions) {
    const folders: unknown = options?.folders;
    if (!Array.isArray(folders) || folders.some((folder) => typeof folder !== "string")) {
      throw new TypeError("Cannot create templates: folders must be an array of paths");
    }
    this.#folders = Object.freeze([...folders]);
    this.#autoReload = options.autoReload ?? false;
    this.#autoescape = options.autoescape ?? defaultAutoescape;
    const getTemplate = this.#getTemplate.bind(this);
    this.#escaping = createEnvironment(true, getTemplate);
    this.#plain = createEnvironment(false, getTemplate);
    this.addFilter("tojson", tojson);
    for (const [name, value] of Object.entries(options.globals ?? {})) this.addGlobal(name, value);
    for (const [name, filter] of Object.entries(options.filters ?? {})) {
      this.addFilter(name, filter);
    }
  }

  /** The folders searched, in order. */
  get folders(): readonly string[] {
    return this.#folders;
  }

  /**
   * Renders the template `name` (a `/`-separated path under one of the folders) with `vars`.
   * Rejects with {@linkcode TemplateNotFound} or {@linkcode TemplateError}.
   */
  render(name: string, vars: Record<string, unknown> = {}): Promise<string> {
    try {
      const { template, origin } = this.#load(name);
      return renderTemplate(template, vars, origin);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Renders template source given as a string (Flask's `render_template_string`); it is
   * autoescaped, may extend or include templates from the folders, and is not cached.
   * Templates are code: never pass source that came from a request.
   */
  renderString(source: string, vars: Record<string, unknown> = {}): Promise<string> {
    try {
      const template = compileTemplate(source, STRING_ORIGIN, this.#escaping);
      return renderTemplate(template, vars, STRING_ORIGIN);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The rendered template as UTF-8 bytes, for a streamed response body (Flask's
   * `stream_template`). Nunjucks renders a page into one string, so this renders when the
   * stream is first read and sends the page as one chunk; an error errors the stream.
   */
  stream(name: string, vars: Record<string, unknown> = {}): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        controller.enqueue(encoder.encode(await this.render(name, vars)));
        controller.close();
      },
    }, { highWaterMark: 0 });
  }

  /** Makes `value` visible to every template as `name` (Jinja's `env.globals[name]`). */
  addGlobal(name: string, value: unknown): this {
    this.#escaping.addGlobal(name, value);
    this.#plain.addGlobal(name, value);
    return this;
  }

  /** Adds or replaces the filter `name`; it gets the value, then the filter's arguments. */
  addFilter(name: string, filter: TemplateFilter): this {
    if (typeof filter !== "function") {
      throw new TypeError(`Cannot add filter "${name}": not a function`);
    }
    this.#escaping.addFilter(name, filter);
    this.#plain.addFilter(name, filter);
    return this;
  }

  /** The compiled template for `name`, from the cache when still valid. */
  #load(name: string): Cached {
    const key = normalizeName(name);
    const cached = key === undefined ? undefined : this.#cache.get(key);
    if (
      cached !== undefined && (!this.#autoReload || isUnchanged(cached.origin.file, cached.stamp))
    ) {
      return cached;
    }
    const found = findTemplate(name, this.#folders);
    const origin: Origin = { name: found.name, file: found.file };
    const env = this.#autoescape(found.name) ? this.#escaping : this.#plain;
    const template = compileTemplate(found.source, origin, env);
    const entry = { template, origin, stamp: found.stamp };
    this.#cache.set(found.name, entry);
    return entry;
  }

  /** What compiled templates call for `extends`, `include` and `import`. */
  #getTemplate(
    name: unknown,
    _eagerCompile: boolean,
    _parentName: string | null,
    ignoreMissing: boolean,
    callback: (error: unknown, template?: EngineTemplate) => void,
  ): void {
    if (isEngineTemplate(name)) return callback(null, name);
    let template: EngineTemplate;
    try {
      template = this.#load(String(name)).template;
    } catch (error) {
      if (!(ignoreMissing && error instanceof TemplateNotFound)) return callback(error);
      template = emptyTemplate(this.#plain);
    }
    callback(null, template);
  }
}
