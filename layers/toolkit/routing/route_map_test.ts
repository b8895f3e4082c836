import assert from "node:assert/strict";
import { MethodNotAllowed, NotFound, RequestRedirect } from "../exceptions.ts";
import { WebsocketMismatch } from "./match_result.ts";
import { ValidationError } from "./converters.ts";
import { RouteMap } from "./route_map.ts";
import { RuleSyntaxError } from "./rule.ts";

Deno.test("RouteMap.add() refuses a duplicate rule, naming both endpoints", () => {
  const map = new RouteMap().add("/u/<int:id>", "a");
  assert.throws(
    () => map.add("/u/<int:uid>", "b"),
    /^TypeError: Cannot add rule "\/u\/<int:uid>" for "b": it duplicates rule "\/u\/<int:id>" of "a" for GET$/,
  );
  assert.throws(
    () => map.add("/u//<int:x>", "c"),
    /duplicates/,
    "merged slashes are the same rule",
  );
  map.add("/u/<int:uid>", "c", { methods: ["POST"] });
  map.add("/u/<int(max=5):uid>", "d");
  map.add("/u/<int:uid>", "e", { websocket: true });
  map.add("/u/<int:uid>/", "f");
  map.add("/u/<int:uid>", "g", { buildOnly: true });
  const head = new RouteMap().add("/h", "head", { methods: ["HEAD"] });
  head.add("/h", "get");
  assert.equal(head.match("HEAD", "/h").kind, "match");
});

Deno.test("RouteMap.add() explains bad options", () => {
  const map = new RouteMap();
  const cases: [string, object, RegExp][] = [
    ["/a", { methods: "GET" }, /methods must be a non-empty array/],
    ["/a", { methods: [] }, /methods must be a non-empty array/],
    ["/a", { methods: ["G ET"] }, /"G ET" is not a method name/],
    [
      "/a",
      { websocket: true, methods: ["POST"] },
      /WebSocket rule allows only GET, HEAD and OPTIONS/,
    ],
    ["/a", { host: "x" }, /"host" needs a map with hostMatching: true/],
    ["/<a>", { defaults: { a: 1 } }, /default "a" is also a variable/],
    ["/<a>", { redirectTo: "/<b>" }, /uses "<b>", which is no variable/],
    ["/a", { redirectTo: 5 }, /redirectTo must be a string or a function/],
  ];
  for (const [rule, options, message] of cases) {
    assert.throws(() => map.add(rule, "x", options), message, JSON.stringify(options));
  }
  assert.throws(() => map.add("/<int:x", "x"), RuleSyntaxError);
  assert.throws(
    () => new RouteMap({ hostMatching: true }).add("/", "x", { subdomain: "a" }),
    /"subdomain" does not apply/,
  );
  assert.equal(map.rules().length, 0);
});

Deno.test("RouteMap.matchOrThrow() throws the toolkit's HttpErrors", () => {
  const map = new RouteMap()
    .add("/docs/", "docs")
    .add("/item/<int:id>", "item", { methods: ["GET", "PUT"] })
    .add("/ws", "ws", { websocket: true });
  const item = map.matchOrThrow("GET", "/item/3");
  assert.ok(item.kind === "match" && item.endpoint === "item" && item.params.id === 3);
  assert.deepEqual(map.matchOrThrow("OPTIONS", "/item/3"), {
    kind: "options",
    allowed: ["GET", "HEAD", "OPTIONS", "PUT"],
  });
  assert.throws(() => map.matchOrThrow("GET", "/docs", { query: "a=1" }), (error: unknown) => {
    assert.ok(error instanceof RequestRedirect);
    assert.equal(error.status, 308);
    assert.equal(error.location, "/docs/?a=1");
    return true;
  });
  assert.throws(() => map.matchOrThrow("DELETE", "/item/3"), (error: unknown) => {
    assert.ok(error instanceof MethodNotAllowed);
    assert.equal(error.headers.get("allow"), "GET, HEAD, OPTIONS, PUT");
    return true;
  });
  assert.throws(() => map.matchOrThrow("GET", "/nope"), NotFound);
  assert.throws(() => map.matchOrThrow("GET", "/ws"), (error: unknown) => {
    assert.ok(error instanceof WebsocketMismatch);
    assert.equal(error.status, 400);
    return true;
  });
  assert.deepEqual(map.matchOrThrow("GET", "/ws", { websocket: true }), {
    kind: "match",
    endpoint: "ws",
    params: {},
    rule: map.rules()[2],
  });
});

Deno.test("RouteMap.allowedMethods() lists the methods of every rule matching the path", () => {
  const map = new RouteMap()
    .add("/<foo>", "a", { methods: ["GET", "HEAD"] })
    .add("/foo", "b", { methods: ["POST"] });
  assert.deepEqual(map.allowedMethods("/foo"), ["GET", "HEAD", "OPTIONS", "POST"]);
  assert.deepEqual(map.allowedMethods("/bar"), ["GET", "HEAD", "OPTIONS"]);
  assert.deepEqual(map.allowedMethods("/a/b"), ["OPTIONS"]);
});

