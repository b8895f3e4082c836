/**
 * nginx's `mail {}` converted: its settings become `[mail]` (every server's defaults, as in
 * nginx) and each SMTP `server {}` a `[[mail.server]]`. IMAP and POP3 servers, and servers nginx
 * itself would refuse (no `listen`, no `auth_http`, TLS without a certificate), are left out
 * whole.
 *
 * @module
 */

import { bytes, type Context, skip } from "./_context.ts";
import {
  applyRule,
  convertListen,
  type Fail,
  flag,
  integer,
  type Listen,
  type MailStreamState,
  MANY,
  one,
  reasonIn,
  type Rule,
  text,
  timeValue,
} from "./_convert_tcp.ts";
import type { Table } from "./_toml.ts";
import type { NginxDirective } from "./parse.ts";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** An EHLO keyword and its parameters, as the config reader takes them. */
const CAPABILITY = /^[A-Za-z0-9][A-Za-z0-9-]*(?: [\x21-\x7e]+)*$/;
const SMTP_ONLY = "not supported: ngw2f's mail proxy speaks SMTP only";
const AUTH_WORDS = ["plain", "login", "cram-md5", "none", "external"];
/** nginx's well-known mail ports, by which it picks a server's protocol when none is set. */
const PORTS: Record<string, string> = {
  25: "smtp",
  465: "smtp",
  587: "smtp",
  143: "imap",
  993: "imap",
  110: "pop3",
  995: "pop3",
};

function authHttp([url]: string[], fail: Fail): string | undefined {
  if (url.startsWith("unix:")) {
    return fail("not supported: a unix socket; ngw2f calls auth_http over TCP");
  }
  // nginx takes the URL with or without http://.
  const full = /^https?:\/\//i.test(url) ? url : `http://${url}`;
  try {
    if (new URL(full).hostname) return full;
  } catch { /* reported below */ }
  return fail(`invalid URL "${url}"`);
}

function smtpAuth(args: string[], fail: Fail): string[] | undefined {
  const bad = args.find((word) => !AUTH_WORDS.includes(word));
  if (bad !== undefined) return fail(`invalid value "${bad}"`);
  const kept = [...new Set(args.filter((word) => word !== "external"))];
  if (args.includes("external")) {
    const why = "ngw2f has no EXTERNAL authentication (client certificates)";
    if (!kept.length) return fail(`not supported: ${why}`);
    fail(`converted without "external": ${why}`);
  }
  return kept;
}

function smtpCapabilities(args: string[], fail: Fail): string[] {
  const list = (words: string[]) => words.map((w) => `"${w}"`).join(", ");
  const malformed = args.filter((cap) => !CAPABILITY.test(cap));
  const own = args.filter((cap) => CAPABILITY.test(cap) && /^(AUTH|STARTTLS|XCLIENT)\b/i.test(cap));
  if (malformed.length) {
    fail(`converted without ${list(malformed)}: not an EHLO keyword and its parameters`);
  }
  if (own.length) {
    fail(
      `converted without ${list(own)}: ngw2f adds AUTH and STARTTLS from smtp_auth and starttls`,
    );
  }
  return args.filter((cap) => !malformed.includes(cap) && !own.includes(cap));
}

function certificate([path]: string[], fail: Fail): string | undefined {
  return path.includes("$") ? fail("not supported: variables in certificate paths") : path;
}

/** The settings of `mail {}` and its servers, by nginx name (= the TOML key). */
const MAIL_RULES: Record<string, Rule> = {
  server_name: one(text),
  auth_http: one(authHttp),
  auth_http_timeout: one(timeValue),
  smtp_auth: { args: [1, MANY], convert: smtpAuth },
  smtp_capabilities: { args: [1, MANY], convert: smtpCapabilities },
  starttls: one(([arg], fail) =>
    ["on", "off", "only"].includes(arg)
      ? arg
      : fail(`invalid value "${arg}": it must be "on", "off" or "only"`)
  ),
  ssl_certificate: one(certificate),
  ssl_certificate_key: one(certificate),
  xclient: one(flag),
  proxy_smtp_auth: one(flag),
  smtp_greeting_delay: one(timeValue),
  smtp_client_buffer: one(([arg], fail) => {
    const n = bytes(arg);
    if (n === null) return fail(`invalid value "${arg}"`);
    if (n < 512) return fail("not supported: ngw2f takes at least 512 (RFC 5321's line length)");
    return /^\d+$/.test(arg) ? n : arg;
  }),
  timeout: one(timeValue),
  proxy_timeout: one(timeValue),
  max_errors: one(integer(0, 1000)),
};

const MAIL_REASONS: Record<string, string> = {
  proxy: "not needed: ngw2f's mail servers always proxy",
  resolver_timeout: "not needed: ngw2f does not look up mail clients' host names",
  auth_http_pass_client_cert: "not supported: ngw2f sends auth_http no client certificate",
  proxy_buffer: "not needed: ngw2f's mail proxy has no buffer size to tune",
  proxy_pass_error_message: "not configurable: [mail] has no such switch",
  proxy_protocol:
    "not supported: ngw2f tells the backend who the client is with XCLIENT (xclient), not the PROXY protocol",
  set_real_ip_from: "not supported: ngw2f's mail servers do not read the PROXY protocol",
  listen: '"listen" directive is not allowed here',
  protocol: '"protocol" directive is not allowed here',
  server: '"server" directive is not allowed here',
};
const MAIL_PREFIXES: [string, string][] = [
  ["imap_", SMTP_ONLY],
  ["pop3_", SMTP_ONLY],
  ["proxy_", "not supported by ngw2f's mail proxy"],
];

