import assert from "node:assert/strict";
import { readByteranges } from "../_test_byteranges.ts";
import {
  evaluatePreconditions,
  evaluatePreconditionsFrom,
  evaluateRange,
  evaluateRangeFrom,
  makeConditional,
  notModified,
  type Validators,
} from "./conditional.ts";

const MODIFIED = Date.UTC(2024, 0, 1, 12, 0, 0) + 250; // a fraction of a second, as on disk
const MODIFIED_TEXT = "Mon, 01 Jan 2024 12:00:00 GMT";
const EARLIER_TEXT = "Mon, 01 Jan 2024 11:59:59 GMT";
const LATER_TEXT = "Mon, 01 Jan 2024 12:00:01 GMT";
const VALIDATORS: Validators = { etag: '"v2"', lastModified: new Date(MODIFIED) };

function request(headers: HeadersInit, method = "GET"): Request {
  return new Request("http://x/file", { method, headers });
}

function check(headers: HeadersInit, method = "GET", validators = VALIDATORS): number {
  return evaluatePreconditions(request(headers, method), validators);
}

Deno.test("evaluatePreconditions() returns 200 when there is no precondition", () => {
  assert.equal(check({}), 200);
  assert.equal(check({}, "POST"), 200);
  assert.equal(check({ "if-none-match": '"v2"' }, "GET", {}), 200);
});

Deno.test("evaluatePreconditions() returns 412 when If-Match fails the strong comparison", () => {
  assert.equal(check({ "if-match": '"v1"' }), 412);
  assert.equal(check({ "if-match": '"v1", "v2"' }), 200);
  assert.equal(check({ "if-match": 'W/"v2"' }), 412);
  assert.equal(
    check({ "if-match": '"v2"' }, "GET", { etag: 'W/"v2"', lastModified: VALIDATORS.lastModified }),
    412,
  );
  assert.equal(check({ "if-match": '"v2"' }, "PUT", { lastModified: null }), 412);
  assert.equal(check({ "if-match": "garbage" }), 412);
  assert.equal(check({ "if-match": "*" }, "PUT", {}), 200);
  assert.equal(check({ "if-match": "*" }), 200);
});

Deno.test("evaluatePreconditions() ignores If-Unmodified-Since when If-Match is present", () => {
  assert.equal(check({ "if-match": '"v2"', "if-unmodified-since": EARLIER_TEXT }), 200);
});

Deno.test("evaluatePreconditions() returns 412 when modified after If-Unmodified-Since", () => {
  assert.equal(check({ "if-unmodified-since": EARLIER_TEXT }, "PUT"), 412);
  assert.equal(check({ "if-unmodified-since": MODIFIED_TEXT }, "PUT"), 200);
  assert.equal(check({ "if-unmodified-since": LATER_TEXT }, "PUT"), 200);
  assert.equal(check({ "if-unmodified-since": "not a date" }, "PUT"), 200);
  assert.equal(check({ "if-unmodified-since": EARLIER_TEXT }, "PUT", { etag: '"v2"' }), 200);
});

Deno.test("evaluatePreconditions() returns 304 when If-None-Match matches weakly on GET/HEAD", () => {
  assert.equal(check({ "if-none-match": '"v2"' }), 304);
  assert.equal(check({ "if-none-match": 'W/"v2"' }), 304);
  assert.equal(check({ "if-none-match": '"v1", W/"v2"' }, "HEAD"), 304);
  assert.equal(check({ "if-none-match": '"v2"' }, "GET", { etag: 'W/"v2"' }), 304);
  assert.equal(check({ "if-none-match": "*" }), 304);
  assert.equal(check({ "if-none-match": '"v1"' }), 200);
});

Deno.test("evaluatePreconditions() returns 412 when If-None-Match matches on other methods", () => {
  assert.equal(check({ "if-none-match": '"v2"' }, "PUT"), 412);
  assert.equal(check({ "if-none-match": "*" }, "POST"), 412);
  assert.equal(check({ "if-none-match": '"v1"' }, "DELETE"), 200);
});

Deno.test("evaluatePreconditions() ignores If-Modified-Since when If-None-Match is present", () => {
  assert.equal(check({ "if-none-match": '"v1"', "if-modified-since": LATER_TEXT }), 200);
  assert.equal(check({ "if-none-match": "malformed", "if-modified-since": LATER_TEXT }), 304);
});

