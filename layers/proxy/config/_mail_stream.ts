/**
 * `[mail]` / `[[mail.server]]` and `[stream]` / `[[stream.server]]` / `[stream.upstream.NAME]`:
 * nginx's mail and stream blocks. Settings written in `[mail]` or `[stream]` are every server's
 * defaults, as nginx's block-level directives are.
 *
 * @module
 */

import { resolve } from "node:path";
import type { At, Source } from "./_locate.ts";
import { parseAddress } from "./_listen.ts";
import { tables } from "./_server.ts";
import type { Env } from "./_settings.ts";
import { parseLimitConn, parseLimitReq } from "./_proxy_settings.ts";
import { readUpstreams } from "./_upstream.ts";
import { STREAM_VARIABLES, templateProblem } from "./template.ts";
import {
  closest,
  describe,
  expectBool,
  expectChoice,
  expectInt,
  expectNonEmpty,
  expectSize,
  expectString,
  expectStrings,
  expectTable,
  expectTime,
  unknownKey,
} from "./_values.ts";
import type {
  MailServerConfig,
  MailStreamConfig,
  SmtpAuthMethod,
  StreamServerConfig,
  TcpListenConfig,
} from "./mail_stream_types.ts";
import type { LimitConnZoneConfig, LimitReqZoneConfig, ServerConfig } from "./types.ts";

const MAIL_SETTINGS = [
  "protocol",
  "server_name",
  "auth_http",
  "auth_http_header",
  "auth_http_timeout",
  "smtp_auth",
  "smtp_capabilities",
  "starttls",
  "ssl_certificate",
  "ssl_certificate_key",
  "xclient",
  "proxy_smtp_auth",
  "smtp_greeting_delay",
  "smtp_client_buffer",
  "timeout",
  "proxy_timeout",
  "max_errors",
  "limit_conn",
  "limit_req",
];
const MAIL_SERVER_KEYS = ["listen", ...MAIL_SETTINGS];
const MAIL_KEYS = ["server", ...MAIL_SETTINGS];

const STREAM_SETTINGS = [
  "proxy_connect_timeout",
  "proxy_timeout",
  "proxy_protocol",
  "proxy_next_upstream",
  "proxy_next_upstream_tries",
  "proxy_next_upstream_timeout",
  "limit_conn",
];
const STREAM_SERVER_KEYS = ["listen", "proxy_pass", ...STREAM_SETTINGS];
const STREAM_KEYS = ["server", "upstream", ...STREAM_SETTINGS];
/** What a stream upstream group may set: no keep-alive or HTTP health checks for raw TCP. */
const STREAM_UPSTREAM_KEYS = ["server", "method"];

const AUTH_METHODS: SmtpAuthMethod[] = ["plain", "login", "cram-md5", "none"];

/** A value from the server table, else from the block table, else undefined. */
function pick(
  server: Record<string, unknown>,
  block: Record<string, unknown>,
  key: string,
  serverAt: At,
  blockAt: At,
): [unknown, At] {
  if (server[key] !== undefined) return [server[key], serverAt.child(key)];
  return [block[key], blockAt.child(key)];
}

function checkKeys(table: Record<string, unknown>, at: At, keys: string[], where: string) {
  for (const key of Object.keys(table)) {
    if (!keys.includes(key)) at.child(key).fail(unknownKey(key, keys, where));
  }
}

function ms(value: unknown, at: At, fallback: string): number {
  return Math.round(expectTime(value ?? fallback, at) * 1000);
}

function readListen(value: unknown, at: At, prefix: string, ssl: boolean): TcpListenConfig[] {
  if (value === undefined) at.fail("expected a listen address");
  const entries = expectStrings(value, at);
  if (!entries.length) at.fail("expected at least one address");
  const flags = ssl ? ["ssl"] : [];
  return entries.map((entry, i) => {
    const item = Array.isArray(value) ? at.child(i + 1) : at;
    const [address, ...rest] = entry.trim().split(/\s+/);
    for (const flag of rest) {
      if (!flags.includes(flag)) {
        const guess = closest(flag, flags);
        item.fail(`unknown listen parameter "${flag}"${guess ? `; did you mean "${guess}"?` : ""}`);
      }
    }
    const canonical = parseAddress(address ?? "", item, prefix);
    if (canonical.startsWith("unix:")) {
      item.fail("expected a TCP address (unix sockets are HTTP only)");
    }
    return { address: canonical, ssl: rest.includes("ssl") };
  });
}

