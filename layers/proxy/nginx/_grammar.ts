/**
 * Which nginx directives take a block and which end with `;`, for nginx's "has no opening
 * {" and "is not terminated by ;" errors. Names in neither list (third-party modules) may
 * take either.
 *
 * @module
 */

/** Directives that always take a `{ … }` block. */
export const BLOCK_DIRECTIVES: ReadonlySet<string> = new Set([
  "events",
  "http",
  "server",
  "location",
  "upstream",
  "types",
  "map",
  "geo",
  "split_clients",
  "if",
  "limit_except",
  "mail",
  "stream",
  "match",
  "charset_map",
]);

/** Blocks that hold a table (`types`, `map`…): their entries are data, not directives. */
export const TABLE_BLOCKS: ReadonlySet<string> = new Set([
  "types",
  "map",
  "geo",
  "split_clients",
  "charset_map",
  "match",
]);

/** Whether directive `name` must open a block inside `parent` (null: the main context). */
export function takesBlock(name: string, parent: string | null): boolean | null {
  if (parent !== null && TABLE_BLOCKS.has(parent)) return null;
  if (name === "server" && parent === "upstream") return false;
  if (BLOCK_DIRECTIVES.has(name)) return true;
  return SIMPLE_DIRECTIVES.has(name) ? false : null;
}

/** Common directives that never take a block. */
export const SIMPLE_DIRECTIVES: ReadonlySet<string> = new Set([
  "include",
  "user",
  "worker_processes",
  "worker_connections",
  "worker_rlimit_nofile",
  "pid",
  "error_log",
  "load_module",
  "daemon",
  "master_process",
  "env",
  "use",
  "multi_accept",
  "log_format",
  "access_log",
  "listen",
  "server_name",
  "root",
  "alias",
  "index",
  "try_files",
  "autoindex",
  "autoindex_format",
  "autoindex_exact_size",
  "autoindex_localtime",
  "return",
  "rewrite",
  "set",
  "add_header",
  "expires",
  "default_type",
  "charset",
  "error_page",
  "client_max_body_size",
  "allow",
  "deny",
  "auth_basic",
  "auth_basic_user_file",
  "gzip",
  "gzip_types",
  "gzip_min_length",
  "gzip_static",
  "gzip_vary",
  "gzip_comp_level",
  "gzip_proxied",
  "etag",
  "if_modified_since",
  "keepalive_timeout",
  "keepalive_requests",
  "client_header_timeout",
  "client_body_timeout",
  "send_timeout",
  "server_tokens",
  "disable_symlinks",
  "stub_status",
  "sendfile",
  "tcp_nopush",
  "tcp_nodelay",
  "types_hash_max_size",
  "ssl_certificate",
  "ssl_certificate_key",
  "ssl_protocols",
  "ssl_ciphers",
  "ssl_prefer_server_ciphers",
  "proxy_pass",
  "proxy_set_header",
  "fastcgi_pass",
  "fastcgi_param",
  "uwsgi_pass",
  "scgi_pass",
  "grpc_pass",
  "internal",
  "limit_req",
  "limit_req_zone",
  "limit_conn",
  "limit_conn_zone",
]);
