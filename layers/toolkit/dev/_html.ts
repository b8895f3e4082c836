/**
 * HTML pieces shared by the debug page and the reloader's error page: the page shell,
 * source excerpts and the traceback of an error chain.
 *
 * @module
 */

import { escapeHtml } from "../_escape_html.ts";
import { type ErrorInfo, frameLabel, type SourceLines, type StackFrame } from "./stack_trace.ts";

const NOT_TAB = /[^\t]/g;

/**
 * The spaces (and tabs, to keep alignment) that put a caret under `column` of `line`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { caretLine } from "./_html.ts";
 *
 * assert.equal(caretLine("\tx = ;", 6), "\t    ^");
 * ```
 */
export function caretLine(line: string, column: number): string {
  return line.slice(0, Math.max(0, column - 1)).replace(NOT_TAB, " ") + "^";
}

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1d1f21;--muted:#6b7280;--accent:#b91c1c;
--box:#f6f7f9;--line:#e5e7eb;--hl:#fde8e8}
@media (prefers-color-scheme:dark){:root{--bg:#16181c;--fg:#e5e7eb;--muted:#9ca3af;
--accent:#f87171;--box:#1f2228;--line:#30343b;--hl:#4a1d1d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px}
header{border-bottom:3px solid var(--accent);margin-bottom:16px}
.kind{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;font-size:12px}
h1{margin:4px 0;color:var(--accent);font-size:26px}
h2{font-size:18px;margin:28px 0 8px}
pre,code,textarea{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre.message{white-space:pre-wrap;font-size:15px;margin:6px 0 12px}
.where,.note{color:var(--muted)}
.note{background:var(--box);border-left:4px solid var(--accent);padding:10px 14px}
.frame{margin:10px 0;border:1px solid var(--line);border-radius:6px;overflow:hidden}
.frame-head{margin:0;padding:6px 10px;background:var(--box)}
.frame-head .loc{color:var(--muted)}
pre.source{margin:0;padding:6px 0;overflow-x:auto}
.source span{display:block;padding:0 10px}
.source .hl{background:var(--hl)}
.source .no{display:inline-block;min-width:4ch;color:var(--muted);text-align:right;
margin-right:12px;user-select:none}
details.library{margin:6px 0;color:var(--muted)}
details.library ul{margin:4px 0;padding-left:22px}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid var(--line)}
th{width:220px;font-weight:600;white-space:nowrap}
td{word-break:break-all}
textarea{width:100%;background:var(--box);color:var(--fg);border:1px solid var(--line);
padding:8px}
footer{margin-top:32px;color:var(--muted);font-size:13px}
`;

/**
 * A complete page: doctype, title, the shared style, `options.head` and `body` as given
 * (already HTML).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlPage } from "./_html.ts";
 *
 * assert.match(htmlPage("A < B", "<p>x</p>"), /<title>A &lt; B<\/title>/);
 * ```
 */
export function htmlPage(title: string, body: string, options: { head?: string } = {}): string {
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<meta name="robots" content="noindex">\n<title>${escapeHtml(title)}</title>\n` +
    `<style>${STYLE}</style>\n${
      options.head ?? ""
    }</head>\n<body>\n<main>\n${body}\n</main>\n</body>\n</html>\n`;
}

/**
 * A source excerpt: numbered lines, `line` highlighted, with a caret under `caret` when given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sourceHtml } from "./_html.ts";
 *
 * const html = sourceHtml({ first: 1, lines: ["a", "<b>"] }, 2);
 * assert.match(html, /<span class="hl"><span class="no">2<\/span>&lt;b&gt;<\/span>/);
 * ```
 */
export function sourceHtml(source: SourceLines, line: number, caret?: number): string {
  const rows = source.lines.map((text, i) => {
    const number = source.first + i;
    const cls = number === line ? ` class="hl"` : "";
    let row = `<span${cls}><span class="no">${number}</span>${escapeHtml(text)}</span>`;
    if (number === line && caret !== undefined) {
      row += `<span class="hl"><span class="no"></span>${
        escapeHtml(caretLine(text, caret))
      }</span>`;
    }
    return row;
  });
  return `<pre class="source">${rows.join("")}</pre>`;
}

function frameHtml(frame: StackFrame): string {
  const fn = frame.fn ? `<code class="fn">${escapeHtml(frame.fn)}</code> ` : "";
  const where = (frame.file ?? frame.url) +
    (frame.line !== undefined ? `:${frame.line}:${frame.column ?? 0}` : "");
  const head = `<p class="frame-head">${fn}<code class="loc">${escapeHtml(where)}</code></p>`;
  const source = frame.source && frame.line ? sourceHtml(frame.source, frame.line) : "";
  return `<div class="frame">${head}${source}</div>`;
}

function libraryHtml(frames: StackFrame[]): string {
  const items = frames.map((f) => `<li><code>${escapeHtml(frameLabel(f))}</code></li>`).join("");
  const label = frames.length === 1 ? "1 library frame" : `${frames.length} library frames`;
  return `<details class="library"><summary>${label}</summary><ul>${items}</ul></details>`;
}

/**
 * The frames of one error: user frames with their source, runs of library frames collapsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { framesHtml } from "./_html.ts";
 *
 * const html = framesHtml([{ fn: "", url: "ext:core/x.js", line: 1, column: 1, library: true }]);
 * assert.match(html, /<details class="library"><summary>1 library frame</);
 * ```
 */
export function framesHtml(frames: readonly StackFrame[]): string {
  const out: string[] = [];
  let run: StackFrame[] = [];
  for (const frame of frames) {
    if (frame.library) {
      run.push(frame);
      continue;
    }
    if (run.length) out.push(libraryHtml(run));
    run = [];
    out.push(frameHtml(frame));
  }
  if (run.length) out.push(libraryHtml(run));
  return out.join("\n");
}

/**
 * Each error of the chain after the first: a `Caused by` heading, its message and frames.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { causesHtml } from "./_html.ts";
 *
 * const html = causesHtml({ name: "Error", message: "a", frames: [], stack: "", cause: {
 *   name: "RangeError", message: "b<", frames: [], stack: "" } });
 * assert.match(html, /Caused by: RangeError/);
 * assert.match(html, /b&lt;/);
 * ```
 */
export function causesHtml(info: ErrorInfo): string {
  const out: string[] = [];
  for (let error = info.cause; error; error = error.cause) {
    out.push(
      `<section class="cause"><h2>Caused by: ${escapeHtml(error.name)}</h2>` +
        `<pre class="message">${escapeHtml(error.message)}</pre>\n${framesHtml(error.frames)}` +
        `</section>`,
    );
  }
  return out.join("\n");
}
