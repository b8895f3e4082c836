/**
 * The status page: {@linkcode StatusData} as JSON (`?format=json`, or an Accept that prefers
 * JSON), or as one self-contained HTML page (inline CSS and script, no external assets).
 *
 * The page is rendered on the server, readable without JavaScript; its script then polls
 * `?format=json` every `?refresh=N` seconds (default 2, 0: off) and renders again, with
 * request rates from the difference of two successive polls. Server and browser render with
 * the same functions: the script carries their source (`String(fn)`), so the functions of the
 * view below may use only each other and the language's globals, never an import or a
 * module constant.
 *
 * @module
 */

import { parseAccept } from "../../toolkit/http/accept.ts";
import type { Reply } from "../types.ts";
import type { MetricsSnapshot } from "./metrics.ts";
import type { StatusData, UpstreamServerStatus, UpstreamStatus } from "./status_data.ts";

const encoder = new TextEncoder();

/** Seconds between two polls when the page URL names none. */
const DEFAULT_REFRESH = 2;

/**
 * Request rates between two polls in requests per second: all requests, and each server's,
 * aligned with `upstreams[g].servers[s]`; `null` where unknown (the first poll, a restart).
 */
export interface StatusRates {
  /** All requests, from the sum of every worker's status counts. */
  total: number | null;
  /** Each server's, from its wrapping `requests` counter. */
  servers: (number | null)[][];
}

/**
 * The status page's reply for a request with `query` (without `?`) and `accept`: JSON for
 * `format=json` or an Accept that prefers `application/json` over `text/html`, else HTML.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusPageReply } from "./status_page.ts";
 * import type { StatusData } from "./status_data.ts";
 *
 * const data: StatusData = {
 *   server: "ngw2f", generatedAt: 60_000, startedAt: 0, workers: [], upstreams: [], errors: [],
 *   connections: { active: 1, accepted: 1, handled: 1, requests: 1, reading: 0, writing: 1, waiting: 0 },
 * };
 * assert.equal(statusPageReply(data, "format=json", null).headers[1], "application/json");
 * assert.equal(statusPageReply(data, "", "application/json").headers[1], "application/json");
 * assert.equal(statusPageReply(data, "", "text/html,*\/*;q=0.8").headers[1], "text/html; charset=utf-8");
 * ```
 */
export function statusPageReply(data: StatusData, query: string, accept: string | null): Reply {
  const params = new URLSearchParams(query);
  const format = params.get("format");
  if (format === "json" || (format !== "html" && prefersJson(accept))) {
    return {
      status: 200,
      headers: ["Content-Type", "application/json", "Cache-Control", "no-store", "Vary", "Accept"],
      body: encoder.encode(JSON.stringify(data)),
    };
  }
  return {
    status: 200,
    headers: [
      "Content-Type",
      "text/html; charset=utf-8",
      "Cache-Control",
      "no-store",
      "Vary",
      "Accept",
    ],
    body: encoder.encode(statusPageHtml(data, refreshOf(params.get("refresh")))),
  };
}

function prefersJson(accept: string | null): boolean {
  if (accept === null) return false;
  const parsed = parseAccept(accept);
  return parsed.quality("application/json") > parsed.quality("text/html");
}

/** `?refresh=N` in seconds: 0 turns polling off; absent or invalid is the default. */
function refreshOf(value: string | null): number {
  const seconds = value === null || value.trim() === "" ? NaN : Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) return DEFAULT_REFRESH;
  return seconds === 0 ? 0 : Math.min(3600, Math.max(0.5, seconds));
}