/** One directive of `mail {}` or of a mail `server {}` into `table`, or reported. */
function convertMailSetting(directive: NginxDirective, table: Table, context: Context) {
  const { name, args } = directive;
  if (name === "ssl_certificate" || name === "ssl_certificate_key") {
    if (name in table) {
      return skip(
        context,
        directive,
        "not supported: one certificate per server (the first is kept)",
      );
    }
  }
  if (name === "auth_http_header") {
    const fail = (why: string) => skip(context, directive, why);
    const [field, value] = args;
    const headers = (table.auth_http_header ?? {}) as Table;
    if (args.length !== 2) {
      return fail('invalid number of arguments in "auth_http_header" directive');
    }
    if (!TOKEN.test(field)) return fail(`invalid header name "${field}"`);
    if (/[\r\n\0]/.test(value)) return fail("not supported: a value with a line break");
    if (Object.keys(headers).some((k) => k.toLowerCase() === field.toLowerCase())) {
      return fail(`not supported: "${field}" twice (ngw2f sends each field once)`);
    }
    table.auth_http_header = { ...headers, [field]: value };
    return;
  }
  if (applyRule(directive, table, MAIL_RULES, context)) return;
  if (name === "resolver") {
    const why = args[0] === "off"
      ? "not needed: ngw2f does not look up mail clients' host names (nginx's resolver off)"
      : "not supported: ngw2f does not look up mail clients' host names";
    return skip(context, directive, why);
  }
  skip(context, directive, reasonIn(name, MAIL_REASONS, MAIL_PREFIXES));
}

/** The protocol nginx gives a mail server: its `protocol`, else its first well-known port's. */
function mailProtocol(block: NginxDirective[]): string | null {
  const set = block.find((d) => d.name === "protocol");
  if (set) return set.args[0] ?? null;
  for (const d of block) {
    const port = d.name === "listen" ? /(\d+)$/.exec(d.args[0] ?? "")?.[1] : undefined;
    if (port && Object.hasOwn(PORTS, port)) return PORTS[port];
  }
  return null;
}

function convertMailServer(directive: NginxDirective, state: MailStreamState, context: Context) {
  const block = directive.block ?? [];
  const leaveOut = (why: string) => skip(context, directive, `not converted: ${why}`);
  const protocol = mailProtocol(block);
  if (protocol === "imap" || protocol === "pop3") {
    return leaveOut(`ngw2f's mail proxy speaks SMTP only (this is ${protocol.toUpperCase()})`);
  }
  const table: Table = {};
  const listen: Listen[] = [];
  let listens = 0;
  for (const child of block) {
    if (child.name === "listen") {
      listens++;
      const entry = convertListen(child, "mail", context);
      if (entry) listen.push(entry);
    } else if (child.name === "protocol") {
      if (child.args.length !== 1 || child.args[0] !== "smtp") {
        skip(context, child, `unknown protocol "${child.args.join(" ")}"`);
      } else if (child !== block.find((d) => d.name === "protocol")) {
        skip(context, child, '"protocol" directive is duplicate');
      } else table.protocol = "smtp";
    } else convertMailSetting(child, table, context);
  }
  if (!listens) return leaveOut('no "listen" is defined for server');
  if (!listen.length) return leaveOut("no listen of this server is left (see below)");
  if (block.some((d) => d.name === "auth_http") && !("auth_http" in table)) {
    // nginx would ask this server's auth_http, not the one it would otherwise inherit.
    return leaveOut("its auth_http is left out (see below)");
  }
  const effective = { ...state.mail?.table, ...table };
  if (!("auth_http" in effective)) return leaveOut('no "auth_http" is defined for server');
  const starttls = effective.starttls ?? "off";
  if (starttls !== "off" || listen.some((l) => l.entry.endsWith(" ssl"))) {
    const why = starttls !== "off" ? `starttls ${starttls}` : "a listen with ssl";
    for (const key of ["ssl_certificate", "ssl_certificate_key"]) {
      if (!(key in effective)) return leaveOut(`no "${key}" is defined for ${why}`);
    }
  }
  if (protocol === null) {
    skip(context, directive, 'unknown mail protocol for server; converted as "protocol smtp"');
  }
  state.mailServers.push({ directive, listen, table });
}

/** `mail { … }` into `state`: its settings, then its servers (which inherit them). */
export function convertMail(directive: NginxDirective, state: MailStreamState, context: Context) {
  const table: Table = {};
  state.mail = { directive, table };
  const servers: NginxDirective[] = [];
  for (const child of directive.block ?? []) {
    if (child.name === "server" && child.block) servers.push(child);
    else convertMailSetting(child, table, context);
  }
  for (const server of servers) convertMailServer(server, state, context);
}
