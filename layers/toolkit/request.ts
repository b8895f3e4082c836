/**
 * {@linkcode RequestWrapper}: typed, lazy, cached access to a `Request` and its context
 * (Werkzeug's `Request`): the query, cookies, form and files, JSON, the parsed `Accept*`,
 * conditional and range headers, and the client's address behind trusted proxies.
 *
 * @module
 */

import type { Context } from "../gateway/mod.ts";
import { belowRoot } from "./_paths.ts";
import { RequestBody } from "./_request_body.ts";
import { hasToken, parseQuery, splitTarget } from "./_request_parts.ts";
import { checkTrustedProxies, clientAddress, type TrustedProxies } from "./_trusted_proxies.ts";
import { MultiDict } from "./datastructures/multi_dict.ts";
import { UnsupportedMediaType } from "./exceptions.ts";
import type { UploadedFile } from "./form/file_storage.ts";
import type { FormLimits } from "./form/form_parser.ts";
import {
  type CharsetAccept,
  type EncodingAccept,
  type LanguageAccept,
  type MediaAccept,
  parseAccept,
  parseAcceptCharset,
  parseAcceptEncoding,
  parseAcceptLanguage,
} from "./http/accept.ts";
import { type Authorization, parseAuthorization } from "./http/authorization.ts";
import { parseCacheControl, type RequestCacheControl } from "./http/cache_control.ts";
import { parseCookies } from "./http/cookies.ts";
import { parseHttpDate } from "./http/dates.ts";
import { type ETags, parseETags } from "./http/etag.ts";
import { parseOptionsHeader } from "./http/options_header.ts";
import { parseIfRange, parseRangeSpecs, type RangeSpec } from "./http/range.ts";

export type { TrustedProxies } from "./_trusted_proxies.ts";

/** Options of {@linkcode RequestWrapper}: the form limits, and which proxies to trust. */
export interface RequestWrapperOptions extends FormLimits {
  /**
   * Who may set `X-Forwarded-For` for {@linkcode RequestWrapper.remoteAddr}: a list of
   * addresses and CIDR ranges (`"10.0.0.0/8"`, `"::1"`, `"unix:"` for unix-socket peers;
   * the header is walked right to left past trusted addresses, like nginx's `real_ip`), or a
   * hop count (the Nth address from the right, like Werkzeug's `ProxyFix(x_for=N)`).
   * Default: trust nobody. An invalid entry throws a `RangeError` in the constructor.
   */
  trustedProxies?: TrustedProxies;
}

/** Options of {@linkcode RequestWrapper.json}. */
export interface JsonOptions {
  /** Parse whatever the `Content-Type` says; default false (415 unless JSON-typed). */
  force?: boolean;
}

/** The request's `If-Range`: an entity tag or a date. */
export type IfRange = { etag: string; weak: boolean } | { date: Date };

const DIGITS = /^\d+$/;
const NO_OPTIONS: RequestWrapperOptions = {};

/**
 * A `Request` with typed, lazily parsed views: nothing is parsed until read. The URL, args,
 * cookies, Accept*, Authorization, Cache-Control, the body and the form are parsed once and
 * cached; the conditional and range headers (`ifMatch`, `ifModifiedSince`, `range`, ...) are
 * parsed on each read, so each caller gets its own `Date`s and arrays. The body can be read one
 * way: `form()`/`files()`, or `bytes()`/`text()`/`json()` (reading the bytes first still lets
 * `form()` parse them).
 * Uploaded files are removed by {@linkcode RequestWrapper.close}, which runs by itself when
 * `ctx.completed` settles.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestWrapper } from "./request.ts";
 *
 * const request = new RequestWrapper(
 *   new Request("http://example.com/search?q=deno&page=2", {
 *     headers: { cookie: "theme=dark", accept: "text/html;q=0.9, application/json" },
 *   }),
 * );
 * assert.equal(request.path, "/search");
 * assert.equal(request.args.get("q"), "deno");
 * assert.equal(request.args.get("page", { type: Number }), 2);
 * assert.equal(request.cookies.get("theme"), "dark");
 * assert.equal(request.accept.best(["text/html", "application/json"]), "application/json");
 * ```
 */
export class RequestWrapper {
  /** The wrapped request. */
  readonly request: Request;
  /** The context the server passed, if any. */
  readonly ctx: Context | Deno.ServeHandlerInfo | undefined;
  #options: RequestWrapperOptions;
  #url: URL | undefined;
  #pathname: string | undefined;
  #query: string | undefined;
  #path: string | undefined;
  #args: MultiDict<string> | undefined;
  #cookies: MultiDict<string> | undefined;
  #accept: MediaAccept | undefined;
  #acceptLanguages: LanguageAccept | undefined;
  #acceptEncodings: EncodingAccept | undefined;
  #acceptCharsets: CharsetAccept | undefined;
  #authorization: Authorization | null | undefined;
  #cacheControl: RequestCacheControl | undefined;
  #mimetype: [string, Record<string, string>] | undefined;
  #remoteAddr: string | null | undefined;
  #body: RequestBody | undefined;

