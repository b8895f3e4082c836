/**
 * The proxy's resolved configuration: what `loadProxyConfig()` makes of an `ngw2f.toml` once it
 * is parsed, validated, defaulted and inherited (http level → server → location). Plain JSON
 * data, so the master can send it to thread and process workers alike; workers compile the
 * regexes and templates in it themselves.
 *
 * @module
 */

import type { MailStreamConfig } from "./mail_stream_types.ts";

/** Error-log levels, nginx's names. */
export type ErrorLogLevel = "debug" | "info" | "notice" | "warn" | "error" | "crit";

/** The whole config: HTTP servers, and the mail and stream servers of {@linkcode MailStreamConfig}. */
export interface ProxyConfig extends MailStreamConfig {
  /** The config file's absolute path, or `"(built-in)"` for the default config. */
  file: string;
  /** The prefix (`-p`): relative paths in the file resolve against it. Absolute. */
  prefix: string;
  /** Worker count (`workers = "auto"` resolved to the CPU count). */
  workers: number;
  /** Most open client connections per worker (nginx's worker_connections). */
  workerConnections: number;
  /** The pid file's absolute path, or null for none. */
  pid: string | null;
  /** Where the error log goes (`"-"`: stderr) and from which level. */
  errorLog: { path: string; level: ErrorLogLevel };
  /** Named access-log formats; always holds `combined` (and `main`, its alias). */
  logFormats: Record<string, LogFormat>;
  /** Largest file kept in memory by the static file cache, in bytes (0: no memory cache). */
  openFileCacheMaxSize: number;
  /** Total bytes the static file cache may hold per worker. */
  openFileCacheTotal: number;
  /** The servers, in file order. */
  servers: ServerConfig[];
  /** `[upstream.NAME]` groups, by name. */
  upstreams: Record<string, UpstreamConfig>;
  /** `[limit_req_zone.NAME]`: shared request-rate zones, by name. */
  limitReqZones: Record<string, LimitReqZoneConfig>;
  /** `[limit_conn_zone.NAME]`: shared connection-count zones, by name. */
  limitConnZones: Record<string, LimitConnZoneConfig>;
  /**
   * `worker_shutdown_timeout`: how long a retiring worker (reload, quit) lets open connections
   * (WebSockets, slow downloads) run before it cuts them, in ms. Default 30 s.
   */
  workerShutdownTimeout: number;
}

/** One `server` entry of an upstream group. */
export interface UpstreamServerConfig {
  /** `127.0.0.1:8001`, `[::1]:8001`, `backend.internal:8001` or `unix:/abs/path.sock`. */
  address: string;
  /** `weight=N`. Default 1. */
  weight: number;
  /** `max_fails=N`: failures within `fail_timeout` that mark it failed; 0 never. Default 1. */
  maxFails: number;
  /** `fail_timeout`: the failure window and how long a failed server rests, in ms. Default 10 s. */
  failTimeout: number;
  /** `backup`: used only when every primary server is unavailable. */
  backup: boolean;
  /** `down`: never used. */
  down: boolean;
  /** `max_conns=N`: most active connections to it at once, all workers; 0 unlimited. */
  maxConns: number;
}

/** How an upstream group picks a server. */
export type BalanceMethod =
  | { kind: "round_robin" }
  | { kind: "least_conn" }
  | { kind: "ip_hash" }
  /** `hash KEY [consistent]`: KEY holds variables (`$request_uri`). */
  | { kind: "hash"; key: string; consistent: boolean }
  /** `random [two]`: `two` picks the less loaded of two random servers. */
  | { kind: "random"; two: boolean };

/** An upstream's active health check (nginx Plus's `health_check`, free here). */
export interface HealthCheckConfig {
  /** Time between two checks of a server, in ms. */
  interval: number;
  /** A check's deadline, in ms. */
  timeout: number;
  /** The path requested (GET). */
  path: string;
  /** Statuses that count as healthy: `[from, to]` inclusive. Default 200–399. */
  status: [number, number];
  /** Consecutive passes that bring a server back. */
  rise: number;
  /** Consecutive failures that take a server out. */
  fall: number;
}

