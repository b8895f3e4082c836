/**
 * Readers for the directives whose values are small languages of their own: `return`,
 * `rewrite`, `add_header`, `expires`, `error_page`, `try_files`, `access_log`.
 *
 * @module
 */

import type { At } from "./_locate.ts";
import { describe, expectInt, expectString, expectStrings, isTable, parseTime } from "./_values.ts";
import { type TemplateKind, templateProblem } from "./template.ts";
import type { ErrorPage, Expires, LogFormat, Settings } from "./types.ts";

/** Fails at `at` when `text` names an unknown variable. */
export function checkTemplate(text: string, at: At, kind: TemplateKind = "request"): string {
  const problem = templateProblem(text, kind);
  if (problem) at.fail(problem);
  return text;
}

/** Compiles a JavaScript regex source, failing at `at` when it does not compile. */
export function checkRegex(source: string, at: At, flags = ""): string {
  try {
    new RegExp(source, flags);
  } catch (error) {
    at.fail(
      `invalid regular expression ${JSON.stringify(source)}: ${
        (error as Error).message.replace(/^Invalid regular expression: /, "")
      }`,
      error,
    );
  }
  return source;
}

const REDIRECTS = [301, 302, 303, 307, 308];
const URL_START = /^(?:https?:\/\/|\$scheme:\/\/|\$\{scheme\}:\/\/)/;

/** `return`: `404`, `[301, "https://…"]`, `"301 https://$host$request_uri"`, `"https://…"`. */
export function parseReturn(value: unknown, at: At): Settings["return"] {
  let status: number;
  let text: string | null = null;
  if (typeof value === "number") status = expectInt(value, at, 0, 999);
  else if (Array.isArray(value)) {
    if (value.length < 1 || value.length > 2) at.fail("expected [CODE] or [CODE, TEXT_OR_URL]");
    status = expectInt(value[0], at.child(1), 0, 999);
    if (value.length === 2) text = expectString(value[1], at.child(2));
  } else if (typeof value === "string") {
    const match = /^\s*(\d+)(?:\s+(.*?))?\s*$/s.exec(value);
    if (match) {
      status = Number(match[1]);
      if (status > 999) at.fail(`expected a status code from 0 to 999, got ${status}`);
      text = match[2] ?? null;
    } else if (URL_START.test(value.trim())) [status, text] = [302, value.trim()];
    else {
      return at.fail(
        `expected "CODE [TEXT]", "CODE URL" or a URL starting with http:// or https://, got ${
          describe(value)
        }`,
      );
    }
  } else {
    return at.fail(`expected a status code, [CODE, TEXT] or a string, got ${describe(value)}`);
  }
  if (text !== null) checkTemplate(text, at);
  if (REDIRECTS.includes(status) && text !== null && !/^(?:\/|\$|https?:)/.test(text)) {
    at.fail(`expected a URL or /path after redirect status ${status}, got ${describe(text)}`);
  }
  return { status, text };
}

const FLAGS = ["last", "break", "redirect", "permanent"] as const;