Deno.test("RouteMap recompiles after add(), and prepare() compiles ahead", () => {
  const map = new RouteMap().add("/a", "a");
  assert.equal(map.match("GET", "/b").kind, "not_found");
  map.add("/b", "b");
  assert.equal(map.match("GET", "/b").kind, "match");
  assert.equal(map.prepare(), map);
  assert.equal(map.match("GET", "/a").kind, "match");
  assert.deepEqual(map.rules().map((rule) => rule.toString()), [
    "GET,HEAD /a -> a",
    "GET,HEAD /b -> b",
  ]);
});

Deno.test("RouteMap.match() shares one frozen result for rules without variables", () => {
  const map = new RouteMap().add("/s", "s").add("/d/<x>", "d");
  const first = map.match("GET", "/s");
  assert.equal(first, map.match("GET", "/s"));
  assert.ok(Object.isFrozen(first) && first.kind === "match" && Object.isFrozen(first.params));
  const dynamic = map.match("GET", "/d/1");
  assert.notEqual(dynamic, map.match("GET", "/d/1"));
  assert.ok(dynamic.kind === "match" && !Object.isFrozen(dynamic.params));
});

Deno.test("RouteMap.match() never throws, whatever the input", () => {
  const custom = {
    regex: "[^/]+",
    toValue(raw: string) {
      if (raw.length > 3) throw new ValidationError();
      return raw;
    },
  };
  const map = new RouteMap({ serverName: "example.org", converters: { custom } })
    .add("/", "index")
    .add("/u/<int:id>/<path:rest>", "u")
    .add("/<any(a, b):x>/", "x", { subdomain: "<sub>" })
    .add("/c/<custom:c>", "c", { methods: ["GET", "POST"] });
  const inputs = [
    "",
    "/",
    "//",
    "///x",
    "%",
    "/%",
    "/%zz",
    "/%ff%fe",
    "/%2F",
    "/u/1/%00",
    "/u/99999999999999999999/x",
    "\u0000",
    "/\ud800",
    "?",
    "#",
    "/u/-1/x",
    "/a",
    "/a/",
    "/c/%E2%82%AC",
    "/".repeat(1000),
    "/a".repeat(500),
  ];
  const hosts = [
    undefined,
    "",
    "EXAMPLE.org",
    "x.example.org:443",
    "[::1]:80",
    "ex ample",
    "a.b.example.org",
  ];
  for (const method of ["GET", "get", "OPTIONS", "BREW", "", "P O S T"]) {
    for (const path of inputs) {
      for (const host of hosts) {
        for (const websocket of [false, true]) {
          const result = map.match(method, path, { host, websocket, query: "q=%zz" });
          assert.ok(typeof result.kind === "string");
        }
      }
    }
  }
});

Deno.test("RouteMap.match() decodes the path once and keeps %2F inside a segment", () => {
  const map = new RouteMap()
    .add("/a/<name>", "name")
    .add("/a/<name>/<more>", "more")
    .add("/f/<path:p>", "path")
    .add("/é/", "accent");
  assert.deepEqual(map.match("GET", "/a/x%2Fy"), {
    kind: "match",
    endpoint: "name",
    params: { name: "x/y" },
    rule: map.rules()[0],
  });
  const more = map.match("GET", "/a/x/y");
  assert.ok(more.kind === "match" && more.endpoint === "more");
  const path = map.match("GET", "/f/a%2Fb/c%3F");
  assert.ok(path.kind === "match" && path.endpoint === "path" && path.params.p === "a/b/c?");
  assert.deepEqual(map.match("GET", "/%C3%A9"), {
    kind: "redirect",
    location: "/%C3%A9/",
    status: 308,
  });
});

Deno.test("RouteMap.bind() keeps a request's host, scheme and root path", () => {
  const map = new RouteMap({ serverName: "example.com" })
    .add("/docs/", "docs")
    .add("/", "api", { subdomain: "api" });
  const bound = map.bind({ host: "api.example.com", scheme: "https", rootPath: "/app" });
  assert.equal(bound.match("GET", "/").kind, "match");
  assert.deepEqual(bound.match("GET", "/docs", { host: "example.com" }), {
    kind: "redirect",
    location: "/app/docs/",
    status: 308,
  });
  assert.equal(bound.build("docs"), "https://example.com/app/docs/");
  assert.equal(bound.build("api"), "/app/");
  assert.throws(() => bound.matchOrThrow("GET", "/docs/"), NotFound);
});

Deno.test("RouteMap: a buildOnly rule builds but never matches", () => {
  const map = new RouteMap().add("/static/<path:file>", "static", { buildOnly: true });
  assert.equal(map.build("static", { file: "app.css" }), "/static/app.css");
  assert.equal(map.match("GET", "/static/app.css").kind, "not_found");
});
