/**
 * The proxy's request pipeline, nginx's phases in order: pick the server by address and Host,
 * normalise the URI, run the server's rewrites and `return`, find the location, run its
 * rewrites, check access (allow/deny, auth_basic), then `return`, the status endpoints,
 * `try_files` or the static file; errors go through `error_page`; `add_header`, `expires` and
 * `gzip` finish the reply. Synchronous unless a step has to wait (auth_basic's bcrypt): the
 * core writes a synchronous reply without a trip through the microtask queue.
 *
 * @module
 */

import type { Logger } from "../gateway/mod.ts";
import { IpRanges } from "../toolkit/mod.ts";
import { builtinReply, redirectReply } from "./_error_pages.ts";
import { serverSignature } from "./http/mod.ts";
import { applyHeaders } from "./_finish.ts";
import { startWalk, variable, type Walk } from "./_variables.ts";
import { checkBasicAuth, Htpasswd } from "./auth/mod.ts";
import { compileSite, compileTemplate, type Site } from "./config/mod.ts";
import type { BalanceMethod, LocationConfig, ProxyConfig, Settings } from "./config/types.ts";
import { CompressionCache, compressReply } from "./gzip/mod.ts";
import { AccessLogs } from "./logs/mod.ts";
import { mapPath, normalizeUri, probe, StaticFiles } from "./static/mod.ts";
import {
  Metrics,
  metricsReply,
  SharedErrors,
  SharedStats,
  type StatusData,
  statusPageReply,
  stubStatusReply,
} from "./status/mod.ts";
import { type Completed, type Exchange, headerOf, type Reply } from "./types.ts";
import {
  HealthChecker,
  type PassRequest,
  ReverseProxy,
  type UpstreamState,
} from "./upstream/mod.ts";
import { type LimitBuffers, Limits } from "./_limits.ts";

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
  /**
   * The workers' shared counters (the master's `SharedArrayBuffer`): status endpoints then
   * answer for every worker. Without it they answer for this worker alone.
   */
  shared?: SharedArrayBuffer;
  /** The upstream groups' peer state the workers share (from the master). */
  upstreamState?: UpstreamState;
  /** Run the groups' active health checks from this worker (one worker does, for all). */
  healthChecks?: boolean;
  /** The limit zones' memory the workers share (from the master), by zone name. */
  limitBuffers?: LimitBuffers;
  /** The ring of recent upstream errors the workers share (from `sharedErrorsBuffer()`). */
  sharedErrors?: SharedArrayBuffer;
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
  /** Publishes this worker's connection counters to the others (call it now and then). */
  publish(): void;
}

/** An upstream method as the config writes it. */
function methodName(method: BalanceMethod): string {
  switch (method.kind) {
    case "hash":
      return `hash ${method.key}${method.consistent ? " consistent" : ""}`;
    case "random":
      return method.two ? "random two" : "random";
    default:
      return method.kind;
  }
}

/** How many internal redirects (rewrite last, try_files, error_page) one request may take. */
const MAX_REDIRECTS = 10;
/** A location step's "look the location up again for the new URI". */
const RESTART = Symbol("restart");
type Step = Reply | Promise<Reply> | typeof RESTART;
/** Where the pipeline keeps its state on an exchange (for the access log). */
const STATE = Symbol("pipeline state");

/** Where a request ended up: what the access log and the finishing step need. */
interface RequestState {
  walk: Walk;
  settings: Settings;
  reply: Reply | undefined;
  /** Set once an error_page took over: its own errors get the built-in page. */
  inErrorPage: boolean;
  /** The URI before any rewrite (proxy_pass sends a changed URI as it is now). */
  firstUri: string;
  /** Gives back this request's limit_conn places and lent upstream bytes (once it is over). */
  release: (() => void) | null;
  /** The reply came from proxy_pass (not compressed: a streamed one cannot be, as before). */
  proxied: boolean;
}

type Tracked = Exchange & { [STATE]?: RequestState };

/**
 * Compiles `config` into the proxy's request handler.
 *
 * @example
 * ```ts ignore
 * const pipeline = createPipeline(config, { log, workerId: 1, stats: () => counters });
 * const core = serveListener(listener, { handler: pipeline.handle, onCompleted: pipeline.completed, ... });
 * ```
 */
