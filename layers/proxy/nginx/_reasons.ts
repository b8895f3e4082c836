/**
 * The nginx directives the conversion leaves out on purpose, and the reason it gives for
 * each. Anything neither here nor converted is reported as an unknown directive.
 *
 * @module
 */

/** Reverse proxying and its upstream protocols. */
export const PROXYING =
  "not supported: ngw2f proxies HTTP only (proxy_pass to an HTTP app server such as ngw2f serve or gunicorn)";

const SENDS_FILES = "not needed: ngw2f always sends files this way, with no switch";
const SOCKETS = "not needed: ngw2f sets its socket options itself";
const SIZES = "not needed: ngw2f's tables and buffers have no fixed sizes to tune";
const TLS = "not needed: ngw2f uses Deno's TLS settings (TLS 1.2 and 1.3, modern ciphers)";
const PROCESS = "not needed: ngw2f runs as a process of the user and service manager that start it";
const MODULES = "not needed: ngw2f has no dynamic modules; its features are built in";
const VARIABLES = "not supported: ngw2f has no user-defined variables (set, map, geo)";
const LIMITS = "not supported yet: rate and connection limits";
const HTTP2 = "not supported: ngw2f speaks HTTP/1.1 (and HTTP/1.0)";
const FIXED = "not configurable: ngw2f always behaves as nginx's default";
const FILTERS = "not supported: ngw2f has no response body filters (sub, ssi, addition, xslt)";
const CLIENT_IP = "not supported yet: the client address is the socket's (no real_ip)";

/** Exact directive names and why they are left out. */
const BY_NAME: Record<string, string> = {
  user: PROCESS,
  daemon: PROCESS,
  master_process: PROCESS,
  working_directory: PROCESS,
  worker_rlimit_nofile: PROCESS,
  worker_rlimit_core: PROCESS,
  worker_priority: PROCESS,
  worker_cpu_affinity: PROCESS,
  worker_shutdown_timeout: PROCESS,
  lock_file: PROCESS,
  env: PROCESS,
  thread_pool: PROCESS,
  timer_resolution: PROCESS,
  pcre_jit: "not needed: ngw2f compiles regexes with JavaScript's engine",
  load_module: MODULES,
  use: "not needed: Deno picks the event mechanism",
  multi_accept: "not needed: Deno accepts connections as they come",
  accept_mutex: "not needed: the kernel spreads connections across the workers",
  accept_mutex_delay: "not needed: the kernel spreads connections across the workers",
  sendfile: SENDS_FILES,
  sendfile_max_chunk: SENDS_FILES,
  tcp_nopush: SENDS_FILES,
  tcp_nodelay: SOCKETS,
  aio: SENDS_FILES,
  directio: SENDS_FILES,
  output_buffers: SENDS_FILES,
  postpone_output: SENDS_FILES,
  read_ahead: SENDS_FILES,
  keepalive_requests: "not configurable: ngw2f keeps a connection open while the client wants",
  keepalive_time: "not configurable: ngw2f keeps a connection open while the client wants",
  send_timeout: FIXED,
  reset_timedout_connection: FIXED,
  lingering_close: FIXED,
  lingering_time: FIXED,
  lingering_timeout: FIXED,
  ignore_invalid_headers: FIXED,
  underscores_in_headers: FIXED,
  merge_slashes: FIXED,
  msie_padding: FIXED,
  msie_refresh: FIXED,
  chunked_transfer_encoding: FIXED,
  recursive_error_pages: FIXED,
  server_name_in_redirect: FIXED,
  port_in_redirect: FIXED,
  absolute_redirect: FIXED,
  log_not_found: FIXED,
  log_subrequest: FIXED,
  autoindex_exact_size: FIXED,
  autoindex_localtime: FIXED,
  max_ranges: FIXED,
  open_file_cache:
    "not converted: ngw2f's file cache is sized by open_file_cache_max_size and open_file_cache_total",
  open_file_cache_valid: "not needed: ngw2f's file cache checks files itself",
  open_file_cache_min_uses: "not needed: ngw2f's file cache checks files itself",
  open_file_cache_errors: "not needed: ngw2f's file cache checks files itself",
  open_log_file_cache: "not needed: ngw2f keeps its log files open",
  resolver: PROXYING,
  resolver_timeout: PROXYING,
  upstream: PROXYING,
  set: VARIABLES,
  map: VARIABLES,
  geo: VARIABLES,
  split_clients: VARIABLES,
  if: "not supported: ngw2f has no if blocks; express the condition as locations",
  limit_except: "not supported: ngw2f has no per-method access rules",
  internal:
    "not supported: ngw2f has no internal-only locations, so this location is reachable from outside",
  limit_rate: LIMITS,
  limit_rate_after: LIMITS,
  satisfy: "not supported: ngw2f requires every access check (satisfy all)",
  auth_request: "not supported: ngw2f has no subrequests",
  sub_filter: FILTERS,
  ssi: FILTERS,
  add_before_body: FILTERS,
  add_after_body: FILTERS,
  xslt_stylesheet: FILTERS,
  add_trailer: "not supported: ngw2f sends no trailers",
  http2: HTTP2,
  http3: HTTP2,
  spdy: HTTP2,
  charset_types: "not configurable: ngw2f adds the charset to text, JavaScript, JSON and XML",
  source_charset: "not supported: ngw2f does not convert charsets",
  override_charset: "not supported: ngw2f does not convert charsets",
  charset_map: "not supported: ngw2f does not convert charsets",
  ssl: "deprecated in nginx: add ssl to the listen line instead",
  set_real_ip_from: CLIENT_IP,
  real_ip_header: CLIENT_IP,
  real_ip_recursive: CLIENT_IP,
  root_access: "not supported",
  random_index: "not supported: index files are tried in order",
  empty_gif: "not supported: serve a transparent GIF file instead",
  mp4: "not supported: MP4 files are served as plain files (ranges work)",
  flv: "not supported: FLV files are served as plain files (ranges work)",
  image_filter: "not supported: ngw2f does not transform images",
  secure_link: "not supported: ngw2f has no secure links",
  secure_link_md5: "not supported: ngw2f has no secure links",
  secure_link_secret: "not supported: ngw2f has no secure links",
  userid: "not supported: ngw2f sets no tracking cookies",
  dav_methods: "not supported: ngw2f has no WebDAV",
  create_full_put_path: "not supported: ngw2f has no WebDAV",
  client_body_in_file_only: "not needed: ngw2f pipes request bodies",
  client_body_temp_path: "not needed: ngw2f pipes request bodies",
  client_body_buffer_size: SIZES,
  client_header_buffer_size: SIZES,
  large_client_header_buffers: SIZES,
  connection_pool_size: SIZES,
  request_pool_size: SIZES,
  subrequest_output_buffer_size: SIZES,
  gzip_buffers: SIZES,
  gzip_comp_level: "not configurable: ngw2f picks the compression level",
  gzip_http_version: FIXED,
  gzip_proxied: PROXYING,
  gzip_disable: "not supported: ngw2f compresses for every client that accepts it",
  gzip_vary: "not configurable: ngw2f sends Vary: Accept-Encoding where compression applies",
};