function checkZoneKeys(
  rules: { zone: string }[],
  zones: Record<string, { key: string }>,
  at: At,
) {
  for (const rule of rules) {
    const problem = templateProblem(zones[rule.zone].key, "stream");
    if (problem) {
      at.fail(
        `names zone "${rule.zone}" whose key has an ${problem}; a connection has only ${
          STREAM_VARIABLES.map((v) => "$" + v).join(", ")
        }`,
      );
    }
  }
}

/** Zones and the config pieces the mail and stream readers check against. */
export interface MailStreamEnv extends Env {
  /** `[limit_req_zone.*]`. */
  reqZones: Record<string, LimitReqZoneConfig>;
  /** `[limit_conn_zone.*]`. */
  connZones: Record<string, LimitConnZoneConfig>;
}

function readMailServer(
  table: Record<string, unknown>,
  at: At,
  block: Record<string, unknown>,
  blockAt: At,
  env: MailStreamEnv,
): MailServerConfig {
  checkKeys(table, at, MAIL_SERVER_KEYS, "a [[mail.server]]");
  const get = (key: string) => pick(table, block, key, at, blockAt);
  const listen = readListen(table.listen, at.child("listen"), env.prefix, true);
  const [protocol, protocolAt] = get("protocol");
  if (protocol !== undefined) expectChoice(protocol, protocolAt, ["smtp"]);
  const [authHttp, authAt] = get("auth_http");
  if (authHttp === undefined) at.fail("expected auth_http (the URL that picks the backend)");
  const url = expectNonEmpty(authHttp, authAt);
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch { /* reported below */ }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    authAt.fail(`expected an http:// or https:// URL, got ${describe(url)}`);
  }
  const [headers, headersAt] = get("auth_http_header");
  const authHttpHeaders = Object.entries(
    headers === undefined ? {} : expectTable(headers, headersAt),
  )
    .map(([name, value]) => {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        headersAt.child(name).fail(`expected a header field name, got ${describe(name)}`);
      }
      const text = expectString(value, headersAt.child(name));
      if (/[\r\n\0]/.test(text)) headersAt.child(name).fail("cannot hold CR, LF or NUL");
      return { name, value: text };
    });
  const [auth, authMethodsAt] = get("smtp_auth");
  const words = auth === undefined
    ? ["plain", "login"]
    : typeof auth === "string"
    ? auth.trim().split(/\s+/)
    : expectStrings(auth, authMethodsAt);
  const smtpAuth = [...new Set(words.map((w) => expectChoice(w, authMethodsAt, AUTH_METHODS)))];
  if (!smtpAuth.length) authMethodsAt.fail("expected at least one method");
  const [caps, capsAt] = get("smtp_capabilities");
  const smtpCapabilities = caps === undefined
    ? ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"]
    : expectStrings(caps, capsAt);
  smtpCapabilities.forEach((cap, i) => {
    const capAt = Array.isArray(caps) ? capsAt.child(i + 1) : capsAt;
    if (!/^[A-Za-z0-9][A-Za-z0-9-]*(?: [\x21-\x7e]+)*$/.test(cap)) {
      capAt.fail(`expected an EHLO keyword with parameters, got ${describe(cap)}`);
    }
    if (/^(AUTH|STARTTLS|XCLIENT)\b/i.test(cap)) {
      capAt.fail(`lists ${cap.split(" ")[0]}: it is added from smtp_auth and starttls`);
    }
  });
  const [starttlsValue, starttlsAt] = get("starttls");
  const starttls = starttlsValue === undefined
    ? "off"
    : starttlsValue === true
    ? "on"
    : starttlsValue === false
    ? "off"
    : expectChoice(starttlsValue, starttlsAt, ["off", "on", "only"]);
  const wantsTls = starttls !== "off" || listen.some((l) => l.ssl);
  let ssl: MailServerConfig["ssl"] = null;
  const [certificate, certificateAt] = get("ssl_certificate");
  const [key, keyAt] = get("ssl_certificate_key");
  if (wantsTls) {
    const why = starttls !== "off" ? `starttls = "${starttls}"` : 'a listen entry has "ssl"';
    if (certificate === undefined) at.fail(`${why} but there is no ssl_certificate`);
    if (key === undefined) at.fail(`${why} but there is no ssl_certificate_key`);
    ssl = {
      certificate: resolve(env.prefix, expectNonEmpty(certificate, certificateAt)),
      key: resolve(env.prefix, expectNonEmpty(key, keyAt)),
    };
  }
  const [name, nameAt] = get("server_name");
  const [xclient, xclientAt] = get("xclient");
  const [proxyAuth, proxyAuthAt] = get("proxy_smtp_auth");
  const [limitConnValue, limitConnAt] = get("limit_conn");
  const [limitReqValue, limitReqAt] = get("limit_req");
  const limitConn = limitConnValue === undefined
    ? []
    : parseLimitConn(limitConnValue, limitConnAt, env);
  checkZoneKeys(limitConn, env.connZones, limitConnAt);
  const limitReq = limitReqValue === undefined
    ? []
    : parseLimitReq(limitReqValue, limitReqAt, env).map(({ zone, burst }) => ({ zone, burst }));
  checkZoneKeys(limitReq, env.reqZones, limitReqAt);
  const [delay, delayAt] = get("smtp_greeting_delay");
  const [buffer, bufferAt] = get("smtp_client_buffer");
  const [timeout, timeoutAt] = get("timeout");
  const [proxyTimeout, proxyTimeoutAt] = get("proxy_timeout");
  const [authTimeout, authTimeoutAt] = get("auth_http_timeout");
  const [maxErrors, maxErrorsAt] = get("max_errors");
  const clientBuffer = buffer === undefined ? 4096 : expectSize(buffer, bufferAt);
  if (clientBuffer < 512) bufferAt.fail("expected at least 512 (RFC 5321's command line length)");
  return {
    line: env.source.line(at.path) ?? 0,
    listen,
    protocol: "smtp",
    serverName: name === undefined ? Deno.hostname() : expectNonEmpty(name, nameAt),
    authHttp: url,
    authHttpHeaders,
    authHttpTimeout: ms(authTimeout, authTimeoutAt, "60s"),
    smtpAuth,
    smtpCapabilities,
    starttls,
    ssl,
    xclient: xclient === undefined ? true : expectBool(xclient, xclientAt),
    proxySmtpAuth: proxyAuth === undefined ? false : expectBool(proxyAuth, proxyAuthAt),
    smtpGreetingDelay: ms(delay, delayAt, "0s"),
    smtpClientBuffer: clientBuffer,
    timeout: ms(timeout, timeoutAt, "60s"),
    proxyTimeout: ms(proxyTimeout, proxyTimeoutAt, "24h"),
    maxErrors: maxErrors === undefined ? 5 : expectInt(maxErrors, maxErrorsAt, 0, 1000),
    limitConn,
    limitReq,
  };
}

