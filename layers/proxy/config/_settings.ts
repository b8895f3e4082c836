/**
 * The settings keys (nginx's directive names) that may appear at the http level (top of the
 * file), in a `[[server]]` and in a `[[server.location]]`, their readers, their defaults, and
 * nginx's inheritance: a key set in an inner block replaces the outer value outright.
 *
 * @module
 */

import { resolve } from "node:path";
import type { At, Source } from "./_locate.ts";
import { type AccessRule, parseAccess, parseAllowDeny } from "./_access.ts";
import {
  checkTemplate,
  parseAccessLog,
  parseAddHeaders,
  parseErrorPages,
  parseExpires,
  parseReturn,
  parseRewrites,
  parseTryFiles,
} from "./_directives.ts";
import {
  describe,
  expectBool,
  expectChoice,
  expectInt,
  expectNonEmpty,
  expectSize,
  expectStrings,
  expectTable,
  expectTime,
  unknownKey,
} from "./_values.ts";
import type { LogFormat, Settings } from "./types.ts";
import { PROXY_DIRECTIVES } from "./_proxy_settings.ts";

/** Where a block sits: the top of the file, a `[[server]]`, a `[[server.location]]`. */
export type Level = "http" | "server" | "location";

/** What the readers need besides the value. */
export interface Env {
  /** Relative paths resolve against it. */
  prefix: string;
  /** The defined log formats, for `access_log`. */
  logFormats: Record<string, LogFormat>;
  /** The config text's locator. */
  source: Source;
  /** The names of the `[limit_req_zone.*]` tables. */
  limitReqZones: Set<string>;
  /** The names of the `[limit_conn_zone.*]` tables. */
  limitConnZones: Set<string>;
}

/** What a block sets, before inheritance (auth and allow/deny in halves). */
export type Raw = Partial<
  Settings & {
    authRealm: string | null;
    authUserFile: string;
    allow: AccessRule[];
    deny: AccessRule[];
  }
>;

/** One block's own settings, and the key path each field was set at. */
export interface Block {
  values: Raw;
  origins: Map<string, string>;
}

type Reader = (value: unknown, at: At, env: Env) => Raw;
const ALL: Level[] = ["http", "server", "location"];
const INNER: Level[] = ["server", "location"];

const path = (value: unknown, at: At, env: Env) => resolve(env.prefix, expectNonEmpty(value, at));

const MIME = /^[\w.+-]+\/[\w.+-]+$/;

function parseTypes(value: unknown, at: At): Record<string, string> {
  const types: Record<string, string> = {};
  for (const [type, exts] of Object.entries(expectTable(value, at))) {
    if (!MIME.test(type)) at.child(type).fail(`expected a MIME type like "text/html" as the key`);
    for (const ext of expectStrings(exts, at.child(type))) {
      types[ext.replace(/^\./, "").toLowerCase()] = type;
    }
  }
  return types;
}

