import assert from "node:assert/strict";
import type { Completed, RequestHead } from "../types.ts";
import { COMBINED_FORMAT, compileLogFormat, type LogVars } from "./log_format.ts";

const NOW = Date.UTC(2026, 10, 26, 14, 21, 45, 123);

function done(head: Partial<RequestHead> = {}, more: Partial<Completed> = {}): Completed {
  return {
    exchange: {
      head: {
        method: "GET",
        target: "/path?x=1",
        path: "/path",
        query: "x=1",
        version: "1.1",
        headers: [],
        host: "example.com",
        keepAlive: true,
        contentLength: 0,
        ...head,
      },
      remoteAddr: "192.0.2.7",
      remotePort: 51234,
      listen: "0.0.0.0:8080",
      serverPort: 8080,
      scheme: "http",
      start: 1000,
      body: null,
    },
    status: 200,
    bytesSent: 321,
    bodyBytesSent: 123,
    bytesReceived: 77,
    end: 1042.4,
    ...more,
  };
}

function one(
  variable: string,
  record = done(),
  extra: LogVars = { uri: "/path", now: NOW },
  escape: "default" | "json" | "none" = "default",
): string {
  return compileLogFormat({ format: variable, escape })(record, extra);
}

Deno.test("compileLogFormat() writes nginx's exact combined line", () => {
  const line = compileLogFormat({ format: COMBINED_FORMAT, escape: "default" });
  const record = done({
    headers: [
      "authorization",
      `Basic ${btoa("alice:secret")}`,
      "referer",
      "https://ref.example/",
      "user-agent",
      'Mozilla/5.0 "quoted"',
    ],
  });
  assert.equal(
    line(record, { uri: "/path", now: NOW }),
    '192.0.2.7 - alice [26/Nov/2026:14:21:45 +0000] "GET /path?x=1 HTTP/1.1" 200 123 ' +
      '"https://ref.example/" "Mozilla/5.0 \\x22quoted\\x22"',
  );
  assert.equal(
    line(done(), { uri: "/path", now: NOW }),
    '192.0.2.7 - - [26/Nov/2026:14:21:45 +0000] "GET /path?x=1 HTTP/1.1" 200 123 "-" "-"',
  );
});

Deno.test("compileLogFormat() writes each request variable", () => {
  const record = done({ method: "POST", version: "1.0" });
  const extra = { uri: "/path", now: NOW };
  assert.equal(one("$remote_addr:$remote_port", record, extra), "192.0.2.7:51234");
  assert.equal(one("$request", record, extra), "POST /path?x=1 HTTP/1.0");
  assert.equal(one("$request_method $request_uri", record, extra), "POST /path?x=1");
  assert.equal(
    one("$uri|$document_uri|$args|$query_string|$is_args", record, extra),
    "/path|/path|x=1|x=1|?",
  );
  assert.equal(one("$server_protocol $scheme $https.", record, extra), "HTTP/1.0 http .");
  assert.equal(one("$host $server_port", record, extra), "example.com 8080");
  assert.equal(one("$pid"), String(Deno.pid));
  assert.equal(one("$hostname"), Deno.hostname());
});

Deno.test("compileLogFormat() writes sizes, status and times", () => {
  assert.equal(one("$status $body_bytes_sent $bytes_sent $request_length"), "200 123 321 77");
  assert.equal(one("$request_time"), "0.042");
  assert.equal(one("$request_time", done({}, { end: 1000.2 })), "0.000");
  assert.equal(one("$request_time", done({}, { end: 3500 })), "2.500");
  assert.equal(one("$status", done({}, { status: 0 })), "000");
  assert.equal(one("$time_local"), "26/Nov/2026:14:21:45 +0000");
  assert.equal(one("$time_iso8601"), "2026-11-26T14:21:45+00:00");
  assert.equal(one("$msec"), "1795702905.123");
  assert.equal(one("$request_completion"), "OK");
  assert.equal(one("$request_completion.", done({}, { error: new Error("gone") })), ".");
});

Deno.test("compileLogFormat() uses the current time when extra.now is unset", () => {
  const before = Date.now();
  const msec = Number(one("$msec", done(), { uri: "/" }));
  assert.ok(msec * 1000 >= before - 1 && msec * 1000 <= Date.now() + 1);
});

Deno.test("compileLogFormat() reads request headers by $http_<name>, dashes as underscores", () => {
  const record = done({
    headers: [
      "x-request-id",
      "abc",
      "accept",
      "text/html",
      "accept",
      "*/*",
      "cookie",
      "a=1",
      "cookie",
      "B=2",
    ],
  });
  assert.equal(one("$http_x_request_id", record), "abc");
  assert.equal(one("$HTTP_X_REQUEST_ID", record), "abc");
  assert.equal(one("$http_accept", record), "text/html, */*");
  assert.equal(one("$http_cookie", record), "a=1; B=2");
  assert.equal(one("$cookie_a $cookie_b $cookie_c", record), "1 2 -");
  assert.equal(one("$arg_x $arg_y", record), "1 -");
  assert.equal(one("$http_referer", record), "-");
});

