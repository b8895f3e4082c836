// Compile-time checks: `deno check` (and `deno test`, which type-checks) fails when the param
// types extracted from rule strings are wrong. The runtime assertions only keep the values used.

import assert from "node:assert/strict";
import { RouteMap } from "./route_map.ts";
import { type Converter, ValidationError } from "./converters.ts";
import type { RouteParams } from "./types.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
function expectType<_T extends true>(): void {}

Deno.test("RouteParams<> types each converter's value from the rule string", () => {
  expectType<Equal<RouteParams<"/user/<int:id>/<name>">, { id: number; name: string }>>();
  expectType<
    Equal<RouteParams<"/<float:x>/<uuid:u>/<path:rest>">, {
      x: number;
      u: string;
      rest: string;
    }>
  >();
  expectType<Equal<RouteParams<"/<any(about, help):page>">, { page: "about" | "help" }>>();
  expectType<Equal<RouteParams<`/<any("a b", 'c'):v>`>, { v: "a b" | "c" }>>();
  expectType<
    Equal<RouteParams<"/<int(min=1, max=9):n>/<string(length=2):code>">, {
      n: number;
      code: string;
    }>
  >();
  expectType<Equal<keyof RouteParams<"/static/only">, never>>();
  expectType<Equal<RouteParams<string>, Record<string, unknown>>>();
  assert.ok(true);
});

Deno.test("RouteMap.add() gives typed params on a match, narrowed by endpoint", () => {
  const map = new RouteMap()
    .add("/user/<int:id>/<name>", "user")
    .add("/page/", "page", { defaults: { page: 1 } })
    .add("/page/<int:page>", "page")
    .add("/<any(about, help):which>", "info");
  const result = map.match("GET", "/user/7/ann");
  assert.equal(result.kind, "match");
  if (result.kind === "match" && result.endpoint === "user") {
    const id: number = result.params.id;
    const name: string = result.params.name;
    // @ts-expect-error: "nope" is not a param of "/user/<int:id>/<name>"
    result.params.nope;
    // @ts-expect-error: id is a number
    const wrong: string = result.params.id;
    assert.deepEqual([id, name, wrong], [7, "ann", 7]);
  }
  const page = map.match("GET", "/page/");
  if (page.kind === "match" && page.endpoint === "page") {
    const n: number = page.params.page;
    assert.equal(n, 1);
  }
  const info = map.match("GET", "/help");
  if (info.kind === "match" && info.endpoint === "info") {
    const which: "about" | "help" = info.params.which;
    assert.equal(which, "help");
  }
});

Deno.test("RouteMap.build() checks endpoints and params at compile time", () => {
  const map = new RouteMap()
    .add("/user/<int:id>", "user")
    .add("/page/", "page", { defaults: { page: 1 } })
    .add("/page/<int:page>", "page");
  assert.equal(map.build("user", { id: 1, tab: "x" }), "/user/1?tab=x");
  assert.equal(map.build("page", {}), "/page/");
  // @ts-expect-error: unknown endpoint
  assert.throws(() => map.build("usr", { id: 1 }));
  // @ts-expect-error: id must be a number
  assert.equal(map.build("user", { id: "2" }), "/user/2");
  const named = new RouteMap().add("/u/<name>/<any(a, b):tab>", "u");
  assert.equal(named.build("u", { name: 42, tab: "a" }), "/u/42/a");
  // @ts-expect-error: tab is "a" or "b"
  assert.throws(() => named.build("u", { name: "x", tab: "c" }));
  // @ts-expect-error: id is required
  assert.throws(() => map.build("user", {}));
});

Deno.test("custom converters type their params with toValue's return type", () => {
  const hex: Converter<number> = {
    regex: "[0-9a-f]+",
    toValue: (raw) => parseInt(raw, 16),
    toUrl: (value) => value.toString(16),
  };
  const map = new RouteMap({ converters: { hex } }).add("/color/<hex:rgb>", "color");
  const result = map.match("GET", "/color/ff");
  if (result.kind === "match") {
    const rgb: number = result.params.rgb;
    assert.equal(rgb, 255);
  } else assert.fail("no match");
  assert.equal(map.build("color", { rgb: 4095 }), "/color/fff");
  assert.ok(new ValidationError() instanceof Error);
});

Deno.test("untyped maps (not chained) give Record<string, unknown> params", () => {
  const map = new RouteMap();
  map.add("/x/<int:n>", "x");
  const result = map.match("GET", "/x/3");
  if (result.kind === "match") {
    expectType<Equal<typeof result.params, Record<string, unknown>>>();
    assert.equal(result.params.n, 3);
  }
  assert.equal(map.build("x", { n: 4 }), "/x/4");
});
