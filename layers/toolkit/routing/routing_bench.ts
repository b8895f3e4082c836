// Route matching: our RouteMap against Hono's RegExpRouter and TrieRouter and find-my-way, on the
// same GitHub-like table (154 rules: static, dynamic, typed int/uuid, deep nesting, `path`
// converters) and the same request mix, in one run: `deno bench -A routing_bench.ts`.
//
// Each iteration matches the 8 requests of its group. What each router does per request:
// - RouteMap: the full Werkzeug semantics — method handling (405 analysis on failure), typed
//   conversion (`int` params become numbers, `uuid` is lower-cased), a fresh params object and
//   a `{ kind, endpoint, params, rule }` result; a 404 also proves no other method matches.
// - Hono RegExpRouter: a static-path lookup or one regex exec; returns the handlers and the raw
//   capture array — params are neither extracted nor converted (Hono does that later, lazily).
// - Hono TrieRouter: a segment trie; builds string params for every matching handler.
// - find-my-way: a radix tree; builds a string params object (and percent-decodes).
// The "siblings" group uses the real GitHub layout (`/gists/public` beside `/gists/<id>`),
// which RegExpRouter cannot build (it throws `UnsupportedPathError`), so it is not in it.

import { RegExpRouter } from "hono/router/reg-exp-router";
import { TrieRouter } from "hono/router/trie-router";
import FindMyWay from "find-my-way";
import { RouteMap } from "./route_map.ts";
import {
  findMyWayPattern,
  honoPattern,
  REQUESTS,
  type Route,
  ROUTES,
  SIBLING_REQUESTS,
  SIBLING_ROUTES,
} from "./_bench_routes.ts";

type Request = readonly [string, string];
type HTTPMethod = Parameters<ReturnType<typeof FindMyWay>["find"]>[0];

function routers(table: readonly Route[], withRegExp: boolean) {
  const map = new RouteMap();
  const regexp = new RegExpRouter<string>();
  const trie = new TrieRouter<string>();
  const fmw = FindMyWay();
  for (const [methods, rule] of table) {
    map.add(rule, rule, { methods });
    for (const method of methods) {
      if (withRegExp) regexp.add(method, honoPattern(rule), rule);
      trie.add(method, honoPattern(rule), rule);
      fmw.on(method as HTTPMethod, findMyWayPattern(rule), () => rule);
    }
  }
  return { map, regexp, trie, fmw };
}

let sink = 0;

function benchGroup(group: string, requests: readonly Request[], table: readonly Route[]) {
  const withRegExp = table === ROUTES;
  const { map, regexp, trie, fmw } = routers(table, withRegExp);
  Deno.bench("RouteMap (ours)", { group, baseline: true }, () => {
    for (const [method, path] of requests) sink += map.match(method, path).kind.length;
  });
  if (withRegExp) {
    Deno.bench("Hono RegExpRouter", { group }, () => {
      for (const [method, path] of requests) sink += regexp.match(method, path)[0].length;
    });
  }
  Deno.bench("Hono TrieRouter", { group }, () => {
    for (const [method, path] of requests) sink += trie.match(method, path)[0].length;
  });
  Deno.bench("find-my-way", { group }, () => {
    for (const [method, path] of requests) {
      sink += fmw.find(method as HTTPMethod, path) === null ? 0 : 1;
    }
  });
}

for (const [kind, requests] of Object.entries(REQUESTS)) benchGroup(kind, requests, ROUTES);
benchGroup("mixed", Object.values(REQUESTS).flat(), ROUTES);
benchGroup("siblings (no RegExpRouter)", SIBLING_REQUESTS, [...ROUTES, ...SIBLING_ROUTES]);

addEventListener("unload", () => {
  if (sink === -1) throw new Error("unreachable");
});
