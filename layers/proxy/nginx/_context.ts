/**
 * What every converter shares: the list of directives left out (with why), the comments to
 * write above tables, and how a directive is quoted back in those messages.
 *
 * @module
 */

import type { NginxDirective } from "./parse.ts";
import type { Comments, Table } from "./_toml.ts";
import { templateProblem } from "../config/template.ts";

/** A directive the conversion left out or changed, and why. */
export interface Unconverted {
  /** The file it is in. */
  file: string;
  /** Its line. */
  line: number;
  /** The directive as written (`sendfile on`, `location ~ \.php$ { … }`). */
  directive: string;
  /** Why it is not in the TOML, or what was changed. */
  why: string;
}

/** Where a directive sits: nginx's main context, `http {}`, `server {}`, `location {}`. */
export type Level = "main" | "http" | "server" | "location";

/** The state of one conversion. */
export interface Context {
  /** What was left out, each with its directive's place in file order. */
  unconverted: (Unconverted & { order: number })[];
  comments: Comments;
  /** Every directive's place in file order (includes where they are included). */
  order: Map<NginxDirective, number>;
}

/** A new conversion state for the directives in `directives`. */
export function newContext(directives: NginxDirective[]): Context {
  const order = new Map<NginxDirective, number>();
  const walk = (list: NginxDirective[]) => {
    for (const directive of list) {
      order.set(directive, order.size);
      if (directive.block) walk(directive.block);
    }
  };
  walk(directives);
  return { unconverted: [], comments: new WeakMap(), order };
}

/** What was left out, in file order. */
export function unconvertedList(context: Context): Unconverted[] {
  return context.unconverted.toSorted((a, b) => a.order - b.order).map(
    ({ file, line, directive, why }) => ({ file, line, directive, why }),
  );
}

function quoteArg(arg: string): string {
  if (arg && !/[\s;{}#'"\\]/.test(arg)) return arg;
  return `"${arg.replace(/["\\]/g, "\\$&").replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`;
}

/** A directive written back as nginx text, a block shown as `{ … }`, cut at 120 characters. */
export function formatDirective(directive: NginxDirective): string {
  const text = [directive.name, ...directive.args.map(quoteArg)].join(" ") +
    (directive.block ? " { … }" : "");
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** Records `directive` as not converted because of `why`. */
export function skip(context: Context, directive: NginxDirective, why: string): void {
  context.unconverted.push({
    file: directive.file,
    line: directive.line,
    directive: formatDirective(directive),
    why,
    order: context.order.get(directive) ?? context.order.size,
  });
}

/**
 * Records `directive` (a `listen`) as converted without its `dropped` parameters: because of
 * `why`, or, when `proxy_protocol` is among them, because clients behind one will fail.
 */
export function skipListenParams(
  context: Context,
  directive: NginxDirective,
  dropped: string[],
  why: string,
): void {
  if (!dropped.length) return;
  skip(
    context,
    directive,
    `converted without ${dropped.map((p) => `"${p}"`).join(", ")}: ${
      dropped.includes("proxy_protocol")
        ? "ngw2f does not read the PROXY protocol; clients behind it will fail"
        : why
    }`,
  );
}

/** Adds a comment line above `table`. */
export function comment(context: Context, table: Table, text: string): void {
  context.comments.set(table, [...context.comments.get(table) ?? [], text]);
}

/** Why `text` cannot be used as an ngw2f template, or null when it can. */
export function variableProblem(text: string, kind: "request" | "log" = "request"): string | null {
  const problem = templateProblem(text, kind);
  return problem && `${problem}, which ngw2f does not provide (docs/proxy-from-nginx.md)`;
}

/** `on` / `off` as a boolean, or null for anything else. */
export function onOff(arg: string | undefined): boolean | null {
  return arg === "on" ? true : arg === "off" ? false : null;
}

/** An nginx time: a number of seconds when plain digits, else the text (`"1m30s"`). */
export function time(arg: string): number | string {
  return /^\d+$/.test(arg) ? Number(arg) : arg;
}

/** An nginx size (`512`, `1k`, `2M`) in bytes, or null when malformed. */
export function bytes(arg: string): number | null {
  const match = /^(\d+)([kKmMgG]?)$/.exec(arg);
  if (!match) return null;
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2].toLowerCase()]!;
  return Number(match[1]) * unit;
}

/** PCRE's `(?P<name>` as JavaScript's `(?<name>`. */
export function jsRegex(source: string): string {
  return source.replace(/\(\?P<(?=[A-Za-z_])/g, "(?<");
}
