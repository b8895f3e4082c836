/**
 * The second half of the Werkzeug conformance table (see `_conformance_cases.ts`): converter
 * weights and arguments, methods, building, aliases, redirects, subdomains, host matching,
 * encoding and odd paths.
 *
 * @module
 */

import type { Suite } from "./_conformance_cases.ts";

const GET_POST = { methods: ["GET", "POST"] };

/** Suites about converters, methods, building, redirects, hosts and encoding. */
export const MORE_SUITES: readonly Suite[] = [
  {
    name:
      "converter weights: int / float (50) before uuid / string (100), ties in order (test_weighting)",
    rules: [
      ["/<uuid:value>", "uuid"],
      ["/<value>", "string"],
      ["/<float:value>", "float"],
      ["/<int:value>", "int"],
    ],
    match: [
      { path: "/1", expect: { endpoint: "int", params: { value: 1 } } },
      { path: "/1.5", expect: { endpoint: "float", params: { value: 1.5 } } },
      {
        path: "/2B7DE1E3-E85F-4B3A-8F47-4E37B8FBFD4D",
        expect: { endpoint: "uuid", params: { value: "2b7de1e3-e85f-4b3a-8f47-4e37b8fbfd4d" } },
      },
      { path: "/x", expect: { endpoint: "string", params: { value: "x" } } },
      { path: "/2b7de1e3-e85f-4b3a-8f47-4e37b8fbfd4", expect: { endpoint: "string" } },
    ],
  },
  {
    name: "static parts beat converters, longer static pieces first",
    rules: [
      ["/<a>/<b>", "two"],
      ["/x/<b>", "x"],
      ["/<a>/y", "y"],
      ["/v<int:n>", "version"],
      ["/<name>", "name"],
      ["/file.<ext>", "ext"],
      ["/<base>.txt", "txt"],
    ],
    match: [
      { path: "/x/y", expect: { endpoint: "x", params: { b: "y" } } },
      { path: "/z/y", expect: { endpoint: "y", params: { a: "z" } } },
      { path: "/z/w", expect: { endpoint: "two", params: { a: "z", b: "w" } } },
      { path: "/v2", expect: { endpoint: "version", params: { n: 2 } } },
      { path: "/vx", expect: { endpoint: "name", params: { name: "vx" } } },
      { path: "/file.txt", expect: { endpoint: "ext", params: { ext: "txt" } } },
      { path: "/a.txt", expect: { endpoint: "txt", params: { base: "a" } } },
    ],
  },
  {
    name: "path converters: the one with more static text wins (test_path_weighting)",
    rules: [["/<path:path>/<a>/<b>", "complex"], ["/<path:path>/c", "simple"]],
    match: [
      { path: "/a/b/c", expect: { endpoint: "simple", params: { path: "a/b" } } },
      { path: "/a/b/d", expect: { endpoint: "complex", params: { path: "a", a: "b", b: "d" } } },
    ],
  },
  {
    name: "any() (test_anyconverter)",
    rules: [
      ["/<any(a1, a2):a>", "no_dot"],
      ["/<any(a.1, a.2):a>", "yes_dot"],
      ['/x/<any("a b", c):a>', "quoted"],
    ],
    match: [
      { path: "/a1", expect: { endpoint: "no_dot", params: { a: "a1" } } },
      { path: "/a2", expect: { endpoint: "no_dot", params: { a: "a2" } } },
      { path: "/a.1", expect: { endpoint: "yes_dot", params: { a: "a.1" } } },
      { path: "/a.2", expect: { endpoint: "yes_dot", params: { a: "a.2" } } },
      { path: "/a3", expect: { status: 404 } },
      { path: "/ax1", expect: { status: 404 } },
      { path: "/x/a%20b", expect: { endpoint: "quoted", params: { a: "a b" } } },
    ],
    build: [
      { endpoint: "no_dot", params: { a: "a2" }, expect: "/a2" },
      { endpoint: "quoted", params: { a: "a b" }, expect: "/x/a%20b" },
      { endpoint: "no_dot", params: { a: "a3" }, expect: /cannot use a = "a3"/ },
    ],
  },
  {
    name: "string lengths and int arguments",
    rules: [
      ["/code/<string(length=2):code>", "code"],
      ["/name/<string(minlength=2, maxlength=3):name>", "name"],
      ["/page/<int(min=1, max=10):page>", "page"],
      ["/page/<slug>", "slug"],
      ["/fixed/<int(fixed_digits=4):year>", "year"],
      ["/huge/<int:n>", "huge"],
    ],
    match: [
      { path: "/code/de", expect: { endpoint: "code", params: { code: "de" } } },
      { path: "/code/deu", expect: { status: 404 } },
      { path: "/name/ab", expect: { endpoint: "name", params: { name: "ab" } } },
      { path: "/name/abc", expect: { endpoint: "name" } },
      { path: "/name/a", expect: { status: 404 } },
      { path: "/name/abcd", expect: { status: 404 } },
      { path: "/page/10", expect: { endpoint: "page", params: { page: 10 } } },
      // A converter rejecting a value makes the next rule be tried (Werkzeug's documented
      // ValidationError behaviour; its current matcher gives a 404 here instead).
      { path: "/page/11", expect: { endpoint: "slug", params: { slug: "11" } } },
      { path: "/page/0", expect: { endpoint: "slug", params: { slug: "0" } } },
      { path: "/fixed/0042", expect: { endpoint: "year", params: { year: 42 } } },
      { path: "/fixed/42", expect: { status: 404 } },
      { path: "/huge/9007199254740991", expect: { endpoint: "huge" } },
      { path: "/huge/9007199254740993", expect: { status: 404 } },
      { path: "/huge/0007", expect: { endpoint: "huge", params: { n: 7 } } },
    ],
    build: [
      { endpoint: "year", params: { year: 42 }, expect: "/fixed/0042" },
      { endpoint: "page", params: { page: 3 }, expect: "/page/3" },
      { endpoint: "page", params: { page: 30 }, expect: /cannot use page = "30"/ },
      { endpoint: "code", params: { code: "abc" }, expect: /cannot use code/ },
    ],
  },
  {
    name: "methods: HEAD with GET, 405 lists every method (test_implicit_head)",
    rules: [
      ["/get", "a", { methods: ["GET"] }],
      ["/post", "b", { methods: ["POST"] }],
      ["/both", "c", GET_POST],
      ["/both", "d", { methods: ["DELETE"] }],
      ["/<name>", "e", { methods: ["PUT"] }],
    ],
    match: [
      { method: "HEAD", path: "/get", expect: { endpoint: "a" } },
      { method: "head", path: "/get", expect: { endpoint: "a" } },
      {
        method: "HEAD",
        path: "/post",
        expect: { status: 405, allowed: ["OPTIONS", "POST", "PUT"] },
      },
      { method: "DELETE", path: "/both", expect: { endpoint: "d" } },
      { method: "PUT", path: "/both", expect: { endpoint: "e", params: { name: "both" } } },
      {
        method: "PATCH",
        path: "/both",
        expect: { status: 405, allowed: ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"] },
      },
      {
        method: "OPTIONS",
        path: "/both",
        expect: { options: ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"] },
      },
      { method: "OPTIONS", path: "/nothing/here", expect: { status: 404 } },
      {
        method: "BREW",
        path: "/get",
        expect: { status: 405, allowed: ["GET", "HEAD", "OPTIONS", "PUT"] },
      },
    ],
  },
  {
    name: "a rule that lists OPTIONS answers it",
    rules: [["/cors", "cors", { methods: ["GET", "OPTIONS"] }], ["/plain", "plain"]],
    match: [
      { method: "OPTIONS", path: "/cors", expect: { endpoint: "cors" } },
      { method: "OPTIONS", path: "/plain", expect: { options: ["GET", "HEAD", "OPTIONS"] } },
      { method: "OPTIONS", path: "/plain/", expect: { status: 404 } },
    ],
  },
  {
    name: "method fallback when building (test_method_fallback)",
    rules: [
      ["/", "index", { methods: ["GET"] }],
      ["/<name>", "hello_name", { methods: ["GET"] }],
      ["/select", "hello_select", { methods: ["POST"] }],
      ["/search_get", "search", { methods: ["GET"] }],
      ["/search_post", "search", { methods: ["POST"] }],
    ],
    build: [
      { endpoint: "index", expect: "/" },
      { endpoint: "index", options: { method: "GET" }, expect: "/" },
      { endpoint: "hello_name", params: { name: "foo" }, expect: "/foo" },
      { endpoint: "hello_select", expect: "/select" },
      { endpoint: "hello_select", options: { method: "POST" }, expect: "/select" },
      { endpoint: "search", expect: "/search_get" },
      { endpoint: "search", options: { method: "GET" }, expect: "/search_get" },
      { endpoint: "search", options: { method: "POST" }, expect: "/search_post" },
      {
        endpoint: "index",
        options: { method: "POST" },
        expect: /allows "GET", "HEAD", not "POST"/,
      },
    ],
  },
  {
    name: "building: extras in the query, None dropped, quoting, anchors (test_build_*)",
    map: { serverName: "example.org" },
    rules: [
      ["/bar/<float:bazf>", "barf"],
      ["/flob/<flub>", "endp"],
      ["/files/<path:file>", "files"],
      ["/", "index"],
    ],
    build: [
      { endpoint: "barf", params: { bazf: 0.815, bif: 1 }, expect: "/bar/0.815?bif=1" },
      {
        endpoint: "barf",
        params: { bazf: 0.815, bif: 1 },
        options: { appendUnknown: false },
        expect: "/bar/0.815",
      },
      { endpoint: "endp", params: { flub: "x", flop: null }, expect: "/flob/x" },
      { endpoint: "endp", params: { flub: null, flop: null }, expect: /missing "flub"/ },
      { endpoint: "endp", params: { flub: "a/b c" }, expect: "/flob/a%2Fb%20c" },
      { endpoint: "files", params: { file: "a b/c.txt" }, expect: "/files/a%20b/c.txt" },
      { endpoint: "index", params: { tag: ["a", "b"], q: "x y" }, expect: "/?tag=a&tag=b&q=x+y" },
      { endpoint: "index", options: { anchor: "top" }, expect: "/#top" },
      { endpoint: "index", options: { external: true }, expect: "http://example.org/" },
      {
        endpoint: "index",
        options: { external: true, scheme: "https", rootPath: "/app/" },
        expect: "https://example.org/app/",
      },
      { endpoint: "index", options: { rootPath: "/app" }, expect: "/app/" },
      { endpoint: "urks", expect: /Cannot build URL for "urks"/ },
    ],
  },
  {
    name: "sorted query parameters (test_adapter_url_parameter_sorting)",
    map: { sortParameters: true },
    rules: [["/", "index"]],
    build: [{ endpoint: "index", params: { z: 30, x: 20, y: 10 }, expect: "/?x=20&y=10&z=30" }],
  },
  {
    name: "aliases redirect to the canonical URL (test_alias_redirects)",
    rules: [
      ["/", "index"],
      ["/index.html", "index", { alias: true }],
      ["/users/", "users", { defaults: { page: 1 } }],
      ["/users/index.html", "users", { defaults: { page: 1 }, alias: true }],
      ["/users/page/<int:page>", "users"],
      ["/users/page-<int:page>.html", "users", { alias: true }],
    ],
    match: [
      { path: "/index.html", expect: { redirect: "/" } },
      { path: "/users/index.html", expect: { redirect: "/users/" } },
      { path: "/users/page-2.html", expect: { redirect: "/users/page/2" } },
      { path: "/users/page-1.html", expect: { redirect: "/users/" } },
      { path: "/users/page-1.html", query: "foo=bar", expect: { redirect: "/users/?foo=bar" } },
    ],
    build: [
      { endpoint: "index", expect: "/" },
      { endpoint: "users", params: { page: 1 }, expect: "/users/" },
      { endpoint: "users", params: { page: 2 }, expect: "/users/page/2" },
    ],
  },
  {
    name: "redirectTo: a rule string or a function",
    rules: [
      ["/old/<int:id>", "old", { redirectTo: "/new/<id>" }],
      ["/older/<name>", "older", { redirectTo: (p) => `https://example.com/${p.name}` }],
      ["/rel", "rel", { redirectTo: "target" }],
    ],
    match: [
      { path: "/old/7", expect: { redirect: "/new/7" } },
      { path: "/older/x", expect: { redirect: "https://example.com/x" } },
      { path: "/rel", rootPath: "/app", expect: { redirect: "/app/target" } },
    ],
  },
  {
    name: "subdomains (test_server_name_interpolation, test_request_redirect_default_subdomain)",
    map: { serverName: "example.org" },
    rules: [
      ["/", "index"],
      ["/", "alt", { subdomain: "alt" }],
      ["/", "user_home", { subdomain: "<user>" }],
      ["/foo", "foo", { defaults: { bar: 42 }, subdomain: "test" }],
      ["/foo/<int:bar>", "foo", { subdomain: "other" }],
    ],
    match: [
      { path: "/", host: "example.org", expect: { endpoint: "index" } },
      { path: "/", host: "EXAMPLE.org:80", expect: { endpoint: "index" } },
      { path: "/", host: "alt.example.org", expect: { endpoint: "alt" } },
      {
        path: "/",
        host: "bob.example.org",
        expect: { endpoint: "user_home", params: { user: "bob" } },
      },
      { path: "/", host: "example.net", expect: { status: 404 } },
      { path: "/", subdomain: "alt", expect: { endpoint: "alt" } },
      {
        path: "/foo/42",
        host: "other.example.org",
        expect: { redirect: "http://test.example.org/foo" },
      },
    ],
    build: [
      { endpoint: "index", options: { host: "example.org" }, expect: "/" },
      { endpoint: "alt", options: { host: "example.org" }, expect: "http://alt.example.org/" },
      {
        endpoint: "user_home",
        params: { user: "ann" },
        options: { subdomain: "ann" },
        expect: "/",
      },
      { endpoint: "user_home", params: { user: "ann" }, expect: "http://ann.example.org/" },
      {
        endpoint: "index",
        options: { subdomain: "alt", scheme: "https" },
        expect: "https://example.org/",
      },
    ],
  },
  {
    name: "host matching (test_host_matching, test_host_matching_building)",
    map: { hostMatching: true },
    rules: [
      ["/", "index", { host: "www.<domain>" }],
      ["/", "files", { host: "files.<domain>" }],
      ["/foo/", "x", { defaults: { page: 1 }, host: "www.<domain>" }],
      ["/<int:page>", "x", { host: "files.<domain>" }],
      ["/", "my", { host: "my.domain.com" }],
    ],
    match: [
      {
        path: "/",
        host: "www.example.com",
        expect: { endpoint: "index", params: { domain: "example.com" } },
      },
      {
        path: "/foo/",
        host: "www.example.com",
        expect: { endpoint: "x", params: { domain: "example.com", page: 1 } },
      },
      { path: "/foo", host: "www.example.com", expect: { redirect: "/foo/" } },
      {
        path: "/",
        host: "files.example.com",
        expect: { endpoint: "files", params: { domain: "example.com" } },
      },
      {
        path: "/2",
        host: "files.example.com",
        expect: { endpoint: "x", params: { domain: "example.com", page: 2 } },
      },
      {
        path: "/1",
        host: "files.example.com",
        expect: { redirect: "http://www.example.com/foo/" },
      },
      { path: "/", host: "my.domain.com", expect: { endpoint: "my", params: {} } },
      { path: "/", host: "MY.domain.com:80", expect: { endpoint: "my" } },
      { path: "/", host: "nowhere", expect: { status: 404 } },
    ],
    build: [
      { endpoint: "my", options: { host: "my.domain.com" }, expect: "/" },
      { endpoint: "my", options: { host: "www.domain.com" }, expect: "http://my.domain.com/" },
      {
        endpoint: "index",
        params: { domain: "domain.com" },
        options: { host: "my.domain.com" },
        expect: "http://www.domain.com/",
      },
    ],
  },
  {
    name: "unicode rules and percent-encoding (test_unicode_rules, test_redirect_path_quoting)",
    rules: [
      ["/войти/", "enter"],
      ["/foo+bar/", "foobar"],
      ["/<category>", "category", { defaults: { page: 1 } }],
      ["/<category>/page/<int:page>", "category"],
      ["/100%", "percent"],
    ],
    match: [
      {
        path: "/%D0%B2%D0%BE%D0%B9%D1%82%D0%B8",
        expect: { redirect: "/%D0%B2%D0%BE%D0%B9%D1%82%D0%B8/" },
      },
      { path: "/%D0%B2%D0%BE%D0%B9%D1%82%D0%B8/", expect: { endpoint: "enter" } },
      { path: "/foo+bar", expect: { redirect: "/foo+bar/" } },
      { path: "/foo+bar/", expect: { endpoint: "foobar" } },
      { path: "/foo%20bar/page/1", expect: { redirect: "/foo%20bar" } },
      { path: "/a%2Fb", expect: { endpoint: "category", params: { category: "a/b", page: 1 } } },
      {
        path: "/a%252Fb",
        expect: { endpoint: "category", params: { category: "a%2Fb", page: 1 } },
      },
      { path: "/100%25", expect: { endpoint: "percent" } },
      {
        path: "/bad%zz",
        expect: { endpoint: "category", params: { category: "bad%zz", page: 1 } },
      },
      {
        path: "/bad%FF",
        expect: { endpoint: "category", params: { category: "bad\uFFFD", page: 1 } },
      },
    ],
    build: [
      { endpoint: "enter", expect: "/%D0%B2%D0%BE%D0%B9%D1%82%D0%B8/" },
      { endpoint: "foobar", expect: "/foo+bar/" },
      { endpoint: "percent", expect: "/100%25" },
      { endpoint: "category", params: { category: "a/b" }, expect: "/a%2Fb" },
    ],
  },
  {
    name: "newlines and odd paths never match by accident (test_newline_match)",
    rules: [["/hello", "hello"], ["/files/<path:p>", "files"]],
    match: [
      { path: "/hello\n", expect: { status: 404 } },
      { path: "/files/a%0Ab", expect: { status: 404 } },
      { path: "", expect: { status: 404 } },
      { path: "hello", expect: { endpoint: "hello" } },
    ],
  },
  {
    name: "an empty path redirects to the root (test_empty_path_info)",
    rules: [["/", "index"]],
    match: [{ path: "", rootPath: "/approot", expect: { redirect: "/approot/" } }],
  },
  {
    name: "suffixed path converters redirect like branches",
    rules: [["/docs/<path:page>/", "docs"]],
    match: [
      { path: "/docs/a/b/", expect: { endpoint: "docs", params: { page: "a/b" } } },
      { path: "/docs/a/b", expect: { redirect: "/docs/a/b/" } },
      { path: "/docs/a/b//", expect: { redirect: "/docs/a/b/" } },
    ],
    build: [{ endpoint: "docs", params: { page: "a/b" }, expect: "/docs/a/b/" }],
  },
];