/** Every settings key: the levels it may appear at and its reader. */
export const DIRECTIVES: Record<string, { levels: Level[]; read: Reader }> = {
  root: { levels: ALL, read: (v, at, env) => ({ root: path(v, at, env) }) },
  alias: {
    levels: ["location"],
    read: (v, at, env) => {
      const text = checkTemplate(expectNonEmpty(v, at), at);
      const alias = path(text, at, env);
      return { alias: text.endsWith("/") && !alias.endsWith("/") ? `${alias}/` : alias };
    },
  },
  index: {
    levels: ALL,
    read: (v, at) => {
      const index = expectStrings(v, at).map((s, i) => expectNonEmpty(s, at.child(i + 1)));
      if (!index.length) at.fail("expected at least one file name");
      return { index };
    },
  },
  try_files: { levels: INNER, read: (v, at) => ({ tryFiles: parseTryFiles(v, at) }) },
  autoindex: { levels: ALL, read: (v, at) => ({ autoindex: expectBool(v, at) }) },
  autoindex_format: {
    levels: ALL,
    read: (v, at) => ({ autoindexFormat: expectChoice(v, at, ["html", "json"]) }),
  },
  return: { levels: INNER, read: (v, at) => ({ return: parseReturn(v, at) }) },
  rewrite: { levels: INNER, read: (v, at) => ({ rewrites: parseRewrites(v, at) }) },
  add_header: { levels: ALL, read: (v, at) => ({ addHeaders: parseAddHeaders(v, at) }) },
  expires: { levels: ALL, read: (v, at) => ({ expires: parseExpires(v, at) }) },
  default_type: {
    levels: ALL,
    read: (v, at) => {
      const type = expectNonEmpty(v, at);
      if (!MIME.test(type)) at.fail(`expected a MIME type like "text/plain", got ${describe(v)}`);
      return { defaultType: type };
    },
  },
  charset: {
    levels: ALL,
    read: (v, at) => ({ charset: v === "off" || v === false ? null : expectNonEmpty(v, at) }),
  },
  types: { levels: ALL, read: (v, at) => ({ types: parseTypes(v, at) }) },
  error_page: { levels: ALL, read: (v, at) => ({ errorPages: parseErrorPages(v, at) }) },
  client_max_body_size: {
    levels: ALL,
    read: (v, at) => ({ clientMaxBodySize: expectSize(v, at) }),
  },
  allow: { levels: ALL, read: (v, at) => ({ allow: parseAllowDeny(v, at, true) }) },
  deny: { levels: ALL, read: (v, at) => ({ deny: parseAllowDeny(v, at, false) }) },
  access: { levels: ALL, read: (v, at) => ({ access: parseAccess(v, at) }) },
  auth_basic: {
    levels: ALL,
    read: (v, at) => ({ authRealm: v === "off" || v === false ? null : expectNonEmpty(v, at) }),
  },
  auth_basic_user_file: {
    levels: ALL,
    read: (v, at, env) => ({ authUserFile: path(v, at, env) }),
  },
  gzip: { levels: ALL, read: (v, at) => ({ gzip: expectBool(v, at) }) },
  gzip_types: {
    levels: ALL,
    read: (v, at) => {
      const types = expectStrings(v, at).map((t, i) => expectNonEmpty(t, at.child(i + 1)));
      types.forEach((t, i) => {
        if (t !== "*" && !MIME.test(t)) at.child(i + 1).fail(`expected a MIME type or "*"`);
      });
      return { gzipTypes: types.includes("text/html") ? types : ["text/html", ...types] };
    },
  },
  gzip_min_length: { levels: ALL, read: (v, at) => ({ gzipMinLength: expectInt(v, at, 0) }) },
  gzip_static: { levels: ALL, read: (v, at) => ({ gzipStatic: expectBool(v, at) }) },
  etag: { levels: ALL, read: (v, at) => ({ etag: expectBool(v, at) }) },
  if_modified_since: {
    levels: ALL,
    read: (v, at) => ({ ifModifiedSince: expectChoice(v, at, ["exact", "before", "off"]) }),
  },
  keepalive_timeout: { levels: ALL, read: (v, at) => ({ keepaliveTimeout: expectTime(v, at) }) },
  client_header_timeout: {
    levels: ALL,
    read: (v, at) => ({ clientHeaderTimeout: expectTime(v, at) }),
  },
  client_body_timeout: {
    levels: ALL,
    read: (v, at) => ({ clientBodyTimeout: expectTime(v, at) }),
  },
  server_tokens: { levels: ALL, read: (v, at) => ({ serverTokens: expectBool(v, at) }) },
  http2: { levels: ["http", "server"], read: (v, at) => ({ http2: expectBool(v, at) }) },
  access_log: {
    levels: ALL,
    read: (v, at, env) => ({
      accessLog: parseAccessLog(v, at, env.logFormats, (p) => resolve(env.prefix, p)),
    }),
  },
  disable_symlinks: {
    levels: ALL,
    read: (v, at) => ({
      disableSymlinks: expectChoice(v === true ? "on" : v === false ? "off" : v, at, [
        "off",
        "on",
        "if_outside_root",
      ]),
    }),
  },
  hidden_files: { levels: ALL, read: (v, at) => ({ hiddenFiles: expectBool(v, at) }) },
  stub_status: { levels: INNER, read: (v, at) => ({ stubStatus: expectBool(v, at) }) },
  metrics: { levels: INNER, read: (v, at) => ({ metrics: expectBool(v, at) }) },
  status_page: { levels: INNER, read: (v, at) => ({ statusPage: expectBool(v, at) }) },
  ...PROXY_DIRECTIVES,
};

/**
 * Fails when `block` sets `auth_basic_user_file` but no `auth_basic` applies to it: none in
 * the block, around it (`outer`), or inside it (`inner`).
 */
export function checkUserFile(
  block: Block,
  outer: Block[],
  inner: Block[],
  at: (path: string) => At,
) {
  const file = block.origins.get("authUserFile");
  const hasRealm = (b: Block) => b.values.authRealm !== undefined;
  if (file && ![block, ...outer, ...inner].some(hasRealm)) {
    at(file).fail('is set but "auth_basic" is not, here or in an enclosing or nested block');
  }
}

/** Keys whose value applies to the block that sets it only (nginx's rewrite-module rule). */
const OWN_ONLY = new Set([
  "alias",
  "return",
  "rewrites",
  "tryFiles",
  "stubStatus",
  "metrics",
  "statusPage",
  "proxyPass",
]);

