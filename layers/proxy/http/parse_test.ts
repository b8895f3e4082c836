import assert from "node:assert/strict";
import { HeadError, latin1, parseRequestHead } from "./parse.ts";

const limits = { maxRequestLine: 64, maxHeaders: 4 };
const parse = (text: string) => parseRequestHead(new TextEncoder().encode(text), limits);
const statusOf = (text: string) => {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof HeadError) return error.status;
    throw error;
  }
  return 0;
};

Deno.test("parseRequestHead() reads an origin-form head", () => {
  const head = parse("GET /a%20b?x=1&y HTTP/1.1\r\nHost: Example.COM:8080\r\nX-A:  v  \r\n\r\n");
  assert.equal(head.method, "GET");
  assert.equal(head.target, "/a%20b?x=1&y");
  assert.equal(head.path, "/a%20b");
  assert.equal(head.query, "x=1&y");
  assert.equal(head.version, "1.1");
  assert.equal(head.host, "example.com");
  assert.deepEqual(head.headers, ["host", "Example.COM:8080", "x-a", "v"]);
  assert.equal(head.keepAlive, true);
  assert.equal(head.contentLength, 0);
});

Deno.test("parseRequestHead() accepts bare LF line endings and leading empty lines", () => {
  const head = parse("\r\n\nGET / HTTP/1.1\nHost: a\n\n");
  assert.equal(head.host, "a");
  assert.equal(head.path, "/");
});

Deno.test("parseRequestHead() takes the host from an absolute-form target", () => {
  const head = parse("GET HTTP://Other.Example:81/p/q?z=2 HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(head.host, "other.example");
  assert.equal(head.path, "/p/q");
  assert.equal(head.query, "z=2");
  const bare = parse("GET https://b.example HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(bare.path, "/");
  assert.equal(bare.host, "b.example");
  const query = parse("GET http://b.example?k HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(query.path, "/");
  assert.equal(query.query, "k");
});

Deno.test("parseRequestHead() accepts OPTIONS * only", () => {
  assert.equal(parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").path, "*");
  assert.equal(statusOf("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
});

Deno.test("parseRequestHead() sets keepAlive from the version and Connection", () => {
  assert.equal(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n").keepAlive, false);
  assert.equal(
    parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: te, close\r\n\r\n").keepAlive,
    false,
  );
  assert.equal(parse("GET / HTTP/1.0\r\n\r\n").keepAlive, false);
  assert.equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive, true);
  assert.equal(parse("GET / HTTP/1.0\r\nConnection: x-closed\r\n\r\n").keepAlive, false);
});

Deno.test("parseRequestHead() lets HTTP/1.0 omit Host but not HTTP/1.1", () => {
  assert.equal(parse("GET / HTTP/1.0\r\n\r\n").host, "");
  assert.equal(statusOf("GET / HTTP/1.1\r\n\r\n"), 400);
});

Deno.test("parseRequestHead() reads Content-Length and chunked framing", () => {
  assert.equal(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n").contentLength, 12);
  const twice = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n";
  assert.equal(parse(twice).contentLength, 3);
  const chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n";
  assert.equal(parse(chunked).contentLength, -1);
});

Deno.test("parseRequestHead() refuses malformed heads with 400", () => {
  const cases = [
    "GET / HTTP/1.1\r\nHost: a\r\nX-Fold: a\r\n b\r\n\r\n", // obs-fold
    "GET / HTTP/1.1\r\nHost : a\r\n\r\n", // space before colon
    "GET / HTTP/1.1\r\nHost: a\r\nBad[name]: v\r\n\r\n", // invalid token
    "GET / HTTP/1.1\r\nHost: a\r\nNo-colon\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", // bare CR
    "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", // NUL
    "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", // method not a token
    "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", // two spaces
    "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", // DEL in target
    "GET /\xe9 HTTP/1.1\r\nHost: a\r\n\r\n", // non-ASCII in target
    "GET /\r\nHost: a\r\n\r\n", // HTTP/0.9
    "GET / HTTP/1\r\nHost: a\r\n\r\n",
    "GET / HTTP/0.9\r\nHost: a\r\n\r\n",
    "GET / http/1.1\r\nHost: a\r\n\r\n",
    "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", // no slash
    "GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a..b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a:x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: \r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1,1\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
  ];
  for (const text of cases) assert.equal(statusOf(text), 400, JSON.stringify(text));
});

Deno.test("parseRequestHead() answers 501 for a transfer coding other than chunked", () => {
  assert.equal(statusOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"), 501);
});

Deno.test("parseRequestHead() answers 505 for HTTP/2.0 and other majors", () => {
  assert.equal(statusOf("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
  assert.equal(statusOf("GET / HTTP/3\r\nHost: a\r\n\r\n"), 505);
  assert.equal(parse("GET / HTTP/1.2\r\nHost: a\r\n\r\n").version, "1.1");
});

Deno.test("parseRequestHead() answers 414 and 431 past its limits", () => {
  assert.equal(statusOf(`GET /${"a".repeat(64)} HTTP/1.1\r\nHost: a\r\n\r\n`), 414);
  const many = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
  assert.equal(statusOf(many), 431);
});

Deno.test("parseRequestHead() keeps the method and target of a refused head", () => {
  try {
    parse("DELETE /x HTTP/1.1\r\n\r\n");
    assert.fail("no error");
  } catch (error) {
    assert.ok(error instanceof HeadError);
    assert.equal(error.method, "DELETE");
    assert.equal(error.target, "/x");
  }
});

Deno.test("parseRequestHead() normalises Host like nginx", () => {
  const host = (value: string) => parse(`GET / HTTP/1.1\r\nHost: ${value}\r\n\r\n`).host;
  assert.equal(host("WWW.Example.com."), "www.example.com");
  assert.equal(host("[::1]:8080"), "[::1]");
  assert.equal(host("[FE80::1]"), "[fe80::1]");
  assert.equal(host("127.0.0.1:80"), "127.0.0.1");
});

Deno.test("latin1() keeps one char per byte, also for bytes that are not UTF-8", () => {
  assert.equal(latin1(new Uint8Array([0x61, 0xff, 0x80])), "a\xff\x80");
  assert.equal(latin1(new Uint8Array([0xc3, 0xa9])), "\xc3\xa9");
  assert.equal(latin1(new Uint8Array([0xef, 0xbf, 0xbd])), "\xef\xbf\xbd");
});
