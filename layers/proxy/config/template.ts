/**
 * nginx variables in config strings (`return 301 https://$host$request_uri`, `rewrite`
 * replacements, `add_header` values, `log_format`): parsed once into parts, then joined per
 * request from a lookup function.
 *
 * @module
 */

/**
 * Variables a request-time template may use (`$http_<name>` and `$1`..`$9` too).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REQUEST_VARIABLES } from "./template.ts";
 *
 * assert.ok(REQUEST_VARIABLES.includes("request_uri"));
 * ```
 */
export const REQUEST_VARIABLES: readonly string[] = [
  "uri",
  "args",
  "query_string",
  "is_args",
  "host",
  "remote_addr",
  "scheme",
  "request_uri",
  "request_method",
  "server_port",
  "binary_remote_addr",
  "remote_port",
  "server_name",
  "server_protocol",
  "msec",
  "proxy_add_x_forwarded_for",
];

/**
 * Variables a `log_format` may use (`$http_<name>`, `$sent_http_<name>` too).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LOG_VARIABLES } from "./template.ts";
 *
 * assert.ok(LOG_VARIABLES.includes("body_bytes_sent"));
 * ```
 */
export const LOG_VARIABLES: readonly string[] = [
  ...REQUEST_VARIABLES,
  "remote_user",
  "time_local",
  "time_iso8601",
  "request",
  "status",
  "body_bytes_sent",
  "bytes_sent",
  "request_length",
  "request_time",
  "connection",
  "connection_requests",
  "pipe",
  "pid",
];

/**
 * Variables a mail or stream server's zone key or hash key may use: the connection's, as in
 * nginx's stream module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STREAM_VARIABLES } from "./template.ts";
 *
 * assert.ok(STREAM_VARIABLES.includes("binary_remote_addr"));
 * ```
 */
export const STREAM_VARIABLES: readonly string[] = [
  "remote_addr",
  "binary_remote_addr",
  "remote_port",
  "server_addr",
  "server_port",
  "protocol",
];

/** Which variables a template may name. */
export type TemplateKind = "request" | "log" | "stream";

/** Where variables start in a template; `$` then a name, or a digit, or `{name}`. */
const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([1-9])|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * A template cut into literal text (even indexes) and variable names (odd indexes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitTemplate } from "./template.ts";
 *
 * assert.deepEqual(splitTemplate("/new/$1?${args}"), ["/new/", "1", "?", "args", ""]);
 * ```
 */
export function splitTemplate(text: string): string[] {
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    parts.push(text.slice(last, match.index), match[1] ?? match[2] ?? match[3]);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

/**
 * Whether a template of `kind` may name variable `name` (without `$`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isKnownVariable } from "./template.ts";
 *
 * assert.ok(isKnownVariable("http_user_agent"));
 * assert.ok(isKnownVariable("status", "log"));
 * assert.ok(!isKnownVariable("status"));
 * ```
 */
export function isKnownVariable(name: string, kind: TemplateKind = "request"): boolean {
  if (kind === "stream") return STREAM_VARIABLES.includes(name);
  if (/^http_[a-z0-9_]+$/i.test(name)) return true;
  if (kind === "request") return /^[1-9]$/.test(name) || REQUEST_VARIABLES.includes(name);
  return /^sent_http_[a-z0-9_]+$/i.test(name) || LOG_VARIABLES.includes(name);
}

/**
 * What is wrong with a template, or null: an unknown variable or an unclosed `${`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { templateProblem } from "./template.ts";
 *
 * assert.equal(templateProblem("https://$host$request_uri"), null);
 * assert.equal(templateProblem("$hots/"), 'unknown variable "$hots"');
 * ```
 */
export function templateProblem(text: string, kind: TemplateKind = "request"): string | null {
  const parts = splitTemplate(text);
  for (let i = 1; i < parts.length; i += 2) {
    if (!isKnownVariable(parts[i], kind)) return `unknown variable "$${parts[i]}"`;
  }
  for (let i = 0; i < parts.length; i += 2) {
    if (parts[i].includes("${")) return `unclosed "\${" in ${JSON.stringify(text)}`;
  }
  return null;
}

/**
 * Compiles `text` with nginx variables (`$uri`, `${host}`, `$http_user_agent`, `$1`) into a
 * function that joins it from `vars(name)` (names without `$`). A `$` that starts no variable
 * stays as it is. Throws on an unknown variable; the config loader reports those at load time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileTemplate } from "./template.ts";
 *
 * const location = compileTemplate("https://${host}$request_uri");
 * const vars: Record<string, string> = { host: "example.com", request_uri: "/a?b=1" };
 * assert.equal(location((name) => vars[name] ?? ""), "https://example.com/a?b=1");
 * ```
 */
export function compileTemplate(
  text: string,
  kind: TemplateKind = "request",
): (vars: (name: string) => string) => string {
  const problem = templateProblem(text, kind);
  if (problem) throw new Error(`Cannot compile template: ${problem}`);
  const parts = splitTemplate(text);
  if (parts.length === 1) return () => text;
  if (parts.length === 3 && !parts[0] && !parts[2]) {
    const name = parts[1];
    return (vars) => vars(name);
  }
  return (vars) => {
    let out = parts[0];
    for (let i = 1; i < parts.length; i += 2) out += vars(parts[i]) + parts[i + 1];
    return out;
  };
}