Deno.test("evaluatePreconditions() returns 304 when not modified since If-Modified-Since", () => {
  assert.equal(check({ "if-modified-since": MODIFIED_TEXT }), 304);
  assert.equal(check({ "if-modified-since": LATER_TEXT }, "HEAD"), 304);
  assert.equal(check({ "if-modified-since": EARLIER_TEXT }), 200);
  assert.equal(check({ "if-modified-since": MODIFIED_TEXT }, "POST"), 200);
  assert.equal(check({ "if-modified-since": "Mon, 01 Jan 2024 12:00:00 UTC" }), 200);
  assert.equal(check({ "if-modified-since": MODIFIED_TEXT }, "GET", { etag: '"v2"' }), 200);
  assert.equal(
    check({ "if-modified-since": MODIFIED_TEXT }, "GET", { lastModified: MODIFIED }),
    304,
  );
});

Deno.test("evaluatePreconditions() returns 412 when If-Match fails even if If-None-Match would 304", () => {
  assert.equal(check({ "if-match": '"v1"', "if-none-match": '"v2"' }), 412);
  assert.equal(check({ "if-unmodified-since": EARLIER_TEXT, "if-none-match": '"v2"' }), 412);
  assert.equal(check({ "if-match": '"v2"', "if-none-match": '"v2"' }), 304);
});

Deno.test("evaluateRange() returns the ranges when there is no If-Range", () => {
  const ranges = evaluateRange(request({ range: "bytes=0-1,-2" }), { size: 10 });
  assert.deepEqual(ranges, [{ start: 0, end: 1 }, { start: 8, end: 9 }]);
  assert.equal(evaluateRange(request({ range: "bytes=10-" }), { size: 10 }), "unsatisfiable");
  assert.equal(
    evaluateRange(request({ range: "bytes=0-0,2-2" }), { size: 10, maxRanges: 1 }),
    null,
  );
});

Deno.test("evaluateRange() returns null when the method is not GET or there is no Range", () => {
  assert.equal(evaluateRange(request({ range: "bytes=0-1" }, "HEAD"), { size: 10 }), null);
  assert.equal(evaluateRange(request({ range: "bytes=0-1" }, "POST"), { size: 10 }), null);
  assert.equal(evaluateRange(request({ "if-range": '"v2"' }), { size: 10, etag: '"v2"' }), null);
  assert.equal(evaluateRange(request({ range: "bytes=1-0" }), { size: 10 }), null);
});

Deno.test("evaluateRange() honours If-Range only when the entity tag matches strongly", () => {
  const ranged = (ifRange: string, etag: string) =>
    evaluateRange(request({ range: "bytes=0-1", "if-range": ifRange }), { size: 10, etag });
  assert.deepEqual(ranged('"v2"', '"v2"'), [{ start: 0, end: 1 }]);
  assert.equal(ranged('"v1"', '"v2"'), null);
  assert.equal(ranged('W/"v2"', '"v2"'), null);
  assert.equal(ranged('"v2"', 'W/"v2"'), null);
  assert.equal(ranged("garbage", '"v2"'), null);
  assert.equal(
    evaluateRange(request({ range: "bytes=0-1", "if-range": '"v2"' }), { size: 10 }),
    null,
  );
});

Deno.test("evaluateRange() honours If-Range only when the date is the exact second", () => {
  const ranged = (ifRange: string) =>
    evaluateRange(request({ range: "bytes=0-1", "if-range": ifRange }), {
      size: 10,
      lastModified: MODIFIED,
    });
  assert.deepEqual(ranged(MODIFIED_TEXT), [{ start: 0, end: 1 }]);
  assert.equal(ranged(LATER_TEXT), null);
  assert.equal(ranged(EARLIER_TEXT), null);
  assert.equal(
    evaluateRange(request({ range: "bytes=0-1", "if-range": MODIFIED_TEXT }), { size: 10 }),
    null,
  );
});

