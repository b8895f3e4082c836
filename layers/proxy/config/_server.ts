/**
 * `[[server]]` and `[[server.location]]`: their own keys (`listen`, `server_name`, `ssl_*`,
 * `match`), their settings after inheritance, and the checks that need a whole server (named
 * locations referenced by `try_files` and `error_page`, duplicate locations).
 *
 * @module
 */

import { resolve } from "node:path";
import type { At } from "./_locate.ts";
import { checkRegex } from "./_directives.ts";
import { parseListen, parseServerNames } from "./_listen.ts";
import { type Block, checkUserFile, type Env, inherit, readBlock } from "./_settings.ts";
import { describe, expectNonEmpty, isTable } from "./_values.ts";
import type { LocationConfig, ServerConfig, Settings } from "./types.ts";

const SERVER_KEYS = ["listen", "server_name", "ssl_certificate", "ssl_certificate_key", "location"];
const LOCATION_KEYS = ["match"];

/** An array of tables (`[[name]]`), each with its place. */
export function tables(value: unknown, at: At, header: string): [Record<string, unknown>, At][] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isTable)) {
    at.fail(`expected ${header} tables (double brackets), got ${describe(value)}`);
  }
  return value.map((table, i) => [table, at.child(i + 1)]);
}

/** `match`: `/prefix`, `= /exact`, `^~ /prefix`, `~ regex`, `~* regex`, `@name`. */
export function parseMatch(value: unknown, at: At): Pick<LocationConfig, "modifier" | "pattern"> {
  if (value === undefined) at.fail('expected a "match" key, like match = "/" or "~ \\.php$"');
  const match = expectNonEmpty(value, at);
  const modified = /^(=|\^~|~\*|~)\s+(\S.*)$/.exec(match) ?? /^(=)(\/.*)$/.exec(match);
  if (match.startsWith("@")) {
    if (!/^@[\w.-]+$/.test(match)) {
      at.fail(`expected a name like "@fallback", got ${describe(match)}`);
    }
    return { modifier: "@", pattern: match.slice(1) };
  }
  const [modifier, pattern] = modified ? [modified[1], modified[2]] : ["", match];
  if (modifier === "~" || modifier === "~*") {
    checkRegex(pattern, at, modifier === "~*" ? "i" : "");
  } else if (!pattern.startsWith("/")) {
    at.fail(
      `expected a path starting with "/", a modifier (=, ^~, ~, ~*) then a pattern, or "@name", got ${
        describe(match)
      }`,
    );
  }
  return { modifier: modifier as LocationConfig["modifier"], pattern };
}

function readLocation(
  table: Record<string, unknown>,
  at: At,
  env: Env,
  outer: Block[],
): { location: LocationConfig; block: Block } {
  const matchAt = at.child("match");
  const { modifier, pattern } = parseMatch(table.match, matchAt);
  const block = readBlock(table, at, "location", env, LOCATION_KEYS);
  const { alias, root } = block.values;
  if (alias !== undefined) {
    const aliasAt: At = at.child("alias");
    if (root !== undefined) aliasAt.fail('cannot be combined with "root" in one location');
    if (modifier === "@") aliasAt.fail("cannot be used in a named location");
    if ((modifier === "~" || modifier === "~*") && !/\$(?:\{)?[1-9]/.test(String(table.alias))) {
      aliasAt.fail(
        "in a regex location must use the regex's captures ($1…$9), as in nginx; capture the path or use root",
      );
    }
  }
  const settings = inherit([...outer, block], (path) => env.source.at(path));
  return {
    location: {
      line: env.source.line(at.path) ?? 0,
      match: String(table.match).trim(),
      modifier,
      pattern,
      settings,
    },
    block,
  };
}

/** Fails when `settings` sends to a `@name` that `names` does not hold. */
function checkNamed(
  settings: Settings,
  blocks: Block[],
  names: Set<string>,
  env: Env,
  server: string,
) {
  const originOf = (field: string) =>
    blocks.findLast((b) => b.origins.has(field))?.origins.get(field) ?? "";
  const check = (uri: string, field: string) => {
    if (uri.startsWith("@") && !names.has(uri.slice(1))) {
      env.source.at(originOf(field)).fail(
        `names location "${uri}", which ${server} does not define (add a [[server.location]] with match = "${uri}")`,
      );
    }
  };
  if (settings.tryFiles) check(settings.tryFiles.at(-1)!, "tryFiles");
  for (const page of settings.errorPages) check(page.uri, "errorPages");
}

/** Reads one `[[server]]` with its locations; adds their blocks to `blocks`. */
export function readServer(
  table: Record<string, unknown>,
  at: At,
  env: Env,
  http: Block,
  blocks: Block[] = [],
): ServerConfig {
  const listen = parseListen(table.listen, at.child("listen"), env.prefix);
  const serverNames = parseServerNames(table.server_name, at.child("server_name"));
  const block = readBlock(table, at, "server", env, SERVER_KEYS);
  const settings = inherit([http, block], (path) => env.source.at(path));
  const wantsSsl = listen.some((l) => l.ssl);
  let ssl: ServerConfig["ssl"] = null;
  for (const key of ["ssl_certificate", "ssl_certificate_key"]) {
    if (wantsSsl && table[key] === undefined) {
      at.child("listen").fail(`has "ssl" but the server has no ${key}`);
    }
    if (!wantsSsl && table[key] !== undefined) {
      at.child(key).fail('is set but no listen entry has "ssl" (like listen = "443 ssl")');
    }
  }
  if (wantsSsl) {
    const file = (key: string) => resolve(env.prefix, expectNonEmpty(table[key], at.child(key)));
    ssl = { certificate: file("ssl_certificate"), key: file("ssl_certificate_key") };
  }
  const read = tables(table.location, at.child("location"), "[[server.location]]").map(
    ([location, locationAt]) => ({
      ...readLocation(location, locationAt, env, [http, block]),
      locationAt,
    }),
  );
  const seen = new Map<string, number>();
  for (const { location, locationAt } of read) {
    const key = `${location.modifier === "^~" ? "" : location.modifier} ${location.pattern}`;
    const first = seen.get(key);
    if (first !== undefined) {
      locationAt.child("match").fail(
        `duplicate location ${describe(location.match)}; the first is at line ${first}`,
      );
    }
    seen.set(key, location.line);
  }
  const blame = (path: string) => env.source.at(path);
  const locationBlocks = read.map((r) => r.block);
  blocks.push(block, ...locationBlocks);
  checkUserFile(block, [http], locationBlocks, blame);
  for (const own of locationBlocks) checkUserFile(own, [http, block], [], blame);
  const names = new Set(
    read.filter((r) => r.location.modifier === "@").map((r) => r.location.pattern),
  );
  const name = at.path;
  checkNamed(settings, [http, block], names, env, name);
  for (const { location, block: own } of read) {
    checkNamed(location.settings, [http, block, own], names, env, name);
  }
  return {
    line: env.source.line(at.path) ?? 0,
    listen,
    serverNames,
    ssl,
    settings,
    locations: read.map((r) => r.location),
  };
}
