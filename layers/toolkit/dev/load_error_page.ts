/**
 * The page `ngw2f dev --reload` serves while the app cannot load (a syntax error, a missing
 * export, top-level code or `startup()` that throws): what failed, where, the source line with a
 * caret, and how to get out ("fix the file and save"). HTML for browsers (which then wait for the
 * fix and reload by themselves), JSON for `Accept: application/json`, plain text otherwise.
 *
 * @module
 */

import { escapeHtml } from "../_escape_html.ts";
import { caretLine, causesHtml, framesHtml, htmlPage, sourceHtml } from "./_html.ts";
import { acceptsHtml } from "./debug_page.ts";
import { type ErrorInfo, type ErrorLocation, formatTraceback, locateError } from "./stack_trace.ts";

/** Why a generation of the app is not serving. */
export interface LoadFailure {
  /** What failed: importing the module, its `startup()`, listening, or the app died while serving. */
  stage: "load" | "startup" | "listen" | "crash";
  /** The error, its causes and sources. */
  error: ErrorInfo;
  /** The app module, when known (for failures without a stack into the user's code). */
  file?: string;
  /** The changed files that started this generation. */
  changed?: string[];
}

/** Options for the load error renderers. */
export interface LoadErrorPageOptions {
  /** The URL the HTML page long-polls to learn that it should reload; none: no script. */
  waitUrl?: string;
}

const TITLES: Record<LoadFailure["stage"], string> = {
  load: "The app failed to load",
  startup: "The app's startup() failed",
  listen: "The app could not listen",
  crash: "The app crashed",
};
const HINT = "Fix the file and save: the dev server reloads the app, and this page with it.";
const TEXT_HINT = "Fix the file and save: the next request gets the reloaded app.";
const LT = /</g;

/**
 * Where the failure points: the deepest user frame of the error chain, else the app module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { locateFailure } from "./load_error_page.ts";
 *
 * const error = { name: "AppLoadError", message: "no export", frames: [], stack: "" };
 * assert.deepEqual(locateFailure({ stage: "load", error, file: "/srv/app.ts" }), { file: "/srv/app.ts" });
 * ```
 */
export function locateFailure(failure: LoadFailure): ErrorLocation | undefined {
  return locateError(failure.error) ?? (failure.file ? { file: failure.file } : undefined);
}

function whereText(location: ErrorLocation): string {
  return location.file + (location.line ? `:${location.line}:${location.column ?? 1}` : "");
}

function waitScript(url: string): string {
  // 204: still broken, ask again; anything else (205 when the fix is live, the new app's own
  // answer, or no server for a moment): reload.
  const target = JSON.stringify(url).replace(LT, "\\u003c");
  return `<script>(async()=>{for(;;){let s;try{s=(await fetch(${target},{cache:"no-store"}))` +
    `.status}catch{await new Promise(r=>setTimeout(r,1000));location.reload();return}` +
    `if(s!==204){location.reload();return}}})();</script>\n`;
}

/**
 * The error page as HTML, everything escaped; with `waitUrl`, a script that reloads the page once
 * the dev server serves a working app.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderLoadErrorHtml } from "./load_error_page.ts";
 *
 * const html = renderLoadErrorHtml({
 *   stage: "load",
 *   error: { name: "AppLoadError", message: "syntax <error>", frames: [], stack: "" },
 * });
 * assert.match(html, /The app failed to load/);
 * assert.match(html, /syntax &lt;error&gt;/);
 * ```
 */
export function renderLoadErrorHtml(
  failure: LoadFailure,
  options: LoadErrorPageOptions = {},
): string {
  const { error } = failure;
  const location = locateFailure(failure);
  let where = "";
  if (location) {
    where = `<p class="where">at <code>${escapeHtml(whereText(location))}</code></p>`;
    if (location.source && location.line) {
      where += sourceHtml(location.source, location.line, location.column);
    }
  }
  const changed = failure.changed?.length
    ? `<p class="where">Changed: ${
      failure.changed.map((path) => `<code>${escapeHtml(path)}</code>`).join(", ")
    }</p>`
    : "";
  const body = `<header><p class="kind">500 · ngw2f dev --reload</p>` +
    `<h1>${TITLES[failure.stage]}</h1><pre class="message">${escapeHtml(error.name)}: ` +
    `${escapeHtml(error.message)}</pre>${where}</header>\n` +
    `<p class="note">${HINT}</p>\n${changed}\n` +
    `<section><h2>Traceback</h2>\n${framesHtml(error.frames)}</section>\n${causesHtml(error)}\n` +
    `<section><h2>Plain-text traceback</h2><textarea readonly rows="10" spellcheck="false">` +
    `${escapeHtml(formatTraceback(error))}</textarea></section>`;
  const head = options.waitUrl ? waitScript(options.waitUrl) : "";
  return htmlPage(`${TITLES[failure.stage]} · ngw2f dev`, body, { head });
}