Deno.test("notModified() keeps validators and caching headers when it drops the metadata", async () => {
  const response = notModified({
    etag: '"v2"',
    "last-modified": MODIFIED_TEXT,
    "cache-control": "max-age=60",
    expires: LATER_TEXT,
    vary: "Accept-Encoding",
    "content-location": "/file.en",
    date: MODIFIED_TEXT,
    "set-cookie": "a=b",
    "content-type": "text/plain",
    "content-length": "10",
    "content-encoding": "gzip",
    "content-language": "en",
    "content-range": "bytes 0-1/10",
    "content-disposition": "attachment",
  });
  assert.equal(response.status, 304);
  assert.equal(response.body, null);
  assert.deepEqual([...response.headers.keys()].sort(), [
    "cache-control",
    "content-location",
    "date",
    "etag",
    "expires",
    "last-modified",
    "set-cookie",
    "vary",
  ]);
  assert.equal(await response.text(), "");
});

function page(body: BodyInit | null = "0123456789", headers: HeadersInit = {}): Response {
  return new Response(body, {
    headers: {
      etag: '"v2"',
      "last-modified": MODIFIED_TEXT,
      "content-type": "text/plain",
      ...headers,
    },
  });
}

function trackedStream(
  text: string,
): { stream: ReadableStream<Uint8Array>; state: { cancelled: boolean; pulled: boolean } } {
  const state = { cancelled: false, pulled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled = true;
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

Deno.test("makeConditional() returns a bodiless 304 and cancels the body when If-None-Match matches", async () => {
  const { stream, state } = trackedStream("0123456789");
  const original = page(stream, {
    "cache-control": "no-cache",
    "content-location": "/file",
    date: MODIFIED_TEXT,
    expires: LATER_TEXT,
    vary: "Accept",
  });
  const response = await makeConditional(request({ "if-none-match": 'W/"v2"' }), original);
  assert.equal(response.status, 304);
  assert.equal(response.body, null);
  assert.equal(state.cancelled, true);
  for (
    const name of [
      "etag",
      "cache-control",
      "content-location",
      "date",
      "expires",
      "vary",
      "last-modified",
    ]
  ) {
    assert.ok(response.headers.has(name), name);
  }
  assert.equal(response.headers.has("content-type"), false);
});

Deno.test("makeConditional() returns 304 when If-Modified-Since is the same second", async () => {
  const response = await makeConditional(request({ "if-modified-since": MODIFIED_TEXT }), page());
  assert.equal(response.status, 304);
  const fresh = await makeConditional(request({ "if-modified-since": EARLIER_TEXT }), page());
  assert.equal(fresh.status, 200);
  assert.equal(await fresh.text(), "0123456789");
});

Deno.test("makeConditional() returns a bodiless 412 when If-Match fails", async () => {
  const response = await makeConditional(request({ "if-match": '"v1"' }), page());
  assert.equal(response.status, 412);
  assert.equal(response.body, null);
});

Deno.test("makeConditional() returns 206 with Content-Range when one range is asked", async () => {
  const response = await makeConditional(request({ range: "bytes=2-4" }), page());
  assert.equal(response.status, 206);
  assert.equal(response.headers.get("content-range"), "bytes 2-4/10");
  assert.equal(response.headers.get("content-length"), "3");
  assert.equal(response.headers.get("content-type"), "text/plain");
  assert.equal(response.headers.get("etag"), '"v2"');
  assert.equal(await response.text(), "234");
  const suffix = await makeConditional(request({ range: "bytes=-3" }), page());
  assert.equal(await suffix.text(), "789");
});

Deno.test("makeConditional() returns multipart/byteranges when several ranges are asked", async () => {
  const response = await makeConditional(request({ range: "bytes=0-1, 8-, 1-2" }), page());
  const parts = await readByteranges(response);
  assert.deepEqual(parts.map((p) => p.range), ["bytes 0-2/10", "bytes 8-9/10"]);
  assert.deepEqual(parts.map((p) => p.type), ["text/plain", "text/plain"]);
  assert.deepEqual(parts.map((p) => new TextDecoder().decode(p.body)), ["012", "89"]);
});

Deno.test("makeConditional() returns 416 with bytes */size when no range is satisfiable", async () => {
  const response = await makeConditional(request({ range: "bytes=10-" }), page());
  assert.equal(response.status, 416);
  assert.equal(response.headers.get("content-range"), "bytes */10");
  assert.equal(response.body, null);
});

Deno.test("makeConditional() uses completeLength when deciding a 416 without reading the body", async () => {
  const { stream, state } = trackedStream("0123456789");
  const response = await makeConditional(request({ range: "bytes=20-" }), page(stream), {
    completeLength: 10,
  });
  assert.equal(response.status, 416);
  assert.equal(response.headers.get("content-range"), "bytes */10");
  assert.equal(state.pulled, false);
  assert.equal(state.cancelled, true);
});

Deno.test("makeConditional() sends the whole body when If-Range does not match", async () => {
  const response = await makeConditional(
    request({ range: "bytes=0-1", "if-range": '"v1"' }),
    page(trackedStream("0123456789").stream),
  );
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("accept-ranges"), "bytes");
  assert.equal(await response.text(), "0123456789");
  const matching = await makeConditional(
    request({ range: "bytes=0-1", "if-range": MODIFIED_TEXT }),
    page(),
  );
  assert.equal(matching.status, 206);
});

Deno.test("makeConditional() ignores Range when the method is HEAD or ranges are off", async () => {
  const head = await makeConditional(request({ range: "bytes=0-1" }, "HEAD"), page(null));
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("accept-ranges"), "bytes");
  const off = await makeConditional(request({ range: "bytes=0-1" }), page(), {
    acceptRanges: false,
  });
  assert.equal(off.status, 200);
  assert.equal(off.headers.has("accept-ranges"), false);
  assert.equal(await off.text(), "0123456789");
});

