/**
 * `listen` and `server_name`, and the checks across servers that share an address: one
 * `default_server`, no name twice, `ssl` on all or none, HTTP/2 on all or none.
 *
 * @module
 */

import { resolve } from "node:path";
import type { At, Source } from "./_locate.ts";
import { checkRegex } from "./_directives.ts";
import { closest, describe, expectStrings } from "./_values.ts";
import type { ListenConfig, ServerConfig } from "./types.ts";

/** The listen address when a server names none. */
export const DEFAULT_LISTEN = "0.0.0.0:8080";

const FLAGS = ["default_server", "ssl", "http2"];

function port(text: string, at: At, entry: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : -1;
  if (n < 0 || n > 65535) at.fail(`expected a port from 0 to 65535 in ${describe(entry)}`);
  return n;
}

function ipv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** The canonical address of `HOST:PORT`, `PORT`, `:PORT`, `*:PORT`, `[V6]:PORT`, `unix:PATH`. */
export function parseAddress(text: string, at: At, prefix: string): string {
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    if (!path) at.fail(`expected a socket path after "unix:" in ${describe(text)}`);
    return `unix:${resolve(prefix, path)}`;
  }
  if (/^\d+$/.test(text)) return `0.0.0.0:${port(text, at, text)}`;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    let host: string;
    try {
      host = new URL(`http://[${v6[1]}]/`).hostname;
    } catch {
      return at.fail(`expected an IPv6 address in ${describe(text)}`);
    }
    return `${host}:${port(v6[2] ?? "80", at, text)}`;
  }
  const match = /^([^:]*)(?::(\d*))?$/.exec(text);
  if (!match) return at.fail(`expected "HOST:PORT", "PORT", "[IPV6]:PORT" or "unix:PATH"`);
  let host = match[1];
  if (host === "" || host === "*") host = "0.0.0.0";
  else if (host === "localhost") host = "127.0.0.1";
  else if (!ipv4(host)) {
    at.fail(`expected an IP address, "*" or "localhost" as the host in ${describe(text)}`);
  }
  return `${host}:${port(match[2] ?? "80", at, text)}`;
}

/** `listen = "8080"` or `["127.0.0.1:8080 default_server", "[::]:8443 ssl http2"]`. */
export function parseListen(value: unknown, at: At, prefix: string): ListenConfig[] {
  const entries = value === undefined ? [DEFAULT_LISTEN] : expectStrings(value, at);
  if (!entries.length) at.fail("expected at least one address");
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const item: At = Array.isArray(value) ? at.child(i + 1) : at;
    const [address, ...flags] = entry.trim().split(/\s+/);
    for (const flag of flags) {
      if (!FLAGS.includes(flag)) {
        const guess = closest(flag, FLAGS);
        item.fail(`unknown listen parameter "${flag}"${guess ? `; did you mean "${guess}"?` : ""}`);
      }
    }
    const canonical = parseAddress(address ?? "", item, prefix);
    if (seen.has(canonical)) item.fail(`listens on "${canonical}" twice`);
    seen.add(canonical);
    const http2 = flags.includes("http2");
    if (http2 && !flags.includes("ssl")) {
      item.fail(
        `has "http2" without "ssl": HTTP/2 is offered by ALPN over TLS only (h2c is not supported)`,
      );
    }
    return {
      address: canonical,
      defaultServer: flags.includes("default_server"),
      ssl: flags.includes("ssl"),
      ...(http2 ? { http2 } : {}),
    };
  });
}

/** `server_name`: exact, `*.example.com`, `www.example.*`, `.example.com`, `~regex`, `""`. */
export function parseServerNames(value: unknown, at: At): string[] {
  const names = value === undefined ? [] : expectStrings(value, at);
  return names.map((raw, i) => {
    const item: At = Array.isArray(value) ? at.child(i + 1) : at;
    const name = raw.trim();
    if (name.startsWith("~")) {
      checkRegex(name.slice(1), item, "i");
      return name;
    }
    const lower = name.toLowerCase();
    const stars = lower.split("*").length - 1;
    const wildcardOk = stars === 0 ||
      (stars === 1 && (lower.startsWith("*.") || lower.endsWith(".*")) && lower.length > 2);
    if (!wildcardOk || /[\s/\\]/.test(lower) || (lower.startsWith(".") && lower.length < 2)) {
      item.fail(
        `invalid server name ${
          describe(raw)
        }: a "*" may only start ("*.example.com") or end ("www.example.*") a name`,
      );
    }
    return lower;
  });
}

/** Whether `server` offers HTTP/2 on `listen` (an `ssl` entry): its `http2` flag or setting. */
export function offersHttp2(server: ServerConfig, listen: ListenConfig): boolean {
  return listen.ssl && (listen.http2 === true || server.settings.http2);
}

/**
 * Checks the servers that share an address: at most one `default_server`, no server_name
 * twice, `ssl` on all of their entries for it or on none, and on an `ssl` address HTTP/2 on
 * all or none (ALPN is chosen before the server name is known).
 */
export function checkAddresses(servers: ServerConfig[], source: Source): void {
  const byAddress = new Map<
    string,
    { server: ServerConfig; index: number; listen: ListenConfig }[]
  >();
  servers.forEach((server, index) => {
    for (const listen of server.listen) {
      const list = byAddress.get(listen.address) ?? [];
      list.push({ server, index: index + 1, listen });
      byAddress.set(listen.address, list);
    }
  });
  const where = (index: number, key: string) => {
    const path = `server[${index}].${key}`;
    return { at: source.at(path), line: source.line(path) };
  };
  for (const [address, entries] of byAddress) {
    const defaults = entries.filter((e) => e.listen.defaultServer);
    if (defaults.length > 1) {
      const first = where(defaults[0].index, "listen");
      where(defaults[1].index, "listen").at.fail(
        `"${address}" has a second default_server; the first is server[${
          defaults[0].index
        }].listen at line ${first.line}`,
      );
    }
    const ssl = entries.filter((e) => e.listen.ssl);
    if (ssl.length && ssl.length < entries.length) {
      const plain = entries.find((e) => !e.listen.ssl)!;
      const other = where(ssl[0].index, "listen");
      where(plain.index, "listen").at.fail(
        `"${address}" has no ssl here but has it in server[${
          ssl[0].index
        }].listen at line ${other.line}; every server on an address must agree`,
      );
    }
    const h2 = entries.filter((e) => offersHttp2(e.server, e.listen));
    if (h2.length && h2.length < entries.length) {
      const off = entries.find((e) => !offersHttp2(e.server, e.listen))!;
      // The server's own `http2` key when it has one, else its listen entries.
      const blame = (index: number) => {
        const own = where(index, "http2");
        return own.line !== source.line(`server[${index}]`)
          ? { ...own, key: "http2" }
          : { ...where(index, "listen"), key: "listen" };
      };
      const on = blame(h2[0].index);
      blame(off.index).at.fail(
        `"${address}" has HTTP/2 off here but on in server[${
          h2[0].index
        }].${on.key} at line ${on.line}; every server on an address must agree (ALPN is chosen before the server name is known)`,
      );
    }
    const names = new Map<string, number>();
    for (const { server, index } of entries) {
      for (const name of new Set(server.serverNames)) {
        const first = names.get(name);
        if (first !== undefined && first !== index) {
          where(index, "server_name").at.fail(
            `${
              describe(name)
            } on "${address}" is already a name of server[${first}] (server_name at line ${
              where(first, "server_name").line ?? where(first, "listen").line
            })`,
          );
        }
        names.set(name, index);
      }
    }
  }
}
