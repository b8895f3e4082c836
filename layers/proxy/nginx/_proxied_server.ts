/**
 * A `server {}` with its proxy and limit directives: `_server.ts` converts the block without
 * them, then they are converted here, block by block, with nginx's inheritance.
 *
 * @module
 */

import { comment, type Context, jsRegex } from "./_context.ts";
import {
  convertProxyBlock,
  type Inherited,
  isProxyDirective,
  type ProxyBlock,
  type ProxyState,
} from "./_convert_proxy.ts";
import { convertServer, type HttpTls } from "./_server.ts";
import type { Table } from "./_toml.ts";
import type { NginxDirective } from "./parse.ts";

/** What `convertProxiedServer()` takes besides the block. */
export interface ProxiedServerOptions {
  /** The TLS files the http level sets. */
  tls: HttpTls;
  /** The conversion's upstreams and zones. */
  proxy: ProxyState;
  /** What the http level passes down. */
  outer: Inherited;
}

/** A location block with its proxy directives taken out, and where it sits. */
interface Found {
  directive: NginxDirective;
  parent: Found | null;
  own: NginxDirective[];
}

/**
 * `directive` (a server or location) without its proxy and limit directives, which it returns
 * apart; every location inside is added to `found`, in the order `convertServer()` writes them.
 */
function takeProxy(
  directive: NginxDirective,
  context: Context,
  found: Found[],
  parent: Found | null,
): [NginxDirective, NginxDirective[]] {
  const own: NginxDirective[] = [];
  const block: NginxDirective[] = [];
  for (const child of directive.block ?? []) {
    if (isProxyDirective(child.name)) own.push(child);
    else if (child.name === "location" && child.block) {
      const location: Found = { directive: child, parent, own: [] };
      found.push(location);
      const [copy, inner] = takeProxy(child, context, found, location);
      location.own = inner;
      block.push(copy);
    } else block.push(child);
  }
  const copy = { ...directive, block };
  // Reported directives are listed in file order: the copy takes the original's place.
  context.order.set(copy, context.order.get(directive) ?? context.order.size);
  return [copy, own];
}

/** The location `table` was converted from (`convertServer()` heads it with its file:line). */
function sourceOf(table: Table, found: Found[], from: number, context: Context): number {
  const note = context.comments.get(table)?.[0] ?? "";
  const match = String(table.match);
  return found.findIndex(({ directive: { file, line, args } }, i) => {
    const at = `${file}:${line}`;
    const pattern = (args.length === 2 ? args[1] : args[0] ?? "").replace(/^(=|\^~|~\*?|@)/, "");
    return i >= from && (note === at || note.startsWith(`${at} (`)) &&
      match.endsWith(jsRegex(pattern));
  });
}

/** Adds `keys` to `table`, keeping its locations last. */
function addKeys(table: Table, keys: Table) {
  const { location } = table;
  delete table.location;
  Object.assign(table, keys);
  if (location) table.location = location;
}

/**
 * One `server {}`: `_server.ts` converts it without its proxy and limit directives, which are
 * converted here, block by block, with nginx's inheritance (a flattened nested location takes
 * its outer location's keys, not its `proxy_pass`).
 */
export function convertProxiedServer(
  block: NginxDirective,
  context: Context,
  options: ProxiedServerOptions,
): Table {
  const { tls, proxy, outer } = options;
  const found: Found[] = [];
  const [stripped, own] = takeProxy(block, context, found, null);
  const table = convertServer(stripped, context, tls);
  const server = convertProxyBlock(own, "server", outer, proxy, context);
  addKeys(table, server.table);
  for (const note of server.notes) comment(context, table, note);
  const done = new Map<Found, { block: ProxyBlock; keys: Table }>();
  let from = 0;
  for (const location of (table.location ?? []) as Table[]) {
    const i = sourceOf(location, found, from, context);
    if (i === -1) continue;
    from = i + 1;
    const source = found[i];
    const parent = source.parent ? done.get(source.parent) : undefined;
    const [modifier] = source.directive.args;
    const converted = convertProxyBlock(
      source.own,
      "location",
      parent?.block.inherited ?? server.inherited,
      proxy,
      context,
      { noUri: /^[~@]/.test(modifier ?? "") },
    );
    const { proxy_pass: _, ...inherited } = parent?.keys ?? {};
    const keys = { ...inherited, ...converted.table };
    done.set(source, { block: converted, keys });
    Object.assign(location, keys);
    for (const note of converted.notes) comment(context, location, note);
    if (converted.unpassed && !("return" in location)) {
      location.return = 502;
      comment(context, location, "nginx passes these requests on; ngw2f answers 502 (see above)");
    }
  }
  return table;
}
