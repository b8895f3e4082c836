/**
 * Werkzeug's documented routing behaviour as one table (ported from `tests/test_routing.py`
 * and the routing docs): each suite is a map and the matches / builds it must give. Run by
 * `conformance_test.ts` against the compiled map and by `matcher_test.ts` against the
 * reference walker.
 *
 * Werkzeug rules accept any method by default; ours accept GET, so ported cases use GET.
 *
 * @module
 */

import { MORE_SUITES } from "./_conformance_cases_more.ts";
import type { BuildOptions, RouteMapOptions } from "./route_map.ts";
import type { RuleOptions } from "./url_rule.ts";

/** What a match must give. */
export type Expected =
  | { readonly endpoint: string; readonly params?: Readonly<Record<string, unknown>> }
  | { readonly redirect: string }
  | { readonly status: 404 | 400 }
  | { readonly status: 405; readonly allowed: readonly string[] }
  | { readonly options: readonly string[] };

/** A request and its expected outcome. */
export interface MatchCase {
  readonly method?: string;
  readonly path: string;
  readonly host?: string;
  readonly subdomain?: string;
  readonly websocket?: boolean;
  readonly query?: string;
  readonly rootPath?: string;
  readonly expect: Expected;
}

/** A build and its expected URL (or error). */
export interface BuildCase {
  readonly endpoint: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly options?: BuildOptions;
  readonly expect: string | RegExp;
}

/** A map and what it must do. */
export interface Suite {
  /** What is checked (and the Werkzeug test it comes from). */
  readonly name: string;
  readonly map?: RouteMapOptions;
  readonly rules: readonly (readonly [string, string, RuleOptions?])[];
  readonly match?: readonly MatchCase[];
  readonly build?: readonly BuildCase[];
}

