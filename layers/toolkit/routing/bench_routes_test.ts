// The benchmark compares like with like: every router finds the same route for every request
// of the mix (and none for the 404s).

import assert from "node:assert/strict";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { TrieRouter } from "hono/router/trie-router";
import FindMyWay from "find-my-way";
import { RouteMap } from "./route_map.ts";
import {
  findMyWayPattern,
  honoPattern,
  REQUESTS,
  ROUTES,
  SIBLING_REQUESTS,
  SIBLING_ROUTES,
} from "./_bench_routes.ts";

type HTTPMethod = Parameters<ReturnType<typeof FindMyWay>["find"]>[0];

Deno.test("the benchmark's routers all find the same route for each request", () => {
  assert.ok(ROUTES.length >= 100);
  for (
    const [table, requests, withRegExp] of [
      [ROUTES, Object.values(REQUESTS).flat(), true],
      [[...ROUTES, ...SIBLING_ROUTES], SIBLING_REQUESTS, false],
    ] as const
  ) {
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
    for (const [method, path] of requests) {
      const ours = map.match(method, path);
      const expected = ours.kind === "match" ? ours.endpoint : undefined;
      const found = fmw.find(method as HTTPMethod, path);
      assert.equal((found?.handler as (() => string) | undefined)?.(), expected, `fmw ${path}`);
      const tries = trie.match(method, path)[0].map(([handler]) => handler);
      assert.equal(
        expected === undefined ? tries.length : tries.at(-1),
        expected ?? 0,
        `trie ${path}`,
      );
      if (withRegExp) {
        const [handlers] = regexp.match(method, path);
        assert.equal(handlers[0]?.[0], expected, `RegExpRouter ${path}`);
      }
    }
  }
});
