/**
 * The proxy's request pipeline, nginx's phases in order: pick the server by address and Host,
 * normalise the URI, run the server's rewrites, find the location, run its rewrites, check
 * access (allow/deny, auth_basic), then `return`, status endpoints, `try_files` or the static
 * file; errors go through `error_page`; `add_header`, `expires` and `gzip` finish the reply.
 *
 * @module
 */

import type { Logger } from "../gateway/mod.ts";
import { IpRanges } from "../toolkit/mod.ts";
import { AccessLogs } from "./logs/mod.ts";
import { builtinReply, redirectReply } from "./_error_pages.ts";
import { applyHeaders } from "./_finish.ts";
import { compileSite, compileTemplate, type Site } from "./config/mod.ts";
import type { LocationConfig, ProxyConfig, ServerConfig, Settings } from "./config/types.ts";
import { CompressionCache, compressReply } from "./gzip/mod.ts";
import { checkBasicAuth, Htpasswd } from "./auth/mod.ts";
import { Metrics, stubStatusReply } from "./status/mod.ts";
import { mapPath, normalizeUri, probe, StaticFiles } from "./static/mod.ts";
import type { Completed, Exchange, Reply } from "./types.ts";
import { headerOf } from "./types.ts";

/** The counters the status endpoints show, summed over this worker's listeners. */
export interface CoreCounters {
  /** Connections accepted. */
  accepted: number;
  /** Connections served (not refused at the connection cap). */
  handled: number;
  /** Requests received. */
  requests: number;
  /** Open connections. */
  active: number;
  /** Connections reading a request head. */
  reading: number;
  /** Connections handling a request or writing its reply. */
  writing: number;
  /** Idle keep-alive connections. */
  waiting: number;
}

/** What {@linkcode createPipeline} needs besides the config. */
export interface PipelineOptions {
  /** The worker's error log. */
  log: Logger;
  /** This worker's number (metrics label). */
  workerId: number;
  /** The core's connection counters, for stub_status and /metrics. */
  stats(): CoreCounters;
}

/** A compiled pipeline: the core's handler and completion callback, and its resources. */
export interface Pipeline {
  /** Answers one exchange. */
  handle(exchange: Exchange): Reply | Promise<Reply>;
  /** Access logs and metrics for a finished exchange. */
  completed(done: Completed): void;
  /** Reopens the access logs (USR1, `-s reopen`). */
  reopenLogs(): void;
  /** Flushes and closes the logs. */
  close(): Promise<void>;
}

/** The Server header with and without `server_tokens`. */
export const SERVER_FULL = "ngw2f/0.1.0";
/** The Server header with `server_tokens = false`. */
export const SERVER_NAME = "ngw2f";

/** How many internal redirects (rewrite last, try_files, error_page) one request may take. */
const MAX_REDIRECTS = 10;

/** Where a request ended up: what the access log and the finishing step need. */
interface RequestState {
  server: ServerConfig;
  settings: Settings;
  uri: string;
  reply: Reply | undefined;
}

type Vars = (name: string) => string;

/**
 * Compiles `config` into the proxy's request handler.
 *
 * @example
 * ```ts ignore
 * const pipeline = createPipeline(config, { log, workerId: 1, stats: () => counters });
 * const server = serveListener(listener, { handler: pipeline.handle, onCompleted: pipeline.completed, ... });
 * ```
 */