function statusPageHtml(data: StatusData, refresh: number): string {
  // In a <script> element, "<" as \u003c keeps "</script>" and "<!--" in the data inert.
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const note = refresh > 0
    ? `auto-refresh every ${refresh} s`
    : "auto-refresh off (add <code>?refresh=2</code>)";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>Status · ${escapeHtml(data.server)}</title>
<style>${STYLE}</style>
</head>
<body data-refresh="${refresh}">
<header class="top">
<div><h1>Proxy status</h1><p class="meta" id="meta">${renderMeta(data, true)}</p></div>
<div class="live">
<p id="stamp" role="status" aria-live="polite" aria-atomic="true">${
    escapeHtml(stampText(data.generatedAt, true))
  }</p>
<p class="muted"><span>${note}</span> <button type="button" id="toggle" hidden aria-pressed="false">Pause</button></p>
</div>
</header>
<main id="app">${renderStatusMain(data, statusRates(null, data), true)}</main>
<script type="application/json" id="status-json">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

// ---- The view: server and browser both run these (see the module doc). ----

/** `text` with `& < > " '` replaced by entities: safe in HTML text and quoted attributes. */
function escapeHtml(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return "—";
  return rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
}

function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

function formatUptime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86400);
  const h = Math.floor(total / 3600) % 24;
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m ${s}s` : `${s}s`;
}

/** `HH:MM:SS` of `ms`, in UTC (the server's render) or local time (the browser's). */
function formatClock(ms: number, utc: boolean): string {
  const d = new Date(ms);
  const parts = utc
    ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getHours(), d.getMinutes(), d.getSeconds()];
  return parts.map((n) => String(n).padStart(2, "0")).join(":") + (utc ? " UTC" : "");
}

function timeHtml(ms: number, utc: boolean): string {
  const iso = Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : "";
  return `<time datetime="${iso}">${formatClock(ms, utc)}</time>`;
}

function stampText(ms: number, utc: boolean): string {
  return `updated ${formatClock(ms, utc)}`;
}

/**
 * How far a wrapping 32-bit counter moved from `before` to `after` (modulo 2^32, so a wrap
 * from 2147483647 to -2147483648 is a step of 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { counterDelta } from "./status_page.ts";
 *
 * assert.equal(counterDelta(5, 12), 7);
 * assert.equal(counterDelta(2147483647, -2147483648), 1);
 * ```
 */
export function counterDelta(before: number, after: number): number {
  const diff = (after - before) % 4294967296;
  return diff < 0 ? diff + 4294967296 : diff;
}

/** Requests (summed over every worker's statuses), per status class (index 1–5), bytes. */
function requestTotals(
  workers: MetricsSnapshot[],
): { total: number; classes: number[]; sent: number; received: number } {
  const classes = [0, 0, 0, 0, 0, 0];
  let total = 0;
  let sent = 0;
  let received = 0;
  for (const worker of workers) {
    for (const code of Object.keys(worker.statuses)) {
      const count = worker.statuses[code];
      total += count;
      const cls = code.length === 3 ? Number(code[0]) : 0;
      if (cls >= 1 && cls <= 5) classes[cls] += count;
    }
    sent += worker.responseBytes;
    received += worker.requestBytes;
  }
  return { total, classes, sent, received };
}

/**
 * The rates between poll `prev` and poll `cur` (all `null` without `prev`, or when time did
 * not move forward). A server's rate comes from its wrapping `requests` counter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusRates } from "./status_page.ts";
 * import type { StatusData } from "./status_data.ts";
 *
 * const poll = (at: number, requests: number): StatusData => ({
 *   server: "ngw2f", generatedAt: at, startedAt: 0, upstreams: [], errors: [],
 *   connections: { active: 0, accepted: 0, handled: 0, requests: 0, reading: 0, writing: 0, waiting: 0 },
 *   workers: [{ worker: "1", statuses: { "200": requests }, responseBytes: 0, requestBytes: 0, buckets: [], durationCounts: [0], durationSum: 0, connections: null }],
 * });
 * assert.equal(statusRates(null, poll(1000, 5)).total, null);
 * assert.equal(statusRates(poll(1000, 5), poll(3000, 25)).total, 10);
 * ```
 */
export function statusRates(prev: StatusData | null, cur: StatusData): StatusRates {
  const seconds = prev === null ? 0 : (cur.generatedAt - prev.generatedAt) / 1000;
  if (prev === null || !(seconds > 0)) {
    return { total: null, servers: cur.upstreams.map((g) => g.servers.map(() => null)) };
  }
  const diff = requestTotals(cur.workers).total - requestTotals(prev.workers).total;
  const servers = cur.upstreams.map((group) => {
    const before = prev.upstreams.find((g) => g.name === group.name);
    return group.servers.map((server, i) => {
      const then = before?.servers[i]?.name === server.name
        ? before.servers[i]
        : before?.servers.find((s) => s.name === server.name);
      return then ? counterDelta(then.requests, server.requests) / seconds : null;
    });
  });
  return { total: diff >= 0 ? diff / seconds : null, servers };
}

function renderMeta(data: StatusData, utc: boolean): string {
  const workers = data.workers.length;
  return `<strong>${escapeHtml(data.server)}</strong> · up <span id="uptime">${
    formatUptime(data.generatedAt - data.startedAt)
  }</span> (since ${timeHtml(data.startedAt, utc)}) · ${workers} worker${workers === 1 ? "" : "s"}`;
}

