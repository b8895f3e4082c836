// Werkzeug's documented routing behaviour (the shared table in _conformance_cases.ts), run
// against the compiled RouteMap.

import assert from "node:assert/strict";
import { type Expected, SUITES } from "./_conformance_cases.ts";
import { RouteMap } from "./route_map.ts";
import type { MatchResult } from "./match_result.ts";

/** The result reduced to what a case states. */
function summarize(result: MatchResult, expected: Expected): unknown {
  switch (result.kind) {
    case "match":
      return "params" in expected || !("endpoint" in expected)
        ? { endpoint: result.endpoint, params: result.params }
        : { endpoint: result.endpoint };
    case "redirect":
      assert.equal(result.status, 308);
      return { redirect: result.location };
    case "not_found":
      return { status: 404 };
    case "websocket_mismatch":
      return { status: 400 };
    case "method_not_allowed":
      return { status: 405, allowed: result.allowed };
    case "options":
      return { options: result.allowed };
  }
}

for (const suite of SUITES) {
  Deno.test(`RouteMap conforms to Werkzeug: ${suite.name}`, () => {
    const map = new RouteMap(suite.map);
    for (const [rule, endpoint, options] of suite.rules) map.add(rule, endpoint, options);
    for (const c of suite.match ?? []) {
      const result = map.match(c.method ?? "GET", c.path, {
        host: c.host,
        subdomain: c.subdomain,
        websocket: c.websocket,
        query: c.query,
        rootPath: c.rootPath,
      });
      const label = `${c.method ?? "GET"} ${JSON.stringify(c.path)}${
        c.host ? ` on ${c.host}` : ""
      }`;
      assert.deepEqual(summarize(result, c.expect), c.expect, label);
    }
    for (const c of suite.build ?? []) {
      const label = `build ${c.endpoint} ${JSON.stringify(c.params ?? {})}`;
      if (typeof c.expect === "string") {
        assert.equal(map.build(c.endpoint, c.params, c.options), c.expect, label);
      } else assert.throws(() => map.build(c.endpoint, c.params, c.options), c.expect, label);
    }
  });
}