  /** Wraps `request`; `ctx` supplies the scheme, mount point and client address. */
  constructor(
    request: Request,
    ctx?: Context | Deno.ServeHandlerInfo,
    options: RequestWrapperOptions = NO_OPTIONS,
  ) {
    this.request = request;
    this.ctx = ctx;
    this.#options = options;
    if (options.trustedProxies !== undefined) checkTrustedProxies(options.trustedProxies);
  }

  /** The method, e.g. `"GET"`. */
  get method(): string {
    return this.request.method;
  }

  /** `request.url`, parsed once. */
  get url(): URL {
    return this.#url ??= new URL(this.request.url);
  }

  /** The mount point (`ctx.rootPath`): `""` or `/prefix`. */
  get rootPath(): string {
    const ctx = this.ctx as Partial<Context> | undefined;
    return ctx?.rootPath ?? "";
  }

  #splitTarget(): void {
    const parts = this.#url ? null : splitTarget(this.request.url);
    if (parts) [this.#pathname, this.#query] = parts;
    else [this.#pathname, this.#query] = [this.url.pathname, this.url.search.slice(1)];
  }

  /** The path below {@linkcode RequestWrapper.rootPath}, percent-encoded as in the URL. */
  get path(): string {
    if (this.#path !== undefined) return this.#path;
    if (this.#pathname === undefined) this.#splitTarget();
    return this.#path = belowRoot(this.#pathname!, this.rootPath);
  }

  /** The query string without `?` (still encoded), `""` when there is none. */
  get queryString(): string {
    if (this.#query === undefined) this.#splitTarget();
    return this.#query!;
  }

  /** `path?query` (as Werkzeug's `full_path`, the `?` is always there). */
  get fullPath(): string {
    return `${this.path}?${this.queryString}`;
  }

  /** The query's arguments (read-only). */
  get args(): MultiDict<string> {
    return this.#args ??= parseQuery(this.queryString);
  }

  /** The request headers. */
  get headers(): Headers {
    return this.request.headers;
  }

  /** The cookies sent (read-only). */
  get cookies(): MultiDict<string> {
    return this.#cookies ??= parseCookies(this.request.headers.get("cookie")).freeze();
  }

  /** The parsed `Accept`. */
  get accept(): MediaAccept {
    return this.#accept ??= parseAccept(this.request.headers.get("accept"));
  }

  /** The parsed `Accept-Language`. */
  get acceptLanguages(): LanguageAccept {
    return this.#acceptLanguages ??= parseAcceptLanguage(
      this.request.headers.get("accept-language"),
    );
  }

  /** The parsed `Accept-Encoding`. */
  get acceptEncodings(): EncodingAccept {
    return this.#acceptEncodings ??= parseAcceptEncoding(
      this.request.headers.get("accept-encoding"),
    );
  }

  /** The parsed `Accept-Charset`. */
  get acceptCharsets(): CharsetAccept {
    return this.#acceptCharsets ??= parseAcceptCharset(
      this.request.headers.get("accept-charset"),
    );
  }

  /** The parsed `Authorization`, or `null` when absent or malformed. */
  get authorization(): Authorization | null {
    if (this.#authorization === undefined) {
      this.#authorization = parseAuthorization(this.request.headers.get("authorization"));
    }
    return this.#authorization;
  }

  /** The parsed request `Cache-Control`. */
  get cacheControl(): RequestCacheControl {
    return this.#cacheControl ??= parseCacheControl(this.request.headers.get("cache-control"));
  }

  /** The entity tags of `If-Match` (empty when absent). */
  get ifMatch(): ETags {
    return parseETags(this.request.headers.get("if-match"));
  }

  /** The entity tags of `If-None-Match` (empty when absent). */
  get ifNoneMatch(): ETags {
    return parseETags(this.request.headers.get("if-none-match"));
  }

  /** `If-Modified-Since` as a date, or `null` when absent or malformed. */
  get ifModifiedSince(): Date | null {
    return parseHttpDate(this.request.headers.get("if-modified-since"));
  }

  /** `If-Unmodified-Since` as a date, or `null` when absent or malformed. */
  get ifUnmodifiedSince(): Date | null {
    return parseHttpDate(this.request.headers.get("if-unmodified-since"));
  }

  /** The `Range` specs, or `null` when absent or malformed (resolve them with `parseRange`). */
  get range(): RangeSpec[] | null {
    return parseRangeSpecs(this.request.headers.get("range"));
  }

  /** `If-Range` as an entity tag or a date, or `null` when absent or malformed. */
  get ifRange(): IfRange | null {
    return parseIfRange(this.request.headers.get("if-range"));
  }

  /** The `Content-Type` header, or `null`. */
  get contentType(): string | null {
    return this.request.headers.get("content-type");
  }

  #parsedContentType(): [string, Record<string, string>] {
    if (this.#mimetype) return this.#mimetype;
    const [type, params] = parseOptionsHeader(this.contentType);
    return this.#mimetype = [type.toLowerCase(), params];
  }

  /** The media type without parameters, lower-cased (`""` when there is none). */
  get mimetype(): string {
    return this.#parsedContentType()[0];
  }

  /** The `Content-Type` parameters, e.g. `{ charset: "utf-8" }`. */
  get mimetypeParams(): Record<string, string> {
    return this.#parsedContentType()[1];
  }

  /** `Content-Length` as a number, or `null` when absent or malformed. */
  get contentLength(): number | null {
    const value = this.request.headers.get("content-length")?.trim();
    return value !== undefined && DIGITS.test(value) ? Number(value) : null;
  }

  /** True for `application/json` and `application/*+json`. */
  get isJson(): boolean {
    const type = this.mimetype;
    return type === "application/json" ||
      (type.startsWith("application/") && type.endsWith("+json"));
  }

  /** `ctx.scheme`, or the URL's scheme without a context. */
  get scheme(): string {
    const ctx = this.ctx as Partial<Context> | undefined;
    return ctx?.scheme ?? this.url.protocol.slice(0, -1);
  }

  /** True when the client used HTTPS. */
  get isSecure(): boolean {
    return this.scheme === "https";
  }

  /** The host (and port, if not the default) the client asked for. */
  get host(): string {
    return this.url.host;
  }

  /**
   * The client's IP address: the connected peer, or, when the peer is a trusted proxy (see
   * {@linkcode RequestWrapperOptions.trustedProxies}), the address it forwarded. `null` without
   * a context or for a unix-socket client.
   */
  get remoteAddr(): string | null {
    if (this.#remoteAddr !== undefined) return this.#remoteAddr;
    const addr = this.ctx?.remoteAddr;
    const peer = addr && (addr.transport === "tcp" || addr.transport === "udp")
      ? addr.hostname
      : null;
    const trusted = this.#options.trustedProxies;
    return this.#remoteAddr = trusted === undefined || !this.ctx
      ? peer
      : clientAddress(peer, this.request.headers.get("x-forwarded-for"), trusted);
  }

  /** True for a WebSocket handshake (`GET` with `Upgrade: websocket`). */
  get isWebsocket(): boolean {
    const headers = this.request.headers;
    return this.request.method === "GET" &&
      headers.get("upgrade")?.trim().toLowerCase() === "websocket" &&
      hasToken(headers.get("connection"), "upgrade");
  }

  /** The `User-Agent` header, or `null`. */
  get userAgent(): string | null {
    return this.request.headers.get("user-agent");
  }

  #requestBody(): RequestBody {
    const ctx = this.ctx as Partial<Context> | undefined;
    return this.#body ??= new RequestBody(this.request, ctx?.completed, this.#options);
  }

  /**
   * The whole body, read once and cached; enforces `maxContentLength` (413). Rejects after
   * `form()` has consumed the body.
   */
  bytes(): Promise<Uint8Array> {
    return this.#requestBody().bytes();
  }

  /** The body decoded as UTF-8 (cached). */
  text(): Promise<string> {
    return this.#requestBody().text();
  }

  /**
   * The body parsed as JSON (cached). Throws {@linkcode UnsupportedMediaType} when the
   * request is not JSON-typed (unless `force`), a `BadRequest` (400) on invalid JSON.
   */
  async json<T = unknown>(options?: JsonOptions): Promise<T> {
    if (!options?.force && !this.isJson) {
      throw new UnsupportedMediaType(
        "Cannot read the body as JSON: the Content-Type is not application/json.",
      );
    }
    return await this.#requestBody().json() as T;
  }

  /** The form's fields (urlencoded or multipart), parsed once; see `parseForm` for errors. */
  async form(): Promise<MultiDict<string>> {
    return (await this.#requestBody().form()).form;
  }

  /** The uploaded files, parsed once with the form. */
  async files(): Promise<MultiDict<UploadedFile>> {
    return (await this.#requestBody().form()).files;
  }

  /** Removes the uploaded files' temp files; safe to call more than once. */
  close(): Promise<void> {
    return this.#requestBody().close();
  }

  /** `await using request = new RequestWrapper(…)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