function serverBadges(server: UpstreamServerStatus): string {
  const state = escapeHtml(server.state);
  const backup = server.backup ? ` <span class="badge b-backup">backup</span>` : "";
  return `<span class="badge b-${state}">${state}</span>${backup}`;
}

function renderServer(
  server: UpstreamServerStatus,
  group: UpstreamStatus,
  rate: number | null,
  utc: boolean,
): string {
  const weight = `<span${
    server.effectiveWeight < server.weight ? ' class="low"' : ""
  }>${server.effectiveWeight}</span>/${server.weight}`;
  const active = formatCount(server.active) +
    (server.maxConns > 0 ? ` <span class="muted">of ${server.maxConns}</span>` : "");
  const fails = String(server.fails) +
    (server.downUntil > 0
      ? ` <span class="note">out until ${timeHtml(server.downUntil, utc)}</span>`
      : server.lastFail > 0
      ? ` <span class="muted">last ${timeHtml(server.lastFail, utc)}</span>`
      : "");
  const health = group.healthCheck === null
    ? '<span class="muted">passive only</span>'
    : server.healthy
    ? '<span class="hc ok">passing</span>'
    : '<span class="hc bad">failing</span>';
  return `<tr data-state="${escapeHtml(server.state)}"><th scope="row"><code>${
    escapeHtml(server.name)
  }</code></th><td class="state">${
    serverBadges(server)
  }</td><td class="num">${weight}</td><td class="num">${active}</td><td class="num rate">${
    formatRate(rate)
  }</td><td class="num">${
    formatCount(server.requests >>> 0)
  }</td><td class="num">${fails}</td><td>${health}</td></tr>`;
}

function renderGroup(group: UpstreamStatus, index: number, rates: (number | null)[], utc: boolean) {
  const up = group.servers.filter((s) => s.state === "up").length;
  const check = group.healthCheck
    ? `health check <code>GET ${escapeHtml(group.healthCheck.path)}</code> every ${
      group.healthCheck.interval / 1000
    } s`
    : "passive checks (max_fails)";
  const rows = group.servers.map((s, i) => renderServer(s, group, rates[i] ?? null, utc)).join("");
  return `<section class="group" aria-labelledby="up-${index}"><h3 id="up-${index}">${
    escapeHtml(group.name)
  } <span class="summary ${
    up === group.servers.length ? "all" : "some"
  }">${up}/${group.servers.length} up</span></h3><p class="muted"><code>${
    escapeHtml(group.method)
  }</code> · keepalive ${group.keepalive} · ${check}</p><div class="scroll"><table><caption class="sr">Servers of upstream ${
    escapeHtml(group.name)
  }</caption><thead><tr><th scope="col">Server</th><th scope="col">State</th><th scope="col" class="num">Weight</th><th scope="col" class="num">Active</th><th scope="col" class="num">Req/s</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Fails</th><th scope="col">Health check</th></tr></thead><tbody>${
    rows || '<tr><td colspan="8" class="empty">No servers.</td></tr>'
  }</tbody></table></div></section>`;
}

function card(title: string, value: string, detail: string): string {
  return `<div class="card"><h3>${title}</h3><p class="big">${value}</p><p class="muted">${detail}</p></div>`;
}

function renderCards(data: StatusData, rates: StatusRates): string {
  const c = data.connections;
  const t = requestTotals(data.workers);
  const known = t.classes[2] + t.classes[3] + t.classes[4] + t.classes[5];
  const bar = [2, 3, 4, 5].map((k) =>
    t.classes[k] > 0
      ? `<span class="c${k}" style="flex-grow:${t.classes[k]}" title="${k}xx"></span>`
      : ""
  ).join("");
  const classes = [2, 3, 4, 5].map((k) =>
    `<li class="c${k}"><span>${k}xx</span> <strong>${formatCount(t.classes[k])}</strong></li>`
  ).join("");
  return `<section aria-labelledby="overview-h"><h2 id="overview-h" class="sr">Overview</h2><div class="cards">${
    card(
      "Connections",
      formatCount(c.active),
      `reading ${formatCount(c.reading)} · writing ${formatCount(c.writing)} · waiting ${
        formatCount(c.waiting)
      }`,
    )
  }${card("Requests", formatCount(t.total), `${formatCount(c.accepted)} connections accepted`)}${
    card(
      "Request rate",
      `<span class="rate" id="total-rate">${formatRate(rates.total)}</span> <small>req/s</small>`,
      "between the last two polls",
    )
  }<div class="card"><h3>Status codes</h3><div class="bar" aria-hidden="true">${
    known > 0 ? bar : ""
  }</div><ul class="classes">${classes}</ul></div>${
    card(
      "Traffic",
      formatBytes(t.sent) + " <small>sent</small>",
      `${formatBytes(t.received)} received`,
    )
  }</div></section>`;
}

