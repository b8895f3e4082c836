/**
 * The toolkit: Werkzeug's job for ngw2f. HTTP utilities and data structures, request and
 * response wrappers, HTTP errors, static files (shared with the proxy), routing, middleware,
 * an in-process test client and the dev server's debugger and reloader.
 *
 * Everything here works on the standard `Request`/`Response` and the gateway's `Context`, so it
 * runs under `ngw2f dev`, `ngw2f serve`, `deno serve` or in a test.
 *
 * @example Negotiate, then answer conditionally
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeConditional, parseAccept } from "./mod.ts";
 *
 * const request = new Request("http://localhost/", {
 *   headers: { accept: "text/html;q=0.5, application/json", "if-none-match": '"v1"' },
 * });
 * assert.equal(parseAccept(request.headers.get("accept")).best(["text/html", "application/json"]), "application/json");
 * const response = await makeConditional(request, new Response("{}", { headers: { etag: '"v1"' } }));
 * assert.equal(response.status, 304);
 * ```
 *
 * @module
 */

export {
  MultiDict,
  MultiDictFrozenError,
  type MultiDictInit,
  type MultiDictTypeOptions,
} from "./datastructures/multi_dict.ts";
export {
  Accept,
  type AcceptEntry,
  type AcceptRange,
  type AcceptScore,
  CharsetAccept,
  EncodingAccept,
  LanguageAccept,
  MediaAccept,
  parseAccept,
  parseAcceptCharset,
  parseAcceptEncoding,
  parseAcceptLanguage,
} from "./http/accept.ts";
export {
  type Authorization,
  type BasicAuthorization,
  basicAuthorization,
  type BearerAuthorization,
  type Challenge,
  type DigestAuthorization,
  type DigestParams,
  formatWWWAuthenticate,
  type OtherAuthorization,
  parseAuthorization,
  parseWWWAuthenticate,
} from "./http/authorization.ts";
export {
  type CacheControlExtensions,
  type CacheControlInit,
  formatCacheControl,
  parseCacheControl,
  parseResponseCacheControl,
  type RequestCacheControl,
  type ResponseCacheControl,
} from "./http/cache_control.ts";
export {
  evaluatePreconditions,
  evaluatePreconditionsFrom,
  evaluateRange,
  evaluateRangeFrom,
  type HeaderGetter,
  makeConditional,
  type MakeConditionalOptions,
  notModified,
  type Validators,
} from "./http/conditional.ts";
export {
  CookieError,
  type CookieOptions,
  type CookiePriority,
  deleteCookieHeader,
  type DeleteCookieOptions,
  parseCookies,
  parseSetCookie,
  type SameSite,
  serializeCookie,
  type SetCookie,
} from "./http/cookies.ts";
export { formatHttpDate, parseHttpDate } from "./http/dates.ts";
export {
  type EntityTag,
  ETags,
  fileEtag,
  generateEtag,
  parseETags,
  quoteEtag,
  unquoteEtag,
} from "./http/etag.ts";
export { contentTypeFor, isCompressibleType } from "./http/mime.ts";
export {
  dumpHeader,
  dumpOptionsHeader,
  dumpSet,
  type HeaderParamValue,
  HeaderSet,
  parseDict,
  parseList,
  parseOptionsHeader,
  parseSet,
  quoteHeaderValue,
  type QuoteOptions,
  unquoteHeaderValue,
} from "./http/options_header.ts";
export {
  type ByteRange,
  type ByterangesBody,
  type ContentRange,
  formatContentRange,
  frameByteranges,
  parseContentRange,
  parseIfRange,
  parseRange,
  parseRangeSpecs,
  type RangeOptions,
  type RangeSpec,
} from "./http/range.ts";
export { safeJoin, secureFilename } from "./http/security.ts";
export {
  isClientError,
  isEmptyBodyStatus,
  isInformational,
  isRedirect,
  isServerError,
  isSuccess,
  Status,
  STATUS_TEXT,
  type StatusCode,
  statusText,
} from "./http/status.ts";
export {
  type PrecompressedEncoding,
  sendFile,
  sendFromDirectory,
  type StaticFileOptions,
} from "./static_files.ts";
export {
  debugMiddleware,
  type DebugMiddlewareOptions,
  debugResponse,
} from "./dev/debug_middleware.ts";
export type { DescribeErrorOptions } from "./dev/stack_trace.ts";
export { isLoopbackBind } from "./dev/loopback.ts";
export {
  type ReloadingServer,
  type ReloadingServerOptions,
  startReloadingServer,
} from "./dev/dev_server.ts";
export {
  type BodyOptions,
  Client,
  type ClientFetchInit,
  type ClientOptions,
  type ClientRequestInit,
  type CookieFilter,
  CookieJar,
  type CookieSetOptions,
  type FormInit,
  type FormValue,
  type QueryInit,
  type QueryValue,
  RedirectError,
  type RedirectFailure,
  type StoredCookie,
  TestResponse,
} from "./testing/mod.ts";
export {
  BadGateway,
  BadRequest,
  Conflict,
  ContentTooLarge,
  errorToResponse,
  ExpectationFailed,
  FailedDependency,
  Forbidden,
  GatewayTimeout,
  type GenericHttpErrorOptions,
  Gone,
  HttpError,
  httpErrorFor,
  type HttpErrorOptions,
  HttpVersionNotSupported,
  ImATeapot,
  InternalServerError,
  isHttpError,
  LengthRequired,
  Locked,
  MethodNotAllowed,
  NotAcceptable,
  NotFound,
  NotImplemented,
  PreconditionFailed,
  PreconditionRequired,
  RangeNotSatisfiable,
  type RangeNotSatisfiableOptions,
  RequestEntityTooLarge,
  RequestHeaderFieldsTooLarge,
  RequestRedirect,
  RequestTimeout,
  type RetryAfterOptions,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  type UnauthorizedOptions,
  UnavailableForLegalReasons,
  UnprocessableContent,
  UnsupportedMediaType,
  UriTooLong,
} from "./exceptions.ts";
export {
  DEFAULT_SPOOL_THRESHOLD,
  type SpoolOptions,
  UploadedFile,
  type UploadedFileInit,
} from "./form/file_storage.ts";
export {
  DEFAULT_MAX_FORM_MEMORY_SIZE,
  DEFAULT_MAX_FORM_PARTS,
  type FormLimits,
  type ParsedForm,
  parseForm,
} from "./form/form_parser.ts";
export {
  type IfRange,
  type JsonOptions,
  RequestWrapper,
  type RequestWrapperOptions,
  type TrustedProxies,
} from "./request.ts";
export {
  addEtag,
  type AddEtagOptions,
  deleteCookie,
  editHeaders,
  html,
  json,
  redirect,
  setCacheControl,
  setCookie,
  setEtag,
  stream,
  text,
} from "./response.ts";
export { bodyLimit, type BodyLimitOptions } from "./middleware/body_limit.ts";
export {
  compression,
  type CompressionEncoding,
  type CompressionOptions,
} from "./middleware/compression.ts";
export { cors, type CorsOptions, type CorsOrigin } from "./middleware/cors.ts";
export { dispatcher, type DispatcherOptions } from "./middleware/dispatcher.ts";
export { lint, type LintOptions } from "./middleware/lint.ts";
export { profiler, type ProfilerOptions, type RequestProfile } from "./middleware/profiler.ts";
export {
  PROXY_FIX_ORIGINAL,
  proxyFix,
  type ProxyFixOptions,
  type ProxyFixOriginal,
} from "./middleware/proxy_fix.ts";
export {
  getRequestId,
  REQUEST_ID,
  requestId,
  type RequestIdOptions,
} from "./middleware/request_id.ts";
export { sharedData, type SharedDataOptions } from "./middleware/shared_data.ts";
export * from "./routing/routing.ts";
export { IpRanges } from "./ip_ranges.ts";
