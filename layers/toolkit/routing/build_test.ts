import assert from "node:assert/strict";
import { BuildError, closest, editDistance, encodeQuery } from "./build.ts";
import { RouteMap } from "./route_map.ts";

function buildError(fn: () => unknown): BuildError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof BuildError, String(error));
    return error;
  }
  assert.fail("built");
}

Deno.test("editDistance() and closest() find the nearest name", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("user", "user"), 0);
  assert.equal(editDistance("ab", "ba"), 1);
  assert.equal(closest("usr", ["index", "user", "users"]), "user");
  assert.equal(closest("USER_EDIT", ["user_edit", "user"]), "user_edit");
  assert.equal(closest("x", []), undefined);
});

Deno.test("encodeQuery() encodes extras: arrays repeat, nullish go, sort on demand", () => {
  assert.equal(
    encodeQuery({ b: [1, 2], a: "x&y", n: null, u: undefined, t: true }),
    "?b=1&b=2&a=x%26y&t=true",
  );
  assert.equal(encodeQuery({ b: 1, a: 2 }, { sort: true }), "?a=2&b=1");
  assert.equal(encodeQuery({ id: 1 }, { skip: new Set(["id"]) }), "");
});

Deno.test("BuildError suggests the closest endpoint for an unknown one", () => {
  const map = new RouteMap();
  map.add("/user/<int:id>", "user").add("/", "index");
  const error = buildError(() => map.build("usr", { id: 1 }));
  assert.equal(
    error.message,
    `Cannot build URL for "usr": did you mean "user"? (no rule has the endpoint "usr")`,
  );
  assert.equal(error.suggestion, "user");
  assert.equal(error.endpoint, "usr");
  assert.deepEqual(error.params, ["id"]);
  assert.match(buildError(() => new RouteMap().build("x")).message, /the map has no rules/);
});

Deno.test("BuildError names what is missing or wrong for the closest rule", () => {
  const map = new RouteMap();
  map.add("/foo/<id>", "world", { methods: ["GET"] })
    .add("/page/", "page", { defaults: { page: 1 } })
    .add("/n/<int(max=9):n>", "n");
  assert.equal(
    buildError(() => map.build("world", { name: 42 })).message,
    `Cannot build URL for "world": missing "id" for rule "/foo/<id>"`,
  );
  assert.match(
    buildError(() => map.build("world", { id: 42 }, { method: "POST" })).message,
    /rule "\/foo\/<id>" allows "GET", "HEAD", not "POST"/,
  );
  assert.match(buildError(() => map.build("page", { page: 2 })).message, /has page = 1, not 2/);
  assert.match(buildError(() => map.build("n", { n: 10 })).message, /cannot use n = "10" \(int\)/);
});

Deno.test("build() uses Werkzeug's rule order: more arguments and defaults first, aliases last", () => {
  const map = new RouteMap()
    .add("/all", "list", { alias: true })
    .add("/list", "list")
    .add("/list/<int:page>", "list")
    .add("/list/<int:page>/<sort>", "list");
  assert.equal(map.build("list"), "/list");
  assert.equal(map.build("list", { page: 2 }), "/list/2");
  assert.equal(map.build("list", { page: 2, sort: "name" }), "/list/2/name");
  assert.equal(map.build("list", { sort: "name" }), "/list?sort=name");
  assert.deepEqual(map.rules("list").map((r) => r.rule), [
    "/list/<int:page>/<sort>",
    "/list/<int:page>",
    "/list",
    "/all",
  ]);
});

Deno.test("build() skips a rule whose converter refuses the value", () => {
  const map = new RouteMap()
    .add("/item/<int:id>", "item")
    .add("/item/by-name/<name>", "item");
  assert.equal(map.build("item", { id: 3 }), "/item/3");
  assert.equal(map.build("item", { name: "x" }), "/item/by-name/x");
});

Deno.test("build() gives absolute URLs for WebSocket rules and other hosts", () => {
  const map = new RouteMap({ serverName: "example.org" })
    .add("/ws", "ws", { websocket: true })
    .add("/", "index")
    .add("/", "api", { subdomain: "api" });
  assert.equal(map.build("ws"), "ws://example.org/ws");
  assert.equal(map.build("ws", {}, { scheme: "https" }), "wss://example.org/ws");
  assert.equal(map.build("api"), "http://api.example.org/");
  assert.equal(map.build("api", {}, { host: "api.example.org" }), "/");
  assert.equal(
    map.build("index", {}, { host: "example.org:8080", external: true }),
    "http://example.org/",
  );
  const bare = new RouteMap().add("/", "index");
  assert.equal(
    bare.build("index", {}, { external: true, host: "example.org:5000" }),
    "http://example.org:5000/",
  );
  assert.throws(() => bare.build("index", {}, { external: true }), /an absolute URL needs a host/);
});