function readStreamPass(value: unknown, at: At, upstreams: Set<string>) {
  const raw = expectNonEmpty(value, at);
  if (upstreams.has(raw)) return { raw, upstream: raw, address: null };
  if (raw.startsWith("unix:")) {
    if (!raw.slice(5).startsWith("/")) at.fail('expected an absolute socket path after "unix:"');
    return { raw, upstream: null, address: raw };
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d+)$/.exec(raw);
  if (!match) {
    at.fail(
      `expected a [stream.upstream.NAME] group, HOST:PORT or unix:/PATH, got ${describe(raw)}` +
        (/^[A-Za-z0-9_.-]+$/.test(raw) ? ` (no group "${raw}" is defined)` : ""),
    );
  }
  const port = Number(match[2]);
  if (port < 1 || port > 65535) at.fail(`expected a port from 1 to 65535, got ${port}`);
  return { raw, upstream: null, address: `${match[1].toLowerCase()}:${port}` };
}

function readStreamServer(
  table: Record<string, unknown>,
  at: At,
  block: Record<string, unknown>,
  blockAt: At,
  env: MailStreamEnv,
  upstreams: Set<string>,
): StreamServerConfig {
  checkKeys(table, at, STREAM_SERVER_KEYS, "a [[stream.server]]");
  const get = (key: string) => pick(table, block, key, at, blockAt);
  const listen = readListen(table.listen, at.child("listen"), env.prefix, false);
  if (table.proxy_pass === undefined) at.fail("expected proxy_pass (where connections go)");
  const proxyPass = readStreamPass(table.proxy_pass, at.child("proxy_pass"), upstreams);
  const [protocol, protocolAt] = get("proxy_protocol");
  const proxyProtocol = protocol === undefined || protocol === false || protocol === "off"
    ? false
    : protocol === true || protocol === "on"
    ? "v1"
    : expectChoice(protocol, protocolAt, ["v1", "v2"]);
  const [next, nextAt] = get("proxy_next_upstream");
  const [tries, triesAt] = get("proxy_next_upstream_tries");
  const [nextTimeout, nextTimeoutAt] = get("proxy_next_upstream_timeout");
  const [connect, connectAt] = get("proxy_connect_timeout");
  const [timeout, timeoutAt] = get("proxy_timeout");
  const [limitConnValue, limitConnAt] = get("limit_conn");
  const limitConn = limitConnValue === undefined
    ? []
    : parseLimitConn(limitConnValue, limitConnAt, env);
  checkZoneKeys(limitConn, env.connZones, limitConnAt);
  return {
    line: env.source.line(at.path) ?? 0,
    listen,
    proxyPass,
    proxyConnectTimeout: ms(connect, connectAt, "60s"),
    proxyTimeout: ms(timeout, timeoutAt, "10m"),
    proxyProtocol,
    proxyNextUpstream: next === undefined ? true : expectBool(next, nextAt),
    proxyNextUpstreamTries: tries === undefined ? 0 : expectInt(tries, triesAt, 0),
    proxyNextUpstreamTimeout: ms(nextTimeout, nextTimeoutAt, "0s"),
    limitConn,
  };
}