export function createPipeline(config: ProxyConfig, options: PipelineOptions): Pipeline {
  const site: Site = compileSite(config);
  const files = new StaticFiles({
    maxFileSize: config.openFileCacheMaxSize,
    totalBytes: config.openFileCacheTotal,
  });
  const shared = options.shared ? new SharedStats(options.shared, options.workerId) : null;
  const metrics = shared?.metrics ?? new Metrics({ worker: String(options.workerId) });
  const compressed = new CompressionCache();
  const startedAt = Date.now();
  const limits = new Limits(config, options.limitBuffers, (text, walk) => expand(text, walk));
  const proxy = new ReverseProxy(config, {
    log: options.log,
    ...(options.upstreamState ? { state: options.upstreamState } : {}),
    ...(options.sharedErrors ? { errors: new SharedErrors(options.sharedErrors) } : {}),
  });
  const checker = options.healthChecks ? new HealthChecker(proxy.allGroups(), options.log) : null;
  checker?.start();
  const logs = new AccessLogs(config);
  const regexes = new Map<string, RegExp>();
  const templates = new Map<string, ReturnType<typeof compileTemplate>>();
  const ranges = new Map<string, IpRanges | null>();
  const passwords = new Map<string, Htpasswd>();
  // The core names the server as the first server on each address says; a location that says
  // otherwise names it on its own replies.
  const listenTokens = new Map<string, boolean>();
  for (const server of [...config.servers].reverse()) {
    for (const listen of server.listen) {
      listenTokens.set(listen.address, server.settings.serverTokens);
    }
  }

  const regex = (source: string) => {
    let compiled = regexes.get(source);
    if (!compiled) regexes.set(source, compiled = new RegExp(source));
    return compiled;
  };
  const expand = (text: string, walk: Walk) => {
    if (!text.includes("$")) return text;
    let compiled = templates.get(text);
    if (!compiled) templates.set(text, compiled = compileTemplate(text));
    return compiled((name) => variable(walk, name));
  };

  const trustedSets = new Map<string[], IpRanges>();
  /**
   * `set_real_ip_from`: when the connection comes from a trusted proxy, the client is the
   * address its `real_ip_header` names (the last of a list; with `real_ip_recursive`, the last
   * one that is not itself trusted).
   */
  function realIp(settings: Settings, ex: Exchange): void {
    let trusted = trustedSets.get(settings.realIpFrom);
    if (!trusted) trustedSets.set(settings.realIpFrom, trusted = new IpRanges(settings.realIpFrom));
    if (!trusted.has(ex.remoteAddr)) return;
    const value = headerOf(ex.head, settings.realIpHeader.toLowerCase());
    if (!value) return;
    const list = value.split(",").map((a) => a.trim()).filter(Boolean);
    let pick = list.at(-1);
    if (settings.realIpRecursive) {
      for (let i = list.length - 1; i >= 0; i--) {
        pick = list[i];
        if (!trusted.has(pick)) break;
      }
    }
    if (pick && /^[0-9a-fA-F:.]+$/.test(pick) && (pick.includes(".") || pick.includes(":"))) {
      ex.remoteAddr = pick;
    }
  }

  function allowed(settings: Settings, ex: Exchange): boolean {
    const unix = ex.remotePort === 0 && ex.listen.startsWith("unix:");
    for (const rule of settings.access) {
      let hit: boolean;
      if (rule.cidr === "all") hit = true;
      else {
        let compiled = ranges.get(rule.cidr);
        if (compiled === undefined) {
          compiled = rule.cidr === "unix:" ? null : new IpRanges([rule.cidr]);
          ranges.set(rule.cidr, compiled);
        }
        hit = compiled === null ? unix : !unix && compiled.has(ex.remoteAddr);
      }
      if (hit) return rule.allow;
    }
    return true;
  }

  /**
   * Runs `rules` on `walk.uri`: a redirect reply, RESTART (`last` in a location), or null to
   * go on (no match, or `break`; at server level `last` and `break` both end the rewrites).
   */
  function rewrite(
    walk: Walk,
    state: RequestState,
    inLocation: boolean,
  ): Reply | typeof RESTART | null {
    for (const rule of state.settings.rewrites) {
      const match = regex(rule.regex).exec(walk.uri);
      if (!match) continue;
      walk.captures = Array.from(match, (c) => c ?? "");
      let target = expand(rule.replacement, walk);
      if (rule.flag === "redirect" || rule.flag === "permanent" || /^https?:\/\//.test(target)) {
        const query = walk.ex.head.query;
        if (!target.includes("?") && query) target += `?${query}`;
        const status = rule.flag === "permanent" ? 301 : 302;
        return redirectReply(status, target, state.settings.serverTokens);
      }
      const q = target.indexOf("?");
      walk.uri = q === -1 ? target : target.slice(0, q);
      if (rule.flag === "last") return inLocation ? RESTART : null;
      if (rule.flag === "break") return null;
    }
    return null;
  }

  function answer(ex: Exchange, state: RequestState): Reply | Promise<Reply> {
    const walk = state.walk;
    const uri = normalizeUri(ex.head.path);
    if (typeof uri === "number") return errorReply(state, uri);
    walk.uri = uri;
    state.firstUri = uri;
    const server = walk.server.settings;
    if (server.rewrites.length) {
      const redirected = rewrite(walk, state, false);
      if (redirected !== null && redirected !== RESTART) return redirected;
    }
    // A server-level return answers before any location is looked for, as in nginx.
    if (server.return) return doReturn(server, walk, state);
    return route(state, 0);
  }

  function route(state: RequestState, hop: number): Reply | Promise<Reply> {
    const walk = state.walk;
    for (; hop <= MAX_REDIRECTS; hop++) {
      const found = site.matchLocation(walk.server, walk.uri);
      const location = found.location;
      if (found.captures.length) walk.captures = found.captures;
      state.settings = location ? location.settings : walk.server.settings;
      const step = inLocation(state, location, hop);
      if (step !== RESTART) return step;
    }
    options.log.error(`Cannot answer: rewrite or internal redirect cycle at "${walk.uri}"`);
    return errorReply(state, 500);
  }

  /** A location's rewrites, access checks and content. */
  function inLocation(state: RequestState, location: LocationConfig | null, hop: number): Step {
    const walk = state.walk;
    const settings = state.settings;
    // The location's own rewrites (not the server's: those ran before the location search).
    if (
      location && settings.rewrites.length && settings.rewrites !== walk.server.settings.rewrites
    ) {
      const rewritten = rewrite(walk, state, true);
      if (rewritten !== null) return rewritten;
    }
    // nginx's preaccess phase: limit_req, then limit_conn.
    if (settings.limitReq.length && !state.inErrorPage) {
      const decision = limits.request(settings, walk);
      if (decision === "reject") return errorReply(state, settings.limitReqStatus);
      if (decision > 0) {
        return new Promise<void>((resolve) => setTimeout(resolve, decision)).then(() => {
          const step = guarded(state, location, hop);
          return step === RESTART ? route(state, hop + 1) : step;
        });
      }
    }
    return guarded(state, location, hop);
  }

  /** A location's limit_conn and access checks, then its content. */
  function guarded(state: RequestState, location: LocationConfig | null, hop: number): Step {
    const walk = state.walk;
    const settings = state.settings;
    if (settings.limitConn.length && !state.inErrorPage && state.release === null) {
      const release = limits.connection(settings, walk);
      if (release === null) return errorReply(state, settings.limitConnStatus);
      state.release = release;
    }
    if (settings.access.length && !allowed(settings, walk.ex)) return errorReply(state, 403);
    const auth = settings.authBasic;
    if (auth) {
      let file = passwords.get(auth.userFile);
      if (!file) passwords.set(auth.userFile, file = new Htpasswd(auth.userFile));
      return checkBasicAuth(walk.ex.head, file, auth.realm).then((verdict) => {
        if (verdict !== true) return verdict;
        const step = content(state, location, hop);
        return step === RESTART ? route(state, hop + 1) : step;
      });
    }
    return content(state, location, hop);
  }

  /** What a location answers once access is granted. */
  function content(state: RequestState, location: LocationConfig | null, hop: number): Step {
    const walk = state.walk;
    const settings = state.settings;
    const head = walk.ex.head;
    if (settings.clientMaxBodySize > 0 && head.contentLength > settings.clientMaxBodySize) {
      const reply = errorReply(state, 413);
      const close = (r: Reply) => ({ ...r, close: true });
      return reply instanceof Promise ? reply.then(close) : close(reply);
    }
    if (settings.return) return doReturn(settings, walk, state);
    if (settings.stubStatus) {
      const own = options.stats();
      return stubStatusReply(shared ? shared.connections(own) : own);
    }
    if (settings.statusPage) return statusPage(walk.ex);
    if (settings.metrics) {
      const own = options.stats();
      return shared ? metricsReply(shared.snapshots(own)) : metrics.reply(own);
    }
    if (settings.proxyPass && !settings.tryFiles) return proxyPass(state, location);
    const tryFiles = settings.tryFiles;
    if (tryFiles) {
      for (let i = 0; i < tryFiles.length - 1; i++) {
        const candidate = expand(tryFiles[i], walk);
        const path = mapPath(candidate, settings, location);
        if (typeof path === "number") continue;
        const kind = probe(path, settings);
        if (candidate.endsWith("/") ? kind === "dir" : kind === "file") {
          walk.uri = candidate;
          return serveStatic(state, candidate, path);
        }
      }
      if (settings.proxyPass) return proxyPass(state, location);
      const fallback = tryFiles[tryFiles.length - 1];
      if (fallback.startsWith("=")) return errorReply(state, Number(fallback.slice(1)));
      if (fallback.startsWith("@")) {
        const named = site.namedLocation(walk.server, fallback.slice(1));
        if (!named) return errorReply(state, 500);
        state.settings = named.settings;
        return inLocation(state, named, hop);
      }
      const target = expand(fallback, walk);
      const q = target.indexOf("?");
      walk.uri = q === -1 ? target : target.slice(0, q);
      return RESTART;
    }
    const path = mapPath(walk.uri, settings, location);
    if (typeof path === "number") return errorReply(state, path);
    return serveStatic(state, walk.uri, path);
  }

  /** The status page (HTML, or JSON with `?format=json`), for every worker. */
  function statusPage(ex: Exchange): Reply {
    const own = options.stats();
    const now = Date.now();
    const data: StatusData = {
      server: serverSignature(true),
      generatedAt: now,
      startedAt,
      connections: shared ? shared.connections(own) : own,
      workers: shared ? shared.snapshots(own) : [metrics.snapshot(own)],
      upstreams: proxy.allGroups().filter((g) => g.config.line > 0).map((group) => ({
        name: group.config.name,
        method: methodName(group.config.method),
        keepalive: group.config.keepalive,
        healthCheck: group.config.healthCheck
          ? { path: group.config.healthCheck.path, interval: group.config.healthCheck.interval }
          : null,
        servers: group.table.snapshot(now),
      })),
      errors: proxy.recentErrors(),
    };
    return statusPageReply(data, ex.head.query, headerOf(ex.head, "accept"));
  }

  /** `proxy_pass`: the upstream's reply, or its failure through error_page. */
  function proxyPass(state: RequestState, location: LocationConfig | null): Promise<Reply> {
    const walk = state.walk;
    const modifier = location?.modifier;
    const prefix = modifier === "" || modifier === "^~" || modifier === "="
      ? location!.pattern
      : null;
    const req: PassRequest = {
      ex: walk.ex,
      settings: state.settings,
      uri: walk.uri,
      uriChanged: walk.uri !== state.firstUri,
      prefix,
      expand: (text) => expand(text, walk),
    };
    return proxy.pass(req).then((reply) => {
      if (typeof reply === "number") return errorReply(state, reply);
      state.proxied = true;
      const done = req.done;
      if (done !== undefined) {
        const before = state.release;
        state.release = before === null ? done : () => {
          before();
          done();
        };
      }
      return reply;
    });
  }

  function serveStatic(state: RequestState, uri: string, path: string): Reply | Promise<Reply> {
    const reply = files.serve(state.walk.ex, uri, path, state.settings);
    return typeof reply === "number" ? errorReply(state, reply) : reply;
  }

  function doReturn(settings: Settings, walk: Walk, state: RequestState): Reply {
    const { status, text } = settings.return!;
    if (status >= 300 && status < 400 && status !== 304) {
      if (text === null) return builtinReply(status, settings.serverTokens);
      return redirectReply(status, expand(text, walk), settings.serverTokens);
    }
    if (text === null) return builtinReply(status, state.settings.serverTokens);
    const body = new TextEncoder().encode(expand(text, walk));
    return { status, headers: ["Content-Type", settings.defaultType], body };
  }

  /**
   * `status` through the location's `error_page` (an internal redirect as a GET: the page's
   * location runs in full, `return` and `try_files` included), else the built-in page. As in
   * nginx, a page's own errors do not go through `error_page` again.
   */
  function errorReply(state: RequestState, status: number): Reply | Promise<Reply> {
    const settings = state.settings;
    const page = state.inErrorPage
      ? undefined
      : settings.errorPages.find((p) => p.codes.includes(status));
    if (!page) return builtinReply(status, settings.serverTokens);
    if (/^https?:\/\//.test(page.uri)) {
      return redirectReply(page.status ?? 302, page.uri, settings.serverTokens);
    }
    state.inErrorPage = true;
    const walk = state.walk;
    const ex = walk.ex;
    const method = ex.head.method === "HEAD" ? "HEAD" : "GET";
    walk.ex = { ...ex, head: { ...ex.head, method, headers: [], contentLength: 0 } };
    let result: Step;
    if (page.uri.startsWith("@")) {
      const named = site.namedLocation(walk.server, page.uri.slice(1));
      if (!named) return builtinReply(status, settings.serverTokens);
      state.settings = named.settings;
      result = inLocation(state, named, 0);
      if (result === RESTART) result = route(state, 1);
    } else {
      const q = page.uri.indexOf("?");
      walk.uri = q === -1 ? page.uri : page.uri.slice(0, q);
      result = route(state, 0);
    }
    const settle = (reply: Reply) => {
      reply.status = page.status ?? status;
      return reply;
    };
    return result instanceof Promise ? result.then(settle) : settle(result);
  }

  function failed(ex: Exchange, state: RequestState, error: unknown): Reply {
    options.log.error(
      `Cannot answer "${ex.head.method} ${ex.head.target}": ${(error as Error)?.stack ?? error}`,
    );
    return builtinReply(500, state.settings.serverTokens);
  }

  /** add_header, expires, gzip and a per-location Server: the last step for every reply. */
  function finish(ex: Exchange, state: RequestState, reply: Reply): Reply {
    const settings = state.settings;
    if (settings.addHeaders.length || settings.expires.kind !== "off") {
      applyHeaders(reply, settings, (text) => expand(text, state.walk));
    }
    if (settings.gzip && !state.proxied) {
      reply = compressReply(ex.head, reply, settings, { cache: compressed });
    }
    if (settings.serverTokens !== (listenTokens.get(ex.listen) ?? true)) {
      reply.server = serverSignature(settings.serverTokens);
    }
    state.reply = reply;
    return reply;
  }

  return {
    handle(ex: Tracked): Reply | Promise<Reply> {
      const server = site.selectServer(ex.listen, ex.head.host);
      const state: RequestState = {
        walk: startWalk(ex, server, ex.head.path),
        settings: server.settings,
        reply: undefined,
        inErrorPage: false,
        firstUri: "",
        release: null,
        proxied: false,
      };
      ex[STATE] = state;
      let reply: Reply | Promise<Reply>;
      try {
        if (server.settings.realIpFrom.length) realIp(server.settings, ex);
        reply = answer(ex, state);
      } catch (error) {
        reply = failed(ex, state, error);
      }
      if (reply instanceof Promise) {
        return reply.then(
          (r) => finish(ex, state, r),
          (error) => finish(ex, state, failed(ex, state, error)),
        );
      }
      return finish(ex, state, reply);
    },
    completed(done: Completed) {
      metrics.record(done);
      const state = (done.exchange as Tracked)[STATE];
      if (state?.release) {
        state.release();
        state.release = null;
      }
      if (state && state.settings.accessLog.length) {
        logs.write(done, state.settings, {
          uri: state.walk.uri,
          serverName: state.walk.server.serverNames[0] ?? "",
          ...(state.reply ? { replyHeaders: state.reply.headers } : {}),
        });
      }
    },
    reopenLogs() {
      logs.reopen();
    },
    publish() {
      shared?.publish(options.stats());
    },
    close() {
      checker?.stop();
      proxy.close();
      logs.close();
      return Promise.resolve();
    },
  };
}
