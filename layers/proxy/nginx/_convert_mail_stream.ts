/**
 * nginx's `mail {}` and `stream {}` blocks converted: `[mail]` and `[stream]` take the block-level
 * settings (every server's defaults, as in nginx), each `server {}` becomes a `[[mail.server]]` or
 * `[[stream.server]]`, each stream `upstream {}` a `[stream.upstream.NAME]`, and each stream
 * `limit_conn_zone` a top-level `[limit_conn_zone.NAME]` (the table HTTP's zones use). A server
 * that could not run as written (IMAP, no `listen`, no `proxy_pass`…) is left out whole.
 *
 * @module
 */

import { comment, type Context, skip } from "./_context.ts";
import { convertMail } from "./_convert_mail.ts";
import { convertStream } from "./_convert_stream.ts";
import { canonical, type MailStreamState, type TcpServer } from "./_convert_tcp.ts";
import { type Table, tomlString, writeToml } from "./_toml.ts";
import type { NginxDirective } from "./parse.ts";

export { type MailStreamState, newMailStreamState } from "./_convert_tcp.ts";

/**
 * Converts `mail { … }` or `stream { … }` (nginx's main level) into `state`, reporting what is
 * left out; `finishMailStream()` writes the tables once the HTTP servers are known.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newContext, unconvertedList } from "./_context.ts";
 * import { newProxyState } from "./_convert_proxy.ts";
 * import { convertMailStream, finishMailStream, newMailStreamState } from "./_convert_mail_stream.ts";
 * import { parseNginxConfig } from "./parse.ts";
 *
 * const { directives } = parseNginxConfig(
 *   "stream { server { listen 127.0.0.1:7000; listen 53 udp; proxy_pass 10.0.0.1:7000; } }",
 *   "nginx.conf",
 * );
 * const context = newContext(directives);
 * const state = newMailStreamState(newProxyState());
 * convertMailStream(directives[0], state, context);
 * assert.equal(
 *   finishMailStream(state, [], context),
 *   '# nginx.conf:1\n[[stream.server]]\nlisten = ["127.0.0.1:7000"]\nproxy_pass = "10.0.0.1:7000"',
 * );
 * assert.equal(unconvertedList(context)[0].why, "not supported: ngw2f's stream proxy is TCP only");
 * ```
 */
export function convertMailStream(
  directive: NginxDirective,
  state: MailStreamState,
  context: Context,
): void {
  if (directive.name === "mail") convertMail(directive, state, context);
  else convertStream(directive, state, context);
}

// ---- the TOML ----------------------------------------------------------------------------

/** One rule stays a table; several, a list. */
function tidy(table: Table) {
  const rules = table.limit_conn as Table[] | undefined;
  if (rules?.length === 1) table.limit_conn = rules[0];
}

/** Who listens where: the kind of server and how a message names it. */
type Owners = Map<string, { kind: string; name: string }>;

/**
 * The servers whose listen entries survive the check across servers (one address, one server,
 * as nginx's binds and the config reader require), as tables; the rest is reported.
 */
function claim(servers: TcpServer[], owners: Owners, kind: string, context: Context): Table[] {
  return servers.flatMap(({ directive, listen, table }) => {
    const kept = listen.filter(({ address, directive: d }) => {
      const owner = owners.get(address);
      if (owner === undefined) {
        owners.set(address, {
          kind,
          name: `the ${kind} server at ${directive.file}:${directive.line}`,
        });
        return true;
      }
      skip(
        context,
        d,
        owner.kind === kind
          ? `duplicate "${address}" address and port pair`
          : `not converted: "${address}" is the address of ${owner.name}; one address serves one kind of server`,
      );
      return false;
    });
    if (!kept.length) {
      skip(context, directive, "not converted: no listen of this server is left (see below)");
      return [];
    }
    tidy(table);
    const result: Table = { listen: kept.map((l) => l.entry), ...table };
    comment(context, result, `${directive.file}:${directive.line}`);
    return [result];
  });
}

/** `[a.b.c]` with its keys (nested tables inline), under a `# FILE:LINE` comment; "" when empty. */
function section(path: string[], directive: NginxDirective, table: Table, context: Context) {
  if (!Object.keys(table).length) return "";
  const header = path.map((k) => /^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k)).join(".");
  const body = writeToml(table, context.comments, path, true);
  return `# ${directive.file}:${directive.line}\n[${header}]\n${body}`;
}

/**
 * The `[mail]`, `[[mail.server]]`, `[stream]`, `[stream.upstream.*]` and `[[stream.server]]`
 * text, once `httpServers` (the converted `[[server]]` tables) are known: a mail or stream
 * listen on an address another server has is reported and left out.
 */
export function finishMailStream(
  state: MailStreamState,
  httpServers: Table[],
  context: Context,
): string {
  const owners: Owners = new Map();
  for (const server of httpServers) {
    for (const entry of (server.listen ?? []) as string[]) {
      const address = canonical(entry.split(" ")[0]);
      if (address !== null) owners.set(address, { kind: "http", name: "an http server" });
    }
  }
  const mailServers = claim(state.mailServers, owners, "mail", context);
  const streamServers = claim(state.streamServers, owners, "stream", context);
  const blocks: string[] = [];
  if (state.mail) {
    blocks.push(section(["mail"], state.mail.directive, state.mail.table, context));
    if (mailServers.length) {
      blocks.push(writeToml({ server: mailServers }, context.comments, ["mail"]));
    }
  }
  if (state.stream) {
    tidy(state.stream.table);
    blocks.push(section(["stream"], state.stream.directive, state.stream.table, context));
    for (const [name, { table, directive }] of state.upstreams) {
      blocks.push(section(["stream", "upstream", name], directive, table, context));
    }
    if (streamServers.length) {
      blocks.push(writeToml({ server: streamServers }, context.comments, ["stream"]));
    }
  }
  return blocks.filter(Boolean).join("\n\n");
}
