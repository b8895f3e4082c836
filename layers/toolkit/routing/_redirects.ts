/**
 * What a match becomes when its rule asks for more (Werkzeug's `MapAdapter.match` after the
 * matcher): an alias redirects to the endpoint's canonical URL, a rule whose values equal a
 * better rule's defaults redirects to that rule, and `redirectTo` redirects.
 *
 * @module
 */

import { buildRecord, suitableFor } from "./_build_rule.ts";
import { quotePath, REJECT } from "./converters.ts";
import { rootPathOf } from "./_path.ts";
import type { RuleRecord } from "./_record.ts";
import type { Pending } from "./_steps.ts";
import type { UrlComposer } from "./_url_for.ts";
import type { MatchOptions, MatchResult } from "./match_result.ts";

/** What the redirect checks need from the map. */
export interface RedirectContext {
  readonly composer: UrlComposer;
  readonly byEndpoint: ReadonlyMap<string, readonly RuleRecord[]>;
  readonly redirectDefaults: boolean;
}

function redirect(location: string, options: MatchOptions): MatchResult {
  const query = options.query;
  const suffix = query ? (query[0] === "?" ? query : `?${query}`) : "";
  return { kind: "redirect", location: location + suffix, status: 308 };
}

/** The final result of a match whose rule has an alias, a better-defaults rule or a redirect. */
export function finishMatch(
  pending: Pending,
  request: { method: string; domain: string; options: MatchOptions },
  context: RedirectContext,
): MatchResult {
  const { record, params } = pending;
  const { method, domain, options } = request;
  const where = { ...options, anchor: undefined, external: false, current: domain };
  if (context.redirectDefaults) {
    if (record.alias) {
      const records = context.byEndpoint.get(record.endpoint) ?? [];
      const found = context.composer.pick(records, {
        values: params,
        method,
        appendUnknown: false,
        domain,
      });
      if (found && found.record !== record) {
        return redirect(context.composer.compose(found, where), options);
      }
    }
    for (const provider of record.providers) {
      if (!suitableFor(provider, { values: params, method })) continue;
      const values = { ...params, ...provider.defaults };
      const built = buildRecord(provider, values, { appendUnknown: false, sortParameters: false });
      if (built) {
        return redirect(context.composer.compose({ built, record: provider }, where), options);
      }
    }
  }
  const target = record.redirectTo;
  if (target !== undefined) {
    let location = typeof target === "function"
      ? String(target(params, record.rule))
      : target.replace(/<([^>]+)>/g, (_, name: string) => {
        const i = record.variables.indexOf(name);
        const text = i === -1 ? REJECT : record.converters[i].toUrl(params[name]);
        return text === REJECT ? quotePath(String(params[name]), true) : text;
      });
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:|^\//.test(location)) {
      location = `${rootPathOf(options)}/${location}`;
    }
    return { kind: "redirect", location, status: 308 };
  }
  return { kind: "match", endpoint: record.endpoint, params, rule: record.rule };
}