function renderErrors(data: StatusData, utc: boolean): string {
  const rows = data.errors.map((e) =>
    `<tr><td>${timeHtml(e.time, utc)}</td><td>${escapeHtml(e.upstream)}</td><td><code>${
      escapeHtml(e.server)
    }</code></td><td><span class="kind">${escapeHtml(e.kind)}</span></td><td class="msg">${
      escapeHtml(e.message)
    }</td><td class="msg"><code>${escapeHtml(e.request)}</code></td></tr>`
  ).join("");
  return `<section aria-labelledby="errors-h"><h2 id="errors-h">Recent errors <span class="count">${data.errors.length}</span></h2><p class="muted">Upstream failures met by any worker, newest first (the last 64).</p><div class="scroll"><table class="errors"><thead><tr><th scope="col">Time</th><th scope="col">Upstream</th><th scope="col">Server</th><th scope="col">Kind</th><th scope="col">Message</th><th scope="col">Request</th></tr></thead><tbody>${
    rows || '<tr><td colspan="6" class="empty">No upstream errors.</td></tr>'
  }</tbody></table></div></section>`;
}

/**
 * The page's `<main>`: the overview cards, a table per upstream group and the recent errors,
 * every text from `data` HTML-escaped; times in UTC when `utc`, else in local time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderStatusMain, statusRates } from "./status_page.ts";
 * import type { StatusData } from "./status_data.ts";
 *
 * const data: StatusData = {
 *   server: "ngw2f", generatedAt: 1000, startedAt: 0, workers: [], errors: [],
 *   connections: { active: 0, accepted: 0, handled: 0, requests: 0, reading: 0, writing: 0, waiting: 0 },
 *   upstreams: [{ name: "app", method: "round_robin", keepalive: 0, healthCheck: null, servers: [] }],
 * };
 * assert.match(renderStatusMain(data, statusRates(null, data), true), /No servers\./);
 * ```
 */
export function renderStatusMain(data: StatusData, rates: StatusRates, utc: boolean): string {
  const groups = data.upstreams.map((g, i) => renderGroup(g, i, rates.servers[i] ?? [], utc));
  return `${
    renderCards(data, rates)
  }<section aria-labelledby="upstreams-h"><h2 id="upstreams-h">Upstreams</h2>${
    groups.join("") || '<p class="empty">No upstream groups configured.</p>'
  }</section>${renderErrors(data, utc)}`;
}

// ---- The browser side, built once. ----

const VIEW = [
  escapeHtml,
  formatCount,
  formatRate,
  formatBytes,
  formatUptime,
  formatClock,
  timeHtml,
  stampText,
  counterDelta,
  requestTotals,
  statusRates,
  renderMeta,
  serverBadges,
  renderServer,
  renderGroup,
  card,
  renderCards,
  renderErrors,
  renderStatusMain,
].map(String).join("\n");

const SCRIPT = `"use strict";
(() => {
${VIEW}
const $ = (id) => document.getElementById(id);
const meta = $("meta"), stamp = $("stamp"), app = $("app"), toggle = $("toggle");
const every = Number(document.body.dataset.refresh) || 0;
let prev = JSON.parse($("status-json").textContent);
let timer = 0, busy = false, paused = false;
function show(data, rates) {
  meta.innerHTML = renderMeta(data, false);
  app.innerHTML = renderStatusMain(data, rates, false);
  stamp.textContent = stampText(data.generatedAt, false);
  stamp.classList.remove("stale");
}
async function poll() {
  timer = 0;
  busy = true;
  try {
    const url = new URL(location.href);
    url.searchParams.delete("refresh");
    url.searchParams.set("format", "json");
    const response = await fetch(url, { cache: "no-store", headers: { accept: "application/json" } });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const data = await response.json();
    show(data, statusRates(prev, data));
    prev = data;
  } catch (error) {
    stamp.textContent = stampText(prev.generatedAt, false) + " · refresh failed (" + error.message + ")";
    stamp.classList.add("stale");
  }
  busy = false;
  if (!paused) timer = setTimeout(poll, every * 1000);
}
show(prev, statusRates(null, prev));
if (every > 0) {
  timer = setTimeout(poll, every * 1000);
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    paused = !paused;
    toggle.textContent = paused ? "Resume" : "Pause";
    toggle.setAttribute("aria-pressed", String(paused));
    if (paused) clearTimeout(timer);
    else if (!busy) poll();
  });
}
})();`;