/** One `[upstream.NAME]`. */
export interface UpstreamConfig {
  /** Its name (`proxy_pass = "http://NAME"`). */
  name: string;
  /** The line of its table, for messages. */
  line: number;
  /** Its servers, in file order. */
  servers: UpstreamServerConfig[];
  /** How a server is picked. */
  method: BalanceMethod;
  /** Idle keep-alive connections kept per server and worker; 0: none. Default 32. */
  keepalive: number;
  /** How long an idle upstream connection is kept, in ms. Default 60 s. */
  keepaliveTimeout: number;
  /** Requests per upstream connection before it is closed. Default 1000. */
  keepaliveRequests: number;
  /** Active health checks, or null (passive only). */
  healthCheck: HealthCheckConfig | null;
}

/** One `[limit_req_zone.NAME]`. */
export interface LimitReqZoneConfig {
  /** Its name (`limit_req = { zone = "NAME" }`). */
  name: string;
  /** The key, with variables (`$binary_remote_addr`); an empty value is not limited. */
  key: string;
  /** Bytes of shared state (`"10m"`). */
  size: number;
  /** Requests per second (`"10r/s"` → 10, `"30r/m"` → 0.5). */
  rate: number;
}

/** One `[limit_conn_zone.NAME]`. */
export interface LimitConnZoneConfig {
  /** Its name. */
  name: string;
  /** The key, with variables; an empty value is not limited. */
  key: string;
  /** Bytes of shared state. */
  size: number;
}

/** Where `proxy_pass` sends requests. */
export interface ProxyPass {
  /** As written. */
  raw: string;
  /** The upstream group's name, or null when the target is an address. */
  upstream: string | null;
  /** The address when not a group: `127.0.0.1:8001`, `host:port`, `unix:/abs.sock`. */
  address: string | null;
  /** The Host the upstream is sent by default (nginx's `$proxy_host`). */
  proxyHost: string;
  /** The URI part (`/api/`), or null when none was given (the request URI goes as it came). */
  uri: string | null;
}

/** A `log_format`. */
export interface LogFormat {
  /** The format with nginx variables (`$remote_addr - $remote_user [$time_local] ...`). */
  format: string;
  /** How variable values are escaped: nginx's `escape=default|json|none`. */
  escape: "default" | "json" | "none";
}

/** One `listen` entry. */
export interface ListenConfig {
  /**
   * The canonical address: `0.0.0.0:8080`, `[::]:8080`, `127.0.0.1:8080`, `[::1]:8080`,
   * `unix:/abs/path.sock`. `:8080` and `8080` mean `0.0.0.0:8080`, as in nginx.
   */
  address: string;
  /** `default_server`: the server for requests whose Host matches no server_name here. */
  defaultServer: boolean;
  /** `ssl`: TLS on this address (the server's ssl_certificate / ssl_certificate_key). */
  ssl: boolean;
  /** `http2` (nginx's older `listen … ssl http2`): offer HTTP/2; set only when written. */
  http2?: boolean;
}

/** One `[[server]]`. */
export interface ServerConfig {
  /** The line of its `[[server]]` header, for messages. */
  line: number;
  /** Where it listens. */
  listen: ListenConfig[];
  /**
   * Its names as written: exact (`example.com`), wildcard (`*.example.com`, `www.example.*`),
   * `.example.com` (the name and every subdomain), regex (`~^www\d+\.example\.net$`), `""`.
   */
  serverNames: string[];
  /** TLS files (absolute), when any listen entry has `ssl`. */
  ssl: { certificate: string; key: string } | null;
  /** The server's own settings (used when no location matches). */
  settings: Settings;
  /** Its locations in file order, named ones (`@name`) included, settings already inherited. */
  locations: LocationConfig[];
}