/** The table. */
export const SUITES: readonly Suite[] = [
  {
    name: "basic routing, trailing-slash redirect, WebSocket rules (test_basic_routing)",
    rules: [
      ["/", "index"],
      ["/foo", "foo"],
      ["/bar/", "bar"],
      ["/ws", "ws", { websocket: true }],
      ["/", "indexws", { websocket: true }],
    ],
    match: [
      { path: "/", expect: { endpoint: "index", params: {} } },
      { path: "/foo", expect: { endpoint: "foo" } },
      { path: "/bar/", expect: { endpoint: "bar" } },
      { path: "/bar", expect: { redirect: "/bar/" } },
      { path: "/bar", rootPath: "/test", expect: { redirect: "/test/bar/" } },
      { path: "/bar", query: "aha=muhaha", expect: { redirect: "/bar/?aha=muhaha" } },
      { path: "/bar", query: "?foo=bar", expect: { redirect: "/bar/?foo=bar" } },
      { path: "/blub", expect: { status: 404 } },
      { path: "/", websocket: true, expect: { endpoint: "indexws" } },
      { path: "/ws", websocket: true, expect: { endpoint: "ws" } },
      { path: "/ws", websocket: false, expect: { status: 400 } },
      { path: "/foo", websocket: true, expect: { status: 400 } },
    ],
  },
  {
    name: "strict slashes with methods (test_strict_slashes_redirect)",
    rules: [
      ["/bar/", "get", { methods: ["GET"] }],
      ["/bar", "post", { methods: ["POST"] }],
      ["/foo/", "foo", { methods: ["POST"] }],
      ["/<path:var>/", "path", { methods: ["GET"] }],
    ],
    match: [
      { path: "/bar/", expect: { endpoint: "get" } },
      { method: "POST", path: "/bar", expect: { endpoint: "post" } },
      { path: "/abc/", expect: { endpoint: "path", params: { var: "abc" } } },
      { path: "/bar", expect: { redirect: "/bar/" } },
      {
        method: "POST",
        path: "/bar/",
        expect: { status: 405, allowed: ["GET", "HEAD", "OPTIONS"] },
      },
      { method: "POST", path: "/foo", expect: { redirect: "/foo/" } },
      { path: "/abc", expect: { redirect: "/abc/" } },
      { path: "/a/b/c", expect: { redirect: "/a/b/c/" } },
      { path: "/a/b/c/", expect: { endpoint: "path", params: { var: "a/b/c" } } },
    ],
  },
  {
    name: "strict slashes, other rule order (test_strict_slashes_redirect)",
    rules: [["/bar", "post", { methods: ["POST"] }], ["/bar/", "get", { methods: ["GET"] }]],
    match: [
      { path: "/bar/", expect: { endpoint: "get" } },
      { method: "POST", path: "/bar", expect: { endpoint: "post" } },
      { path: "/bar", expect: { redirect: "/bar/" } },
      {
        method: "POST",
        path: "/bar/",
        expect: { status: 405, allowed: ["GET", "HEAD", "OPTIONS"] },
      },
    ],
  },
  {
    name: "strict slashes off (test_strict_slashes_false)",
    rules: [
      ["/path1", "leaf_path", { strictSlashes: false }],
      ["/path2/", "branch_url", { strictSlashes: false }],
      ["/<path:path>", "leaf_path_converter", { strictSlashes: false }],
    ],
    match: [
      { path: "/path1", expect: { endpoint: "leaf_path" } },
      { path: "/path1/", expect: { endpoint: "leaf_path" } },
      { path: "/path2", expect: { endpoint: "branch_url" } },
      { path: "/path2/", expect: { endpoint: "branch_url" } },
      { path: "/any", expect: { endpoint: "leaf_path_converter", params: { path: "any" } } },
      { path: "/any/", expect: { endpoint: "leaf_path_converter", params: { path: "any/" } } },
    ],
  },
  {
    name: "an extra trailing slash on a leaf rule is a 404 by default",
    rules: [["/leaf", "leaf"]],
    match: [{ path: "/leaf/", expect: { status: 404 } }, {
      path: "/leaf",
      expect: { endpoint: "leaf" },
    }],
  },
  {
    name: "merged slashes (test_merge_slashes_match)",
    rules: [
      ["/no/tail", "no_tail"],
      ["/yes/tail/", "yes_tail"],
      ["/with/<path:path>", "with_path"],
      ["/no//merge", "no_merge", { mergeSlashes: false }],
      ["/no/merging", "no_merging", { mergeSlashes: false }],
    ],
    match: [
      { path: "/no//tail", expect: { redirect: "/no/tail" } },
      { path: "/no///tail", query: "a=1", expect: { redirect: "/no/tail?a=1" } },
      { path: "/yes//tail", expect: { redirect: "/yes/tail/" } },
      { path: "/yes/tail//", expect: { redirect: "/yes/tail/" } },
      { path: "/no/tail", expect: { endpoint: "no_tail" } },
      { path: "/yes/tail/", expect: { endpoint: "yes_tail" } },
      {
        path: "/with/http://example.com/",
        expect: { endpoint: "with_path", params: { path: "http://example.com/" } },
      },
      { path: "/with/x//y", expect: { endpoint: "with_path", params: { path: "x//y" } } },
      { path: "/no//merge", expect: { endpoint: "no_merge" } },
      { path: "/no/merging", expect: { endpoint: "no_merging" } },
      { path: "/no//merging", expect: { status: 404 } },
      // Werkzeug collects methods on the merged path too, even for a rule that does not merge.
      {
        method: "POST",
        path: "/no//merging",
        expect: { status: 405, allowed: ["GET", "HEAD", "OPTIONS"] },
      },
      { path: "//no/tail", expect: { endpoint: "no_tail" } },
    ],
    build: [{ endpoint: "no_merge", expect: "/no//merge" }],
  },
  {
    name: "merged slashes in rules (test_merge_slashes_build)",
    rules: [["/yes//merge", "yes_merge"], ["/no//merge", "no_merge", { mergeSlashes: false }]],
    match: [{ path: "/yes/merge", expect: { endpoint: "yes_merge" } }],
    build: [
      { endpoint: "yes_merge", expect: "/yes/merge" },
      { endpoint: "no_merge", expect: "/no//merge" },
    ],
  },
  {
    name: "merging off map-wide keeps //",
    map: { mergeSlashes: false },
    rules: [["/a/b", "ab"]],
    match: [{ path: "/a//b", expect: { status: 404 } }, {
      path: "/a/b",
      expect: { endpoint: "ab" },
    }],
  },
  {
    name: "defaults redirect to the canonical rule (test_defaults)",
    rules: [
      ["/foo/", "foo", { defaults: { page: 1 } }],
      ["/foo/<int:page>", "foo"],
    ],
    match: [
      { path: "/foo/", expect: { endpoint: "foo", params: { page: 1 } } },
      { path: "/foo/1", expect: { redirect: "/foo/" } },
      { path: "/foo/1", query: "x=2", expect: { redirect: "/foo/?x=2" } },
      { path: "/foo/2", expect: { endpoint: "foo", params: { page: 2 } } },
    ],
    build: [
      { endpoint: "foo", expect: "/foo/" },
      { endpoint: "foo", params: { page: 1 }, expect: "/foo/" },
      { endpoint: "foo", params: { page: 2 }, expect: "/foo/2" },
    ],
  },
  {
    name: "defaults redirect off (redirectDefaults: false)",
    map: { redirectDefaults: false },
    rules: [["/foo/", "foo", { defaults: { page: 1 } }], ["/foo/<int:page>", "foo"]],
    match: [{ path: "/foo/1", expect: { endpoint: "foo", params: { page: 1 } } }],
  },
  {
    name: "signed numbers (test_negative)",
    rules: [
      ["/foos/<int(signed=True):page>", "foos"],
      ["/bars/<float(signed=True):page>", "bars"],
      ["/foo/<int:page>", "foo"],
      ["/bar/<float:page>", "bar"],
    ],
    match: [
      { path: "/foos/-2", expect: { endpoint: "foos", params: { page: -2 } } },
      { path: "/foos/-50", expect: { endpoint: "foos", params: { page: -50 } } },
      { path: "/foos/7", expect: { endpoint: "foos", params: { page: 7 } } },
      { path: "/bars/-2.0", expect: { endpoint: "bars", params: { page: -2 } } },
      { path: "/bars/-0.185", expect: { endpoint: "bars", params: { page: -0.185 } } },
      { path: "/foo/-2", expect: { status: 404 } },
      { path: "/foo/-50", expect: { status: 404 } },
      { path: "/bar/-0.185", expect: { status: 404 } },
      { path: "/bar/-2.0", expect: { status: 404 } },
      { path: "/bar/2", expect: { status: 404 } },
      { path: "/foos/-", expect: { status: 404 } },
    ],
    build: [
      { endpoint: "foos", params: { page: -3 }, expect: "/foos/-3" },
      { endpoint: "bar", params: { page: 2 }, expect: "/bar/2.0" },
      { endpoint: "foo", params: { page: -3 }, expect: /Cannot build URL for "foo"/ },
    ],
  },
  {
    name: "greedy path converters, more converters first (test_greedy)",
    rules: [
      ["/foo", "foo"],
      ["/<path:bar>", "bar"],
      ["/<path:bar>/<path:blub>", "bar"],
    ],
    match: [
      { path: "/foo", expect: { endpoint: "foo" } },
      { path: "/blub", expect: { endpoint: "bar", params: { bar: "blub" } } },
      { path: "/he/he", expect: { endpoint: "bar", params: { bar: "he", blub: "he" } } },
    ],
    build: [
      { endpoint: "foo", expect: "/foo" },
      { endpoint: "bar", params: { bar: "blub" }, expect: "/blub" },
      { endpoint: "bar", params: { bar: "blub", blub: "bar" }, expect: "/blub/bar" },
    ],
  },
  {
    name: "paths, composite parts and ordering (test_path)",
    rules: [
      ["/", "page", { defaults: { name: "FrontPage" } }],
      ["/Special", "special"],
      ["/<int:year>", "year"],
      ["/<path:name>:foo", "foopage"],
      ["/<path:name>:<path:name2>", "twopage"],
      ["/<path:name>", "page"],
      ["/<path:name>/edit", "editpage"],
      ["/<path:name>/silly/<path:name2>", "sillypage"],
      ["/<path:name>/silly/<path:name2>/edit", "editsillypage"],
      ["/Talk:<path:name>", "talk"],
      ["/User:<username>", "user"],
      ["/User:<username>/<path:name>", "userpage"],
      ["/User:<username>/comment/<int:id>-<int:replyId>", "usercomment"],
      ["/Files/<path:file>", "files"],
      ["/<admin>/<manage>/<things>", "admin"],
    ],
    match: [
      { path: "/", expect: { endpoint: "page", params: { name: "FrontPage" } } },
      { path: "/FrontPage", expect: { redirect: "/" } },
      { path: "/Special", expect: { endpoint: "special", params: {} } },
      { path: "/2007", expect: { endpoint: "year", params: { year: 2007 } } },
      { path: "/Some:foo", expect: { endpoint: "foopage", params: { name: "Some" } } },
      {
        path: "/Some:bar",
        expect: { endpoint: "twopage", params: { name: "Some", name2: "bar" } },
      },
      { path: "/Some/Page", expect: { endpoint: "page", params: { name: "Some/Page" } } },
      { path: "/Some/Page/edit", expect: { endpoint: "editpage", params: { name: "Some/Page" } } },
      {
        path: "/Foo/silly/bar",
        expect: { endpoint: "sillypage", params: { name: "Foo", name2: "bar" } },
      },
      {
        path: "/Foo/silly/bar/edit",
        expect: { endpoint: "editsillypage", params: { name: "Foo", name2: "bar" } },
      },
      { path: "/Talk:Foo/Bar", expect: { endpoint: "talk", params: { name: "Foo/Bar" } } },
      { path: "/User:thomas", expect: { endpoint: "user", params: { username: "thomas" } } },
      {
        path: "/User:thomas/projects/werkzeug",
        expect: { endpoint: "userpage", params: { username: "thomas", name: "projects/werkzeug" } },
      },
      {
        path: "/User:thomas/comment/123-456",
        expect: {
          endpoint: "usercomment",
          params: { username: "thomas", id: 123, replyId: 456 },
        },
      },
      {
        path: "/Files/downloads/werkzeug/0.2.zip",
        expect: { endpoint: "files", params: { file: "downloads/werkzeug/0.2.zip" } },
      },
      {
        path: "/Jerry/eats/cheese",
        expect: { endpoint: "admin", params: { admin: "Jerry", manage: "eats", things: "cheese" } },
      },
    ],
    build: [
      { endpoint: "page", expect: "/" },
      { endpoint: "page", params: { name: "Some/Page" }, expect: "/Some/Page" },
      {
        endpoint: "usercomment",
        params: { username: "a b", id: 1, replyId: 2 },
        expect: "/User:a%20b/comment/1-2",
      },
    ],
  },
  {
    name: "complex rules (test_complex_routing_rules)",
    rules: [
      ["/", "index"],
      ["/<int:blub>", "an_int"],
      ["/<blub>", "a_string"],
      ["/foo/", "nested"],
      ["/foobar/", "nestedbar"],
      ["/foo/<path:testing>/", "nested_show"],
      ["/foo/<path:testing>/edit", "nested_edit"],
      ["/users/", "users", { defaults: { page: 1 } }],
      ["/users/page/<int:page>", "users"],
      ["/foox", "foox"],
      ["/<path:bar>/<path:blub>", "barx_path_path"],
    ],
    match: [
      { path: "/", expect: { endpoint: "index" } },
      { path: "/42", expect: { endpoint: "an_int", params: { blub: 42 } } },
      { path: "/blub", expect: { endpoint: "a_string", params: { blub: "blub" } } },
      { path: "/foo/", expect: { endpoint: "nested" } },
      { path: "/foobar/", expect: { endpoint: "nestedbar" } },
      { path: "/foo/1/2/3/", expect: { endpoint: "nested_show", params: { testing: "1/2/3" } } },
      {
        path: "/foo/1/2/3/edit",
        expect: { endpoint: "nested_edit", params: { testing: "1/2/3" } },
      },
      { path: "/users/", expect: { endpoint: "users", params: { page: 1 } } },
      { path: "/users/page/2", expect: { endpoint: "users", params: { page: 2 } } },
      { path: "/users/page/1", expect: { redirect: "/users/" } },
      { path: "/foox", expect: { endpoint: "foox" } },
      { path: "/1/2/3", expect: { endpoint: "barx_path_path", params: { bar: "1", blub: "2/3" } } },
    ],
    build: [
      { endpoint: "index", expect: "/" },
      { endpoint: "an_int", params: { blub: 42 }, expect: "/42" },
      { endpoint: "a_string", params: { blub: "test" }, expect: "/test" },
      { endpoint: "nested", expect: "/foo/" },
      { endpoint: "nestedbar", expect: "/foobar/" },
      { endpoint: "nested_show", params: { testing: "1/2/3" }, expect: "/foo/1/2/3/" },
      { endpoint: "nested_edit", params: { testing: "1/2/3" }, expect: "/foo/1/2/3/edit" },
      { endpoint: "users", params: { page: 1 }, expect: "/users/" },
      { endpoint: "users", params: { page: 2 }, expect: "/users/page/2" },
      { endpoint: "foox", expect: "/foox" },
      { endpoint: "barx_path_path", params: { bar: "1", blub: "2/3" }, expect: "/1/2/3" },
    ],
  },
  ...MORE_SUITES,
];
