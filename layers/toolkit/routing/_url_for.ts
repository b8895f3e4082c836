/**
 * Where a URL goes: the request's host / subdomain (Werkzeug's `bind_to_environ` logic), the
 * rule picked for building (Werkzeug's `_partial_build`) and the final URL, relative when it
 * stays on the current host and absolute otherwise.
 *
 * @module
 */

import { BuildError } from "./build.ts";
import { buildRecord, type Built, suitableFor } from "./_build_rule.ts";
import { rootPathOf } from "./_path.ts";
import type { RuleRecord } from "./_record.ts";

/** The subdomain of a host outside `serverName`: matches no rule (Werkzeug's "<invalid>"). */
export const INVALID_DOMAIN = "<invalid>";

/** Request details the composer reads (a subset of match and build options). */
export interface Where {
  readonly host?: string;
  readonly subdomain?: string;
  readonly scheme?: string;
  readonly rootPath?: string;
  readonly external?: boolean;
  readonly anchor?: string;
  readonly method?: string;
}

/** What {@linkcode UrlComposer.pick} builds from. */
export interface PickRequest {
  /** The params. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The method asked for (`undefined`: GET rules first, then any). */
  readonly method?: string;
  /** Whether unused params go in the query string. */
  readonly appendUnknown: boolean;
  /** The current host or subdomain (preferred with host matching). */
  readonly domain: string;
}

/** A rule built, and which rule. */
export interface Found {
  readonly built: Built;
  readonly record: RuleRecord;
}

function hostWithoutDefaultPort(host: string, scheme: string | undefined): string {
  const lower = host.toLowerCase();
  const secure = scheme === "https" || scheme === "wss";
  if (!secure && lower.endsWith(":80")) return lower.slice(0, -3);
  if (secure && lower.endsWith(":443")) return lower.slice(0, -4);
  return lower;
}

/** Host and URL logic of one map. */
export class UrlComposer {
  readonly #hostMatching: boolean;
  readonly #serverName: string | undefined;
  readonly #defaultSubdomain: string;
  readonly #sortParameters: boolean;

  /** Keeps the map's settings. */
  constructor(settings: {
    hostMatching: boolean;
    serverName: string | undefined;
    defaultSubdomain: string;
    sortParameters: boolean;
  }) {
    this.#hostMatching = settings.hostMatching;
    this.#serverName = settings.serverName?.toLowerCase();
    this.#defaultSubdomain = settings.defaultSubdomain;
    this.#sortParameters = settings.sortParameters;
  }

  /**
   * The domain part the rules match: the host (host matching), or the subdomain of `host`
   * under `serverName` (`INVALID_DOMAIN` outside it), else the default subdomain.
   */
  domainOf(where: Where): string {
    if (this.#hostMatching) {
      return hostWithoutDefaultPort(where.host ?? this.#serverName ?? "", where.scheme);
    }
    if (where.subdomain !== undefined) return where.subdomain;
    const serverName = this.#serverName;
    if (serverName === undefined || where.host === undefined) return this.#defaultSubdomain;
    let host = hostWithoutDefaultPort(where.host, where.scheme);
    if (!serverName.includes(":")) host = host.replace(/:\d+$/, "");
    if (host === serverName) return "";
    if (host.endsWith(`.${serverName}`)) return host.slice(0, -serverName.length - 1);
    return INVALID_DOMAIN;
  }

  /**
   * The first rule of `records` (one endpoint, build order) that builds from `values` with
   * `method` (`undefined`: GET rules first, then any); with host matching, one on the current
   * host is preferred.
   */
  pick(records: readonly RuleRecord[], request: PickRequest): Found | null {
    const { values, method } = request;
    if (method === undefined) {
      const found = this.pick(records, { ...request, method: "GET" });
      if (found) return found;
    }
    let first: Found | null = null;
    for (const record of records) {
      if (!suitableFor(record, request)) continue;
      const built = buildRecord(record, values, {
        appendUnknown: request.appendUnknown,
        sortParameters: this.#sortParameters,
      });
      if (!built) continue;
      if (!this.#hostMatching || built.domain === request.domain) return { built, record };
      first ??= { built, record };
    }
    return first;
  }

  /** The URL of a built rule: relative on the `current` domain, else absolute. */
  compose(found: Found, where: Where & { readonly current: string }): string {
    const { built, record } = found;
    const current = where.current;
    const anchor = where.anchor ? `#${encodeURI(where.anchor.toWellFormed())}` : "";
    const local = `${rootPathOf(where)}${built.path}${built.query}${anchor}`;
    if (!where.external && !record.websocket && built.domain === current) return local;
    let host: string | undefined;
    if (this.#hostMatching) host = built.domain;
    else if (this.#serverName !== undefined) {
      host = built.domain ? `${built.domain}.${this.#serverName}` : this.#serverName;
    } else if (built.domain === current) host = where.host;
    if (!host) {
      throw new BuildError(
        `an absolute URL needs a host: pass { host } or give the map a serverName`,
        { endpoint: record.endpoint, params: [], method: where.method },
      );
    }
    const secure = where.scheme === "https" || where.scheme === "wss";
    const scheme = record.websocket ? (secure ? "wss" : "ws") : (secure ? "https" : "http");
    return `${scheme}://${host}${local}`;
  }
}