/** One `[[server.location]]`. */
export interface LocationConfig {
  /** The line of its `[[server.location]]` header, for messages. */
  line: number;
  /** `match` as written: `/`, `= /`, `^~ /static/`, `~ \.php$`, `~* \.png$`, `@fallback`. */
  match: string;
  /** The modifier: `""` (prefix), `=`, `^~`, `~`, `~*` or `@` (named). */
  modifier: "" | "=" | "^~" | "~" | "~*" | "@";
  /** The prefix or exact path, the regex source, or the name (without `@`). */
  pattern: string;
  /** Its settings: the server's, overridden by what the location sets. */
  settings: Settings;
}

/** `expires`. */
export type Expires =
  | { kind: "off" }
  /** `Expires: Thu, 01 Jan 1970 00:00:01 GMT`, `Cache-Control: no-cache`. */
  | { kind: "epoch" }
  /** `Expires: Thu, 31 Dec 2037 23:55:55 GMT`, `Cache-Control: max-age=315360000`. */
  | { kind: "max" }
  /** Seconds from now; negative gives `Cache-Control: no-cache`. */
  | { kind: "seconds"; seconds: number };

/** One `error_page` entry: `error_page 500 502 =200 /50x.html`. */
export interface ErrorPage {
  /** The statuses it catches. */
  codes: number[];
  /** `=CODE`: the status to answer with instead; `null` keeps the original one. */
  status: number | null;
  /** The URI (internal redirect), a `@named` location, or an absolute URL (302). */
  uri: string;
}