/** Reads the `mail` and `stream` tables of a config's top level. */
export function readMailStream(
  doc: Record<string, unknown>,
  top: At,
  env: MailStreamEnv,
): MailStreamConfig {
  const mailAt = top.child("mail");
  const mail = doc.mail === undefined ? {} : expectTable(doc.mail, mailAt);
  checkKeys(mail, mailAt, MAIL_KEYS, "[mail]");
  const mailServers = tables(mail.server, mailAt.child("server"), "[[mail.server]]").map(
    ([table, at]) => readMailServer(table, at, mail, mailAt, env),
  );
  const streamAt = top.child("stream");
  const stream = doc.stream === undefined ? {} : expectTable(doc.stream, streamAt);
  checkKeys(stream, streamAt, STREAM_KEYS, "[stream]");
  const upstreamAt = streamAt.child("upstream");
  if (stream.upstream !== undefined) {
    for (const [name, group] of Object.entries(expectTable(stream.upstream, upstreamAt))) {
      checkKeys(
        expectTable(group, upstreamAt.child(name)),
        upstreamAt.child(name),
        STREAM_UPSTREAM_KEYS,
        "a [stream.upstream.NAME]",
      );
    }
  }
  const streamUpstreams = readUpstreams(stream.upstream, upstreamAt, env.source, "stream");
  for (const group of Object.values(streamUpstreams)) group.keepalive = 0;
  const names = new Set(Object.keys(streamUpstreams));
  const streamServers = tables(stream.server, streamAt.child("server"), "[[stream.server]]").map(
    ([table, at]) => readStreamServer(table, at, stream, streamAt, env, names),
  );
  return { mailServers, streamServers, streamUpstreams };
}

/**
 * Checks that no address is listened on by two kinds of server (HTTP, mail, stream) or by two
 * mail or stream servers.
 */
export function checkTcpAddresses(
  http: ServerConfig[],
  extra: MailStreamConfig,
  source: Source,
): void {
  const owners = new Map<string, string>();
  http.forEach((server, i) => {
    for (const l of server.listen) owners.set(l.address, `server[${i + 1}]`);
  });
  const claim = (kind: string, servers: { listen: TcpListenConfig[] }[]) => {
    servers.forEach((server, i) => {
      const path = `${kind}.server[${i + 1}]`;
      for (const [j, l] of server.listen.entries()) {
        // Port 0: each entry gets a free port of its own when the proxy starts.
        if (l.address.endsWith(":0")) continue;
        const owner = owners.get(l.address);
        if (owner !== undefined) {
          const at = source.at(`${path}.listen${server.listen.length > 1 ? `[${j + 1}]` : ""}`);
          at.fail(
            `"${l.address}" is already the address of ${owner} (line ${
              source.line(owner) ?? "?"
            }); one address serves one kind of server`,
          );
        }
        owners.set(l.address, path);
      }
    });
  };
  claim("mail", extra.mailServers);
  claim("stream", extra.streamServers);
}
