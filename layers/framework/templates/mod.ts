/**
 * Templates for the framework layer (Flask's Jinja environment): Nunjucks' Jinja dialect
 * (inheritance, includes, macros, filters, whitespace control), templates found in the app's
 * `templates/` then each blueprint's, HTML autoescaped by file extension, auto-reloaded in
 * development, rendered to a string or a stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Templates, TemplateNotFound } from "./mod.ts";
 *
 * const folder = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${folder}/macros.html`, "{% macro link(href, text) %}<a href=\"{{ href }}\">{{ text }}</a>{% endmacro %}");
 * await Deno.writeTextFile(`${folder}/page.html`, '{% from "macros.html" import link %}{{ link(urlFor("home"), "Home & away") }}');
 * const templates = new Templates({ folders: [folder] });
 * const html = await templates.render("page.html", { urlFor: (endpoint: string) => `/${endpoint}` });
 * assert.equal(html, '<a href="/home">Home &amp; away</a>');
 * await assert.rejects(templates.render("missing.html"), TemplateNotFound);
 * await Deno.remove(folder, { recursive: true });
 * ```
 *
 * @module
 */

export { TemplateError, type TemplateErrorOptions, TemplateNotFound } from "./errors.ts";
export {
  defaultAutoescape,
  markSafe,
  type TemplateFilter,
  Templates,
  type TemplatesOptions,
} from "./templates.ts";