/** The directives that apply to a request, after inheritance. */
export interface Settings {
  /** `root`: absolute path, or null when unset. */
  root: string | null;
  /** `alias` (location only): absolute path, or null. A trailing slash is kept as written. */
  alias: string | null;
  /** `index` files, in order. Default `["index.html"]`. */
  index: string[];
  /** `try_files`: the candidates then the fallback (`=404`, `/uri`, `@name`); null unset. */
  tryFiles: string[] | null;
  /** `autoindex`: list directories that have no index file. */
  autoindex: boolean;
  /** `autoindex_format`. */
  autoindexFormat: "html" | "json";
  /** `return`: status and URL (3xx) or body text (others), with variables; null unset. */
  return: { status: number; text: string | null } | null;
  /** `rewrite` rules in order: regex source, replacement (with `$1`, variables), flag. */
  rewrites: {
    regex: string;
    replacement: string;
    flag: "" | "last" | "break" | "redirect" | "permanent";
  }[];
  /** `add_header` entries in order (values may hold variables). */
  addHeaders: { name: string; value: string; always: boolean }[];
  /** `expires`. */
  expires: Expires;
  /** `default_type`. Default `application/octet-stream`. */
  defaultType: string;
  /** `charset` added to text types (`text/*`, JS, JSON, XML); null for none. Default `utf-8`. */
  charset: string | null;
  /** `[types]` overrides: lower-case extension → MIME type (on top of mime-db). */
  types: Record<string, string>;
  /** `error_page` entries. */
  errorPages: ErrorPage[];
  /** `client_max_body_size` in bytes; 0 for no limit. Default 1 MiB. */
  clientMaxBodySize: number;
  /** `allow`/`deny` rules in order: CIDR (`10.0.0.0/8`, `::1`, `unix:`) or `all`. */
  access: { allow: boolean; cidr: string }[];
  /** `auth_basic` realm and the htpasswd file (absolute); null when off. */
  authBasic: { realm: string; userFile: string } | null;
  /** `gzip`: compress text responses on the fly (br when the client prefers it). */
  gzip: boolean;
  /** `gzip_types` (text/html is always included). */
  gzipTypes: string[];
  /** `gzip_min_length` in bytes. Default 20. */
  gzipMinLength: number;
  /** `gzip_static`: serve `file.br` / `file.gz` when present and accepted. */
  gzipStatic: boolean;
  /** `etag`. Default true. */
  etag: boolean;
  /** `if_modified_since`. Default `exact`. */
  ifModifiedSince: "exact" | "before" | "off";
  /** `keepalive_timeout` in seconds; 0 disables keep-alive. Default 75. */
  keepaliveTimeout: number;
  /** `client_header_timeout` in seconds. Default 60. */
  clientHeaderTimeout: number;
  /** `client_body_timeout` in seconds. Default 60. */
  clientBodyTimeout: number;
  /** `server_tokens`: name the server and version in `Server` and error pages. Default true. */
  serverTokens: boolean;
  /** `http2`: offer HTTP/2 by ALPN on `ssl` addresses (per address). Default true. */
  http2: boolean;
  /** `access_log` targets (absolute path or `"-"` for stdout, format name); `[]` is off. */
  accessLog: { path: string; format: string }[];
  /** `disable_symlinks`: `off` follows any, `on` refuses any, `if_outside_root` (default). */
  disableSymlinks: "off" | "on" | "if_outside_root";
  /** `hidden_files`: serve dot-files (`.env`, `.git/`); default false: they answer 404. */
  hiddenFiles: boolean;
  /** `stub_status`: this location answers nginx's stub_status text. */
  stubStatus: boolean;
  /** `metrics`: this location answers Prometheus text metrics. */
  metrics: boolean;
  /** `status_page`: this location answers the status page (HTML, JSON with `?format=json`). */
  statusPage: boolean;
  /** `proxy_pass` (location only), or null. */
  proxyPass: ProxyPass | null;
  /** `proxy_set_header` entries (values with variables; `""` removes the field). */
  proxySetHeaders: { name: string; value: string }[];
  /** `proxy_hide_header`: upstream fields not passed on (lower-case). */
  proxyHideHeaders: string[];
  /** `proxy_pass_header`: fields passed on that are hidden by default (lower-case). */
  proxyPassHeaders: string[];
  /** `proxy_redirect`: `default`, `off`, or rewrites of Location/Refresh prefixes. */
  proxyRedirect: "default" | "off" | { from: string; to: string }[];
  /** `proxy_connect_timeout` in seconds. Default 60. */
  proxyConnectTimeout: number;
  /** `proxy_read_timeout` in seconds (between two reads; also a tunnel's idle time). Default 60. */
  proxyReadTimeout: number;
  /** `proxy_send_timeout` in seconds. Default 60. */
  proxySendTimeout: number;
  /** `proxy_timeout`: a deadline for the whole upstream exchange, in seconds; 0 none. */
  proxyTimeout: number;
  /**
   * `proxy_next_upstream`: when to try the next server — `error`, `timeout`, `invalid_header`,
   * `http_500`, `http_502`, `http_503`, `http_504`, `http_403`, `http_404`, `http_429`,
   * `non_idempotent`; `[]` is `off`. Default `["error", "timeout"]`.
   */
  proxyNextUpstream: string[];
  /** `proxy_next_upstream_tries`: most servers tried; 0 unlimited. */
  proxyNextUpstreamTries: number;
  /** `proxy_next_upstream_timeout` in seconds; 0 unlimited. */
  proxyNextUpstreamTimeout: number;
  /**
   * `proxy_buffering`: `true` lets a response's chunks gather before they go out; `false`
   * sends each as it arrives. Event streams and upgrades are always unbuffered.
   */
  proxyBuffering: boolean;
  /** `proxy_forwarded`: add `X-Forwarded-For/-Proto/-Host` and `Forwarded`. Default true. */
  proxyForwarded: boolean;
  /** `proxy_http_version`. Default `"1.1"` (keep-alive to upstreams). */
  proxyHttpVersion: "1.0" | "1.1";
  /** `set_real_ip_from`: trusted proxies (CIDRs) whose `real_ip_header` names the client. */
  realIpFrom: string[];
  /** `real_ip_header`. Default `X-Forwarded-For`. */
  realIpHeader: string;
  /** `real_ip_recursive`: skip every trusted address from the right of the list. */
  realIpRecursive: boolean;
  /** `limit_req` rules, all applied. */
  limitReq: { zone: string; burst: number; nodelay: boolean; delay: number }[];
  /** `limit_req_status`. Default 503. */
  limitReqStatus: number;
  /** `limit_conn` rules, all applied. */
  limitConn: { zone: string; limit: number }[];
  /** `limit_conn_status`. Default 503. */
  limitConnStatus: number;
}
