/**
 * `proxy_pass`: one request to an upstream group and back, nginx's way — the request head
 * rebuilt (nginx's URI replacement, `proxy_set_header`, hop-by-hop fields dropped,
 * `X-Forwarded-*` and `Forwarded` added), the body streamed, a server picked by the group's
 * balancer, failures counted, the next server tried as `proxy_next_upstream` allows, and the
 * upstream's reply streamed back with its own hop-by-hop fields, `Server` and `Date` dropped
 * and `Location` rewritten by `proxy_redirect`. A `101` becomes a tunnel (WebSockets).
 *
 * @module
 */

import type { Logger } from "../../gateway/mod.ts";
import type { ProxyConfig, ProxyPass, Settings } from "../config/types.ts";
import { type BodySource, type Exchange, headerOf, type Reply } from "../types.ts";
import { singleServerGroup, UpstreamGroup, type UpstreamState } from "./group.ts";
import { UpstreamError, type UpstreamRequestOptions, type UpstreamResponse } from "./client.ts";
import { tunnel } from "./tunnel.ts";
import type { RecentError } from "../status/status_data.ts";
import { SharedErrors } from "../status/shared_errors.ts";

/** One request as `proxy_pass` needs it. */
export interface PassRequest {
  /** The exchange. */
  ex: Exchange;
  /** The location's settings (its `proxyPass` is set). */
  settings: Settings;
  /** The URI now (decoded, normalised). */
  uri: string;
  /** Whether a rewrite changed the URI: it then goes as it is now, not as the client sent it. */
  uriChanged: boolean;
  /** The matched prefix of a prefix or exact location, for the URI replacement; else null. */
  prefix: string | null;
  /** Expands a template with the request's variables. */
  expand(template: string): string;
  /**
   * Set by `pass()` when the reply's body is bytes lent from a pooled connection's buffer
   * (a response that came whole with its head): call it once the reply is sent.
   */
  done?: () => void;
}

/** Fields never passed on, either way (RFC 9110 §7.6.1, and what nginx drops). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
]);
/** Upstream fields nginx hides by default (`proxy_pass_header` lets them through). */
const HIDDEN = new Set(["date", "server", "x-pad", "x-accel-expires", "x-accel-redirect"]);
const HIDDEN_PREFIX = "x-accel-";
/** Client fields the proxy sets itself. */
const REPLACED = new Set(["host", "expect", "x-forwarded-for"]);
/** Client fields the proxy replaces when it adds the forwarding fields (`proxy_forwarded`). */
const FORWARDING = new Set(["forwarded", "x-forwarded-host", "x-forwarded-proto"]);
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]);

/** The lower-cased names of a location's `proxy_set_header` list, made once per list. */
const setNamesOf = new WeakMap<readonly { name: string }[], Set<string>>();