const STYLE = `
:root{--bg:#f6f7f9;--fg:#1c2330;--muted:#5d6675;--card:#fff;--line:#e2e5ea;--accent:#2f6fde;
--ok:#1f8a4c;--bad:#c62f2f;--warn:#b86e00;--off:#6b7280;--full:#7c3aed;--backup:#2563eb;--on-badge:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#11151c;--fg:#e4e8ee;--muted:#9aa3b2;--card:#1a2029;
--line:#2b3340;--accent:#6ea0ff;--ok:#3fbf75;--bad:#f06363;--warn:#f0a53c;--off:#8d95a3;--full:#a78bfa;--backup:#60a5fa;
--on-badge:#0d1117}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header.top,main{max-width:82rem;margin:0 auto;padding:1rem 1.5rem}
header.top{display:flex;flex-wrap:wrap;gap:1rem;justify-content:space-between;align-items:flex-end;border-bottom:1px solid var(--line)}
h1{margin:0;font-size:1.5rem}h2{font-size:1.2rem;margin:1.8rem 0 .6rem}h3{margin:0;font-size:1rem}
p{margin:.25rem 0}.muted{color:var(--muted)}.live{text-align:right}
#stamp{font-variant-numeric:tabular-nums;font-weight:600}#stamp.stale{color:var(--bad)}
button{font:inherit;padding:.2rem .8rem;border:1px solid var(--line);border-radius:.4rem;background:var(--card);color:var(--fg);cursor:pointer}
button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:1rem;margin-top:1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.7rem;padding:.9rem 1.1rem}
.card h3{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600}
.big{font-size:1.9rem;font-weight:700;font-variant-numeric:tabular-nums;margin:.2rem 0}
.big small{font-size:.9rem;font-weight:500;color:var(--muted)}
.bar{display:flex;height:.55rem;border-radius:.3rem;overflow:hidden;background:var(--line);margin:.7rem 0 .5rem}
.bar span{min-width:2px}.bar .c2{background:var(--ok)}.bar .c3{background:var(--backup)}.bar .c4{background:var(--warn)}.bar .c5{background:var(--bad)}
.classes{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:1fr 1fr;gap:.1rem 1rem;font-variant-numeric:tabular-nums}
.classes li{display:flex;justify-content:space-between}.classes li span{font-weight:600}
li.c2 span{color:var(--ok)}li.c3 span{color:var(--backup)}li.c4 span{color:var(--warn)}li.c5 span{color:var(--bad)}
.group{background:var(--card);border:1px solid var(--line);border-radius:.7rem;padding:.9rem 1.1rem;margin-bottom:1rem}
.summary{font-size:.8rem;font-weight:600;margin-left:.4rem;padding:.05rem .5rem;border-radius:1rem}
.summary.all{color:var(--ok);border:1px solid var(--ok)}.summary.some{color:var(--bad);border:1px solid var(--bad)}
.scroll{overflow-x:auto}
table{width:100%;border-collapse:collapse;margin-top:.6rem;font-variant-numeric:tabular-nums}
th,td{padding:.45rem .6rem;text-align:left;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
tbody th{font-weight:500}.num{text-align:right;white-space:nowrap}tbody tr:last-child>*{border-bottom:0}
.errors{background:var(--card);border:1px solid var(--line);border-radius:.7rem}
.msg{word-break:break-word;max-width:28rem}.empty{color:var(--muted);text-align:center;padding:1rem}
.badge{display:inline-block;padding:.08rem .55rem;border-radius:1rem;font-size:.78rem;font-weight:700;color:var(--on-badge);background:var(--off)}
.state{white-space:nowrap}
.b-up{background:var(--ok)}.b-failed{background:var(--bad)}.b-unhealthy{background:var(--warn)}
.b-down{background:var(--off)}.b-full{background:var(--full)}.b-backup{background:var(--backup)}
.low{color:var(--warn);font-weight:700}.note{color:var(--bad)}.hc.ok{color:var(--ok)}.hc.bad{color:var(--bad);font-weight:600}
.kind{font-family:ui-monospace,monospace;font-size:.85em;padding:.05rem .4rem;border-radius:.3rem;background:var(--bg);border:1px solid var(--line)}
.count{font-size:.85rem;color:var(--muted);font-weight:500}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
