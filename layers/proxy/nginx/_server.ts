/**
 * `server {}` and `location {}` blocks converted to `[[server]]` and `[[server.location]]`:
 * `listen`, `server_name`, the TLS files, location modifiers, nested locations (flattened
 * when that keeps nginx's matching) and locations that pass requests on.
 *
 * @module
 */

import { comment, type Context, jsRegex, skip, skipListenParams } from "./_context.ts";
import { PASS_DIRECTIVES, PROXYING, reasonFor } from "./_reasons.ts";
import { convertSetting, finishSettings, isSetting } from "./_settings.ts";
import type { NginxDirective } from "./parse.ts";
import type { Table } from "./_toml.ts";

/** The TLS files set at the http level, which nginx's servers inherit. */
export interface HttpTls {
  certificate?: string;
  key?: string;
}

const DROPPED_SILENTLY = new Set(["ipv6only=on"]);

function convertListen(directive: NginxDirective, table: Table, context: Context) {
  const [address, ...params] = directive.args;
  if (!address) {
    return skip(context, directive, 'invalid number of arguments in "listen" directive');
  }
  if (params.includes("quic")) {
    return skip(context, directive, "not supported: ngw2f speaks HTTP/1.1 over TCP (no QUIC)");
  }
  const kept = params.flatMap((p) =>
    p === "default_server" || p === "default" ? ["default_server"] : p === "ssl" ? ["ssl"] : []
  );
  const dropped = params.filter((p) =>
    !["default_server", "default", "ssl"].includes(p) && !DROPPED_SILENTLY.has(p)
  );
  const listen = (table.listen ?? []) as string[];
  table.listen = [...listen, [address, ...kept].join(" ")];
  skipListenParams(
    context,
    directive,
    dropped,
    "ngw2f has no such listen parameter (it speaks HTTP/1.1)",
  );
}

function convertServerName(directive: NginxDirective, table: Table, context: Context) {
  // `_` is nginx's conventional name that matches no host: default_server makes the catch-all.
  const names = directive.args.filter((name) => name !== "_");
  if (names.includes("$hostname")) {
    skip(context, directive, 'converted without "$hostname": write the machine\'s name instead');
  }
  const kept = names.filter((n) => n !== "$hostname").map((n) =>
    n.startsWith("~") ? `~${jsRegex(n.slice(1))}` : n
  );
  if (kept.length) table.server_name = [...(table.server_name ?? []) as string[], ...kept];
}

interface Match {
  modifier: "" | "=" | "^~" | "~" | "~*" | "@";
  pattern: string;
}

function parseMatch(args: string[]): Match | string {
  if (args.length === 2) {
    const modifier = args[0] as Match["modifier"];
    if (!["=", "^~", "~", "~*"].includes(modifier)) return `invalid location modifier "${args[0]}"`;
    return { modifier, pattern: args[1] };
  }
  if (args.length !== 1) return 'invalid number of arguments in "location" directive';
  const found = /^(=|\^~|~\*|~|@)?(.*)$/s.exec(args[0])!;
  const modifier = (found[1] ?? "") as Match["modifier"];
  return { modifier, pattern: found[2] };
}

function matchText({ modifier, pattern }: Match): string {
  if (modifier === "@") return `@${pattern}`;
  if (modifier === "~" || modifier === "~*") return `${modifier} ${jsRegex(pattern)}`;
  return modifier ? `${modifier} ${pattern}` : pattern;
}

/** Keys a nested location does not inherit from the one around it (nginx's handlers). */
const OWN_KEYS = new Set(["match", "alias", "return", "rewrite", "try_files", "stub_status"]);

/** The outer location a nested one is flattened out of. */
interface Outer {
  match: Match;
  table: Table;
}