/** Name prefixes (whole families of directives) and why they are left out. */
const BY_PREFIX: [string, string][] = [
  ["proxy_", PROXYING],
  ["fastcgi_", PROXYING],
  ["uwsgi_", PROXYING],
  ["scgi_", PROXYING],
  ["grpc_", PROXYING],
  ["memcached_", PROXYING],
  ["ssl_", TLS],
  ["http2_", HTTP2],
  ["http3_", HTTP2],
  ["quic_", HTTP2],
  ["limit_req", LIMITS],
  ["limit_conn", LIMITS],
  ["sub_filter", FILTERS],
  ["ssi_", FILTERS],
  ["xslt_", FILTERS],
  ["addition_", FILTERS],
  ["mp4_", "not supported: MP4 files are served as plain files (ranges work)"],
  ["image_filter_", "not supported: ngw2f does not transform images"],
  ["userid_", "not supported: ngw2f sets no tracking cookies"],
  ["dav_", "not supported: ngw2f has no WebDAV"],
  ["perl", "not supported: ngw2f has no embedded Perl"],
  ["js_", "not supported: ngw2f has no njs; write a gateway app instead"],
  ["lua_", "not supported: ngw2f has no Lua; write a gateway app instead"],
  ["auth_jwt", "not supported: ngw2f has no JWT auth"],
  ["auth_request_", "not supported: ngw2f has no subrequests"],
  ["variables_hash_", SIZES],
  ["map_hash_", SIZES],
  ["server_names_hash_", SIZES],
  ["types_hash_", SIZES],
  ["proxy_headers_hash_", SIZES],
];

/** The handlers that pass requests on instead of serving files. */
export const PASS_DIRECTIVES: ReadonlySet<string> = new Set([
  "proxy_pass",
  "fastcgi_pass",
  "uwsgi_pass",
  "scgi_pass",
  "grpc_pass",
  "memcached_pass",
]);

/** Directives converted in one place only; elsewhere nginx itself refuses them. */
const PLACED = new Set([
  "listen",
  "server_name",
  "location",
  "server",
  "worker_processes",
  "worker_connections",
  "pid",
  "events",
  "http",
  "log_format",
  "mail",
  "stream",
]);

/** Why `name` is deliberately not converted, or null when it is not a known leftover. */
export function reasonFor(name: string): string | null {
  if (PLACED.has(name)) return `"${name}" directive is not allowed here`;
  if (name === "error_log") return "not supported: ngw2f has one error log, set at the top level";
  if (Object.hasOwn(BY_NAME, name)) return BY_NAME[name];
  for (const [prefix, why] of BY_PREFIX) if (name.startsWith(prefix)) return why;
  return null;
}
