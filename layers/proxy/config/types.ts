/**
 * The proxy's resolved configuration: what `loadProxyConfig()` makes of an `ngw2f.toml` once it
 * is parsed, validated, defaulted and inherited (http level → server → location). Plain JSON
 * data, so the master can send it to thread and process workers alike; workers compile the
 * regexes and templates in it themselves.
 *
 * @module
 */

/** Error-log levels, nginx's names. */
export type ErrorLogLevel = "debug" | "info" | "notice" | "warn" | "error" | "crit";

/** The whole config. */
export interface ProxyConfig {
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
}