function convertLocation(
  directive: NginxDirective,
  context: Context,
  outer: Outer | null,
): Table[] {
  const parsed = parseMatch(directive.args);
  if (typeof parsed === "string") return skip(context, directive, parsed), [];
  let match = parsed;
  if (outer) {
    const why = nestingProblem(outer, match);
    if (why) return skip(context, directive, why), [];
    // nginx skips the regex locations when the outermost prefix match has ^~.
    if (match.modifier !== "=") match = { modifier: outer.match.modifier, pattern: match.pattern };
  }
  if (
    match.modifier !== "@" && match.modifier !== "~" && match.modifier !== "~*" &&
    !match.pattern.startsWith("/")
  ) {
    // nginx accepts such prefixes, but no request URI can start with anything but "/".
    return skip(context, directive, 'never matches: a prefix location must start with "/"'), [];
  }
  const own: Table = {};
  const nested: NginxDirective[] = [];
  let passes = false;
  for (const child of directive.block ?? []) {
    if (child.name === "location") nested.push(child);
    else if (isSetting(child.name)) convertSetting(child, "location", own, context);
    else {
      if (PASS_DIRECTIVES.has(child.name)) passes = true;
      skip(context, child, reasonFor(child.name) ?? "unknown directive");
    }
  }
  const inherited = Object.fromEntries(
    Object.entries(outer?.table ?? {}).filter(([key]) => !OWN_KEYS.has(key)),
  );
  const table: Table = { match: matchText(match), ...inherited, ...own };
  const nestedIn = outer ? ` (nested in location ${matchText(outer.match)})` : "";
  comment(context, table, `${directive.file}:${directive.line}${nestedIn}`);
  if (passes && !("return" in own)) {
    table.return = 502;
    comment(
      context,
      table,
      `nginx passes these requests on; ngw2f answers 502 until then: ${PROXYING}`,
    );
  }
  const flattened = nested.flatMap((child) => convertLocation(child, context, { match, table }));
  finishSettings(table);
  return [table, ...flattened];
}

/** Why a location nested in `outer` cannot become a top-level one, or null when it can. */
function nestingProblem(outer: Outer, inner: Match): string | null {
  const flatten = "flatten it by hand";
  if (outer.match.modifier !== "" && outer.match.modifier !== "^~") {
    return `not converted: a location nested in a regex or exact location; ${flatten}`;
  }
  if ("alias" in outer.table) {
    return `not converted: a location nested in one with alias; ${flatten}`;
  }
  if (!["", "^~", "="].includes(inner.modifier)) {
    return `not converted: a nested regex location applies only inside its outer location, which ngw2f's flat locations cannot say; ${flatten}`;
  }
  if (!inner.pattern.startsWith(outer.match.pattern)) {
    return `"${inner.pattern}" is outside location "${outer.match.pattern}"`;
  }
  return null;
}

/** Converts one `server {}` block into a `[[server]]` table. */
export function convertServer(directive: NginxDirective, context: Context, tls: HttpTls): Table {
  const head: Table = {};
  const settings: Table = {};
  const locations: Table[] = [];
  const seen = new Set<string>();
  const certificates: NginxDirective[] = [];
  const ssl: HttpTls = { ...tls };
  for (const child of directive.block ?? []) {
    switch (child.name) {
      case "listen":
        convertListen(child, head, context);
        break;
      case "server_name":
        convertServerName(child, head, context);
        break;
      case "ssl_certificate":
      case "ssl_certificate_key": {
        const field = child.name === "ssl_certificate" ? "certificate" : "key";
        if (certificates.some((c) => c.name === child.name)) {
          skip(context, child, "not supported: one certificate per server (the first is kept)");
        } else if (child.args.length !== 1) {
          skip(context, child, `invalid number of arguments in "${child.name}" directive`);
        } else {
          certificates.push(child);
          ssl[field] = child.args[0];
        }
        break;
      }
      case "location":
        for (const location of convertLocation(child, context, null)) {
          if (seen.has(location.match as string)) {
            skip(context, child, `duplicate location "${location.match}"`);
          } else {
            seen.add(location.match as string);
            locations.push(location);
          }
        }
        break;
      default:
        if (isSetting(child.name)) convertSetting(child, "server", settings, context);
        else skip(context, child, reasonFor(child.name) ?? "unknown directive");
    }
  }
  // nginx listens on *:80 when a server has no listen.
  head.listen ??= ["80"];
  if ((head.listen as string[]).some((l) => l.split(" ").includes("ssl"))) {
    if (ssl.certificate) head.ssl_certificate = ssl.certificate;
    if (ssl.key) head.ssl_certificate_key = ssl.key;
  } else {
    for (const certificate of certificates) {
      skip(context, certificate, "not needed: no listen in this server has ssl");
    }
  }
  finishSettings(settings);
  const table: Table = { ...head, ...settings };
  if (locations.length) table.location = locations;
  comment(context, table, `${directive.file}:${directive.line}`);
  return table;
}