/** The settings nothing sets. */
export function defaultSettings(): Settings {
  return {
    root: null,
    alias: null,
    index: ["index.html"],
    tryFiles: null,
    autoindex: false,
    autoindexFormat: "html",
    return: null,
    rewrites: [],
    addHeaders: [],
    expires: { kind: "off" },
    defaultType: "application/octet-stream",
    charset: "utf-8",
    types: {},
    errorPages: [],
    clientMaxBodySize: 1024 * 1024,
    access: [],
    authBasic: null,
    gzip: false,
    gzipTypes: ["text/html"],
    gzipMinLength: 20,
    gzipStatic: false,
    etag: true,
    ifModifiedSince: "exact",
    keepaliveTimeout: 75,
    clientHeaderTimeout: 60,
    clientBodyTimeout: 60,
    serverTokens: true,
    http2: true,
    accessLog: [{ path: "-", format: "combined" }],
    disableSymlinks: "if_outside_root",
    hiddenFiles: false,
    stubStatus: false,
    metrics: false,
    statusPage: false,
    proxyPass: null,
    proxySetHeaders: [],
    proxyHideHeaders: [],
    proxyPassHeaders: [],
    proxyRedirect: "default",
    proxyConnectTimeout: 60,
    proxyReadTimeout: 60,
    proxySendTimeout: 60,
    proxyTimeout: 0,
    proxyNextUpstream: ["error", "timeout"],
    proxyNextUpstreamTries: 0,
    proxyNextUpstreamTimeout: 0,
    proxyBuffering: true,
    proxyForwarded: true,
    proxyHttpVersion: "1.1",
    realIpFrom: [],
    realIpHeader: "X-Forwarded-For",
    realIpRecursive: false,
    limitReq: [],
    limitReqStatus: 503,
    limitConn: [],
    limitConnStatus: 503,
  };
}

const LEVEL_NAMES: Record<Level, string> = {
  http: "the top level",
  server: "a [[server]]",
  location: "a [[server.location]]",
};

/**
 * Reads the settings keys of one block; `own` are the block's other keys (`listen`, `match`),
 * read by the caller. Unknown keys fail with a suggestion.
 */
export function readBlock(
  table: Record<string, unknown>,
  at: At,
  level: Level,
  env: Env,
  own: readonly string[],
): Block {
  const block: Block = { values: {}, origins: new Map() };
  const allowed = Object.keys(DIRECTIVES).filter((k) => DIRECTIVES[k].levels.includes(level));
  for (const [key, value] of Object.entries(table)) {
    if (own.includes(key)) continue;
    const directive = Object.hasOwn(DIRECTIVES, key) ? DIRECTIVES[key] : undefined;
    const keyAt: At = at.child(key);
    if (!directive) keyAt.fail(unknownKey(key, [...allowed, ...own], LEVEL_NAMES[level]));
    if (!directive.levels.includes(level)) {
      keyAt.fail(
        `cannot be set in ${LEVEL_NAMES[level]}; only in ${
          directive.levels.map((l) => LEVEL_NAMES[l]).join(" or ")
        }`,
      );
    }
    const values = directive.read(value, keyAt, env);
    for (const field of Object.keys(values)) block.origins.set(field, keyAt.path);
    Object.assign(block.values, values);
  }
  const { allow, deny } = block.values;
  if (allow || deny) {
    if (block.values.access) {
      at.child(allow ? "allow" : "deny").fail(
        'cannot be combined with "access" in one block; put every rule in "access"',
      );
    }
    block.values.access = [...allow ?? [], ...deny ?? []];
    block.origins.set("access", at.child(allow ? "allow" : "deny").path);
    delete block.values.allow;
    delete block.values.deny;
  }
  return block;
}

/**
 * A block's effective settings: the defaults, then each enclosing block's values in turn
 * (outermost first, the block itself last), nginx style.
 */
export function inherit(blocks: Block[], at: (path: string) => At): Settings {
  const settings = defaultSettings() as unknown as Record<string, unknown>;
  let realm: string | null | undefined;
  let userFile: string | undefined;
  let realmOrigin = "";
  blocks.forEach((block, i) => {
    const own = i === blocks.length - 1;
    for (const [field, value] of Object.entries(block.values)) {
      if (field === "authRealm") {
        [realm, realmOrigin] = [value as string | null, origin(block, field)];
      } else if (field === "authUserFile") userFile = value as string;
      else if (own || !OWN_ONLY.has(field)) settings[field] = value;
    }
  });
  if (realm) {
    if (userFile === undefined) at(realmOrigin).fail('is set but "auth_basic_user_file" is not');
    settings.authBasic = { realm, userFile };
  }
  return settings as unknown as Settings;
}

function origin(block: Block, field: string): string {
  return block.origins.get(field) ?? "";
}