/**
 * The error page as plain text: what failed, where, the source line with a caret, the hint, the
 * traceback.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderLoadErrorText } from "./load_error_page.ts";
 *
 * const text = renderLoadErrorText({
 *   stage: "startup",
 *   error: { name: "Error", message: "db down", frames: [], stack: "" },
 * });
 * assert.match(text, /^500 The app's startup\(\) failed\n/);
 * ```
 */
export function renderLoadErrorText(failure: LoadFailure): string {
  const lines = [
    `500 ${TITLES[failure.stage]}`,
    "",
    `${failure.error.name}: ${failure.error.message}`,
  ];
  const location = locateFailure(failure);
  if (location) {
    lines.push("", `  at ${whereText(location)}`);
    const { source, line, column } = location;
    if (source && line) {
      const width = String(source.first + source.lines.length - 1).length;
      source.lines.forEach((text, i) => {
        const n = source.first + i;
        lines.push(`  ${n === line ? ">" : " "} ${String(n).padStart(width)} | ${text}`);
        if (n === line && column) {
          lines.push(`    ${" ".repeat(width)} | ${caretLine(text, column)}`);
        }
      });
    }
  }
  if (failure.changed?.length) lines.push("", `Changed: ${failure.changed.join(", ")}`);
  lines.push("", TEXT_HINT, "", "Traceback:", formatTraceback(failure.error), "");
  return lines.join("\n");
}

/**
 * The error page as JSON: `{ error: { stage, type, message, file, line, column, source }, causes,
 * hint }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderLoadErrorJson } from "./load_error_page.ts";
 *
 * const json = JSON.parse(renderLoadErrorJson({
 *   stage: "load",
 *   error: { name: "AppLoadError", message: "missing export", frames: [], stack: "" },
 *   file: "/srv/app.ts",
 * }));
 * assert.equal(json.error.file, "/srv/app.ts");
 * ```
 */
export function renderLoadErrorJson(failure: LoadFailure): string {
  const location = locateFailure(failure);
  const source = location?.source && location.line
    ? location.source.lines[location.line - location.source.first]
    : undefined;
  const causes: { type: string; message: string }[] = [];
  for (let cause = failure.error.cause; cause; cause = cause.cause) {
    causes.push({ type: cause.name, message: cause.message });
  }
  return JSON.stringify(
    {
      error: {
        stage: failure.stage,
        type: failure.error.name,
        message: failure.error.message,
        file: location?.file ?? null,
        line: location?.line ?? null,
        column: location?.column ?? null,
        source: source ?? null,
      },
      causes,
      changed: failure.changed ?? [],
      hint: TEXT_HINT,
    },
    null,
    2,
  ) + "\n";
}

/**
 * The error page as a 500 response in the form `request` asks for: HTML when it accepts
 * `text/html`, JSON when it accepts `application/json`, plain text otherwise (curl's `*\/*`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadErrorResponse } from "./load_error_page.ts";
 *
 * const failure = { stage: "load" as const, error: { name: "E", message: "m", frames: [], stack: "" } };
 * const request = new Request("http://localhost/", { headers: { accept: "application/json" } });
 * const response = loadErrorResponse(failure, request);
 * assert.equal(response.status, 500);
 * assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
 * ```
 */
export function loadErrorResponse(
  failure: LoadFailure,
  request: Request,
  options: LoadErrorPageOptions = {},
): Response {
  const accept = request.headers.get("accept");
  let type = "text/plain";
  let body: string;
  if (acceptsHtml(accept)) {
    type = "text/html";
    body = renderLoadErrorHtml(failure, options);
  } else if (accept?.toLowerCase().includes("application/json")) {
    type = "application/json";
    body = renderLoadErrorJson(failure);
  } else {
    body = renderLoadErrorText(failure);
  }
  return new Response(request.method === "HEAD" ? null : body, {
    status: 500,
    headers: {
      "content-type": `${type}; charset=utf-8`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