Deno.test("makeConditional() returns the response untouched when it is not a GET/HEAD 200", async () => {
  const post = page();
  assert.equal(await makeConditional(request({ "if-none-match": '"v2"' }, "POST"), post), post);
  const missing = new Response("gone", { status: 404, headers: { etag: '"v2"' } });
  assert.equal(await makeConditional(request({ "if-none-match": '"v2"' }), missing), missing);
  const created = new Response("x", { status: 201 });
  assert.equal(await makeConditional(request({ range: "bytes=0-0" }), created), created);
});

Deno.test("makeConditional() copies the response when its headers are immutable", async () => {
  const fetched = await fetch("data:text/plain,hello");
  assert.throws(() => fetched.headers.set("x", "y"));
  const response = await makeConditional(request({}), fetched);
  assert.equal(response.headers.get("accept-ranges"), "bytes");
  assert.equal(await response.text(), "hello");
  const ranged = await makeConditional(request({ range: "bytes=1-2" }), await fetch("data:,hello"));
  assert.equal(await ranged.text(), "el");
});

Deno.test("makeConditional() trusts the bytes when the declared Content-Length is wrong", async () => {
  const response = await makeConditional(
    request({ range: "bytes=8-" }),
    page("01234", { "content-length": "10" }),
  );
  assert.equal(response.status, 416);
  assert.equal(response.headers.get("content-range"), "bytes */5");
  const whole = await makeConditional(
    request({ range: "bytes=0-0,2-2", "if-range": '"v2"' }),
    page("01234", { "content-length": "3" }),
  );
  assert.equal(whole.status, 206);
  assert.equal(whole.headers.get("content-type")?.startsWith("multipart/byteranges"), true);
  await whole.body?.cancel();
});

Deno.test("evaluatePreconditionsFrom() and evaluateRangeFrom() agree with the Request forms", () => {
  const cases: [Record<string, string>, string][] = [
    [{}, "GET"],
    [{ "if-none-match": 'W/"v2"' }, "GET"],
    [{ "if-none-match": '"v2"' }, "DELETE"],
    [{ "if-match": '"v1"' }, "GET"],
    [{ "if-modified-since": MODIFIED_TEXT }, "HEAD"],
    [{ "if-unmodified-since": EARLIER_TEXT }, "PUT"],
    [{ range: "bytes=0-1,-2" }, "GET"],
    [{ range: "bytes=0-1", "if-range": '"v2"' }, "GET"],
    [{ range: "bytes=0-1", "if-range": LATER_TEXT }, "GET"],
    [{ range: "bytes=20-" }, "GET"],
  ];
  for (const [headers, method] of cases) {
    const header = (name: string) => headers[name] ?? null;
    const options = { ...VALIDATORS, size: 10 };
    assert.equal(
      evaluatePreconditionsFrom(method, header, VALIDATORS),
      evaluatePreconditions(request(headers, method), VALIDATORS),
    );
    assert.deepEqual(
      evaluateRangeFrom(method, header, options),
      evaluateRange(request(headers, method), options),
    );
  }
});