Deno.test("compileLogFormat() reads reply headers by $sent_http_<name> in any case", () => {
  const extra = { uri: "/", replyHeaders: ["Content-Type", "text/html", "X-Cache", "HIT"] };
  assert.equal(one("$sent_http_content_type $sent_http_x_cache", done(), extra), "text/html HIT");
  assert.equal(one("$sent_http_etag", done(), extra), "-");
  assert.equal(one("$sent_http_etag", done(), { uri: "/" }), "-");
});

Deno.test("compileLogFormat() writes server and connection values from extra", () => {
  const extra = { uri: "/", serverName: "www.example.com", connection: 17, connectionRequests: 3 };
  assert.equal(
    one("$server_name $connection $connection_requests", done(), extra),
    "www.example.com 17 3",
  );
  assert.equal(one("$server_name $connection $connection_requests", done(), { uri: "/" }), "- - -");
  assert.equal(one("$host", done({ host: "" }), extra), "www.example.com");
});

Deno.test("compileLogFormat() writes $remote_user from Basic credentials only", () => {
  const user = (value: string) => one("$remote_user", done({ headers: ["authorization", value] }));
  assert.equal(user(`Basic ${btoa("bob:pw:with:colons")}`), "bob");
  assert.equal(user(`basic ${btoa("bob:x")}`), "bob");
  assert.equal(user("Bearer abc"), "-");
  assert.equal(user("Basic !!!notbase64"), "-");
  assert.equal(user(`Basic ${btoa("nocolon")}`), "-");
});

Deno.test("compileLogFormat() reads ${name} braces and keeps literal text", () => {
  assert.equal(one("[${status}ms] ${remote_addr}x"), "[200ms] 192.0.2.7x");
});

Deno.test("compileLogFormat() prints - for a missing value in default mode only", () => {
  const record = done({ query: "", target: "/path" });
  assert.equal(one('"$args" "$http_referer"', record), '"-" "-"');
  assert.equal(
    one('{"a":"$args","r":"$http_referer"}', record, undefined, "json"),
    '{"a":"","r":""}',
  );
  assert.equal(one("[$args]", record, undefined, "none"), "[]");
});

Deno.test("compileLogFormat() escapes quotes, backslashes and control bytes as \\xHH by default", () => {
  const record = done({ headers: ["user-agent", 'a"b\\c\td\x7fe\x1b'] });
  assert.equal(one("$http_user_agent", record), "a\\x22b\\x5Cc\\x09d\\x7Fe\\x1B");
});

Deno.test("compileLogFormat() escapes bytes from 0x80 as \\xHH, $uri by its UTF-8 bytes", () => {
  // The core reads heads byte for byte: "é" in UTF-8 arrives as two chars, \xC3 \xA9.
  const record = done({ headers: ["user-agent", "caf\xc3\xa9"] });
  assert.equal(one("$http_user_agent", record), "caf\\xC3\\xA9");
  assert.equal(one("$uri", done(), { uri: "/café/😀" }), "/caf\\xC3\\xA9/\\xF0\\x9F\\x98\\x80");
});

Deno.test("compileLogFormat() escapes as JSON strings in json mode, keeping UTF-8", () => {
  const record = done({ headers: ["user-agent", 'a"b\\c\n\r\t\b\f\x01\x1f caf\xc3\xa9'] });
  assert.equal(
    one("$http_user_agent", record, undefined, "json"),
    'a\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001F café',
  );
  assert.equal(one("$uri", done(), { uri: "/café" }, "json"), "/café");
  const line = compileLogFormat({
    format: '{"ua":"$http_user_agent","status":$status,"uri":"$uri"}',
    escape: "json",
  })(record, { uri: '/"x"' });
  assert.deepEqual(JSON.parse(line), {
    ua: 'a"b\\c\n\r\t\b\f\x01\x1f café',
    status: 200,
    uri: '/"x"',
  });
});

Deno.test("compileLogFormat() writes values unescaped in none mode", () => {
  const record = done({ headers: ["user-agent", 'a"b\\c caf\xc3\xa9'] });
  assert.equal(one("$http_user_agent", record, undefined, "none"), 'a"b\\c café');
});

Deno.test("compileLogFormat() refuses unknown and malformed variables", () => {
  const compile = (format: string) => compileLogFormat({ format, escape: "default" });
  assert.throws(() => compile("$nope"), {
    name: "SyntaxError",
    message: /unknown variable "\$nope"/,
  });
  assert.throws(() => compile("$ alone"), /invalid variable name/);
  assert.throws(() => compile("${status"), /missing "}"/);
  assert.throws(() => compile("${sta-tus}"), /invalid variable name/);
  assert.throws(() => compile("$http_"), /unknown variable/);
});
