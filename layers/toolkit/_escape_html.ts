// Private to the toolkit (its folders share it): escaping text for the HTML pages it writes.

const HTML_SPECIAL = /[&<>"']/g;
const HTML_ENTITY: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function entity(char: string): string {
  return HTML_ENTITY[char]!;
}

/**
 * Escapes text for HTML content and quoted attribute values (`&`, `<`, `>`, `"` and `'`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./_escape_html.ts";
 *
 * assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
 * assert.equal(escapeHtml("plain"), "plain");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL, entity);
}
