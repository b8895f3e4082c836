/**
 * The debug page for an unhandled error (Werkzeug's debugger, without its console): the error,
 * its causes, the stack with the source around each frame of the user's code, the request, and
 * a plain-text traceback to copy. An HTML version for browsers, a text one for curl.
 *
 * @module
 */

import { escapeHtml } from "../_escape_html.ts";
import { causesHtml, framesHtml, htmlPage } from "./_html.ts";
import type { RequestInfo } from "./request_info.ts";
import { type ErrorInfo, formatTraceback, frameLabel, type StackFrame } from "./stack_trace.ts";

const NO_CONSOLE = "This page runs no code: unlike Werkzeug's debugger it has no interactive " +
  "console. It appears only under <code>ngw2f dev --debug</code>, which listens on loopback " +
  "addresses and unix sockets only: never expose it.";
const TEXT_CONTEXT = 2;

function firstUserFrame(info: ErrorInfo): StackFrame | undefined {
  return info.frames.find((frame) => !frame.library && frame.file);
}

function requestHtml(request: RequestInfo): string {
  const rows: [string, string][] = [["Method", request.method], ["URL", request.url]];
  if (request.protocol) rows.push(["Protocol", request.protocol]);
  if (request.remoteAddr) rows.push(["Remote address", request.remoteAddr]);
  if (request.rootPath !== undefined) {
    rows.push(["Root path (ctx.rootPath)", JSON.stringify(request.rootPath)]);
  }
  const table = (entries: [string, string][]) =>
    `<table>${
      entries.map(([name, value]) =>
        `<tr><th>${escapeHtml(name)}</th><td><code>${escapeHtml(value)}</code></td></tr>`
      ).join("")
    }</table>`;
  const headers = request.headers.length
    ? table(request.headers)
    : `<p class="where">No headers.</p>`;
  return `<section><h2>Request</h2>${table(rows)}<h2>Headers</h2>${headers}</section>`;
}

/**
 * The debug page as HTML; every value from the error and the request is escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderDebugHtml } from "./debug_page.ts";
 * import { describeError } from "./stack_trace.ts";
 *
 * const html = renderDebugHtml(describeError(new Error("<b>no</b>")), {
 *   method: "GET",
 *   url: "http://localhost/",
 *   headers: [],
 * });
 * assert.match(html, /&lt;b&gt;no&lt;\/b&gt;/);
 * assert.doesNotMatch(html, /<b>no<\/b>/);
 * ```
 */
export function renderDebugHtml(error: ErrorInfo, request: RequestInfo): string {
  const top = firstUserFrame(error);
  const where = top ? `<p class="where">at <code>${escapeHtml(frameLabel(top))}</code></p>` : "";
  const traceback = formatTraceback(error);
  const rows = Math.min(30, traceback.split("\n").length + 1);
  const body = `<header><p class="kind">500 Internal Server Error · unhandled error in ` +
    `${escapeHtml(request.method)} ${escapeHtml(request.url)}</p>` +
    `<h1>${escapeHtml(error.name)}</h1><pre class="message">${escapeHtml(error.message)}</pre>` +
    `${where}</header>\n<section><h2>Traceback</h2>\n${framesHtml(error.frames)}</section>\n` +
    `${causesHtml(error)}\n${requestHtml(request)}\n` +
    `<section><h2>Plain-text traceback</h2><textarea readonly rows="${rows}" ` +
    `spellcheck="false" onfocus="this.select()">${escapeHtml(traceback)}</textarea></section>\n` +
    `<footer>${NO_CONSOLE}</footer>`;
  return htmlPage(`${error.name}: ${error.message.split("\n")[0]} · ngw2f debug`, body);
}

function framesText(frames: readonly StackFrame[]): string[] {
  const out: string[] = [];
  let skipped = 0;
  const flush = () => {
    if (skipped) out.push(`  ... ${skipped} library frame${skipped === 1 ? "" : "s"}`);
    skipped = 0;
  };
  for (const frame of frames) {
    if (frame.library) {
      skipped++;
      continue;
    }
    flush();
    out.push(`  at ${frameLabel(frame)}`);
    const source = frame.source;
    if (!source || !frame.line) continue;
    const from = Math.max(source.first, frame.line - TEXT_CONTEXT);
    const to = Math.min(source.first + source.lines.length - 1, frame.line + TEXT_CONTEXT);
    const width = String(to).length;
    for (let n = from; n <= to; n++) {
      const mark = n === frame.line ? ">" : " ";
      out.push(`    ${mark} ${String(n).padStart(width)} | ${source.lines[n - source.first]}`);
    }
  }
  flush();
  return out;
}

/**
 * The debug page as plain text (for curl and other clients that do not ask for HTML).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderDebugText } from "./debug_page.ts";
 * import { describeError } from "./stack_trace.ts";
 *
 * const text = renderDebugText(describeError(new TypeError("bad")), {
 *   method: "POST",
 *   url: "http://localhost/x",
 *   headers: [["authorization", "Bearer [masked]"]],
 * });
 * assert.match(text, /^500 Internal Server Error: TypeError in POST http:\/\/localhost\/x/);
 * assert.match(text, /authorization: Bearer \[masked\]/);
 * ```
 */
export function renderDebugText(error: ErrorInfo, request: RequestInfo): string {
  const lines = [
    `500 Internal Server Error: ${error.name} in ${request.method} ${request.url}`,
    "",
    `${error.name}: ${error.message}`,
    ...framesText(error.frames),
  ];
  for (let cause = error.cause; cause; cause = cause.cause) {
    lines.push("", `Caused by: ${cause.name}: ${cause.message}`, ...framesText(cause.frames));
  }
  lines.push("", "Request:", `  ${request.method} ${request.url}`);
  if (request.protocol) lines.push(`  Protocol: ${request.protocol}`);
  if (request.remoteAddr) lines.push(`  Remote address: ${request.remoteAddr}`);
  if (request.rootPath !== undefined) {
    lines.push(`  Root path (ctx.rootPath): ${JSON.stringify(request.rootPath)}`);
  }
  lines.push("  Headers:", ...request.headers.map(([name, value]) => `    ${name}: ${value}`));
  lines.push("", "Traceback:", formatTraceback(error), "");
  return lines.join("\n");
}

const HTML_TYPES = ["text/html", "application/xhtml+xml"];

/**
 * Whether an `Accept` header asks for HTML (a browser's does; curl's `*\/*` does not): some
 * range is `text/html` or `application/xhtml+xml` without `q=0`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptsHtml } from "./debug_page.ts";
 *
 * assert.equal(acceptsHtml("text/html,application/xhtml+xml;q=0.9,*\/*;q=0.8"), true);
 * assert.equal(acceptsHtml("*\/*"), false);
 * assert.equal(acceptsHtml("text/html;q=0"), false);
 * assert.equal(acceptsHtml(null), false);
 * ```
 */
export function acceptsHtml(accept: string | null): boolean {
  if (!accept) return false;
  for (const range of accept.toLowerCase().split(",")) {
    const [type, ...params] = range.split(";");
    if (!HTML_TYPES.includes(type.trim())) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