export function createPipeline(config: ProxyConfig, options: PipelineOptions): Pipeline {
  const site: Site = compileSite(config);
  const files = new StaticFiles({
    maxFileSize: config.openFileCacheMaxSize,
    totalBytes: config.openFileCacheTotal,
  });
  const metrics = new Metrics({ worker: String(options.workerId) });
  const compressed = new CompressionCache();
  const logs = new AccessLogs(config);
  const states = new WeakMap<Exchange, RequestState>();
  const regexes = new Map<string, RegExp>();
  const templates = new Map<string, (vars: Vars) => string>();
  const ranges = new Map<string, IpRanges | null>();
  const passwords = new Map<string, Htpasswd>();

  const regex = (source: string, flags = "") => {
    const key = `${flags}/${source}`;
    let compiled = regexes.get(key);
    if (!compiled) regexes.set(key, compiled = new RegExp(source, flags));
    return compiled;
  };
  const expand = (text: string, vars: Vars) => {
    if (!text.includes("$")) return text;
    let compiled = templates.get(text);
    if (!compiled) templates.set(text, compiled = compileTemplate(text));
    return compiled(vars);
  };

  function variables(
    ex: Exchange,
    state: { uri: string; captures: string[] },
    server: ServerConfig,
  ): Vars {
    const head = ex.head;
    return (name) => {
      switch (name) {
        case "uri":
        case "document_uri":
          return state.uri;
        case "args":
        case "query_string":
          return head.query;
        case "is_args":
          return head.query ? "?" : "";
        case "host":
          return head.host || server.serverNames[0] || "";
        case "server_name":
          return server.serverNames[0] ?? "";
        case "remote_addr":
          return ex.remoteAddr;
        case "remote_port":
          return String(ex.remotePort);
        case "scheme":
          return ex.scheme;
        case "request_uri":
          return head.target;
        case "request_method":
          return head.method;
        case "server_port":
          return String(ex.serverPort);
        case "server_protocol":
          return `HTTP/${head.version}`;
      }
      if (name.startsWith("http_")) {
        return headerOf(head, name.slice(5).replaceAll("_", "-")) ?? "";
      }
      const n = Number(name);
      if (Number.isInteger(n) && n >= 0 && n <= 9) return state.captures[n] ?? "";
      return "";
    };
  }

  function allowed(settings: Settings, remote: string, unix: boolean): boolean {
    for (const rule of settings.access) {
      let hit: boolean;
      if (rule.cidr === "all") hit = true;
      else {
        let compiled = ranges.get(rule.cidr);
        if (compiled === undefined) {
          compiled = rule.cidr === "unix:" ? null : new IpRanges([rule.cidr]);
          ranges.set(rule.cidr, compiled);
        }
        hit = compiled === null ? unix : !unix && compiled.has(remote);
      }
      if (hit) return rule.allow;
    }
    return true;
  }

  async function answer(ex: Exchange, state: RequestState): Promise<Reply> {
    const head = ex.head;
    const server = state.server;
    const normalized = normalizeUri(head.path);
    if (typeof normalized === "number") return errorReply(ex, state, normalized, 0);
    const walk = { uri: normalized, captures: [] as string[] };
    let vars = variables(ex, walk, server);

    // The server's rewrite phase, then location search with the location's rewrites.
    const serverRewrite = rewrite(server.settings, walk, vars, ex, state);
    if (serverRewrite) return serverRewrite;
    // A server-level return answers before any location is looked for, as in nginx.
    if (server.settings.return) return doReturn(server.settings, vars, state, ex);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const found = site.matchLocation(server, walk.uri);
      const location = found.location;
      walk.captures = found.captures;
      const settings = location ? location.settings : server.settings;
      state.settings = settings;
      state.uri = walk.uri;
      const result = await inLocation(ex, state, location, settings, walk, vars);
      if (result === "restart") {
        vars = variables(ex, walk, server);
        continue;
      }
      return result;
    }
    options.log.error(`rewrite or internal redirection cycle while processing "${walk.uri}"`);
    return errorReply(ex, state, 500, MAX_REDIRECTS);
  }

  /** Runs `settings.rewrites` on `walk.uri`: a reply (redirect), "restart", or null to go on. */
  function rewrite(
    settings: Settings,
    walk: { uri: string; captures: string[] },
    vars: Vars,
    ex: Exchange,
    state: RequestState,
  ): Reply | null {
    for (const rule of settings.rewrites) {
      const match = regex(rule.regex).exec(walk.uri);
      if (!match) continue;
      walk.captures = [...match].map((c) => c ?? "");
      let target = expand(rule.replacement, vars);
      const absolute = /^(https?:)?\/\//.test(target) || target.startsWith("$scheme");
      if (rule.flag === "redirect" || rule.flag === "permanent" || absolute) {
        if (!target.includes("?") && ex.head.query) target += `?${ex.head.query}`;
        const status = rule.flag === "permanent" ? 301 : 302;
        return redirectReply(status, target, state.settings.serverTokens);
      }
      const q = target.indexOf("?");
      walk.uri = q === -1 ? target : target.slice(0, q);
      // Server level: last and break both end the server's rewrites.
      if (rule.flag === "last" || rule.flag === "break") return null;
    }
    return null;
  }

  async function inLocation(
    ex: Exchange,
    state: RequestState,
    location: LocationConfig | null,
    settings: Settings,
    walk: { uri: string; captures: string[] },
    vars: Vars,
  ): Promise<Reply | "restart"> {
    const head = ex.head;
    // Location rewrites (not the server's, which location settings inherit).
    if (
      location && settings.rewrites !== state.server.settings.rewrites && settings.rewrites.length
    ) {
      const before = walk.uri;
      for (const rule of settings.rewrites) {
        const match = regex(rule.regex).exec(walk.uri);
        if (!match) continue;
        walk.captures = [...match].map((c) => c ?? "");
        let target = expand(rule.replacement, vars);
        if (rule.flag === "redirect" || rule.flag === "permanent" || /^https?:\/\//.test(target)) {
          if (!target.includes("?") && head.query) target += `?${head.query}`;
          return redirectReply(
            rule.flag === "permanent" ? 301 : 302,
            target,
            settings.serverTokens,
          );
        }
        const q = target.indexOf("?");
        walk.uri = q === -1 ? target : target.slice(0, q);
        if (rule.flag === "last") return "restart";
        if (rule.flag === "break") break;
      }
      if (walk.uri !== before) state.uri = walk.uri;
    }
    const unix = ex.remotePort === 0 && ex.listen.startsWith("unix:");
    if (!allowed(settings, ex.remoteAddr, unix)) return errorReply(ex, state, 403, 0);
    if (settings.authBasic) {
      let file = passwords.get(settings.authBasic.userFile);
      if (!file) {
        passwords.set(
          settings.authBasic.userFile,
          file = new Htpasswd(settings.authBasic.userFile),
        );
      }
      const verdict = await checkBasicAuth(head, file, settings.authBasic.realm);
      if (verdict !== true) return verdict;
    }
    if (settings.clientMaxBodySize > 0 && head.contentLength > settings.clientMaxBodySize) {
      const reply = errorReply(ex, state, 413, 0);
      return { ...(await reply), close: true };
    }
    if (settings.return) return doReturn(settings, vars, state, ex);
    if (settings.stubStatus) return stubStatusReply(options.stats());
    if (settings.metrics) return metrics.reply(options.stats());

    if (settings.tryFiles) {
      const list = settings.tryFiles;
      for (let i = 0; i < list.length - 1; i++) {
        const candidate = expand(list[i], vars);
        const dir = candidate.endsWith("/");
        const path = mapPath(candidate, settings, location);
        if (typeof path === "number") continue;
        const kind = probe(path, settings);
        if (kind === "file" && !dir || kind === "dir" && dir) {
          state.uri = candidate;
          return await serveStatic(ex, state, candidate, path, settings);
        }
      }
      const fallback = list[list.length - 1];
      if (fallback.startsWith("=")) return errorReply(ex, state, Number(fallback.slice(1)), 0);
      if (fallback.startsWith("@")) {
        const named = site.namedLocation(state.server, fallback.slice(1));
        if (!named) return errorReply(ex, state, 500, 0);
        state.settings = named.settings;
        return await inLocation(ex, state, named, named.settings, walk, vars);
      }
      const target = expand(fallback, vars);
      const q = target.indexOf("?");
      walk.uri = q === -1 ? target : target.slice(0, q);
      return "restart";
    }
    const path = mapPath(walk.uri, settings, location);
    if (typeof path === "number") return errorReply(ex, state, path, 0);
    return await serveStatic(ex, state, walk.uri, path, settings);
  }

  async function serveStatic(
    ex: Exchange,
    state: RequestState,
    uri: string,
    path: string,
    settings: Settings,
  ): Promise<Reply> {
    const reply = await files.serve(ex, uri, path, settings);
    if (typeof reply === "number") return errorReply(ex, state, reply, 0);
    return reply;
  }

  function doReturn(settings: Settings, vars: Vars, state: RequestState, ex: Exchange): Reply {
    const { status, text } = settings.return!;
    if (status >= 300 && status < 400 && status !== 304) {
      if (text === null) return builtinReply(status, settings.serverTokens);
      return redirectReply(status, expand(text, vars), settings.serverTokens);
    }
    if (text === null) return errorReplySync(ex, state, status);
    const body = new TextEncoder().encode(expand(text, vars));
    return { status, headers: ["Content-Type", settings.defaultType], body };
  }

  function errorReplySync(_ex: Exchange, state: RequestState, status: number): Reply {
    return builtinReply(status, state.settings.serverTokens);
  }

  /** `status` through the location's `error_page`, else the built-in page. */
  async function errorReply(
    ex: Exchange,
    state: RequestState,
    status: number,
    depth: number,
  ): Promise<Reply> {
    const settings = state.settings;
    const page = depth < MAX_REDIRECTS
      ? settings.errorPages.find((p) => p.codes.includes(status))
      : undefined;
    if (!page) return builtinReply(status, settings.serverTokens);
    const finalStatus = page.status ?? status;
    if (/^https?:\/\//.test(page.uri)) {
      return redirectReply(page.status ?? 302, page.uri, settings.serverTokens);
    }
    const server = state.server;
    let location: LocationConfig | null;
    let uri = page.uri;
    if (uri.startsWith("@")) {
      location = site.namedLocation(server, uri.slice(1));
      uri = state.uri;
    } else {
      location = site.matchLocation(server, uri).location;
    }
    const pageSettings = location ? location.settings : server.settings;
    // The error page itself is fetched as a GET; its own errors do not loop through error_page.
    const path = mapPath(uri, pageSettings, location);
    if (typeof path === "number") return builtinReply(status, settings.serverTokens);
    const head = { ...ex.head, method: ex.head.method === "HEAD" ? "HEAD" : "GET", headers: [] };
    const reply = await files.serve({ ...ex, head }, uri, path, pageSettings);
    if (typeof reply === "number") return builtinReply(status, settings.serverTokens);
    reply.status = finalStatus;
    return reply;
  }

  // The core names the server as the first server on each address says; a location that says
  // otherwise names it on its replies.
  const listenTokens = new Map<string, boolean>();
  for (const server of [...config.servers].reverse()) {
    for (const listen of server.listen) {
      listenTokens.set(listen.address, server.settings.serverTokens);
    }
  }
  const serverTokensOf = (listen: string) => listenTokens.get(listen) ?? true;

  return {
    async handle(ex: Exchange): Promise<Reply> {
      const server = site.selectServer(ex.listen, ex.head.host);
      const state: RequestState = {
        server,
        settings: server.settings,
        uri: ex.head.path,
        reply: undefined,
      };
      states.set(ex, state);
      let reply: Reply;
      try {
        reply = await answer(ex, state);
      } catch (error) {
        options.log.error(
          `Cannot answer "${ex.head.method} ${ex.head.target}": ${(error as Error).stack ?? error}`,
        );
        reply = builtinReply(500, state.settings.serverTokens);
      }
      const settings = state.settings;
      if (settings.addHeaders.length || settings.expires.kind !== "off") {
        const vars = variables(ex, { uri: state.uri, captures: [] }, server);
        applyHeaders(reply, settings, (text) => expand(text, vars));
      }
      if (settings.gzip) reply = compressReply(ex.head, reply, settings, { cache: compressed });
      if (settings.serverTokens !== serverTokensOf(ex.listen)) {
        reply.server = settings.serverTokens ? SERVER_FULL : SERVER_NAME;
      }
      state.reply = reply;
      return reply;
    },
    completed(done: Completed) {
      metrics.record(done);
      const state = states.get(done.exchange);
      if (state && state.settings.accessLog.length) {
        logs.write(done, state.settings, {
          uri: state.uri,
          serverName: state.server.serverNames[0] ?? "",
          ...(state.reply ? { replyHeaders: state.reply.headers } : {}),
        });
      }
    },
    reopenLogs() {
      logs.reopen();
    },
    close() {
      logs.close();
      return Promise.resolve();
    },
  };
}