/** A path as the upstream gets it: percent-encoded again after normalisation. */
function encodePath(path: string): string {
  return encodeURI(path).replace(/[?#]/g, encodeURIComponent);
}

/** The tokens of a `Connection` field value, lower-cased. */
function connectionTokens(value: string | null): ReadonlySet<string> {
  // Most requests and responses name no tokens, or only keep-alive / close: no Set for them.
  if (!value) return NO_TOKENS;
  if (value === "keep-alive" || value === "Keep-Alive") return KEEP_ALIVE;
  if (value === "close" || value === "Close") return CLOSE;
  const tokens = new Set<string>();
  for (const t of value.split(",")) tokens.add(t.trim().toLowerCase());
  return tokens;
}
const NO_TOKENS: ReadonlySet<string> = new Set();
const KEEP_ALIVE: ReadonlySet<string> = new Set(["keep-alive"]);
const CLOSE: ReadonlySet<string> = new Set(["close"]);

/** Where a `pass()` stands when a try failed (made only then: most requests never fail). */
interface Attempt {
  settings: Settings;
  /** Servers tried so far, the failed one included. */
  tried: number;
  /** `Date.now()` when the request was first passed. */
  started: number;
  signal: AbortSignal | undefined;
  /** Whether the request may run twice. */
  retryable: boolean;
  body: WatchedBody | null;
}

/**
 * Whether another server may be tried after a failure with `condition` (`proxy_next_upstream`
 * and its limits: tries and timeout): a request the upstream may have run (`sent`) only if it
 * may run twice, never once its body was read.
 */
function mayRetry(condition: string, sent: boolean, attempt: Attempt): boolean {
  const { settings, body } = attempt;
  const timeout = settings.proxyNextUpstreamTimeout;
  return settings.proxyNextUpstream.includes(condition) &&
    attempt.tried < (settings.proxyNextUpstreamTries || Infinity) &&
    (timeout <= 0 || Date.now() < attempt.started + timeout * 1000) &&
    !attempt.signal?.aborted && (attempt.retryable || !sent) && !(body?.started ?? false);
}

/** No server tried yet. */
const NONE_TRIED: ReadonlySet<number> = new Set();

/** `Forwarded`'s node syntax: IPv6 in brackets and quotes. */
function forwardedNode(addr: string): string {
  return addr.includes(":") ? `"[${addr}]"` : addr;
}

/** Wraps a body so `done` runs once when it ends, breaks or is cancelled. */
class TrackedBody implements BodySource {
  readonly length: number;
  #inner: BodySource;
  #done: (() => void) | null;

  constructor(inner: BodySource, done: () => void) {
    this.length = inner.length;
    this.#inner = inner;
    this.#done = done;
  }

  async read(): Promise<Uint8Array | null> {
    try {
      const chunk = await this.#inner.read();
      if (chunk === null) this.#finish();
      return chunk;
    } catch (error) {
      this.#finish();
      throw error;
    }
  }

  cancel(): void {
    this.#inner.cancel();
    this.#finish();
  }

  #finish(): void {
    const done = this.#done;
    this.#done = null;
    done?.();
  }
}

/** A request body that remembers whether a byte of it was read (then no retry can replay it). */
class WatchedBody implements BodySource {
  readonly length: number;
  started = false;
  #inner: BodySource;

  constructor(inner: BodySource) {
    this.length = inner.length;
    this.#inner = inner;
  }

  read(): Promise<Uint8Array | null> {
    this.started = true;
    return this.#inner.read();
  }

  cancel(): void {
    this.#inner.cancel();
  }
}

/** A body of known length that is never read (the reply to HEAD keeps its Content-Length). */
function lengthOnly(length: number): BodySource {
  return { length, read: () => Promise.resolve(null), cancel() {} };
}

/** What {@linkcode ReverseProxy} needs besides the config. */
export interface ReverseProxyOptions {
  /** The worker's error log. */
  log: Logger;
  /** The peer state every worker shares (from the master), else this worker's own. */
  state?: UpstreamState;
  /** Where upstream errors are recorded for the status page (shared by the workers). */
  errors?: SharedErrors;
}

/** A status the pipeline renders (through `error_page`): 502 or 504. */
export type PassFailure = 502 | 504;

/**
 * The `proxy_pass` of one worker: its groups (one per `[upstream.NAME]`, and one per bare
 * address), made on first use.
 */
export class ReverseProxy {
  readonly #config: ProxyConfig;
  readonly #options: ReverseProxyOptions;
  readonly #groups = new Map<string, UpstreamGroup>();
  readonly #errors: SharedErrors;

  /** A worker's `proxy_pass` for `config`'s groups. */
  constructor(config: ProxyConfig, options: ReverseProxyOptions) {
    this.#config = config;
    this.#options = options;
    this.#errors = options.errors ?? new SharedErrors();
  }

  /** The group `pass` goes to. */
  group(pass: ProxyPass): UpstreamGroup {
    const name = pass.upstream ?? pass.address!;
    let group = this.#groups.get(name);
    if (!group) {
      const config = pass.upstream
        ? this.#config.upstreams[pass.upstream]
        : singleServerGroup(name);
      const state = this.#options.state;
      const offset = pass.upstream ? state?.offsets[pass.upstream] : undefined;
      group = new UpstreamGroup(
        config,
        state && offset !== undefined ? { buffer: state.buffer, offset } : undefined,
      );
      this.#groups.set(name, group);
    }
    return group;
  }

  /** The last upstream errors (every worker's, with a shared ring), newest first. */
  recentErrors(): RecentError[] {
    return this.#errors.recent();
  }

  #recordError(group: UpstreamGroup, server: string, kind: string, message: string, ex: Exchange) {
    this.#errors.add({
      time: Date.now(),
      upstream: group.config.name,
      server,
      kind,
      message,
      request: `${ex.head.method} ${ex.head.target}`.slice(0, 200),
    });
  }

  /** Every group made so far (for status pages). */
  groups(): UpstreamGroup[] {
    return [...this.#groups.values()];
  }

  /** Every `[upstream.NAME]` group, made now if not yet (health checks, status pages). */
  allGroups(): UpstreamGroup[] {
    for (const name of Object.keys(this.#config.upstreams)) {
      this.group({ raw: "", upstream: name, address: null, proxyHost: name, uri: null });
    }
    return this.groups();
  }

  /** Sends `req` upstream; the reply, or 502/504 for the pipeline to render. */
  async pass(req: PassRequest): Promise<Reply | PassFailure> {
    const { ex, settings } = req;
    const pass = settings.proxyPass!;
    const group = this.group(pass);
    const head = ex.head;
    const body = ex.body ? new WatchedBody(ex.body) : null;
    const upgrade = this.#upgradeOf(ex);
    const requestHead = this.#head(req, pass, group, body, upgrade);
    const method = group.config.method;
    const key = method.kind === "ip_hash"
      ? ex.remoteAddr
      : method.kind === "hash"
      ? req.expand(method.key)
      : undefined;
    const retryable = IDEMPOTENT.has(head.method) || settings.proxyNextUpstream.includes(
      "non_idempotent",
    );
    const signal = settings.proxyTimeout > 0
      ? AbortSignal.timeout(settings.proxyTimeout * 1000)
      : undefined;
    const options: UpstreamRequestOptions = {
      connectTimeout: settings.proxyConnectTimeout * 1000,
      sendTimeout: settings.proxySendTimeout * 1000,
      readTimeout: settings.proxyReadTimeout * 1000,
      method: head.method,
      // A request the upstream may have run is sent again only if it may run twice.
      retryReused: retryable,
      // A small response that comes whole goes out as bytes (the core's one-write hot path).
      whole: true,
    };
    if (signal) options.signal = signal;
    let tried = NONE_TRIED as Set<number>;
    let failure: PassFailure = 502;
    const started = Date.now();

    // The server being tried joins `tried` when the next one is picked (no Set for one try).
    let current = -1;
    while (true) {
      if (current !== -1) {
        if (tried === NONE_TRIED) tried = new Set();
        tried.add(current);
      }
      const now = current === -1 ? started : Date.now();
      const i = group.balancer.pick(group.table, now, tried, key);
      if (i < 0) {
        if (current === -1) {
          this.#options.log.error(
            `No live upstreams in "${group.config.name}" for "${head.method} ${head.target}"`,
          );
        }
        body?.cancel();
        return failure;
      }
      current = i;
      if (!group.table.acquire(i)) continue;
      const address = group.config.servers[i].address;
      let response: UpstreamResponse;
      try {
        response = await group.pool.request(group.addresses[i], requestHead, body, options);
      } catch (error) {
        group.table.release(i);
        const e = error instanceof UpstreamError ? error : null;
        const kind = e?.kind ?? "reset";
        const timedOut = kind === "timeout" || kind === "connect-timeout" ||
          (kind === "aborted" && signal?.aborted === true);
        failure = timedOut ? 504 : 502;
        if (kind !== "aborted") {
          group.table.fail(i, Date.now());
          this.#recordError(group, address, kind, (error as Error).message, ex);
        }
        this.#options.log.error(
          `Upstream "${group.config.name}" server ${address} failed (${kind}): ${
            (error as Error).message
          } for "${head.method} ${head.target}" from ${ex.remoteAddr}`,
        );
        const condition = timedOut
          ? "timeout"
          : kind === "invalid-response"
          ? "invalid_header"
          : "error";
        if (
          mayRetry(condition, e?.sent ?? true, {
            settings,
            tried: tried.size + 1,
            started,
            signal,
            retryable,
            body,
          })
        ) {
          continue;
        }
        body?.cancel();
        return failure;
      }
      const status = response.status;
      const retryOn = `http_${status}`;
      if (
        // Checked here first: the attempt is made only for a status the location retries.
        settings.proxyNextUpstream.includes(retryOn) &&
        mayRetry(retryOn, true, {
          settings,
          tried: tried.size + 1,
          started,
          signal,
          retryable,
          body,
        })
      ) {
        response.body?.cancel();
        response.done?.();
        response.upgraded?.conn.close();
        group.table.release(i);
        if (status !== 403 && status !== 404) group.table.fail(i, Date.now());
        this.#recordError(group, address, retryOn, `answered ${status}`, ex);
        failure = status === 504 ? 504 : 502;
        continue;
      }
      group.table.succeed(i, Date.now());
      return this.#reply(req, pass, response, () => group.table.release(i));
    }
  }

  /** The client's `Upgrade` when it asks for one a proxy can tunnel (a GET on HTTP/1.1). */
  #upgradeOf(ex: Exchange): string | null {
    const head = ex.head;
    if (head.version !== "1.1" || head.method !== "GET") return null;
    const upgrade = headerOf(head, "upgrade");
    if (!upgrade || !connectionTokens(headerOf(head, "connection")).has("upgrade")) return null;
    return upgrade;
  }

  /** The request head for the upstream. */
  #head(
    req: PassRequest,
    pass: ProxyPass,
    group: UpstreamGroup,
    body: BodySource | null,
    upgrade: string | null,
  ): string {
    const { ex, settings } = req;
    const head = ex.head;
    let target: string;
    const query = head.query ? `?${head.query}` : "";
    if (req.uriChanged) target = encodePath(req.uri) + query;
    else if (pass.uri === null) target = head.target;
    else if (req.prefix !== null && req.uri.startsWith(req.prefix)) {
      target = encodePath(pass.uri + req.uri.slice(req.prefix.length)) + query;
    } else target = encodePath(pass.uri) + query;
    const version = settings.proxyHttpVersion;
    let text = `${head.method} ${target} HTTP/${version}\r\n`;
    const set = settings.proxySetHeaders;
    let setNames = setNamesOf.get(set);
    if (!setNames) setNamesOf.set(set, setNames = new Set(set.map((h) => h.name.toLowerCase())));
    if (!setNames.has("host")) text += `Host: ${pass.proxyHost}\r\n`;
    const dropped = connectionTokens(headerOf(head, "connection"));
    const forwarded = settings.proxyForwarded;
    let xff: string | null = null;
    let prior: string | null = null;
    const fields = head.headers;
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i];
      const value = fields[i + 1];
      if (name === "x-forwarded-for") xff = xff === null ? value : `${xff}, ${value}`;
      else if (name === "forwarded") prior = prior === null ? value : `${prior}, ${value}`;
      if (
        HOP_BY_HOP.has(name) || REPLACED.has(name) || dropped.has(name) || setNames.has(name) ||
        (forwarded && FORWARDING.has(name))
      ) continue;
      text += `${name}: ${value}\r\n`;
    }
    // proxy_set_header naming a forwarding field replaces the proxy's own.
    if (forwarded) {
      const addr = ex.remoteAddr;
      const host = headerOf(head, "host") ?? "";
      if (!setNames.has("x-forwarded-for")) {
        text += `X-Forwarded-For: ${xff === null ? addr : `${xff}, ${addr}`}\r\n`;
      }
      if (!setNames.has("x-forwarded-proto")) text += `X-Forwarded-Proto: ${ex.scheme}\r\n`;
      if (host && !setNames.has("x-forwarded-host")) text += `X-Forwarded-Host: ${host}\r\n`;
      if (!setNames.has("forwarded")) {
        const node = `for=${forwardedNode(addr)};proto=${ex.scheme}${
          host && !/[",;\s]/.test(host) ? `;host=${host}` : ""
        }`;
        text += `Forwarded: ${prior === null ? node : `${prior}, ${node}`}\r\n`;
      }
    } else if (xff !== null && !setNames.has("x-forwarded-for")) {
      text += `x-forwarded-for: ${xff}\r\n`;
    }
    for (const { name, value } of set) {
      const expanded = req.expand(value);
      if (expanded !== "" && !/[\r\n]/.test(expanded)) text += `${name}: ${expanded}\r\n`;
    }
    if (upgrade !== null) text += `Upgrade: ${upgrade}\r\nConnection: upgrade\r\n`;
    else if (version === "1.0" || group.config.keepalive === 0) text += "Connection: close\r\n";
    if (body !== null) {
      text += body.length >= 0
        ? `Content-Length: ${body.length}\r\n`
        : "Transfer-Encoding: chunked\r\n";
    }
    return text + "\r\n";
  }

  /** The upstream's response as the client's reply. */
  #reply(
    req: PassRequest,
    pass: ProxyPass,
    response: UpstreamResponse,
    release: () => void,
  ): Reply {
    const settings = req.settings;
    const status = response.status;
    const hide = settings.proxyHideHeaders;
    const show = settings.proxyPassHeaders;
    const headers: string[] = [];
    const upstreamFields = response.headers;
    let connection: ReadonlySet<string> | null = null;
    for (let i = 0; i < upstreamFields.length; i += 2) {
      if (upstreamFields[i] === "connection") {
        connection = connectionTokens(upstreamFields[i + 1]);
      }
    }
    let length = -1;
    let server: string | undefined;
    for (let i = 0; i < upstreamFields.length; i += 2) {
      const name = upstreamFields[i];
      let value = upstreamFields[i + 1];
      if (name === "content-length") length = Number(value);
      if (status === 101 && (name === "upgrade" || name === "connection")) {
        headers.push(name === "upgrade" ? "Upgrade" : "Connection", value);
        continue;
      }
      if (HOP_BY_HOP.has(name) || connection?.has(name)) continue;
      if ((HIDDEN.has(name) || name.startsWith(HIDDEN_PREFIX)) && !show.includes(name)) continue;
      if (hide.includes(name)) continue;
      // The core writes Server (the upstream's, when passed) and always its own Date.
      if (name === "server") {
        server = value;
        continue;
      }
      if (name === "date") continue;
      if (name === "location" || name === "refresh") value = this.#redirect(value, req, pass);
      headers.push(name, value);
    }
    if (status === 101 && response.upgraded) {
      const upstream = response.upgraded;
      const idle = settings.proxyReadTimeout * 1000;
      return {
        status,
        headers,
        body: null,
        upgrade: (client) =>
          tunnel(client.conn, client.early, upstream.conn, upstream.early, idle).finally(release),
      };
    }
    if (response.bytes !== undefined) {
      // The whole body came with the head: the connection is back in the pool, its bytes lent
      // until the reply is sent.
      release();
      req.done = response.done;
      const reply: Reply = { status, headers, body: response.bytes };
      if (server !== undefined) reply.server = server;
      return reply;
    }
    let body: BodySource | null;
    if (response.body !== null) body = new TrackedBody(response.body, release);
    else {
      release();
      body = req.ex.head.method === "HEAD" && length >= 0 ? lengthOnly(length) : null;
    }
    const reply: Reply = { status, headers, body };
    if (server !== undefined) reply.server = server;
    return reply;
  }

  /** `proxy_redirect` applied to a Location or Refresh value. */
  #redirect(value: string, req: PassRequest, pass: ProxyPass): string {
    const rule = req.settings.proxyRedirect;
    if (rule === "off") return value;
    if (rule === "default") {
      const from = `http://${pass.proxyHost}${pass.uri ?? ""}`;
      const to = pass.uri !== null && req.prefix !== null ? req.prefix : "";
      return replacePrefix(value, from, to);
    }
    for (const { from, to } of rule) {
      const replaced = replacePrefix(value, from, req.expand(to));
      if (replaced !== value) return replaced;
    }
    return value;
  }

  /** Closes every group's idle connections. */
  close(): void {
    for (const group of this.#groups.values()) group.close();
  }
}

/** `value` with `from` at its start (or after Refresh's `url=`) replaced by `to`. */
function replacePrefix(value: string, from: string, to: string): string {
  if (value.startsWith(from)) return to + value.slice(from.length);
  const url = /^(\s*\d+\s*;\s*url=)(.*)$/i.exec(value);
  if (url && url[2].startsWith(from)) return url[1] + to + url[2].slice(from.length);
  return value;
}