/** `rewrite = ["REGEX REPLACEMENT [last|break|redirect|permanent]", …]`. */
export function parseRewrites(value: unknown, at: At): Settings["rewrites"] {
  return expectStrings(value, at).map((rule, i) => {
    const item: At = at.child(i + 1);
    const words = rule.trim().split(/\s+/);
    if (words.length < 2 || words.length > 3) {
      item.fail(`expected "REGEX REPLACEMENT [FLAG]", got ${describe(rule)}`);
    }
    const [regex, replacement, flag = ""] = words;
    if (flag && !(FLAGS as readonly string[]).includes(flag)) {
      item.fail(`expected the flag to be ${FLAGS.map((f) => `"${f}"`).join(", ")}, got "${flag}"`);
    }
    checkRegex(regex, item);
    checkTemplate(replacement, item);
    return { regex, replacement, flag: flag as Settings["rewrites"][number]["flag"] };
  });
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function header(name: string, value: string, always: boolean, at: At) {
  if (!TOKEN.test(name)) at.fail(`expected a header name, got ${describe(name)}`);
  if (/[\r\n]/.test(value)) at.fail("expected a header value without line breaks");
  checkTemplate(value, at);
  return { name, value, always };
}

/** `add_header = ["Name value [always]", …]` or `{ Name = "value" }`. */
export function parseAddHeaders(value: unknown, at: At): Settings["addHeaders"] {
  if (isTable(value)) {
    return Object.entries(value).map(([name, v]) =>
      header(name, expectString(v, at.child(name)), false, at.child(name))
    );
  }
  return expectStrings(value, at).map((entry, i) => {
    const item: At = at.child(i + 1);
    const match = /^\s*(\S+)\s+(.*?)(\s+always)?\s*$/s.exec(entry);
    if (!match) item.fail(`expected "NAME VALUE [always]", got ${describe(entry)}`);
    const quoted = /^"(.*)"$/s.exec(match[2]);
    return header(match[1], quoted ? quoted[1] : match[2], Boolean(match[3]), item);
  });
}

/** `expires`: `"off"`, `"epoch"`, `"max"`, a time (`"30d"`, `"-1"`) or seconds. */
export function parseExpires(value: unknown, at: At): Expires {
  if (value === "off" || value === false) return { kind: "off" };
  if (value === "epoch" || value === "max") return { kind: value };
  if (typeof value === "number" && Number.isFinite(value)) {
    return { kind: "seconds", seconds: value };
  }
  const seconds = typeof value === "string" ? parseTime(value) : null;
  if (seconds === null) {
    at.fail(`expected "off", "epoch", "max", a time like "30d" or seconds, got ${describe(value)}`);
  }
  return { kind: "seconds", seconds };
}

/** `error_page = ["404 /404.html", "500 502 =200 /50x.html", "403 @named", …]`. */
export function parseErrorPages(value: unknown, at: At): ErrorPage[] {
  return expectStrings(value, at).map((entry, i) => {
    const item: At = at.child(i + 1);
    const words = entry.trim().split(/\s+/);
    const uri = words.pop() ?? "";
    let status: number | null = null;
    if (words.at(-1)?.startsWith("=")) {
      const code = words.pop()!.slice(1);
      if (!/^\d{3}$/.test(code)) item.fail(`expected "=CODE" with a 3-digit code, got "=${code}"`);
      status = Number(code);
    }
    if (!words.length || !uri || !/^(?:\/|@|https?:\/\/|\$)/.test(uri)) {
      item.fail(`expected "CODE… [=CODE] /uri|@name|URL", got ${describe(entry)}`);
    }
    const codes = words.map((word) => {
      const code = /^\d{3}$/.test(word) ? Number(word) : 0;
      if (code < 300 || code > 599) {
        item.fail(`expected status codes from 300 to 599, got ${describe(word)}`);
      }
      return code;
    });
    checkTemplate(uri, item);
    return { codes, status, uri };
  });
}

/** `try_files = ["$uri", "$uri/", "=404"]`: candidates then a fallback. */
export function parseTryFiles(value: unknown, at: At): string[] {
  const items = expectStrings(value, at, { single: false });
  if (items.length < 2) at.fail("expected at least two entries: files then a fallback");
  items.forEach((item, i) => {
    if (!item) at.child(i + 1).fail("expected a non-empty entry");
    checkTemplate(item, at.child(i + 1));
  });
  const last = items.at(-1)!;
  if (!/^(?:=\d{3}|\/|@|\$)/.test(last)) {
    at.child(items.length).fail(
      `expected the fallback to be "=CODE", a "/uri" or "@name", got ${describe(last)}`,
    );
  }
  return items;
}

/** `access_log`: `"off"`, `"PATH [FORMAT]"`, `"-"` (stdout), or a list of those. */
export function parseAccessLog(
  value: unknown,
  at: At,
  formats: Record<string, LogFormat>,
  resolvePath: (path: string) => string,
): Settings["accessLog"] {
  if (value === "off" || value === false) return [];
  return expectStrings(value, at).map((entry, i) => {
    const item: At = Array.isArray(value) ? at.child(i + 1) : at;
    const words = entry.trim().split(/\s+/);
    if (!words[0] || words.length > 2 || words[0] === "off") {
      item.fail(`expected "off", "-" or "PATH [FORMAT]", got ${describe(entry)}`);
    }
    const format = words[1] ?? "combined";
    if (!formats[format]) {
      item.fail(`unknown log_format "${format}"; defined: ${Object.keys(formats).join(", ")}`);
    }
    return { path: words[0] === "-" ? "-" : resolvePath(words[0]), format };
  });
}
