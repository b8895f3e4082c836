/**
 * The resolved config of the proxy's mail and stream servers (nginx's `mail {}` and `stream {}`
 * blocks): `[mail]` with `[[mail.server]]`, `[stream]` with `[[stream.server]]` and
 * `[stream.upstream.NAME]`. Plain JSON data, like the rest of {@linkcode ProxyConfig}.
 *
 * @module
 */

import type { UpstreamConfig } from "./types.ts";

/** An SMTP authentication method offered to clients, or `none` (the envelope picks the backend). */
export type SmtpAuthMethod = "plain" | "login" | "cram-md5" | "none";

/** One `listen` entry of a mail or stream server. */
export interface TcpListenConfig {
  /** The canonical address: `0.0.0.0:25`, `[::1]:2525`, `127.0.0.1:465`. */
  address: string;
  /** `ssl`: TLS from the first byte (SMTPS, port 465); mail servers only. */
  ssl: boolean;
}

/** One `[[mail.server]]`, with what it inherits from `[mail]` filled in. */
export interface MailServerConfig {
  /** The line of its `[[mail.server]]` header, for messages. */
  line: number;
  /** Where it listens. */
  listen: TcpListenConfig[];
  /** `protocol`: only `smtp`. */
  protocol: "smtp";
  /** `server_name`: the host name in the greeting and the EHLO reply. Default: the host's. */
  serverName: string;
  /** `auth_http`: the URL of the service that authenticates and picks the backend. */
  authHttp: string;
  /** `auth_http_header`: extra header fields sent to it (`X-Auth-Key`). */
  authHttpHeaders: { name: string; value: string }[];
  /** `auth_http_timeout` in ms. Default 60 s. */
  authHttpTimeout: number;
  /** `smtp_auth`: the methods offered, or `["none"]`. Default `["plain", "login"]`. */
  smtpAuth: SmtpAuthMethod[];
  /** `smtp_capabilities`: EHLO keywords passed on from the backend's. */
  smtpCapabilities: string[];
  /** `starttls`: `off`, `on` (offered), `only` (required before AUTH or MAIL). Default off. */
  starttls: "off" | "on" | "only";
  /** TLS files (absolute) for `starttls` and `listen … ssl`; null when neither. */
  ssl: { certificate: string; key: string } | null;
  /** `xclient`: tell the backend the real client with XCLIENT. Default true. */
  xclient: boolean;
  /** `proxy_smtp_auth`: authenticate to the backend with AUTH PLAIN. Default false. */
  proxySmtpAuth: boolean;
  /** `smtp_greeting_delay` in ms: a client that talks first is refused. Default 0. */
  smtpGreetingDelay: number;
  /** `smtp_client_buffer`: the longest command line, in bytes. Default 4096. */
  smtpClientBuffer: number;
  /** `timeout` in ms: idle time allowed in the dialogue before the backend is reached. Default 60 s. */
  timeout: number;
  /** `proxy_timeout` in ms: idle time allowed while relaying. Default 24 h. */
  proxyTimeout: number;
  /** `max_errors`: protocol errors before the session is closed. Default 5. */
  maxErrors: number;
  /** `limit_conn` rules applied per client connection (zones keyed by stream variables). */
  limitConn: { zone: string; limit: number }[];
  /** `limit_req` rules applied per new connection (`burst`; no delay: over the rate is refused). */
  limitReq: { zone: string; burst: number }[];
}

/** Where a stream server sends connections. */
export interface StreamProxyPass {
  /** As written. */
  raw: string;
  /** The `[stream.upstream.NAME]` group, or null for an address. */
  upstream: string | null;
  /** `host:port` or `unix:/abs.sock` when not a group. */
  address: string | null;
}

/** One `[[stream.server]]`, with what it inherits from `[stream]` filled in. */
export interface StreamServerConfig {
  /** The line of its `[[stream.server]]` header, for messages. */
  line: number;
  /** Where it listens (TCP). */
  listen: TcpListenConfig[];
  /** `proxy_pass`. */
  proxyPass: StreamProxyPass;
  /** `proxy_connect_timeout` in ms. Default 60 s. */
  proxyConnectTimeout: number;
  /** `proxy_timeout` in ms: idle time between two reads either way. Default 10 min. */
  proxyTimeout: number;
  /** `proxy_protocol`: send a PROXY protocol header first (`v1` text, `v2` binary). */
  proxyProtocol: false | "v1" | "v2";
  /** `proxy_next_upstream`: try the next server when one cannot be connected. Default true. */
  proxyNextUpstream: boolean;
  /** `proxy_next_upstream_tries`: most servers tried; 0 unlimited. */
  proxyNextUpstreamTries: number;
  /** `proxy_next_upstream_timeout` in ms; 0 unlimited. */
  proxyNextUpstreamTimeout: number;
  /** `limit_conn` rules (zones keyed by stream variables). */
  limitConn: { zone: string; limit: number }[];
}

/** The `[mail]` and `[stream]` parts of a config. */
export interface MailStreamConfig {
  /** `[[mail.server]]` entries in file order. */
  mailServers: MailServerConfig[];
  /** `[[stream.server]]` entries in file order. */
  streamServers: StreamServerConfig[];
  /** `[stream.upstream.NAME]` groups (no keepalive, no active checks: connection balancing). */
  streamUpstreams: Record<string, UpstreamConfig>;
}
