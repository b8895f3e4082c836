import assert from "node:assert/strict";
import { CookieError } from "./http/cookies.ts";
import {
  addEtag,
  deleteCookie,
  html,
  json,
  makeConditional,
  redirect,
  setCacheControl,
  setCookie,
  setEtag,
  stream,
  text,
} from "./response.ts";

Deno.test("json() serializes data and keeps init", async () => {
  const response = json([1, "two"], { status: 400, headers: { "x-a": "1" } });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("x-a"), "1");
  assert.equal(response.headers.get("content-type"), "application/json");
  assert.deepEqual(await response.json(), [1, "two"]);
});

Deno.test("json(), html() and text() keep a Content-Type given in init", () => {
  const headers = { "content-type": "application/problem+json" };
  assert.equal(json({}, { headers }).headers.get("content-type"), "application/problem+json");
  assert.equal(html("", { headers }).headers.get("content-type"), "application/problem+json");
  assert.equal(text("", { headers }).headers.get("content-type"), "application/problem+json");
});

Deno.test("html() and text() set their types with a charset", async () => {
  const page = html("<p>é</p>");
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(await page.text(), "<p>é</p>");
  assert.equal(text("x").headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(text("x").status, 200);
});

Deno.test("redirect() sends a relative Location and an escaped HTML body", async () => {
  const response = redirect('/a?x="<b>"', 303);
  assert.equal(response.status, 303);
  assert.equal(response.headers.get("location"), "/a?x=%22%3Cb%3E%22");
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  const body = await response.text();
  assert.ok(body.includes('<a href="/a?x=%22%3Cb%3E%22">'));
  assert.ok(!body.includes("<b>"));
});

Deno.test("redirect() encodes non-ASCII, spaces and lone surrogates but keeps escapes", () => {
  assert.equal(
    redirect("https://ex.com/ü ñ/%41?q=😀#frag").headers.get("location"),
    "https://ex.com/%C3%BC%20%C3%B1/%41?q=%F0%9F%98%80#frag",
  );
  assert.equal(redirect("/\ud800x").headers.get("location"), "/%EF%BF%BDx");
  assert.equal(redirect(new URL("http://x/p")).headers.get("location"), "http://x/p");
});

Deno.test("redirect() throws a RangeError for a status that is not 3xx", () => {
  assert.throws(() => redirect("/", 200), RangeError);
  assert.throws(() => redirect("/", 400), /Cannot redirect: status "400"/);
});

Deno.test("stream() sends strings and bytes from an async iterable as the client reads", async () => {
  let pulled = 0;
  async function* source() {
    for (const part of ["a", "", "b"]) {
      pulled++;
      yield part;
    }
    yield new Uint8Array([99]);
  }
  const response = stream(source(), { status: 201 });
  assert.equal(pulled, 0);
  assert.equal(response.status, 201);
  assert.equal(await response.text(), "abc");
});

Deno.test("stream() accepts sync iterables and ReadableStreams", async () => {
  assert.equal(await stream(["x", "y"]).text(), "xy");
  const readable = new Response("z").body!;
  assert.equal(await stream(readable).text(), "z");
});

Deno.test("stream() closes the iterator when the client cancels", async () => {
  let closed = false;
  async function* source() {
    try {
      for (;;) yield "tick";
    } finally {
      closed = true;
    }
  }
  const response = stream(source());
  const reader = response.body!.getReader();
  await reader.read();
  await reader.cancel();
  assert.ok(closed);
});

Deno.test("stream() errors the body when the iterable throws", async () => {
  async function* source() {
    yield "a";
    throw new Error("boom");
  }
  await assert.rejects(stream(source()).text(), /boom/);
});

Deno.test("setCookie() and deleteCookie() append Set-Cookie to a response or headers", () => {
  const response = text("ok");
  setCookie(response, "a", "1");
  setCookie(response, "b", "x y", { secure: true, sameSite: "Strict" });
  deleteCookie(response, "old", { path: "/app" });
  assert.deepEqual(response.headers.getSetCookie(), [
    "a=1; Path=/",
    "b=x%20y; Path=/; Secure; SameSite=Strict",
    "old=; Max-Age=0; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
  ]);
  assert.throws(() => setCookie(new Headers(), "bad name", "x"), CookieError);
});

Deno.test("setCacheControl() sets or removes Cache-Control", () => {
  const headers = new Headers({ "cache-control": "no-store" });
  setCacheControl(headers, { private: true, noCache: true });
  assert.equal(headers.get("cache-control"), "private, no-cache");
  setCacheControl(headers, {});
  assert.equal(headers.has("cache-control"), false);
});

Deno.test("setEtag() quotes the tag and rejects invalid ones", () => {
  const response = text("x");
  setEtag(response, "abc");
  assert.equal(response.headers.get("etag"), '"abc"');
  assert.throws(() => setEtag(response, 'a"b'), TypeError);
});

Deno.test("addEtag() hashes the body and keeps status and headers", async () => {
  const original = text("hello", { status: 201, headers: { "x-a": "1" } });
  const response = await addEtag(original);
  assert.equal(response.status, 201);
  assert.equal(response.headers.get("x-a"), "1");
  assert.equal(response.headers.get("etag"), (await addEtag(text("hello"))).headers.get("etag"));
  assert.notEqual(response.headers.get("etag"), (await addEtag(text("hullo"))).headers.get("etag"));
  assert.equal(await response.text(), "hello");
});

Deno.test("addEtag() keeps an existing ETag unless overwrite", async () => {
  const tagged = text("x", { headers: { etag: '"mine"' } });
  assert.equal(await addEtag(tagged), tagged);
  const replaced = await addEtag(text("x", { headers: { etag: '"mine"' } }), { overwrite: true });
  assert.notEqual(replaced.headers.get("etag"), '"mine"');
  const empty = await addEtag(new Response(null, { status: 204 }));
  assert.equal(empty.body, null);
  assert.match(empty.headers.get("etag")!, /^"0-/);
});

Deno.test("makeConditional() re-exported here answers If-None-Match with 304", async () => {
  const response = await addEtag(text("hello"));
  const etag = response.headers.get("etag")!;
  const request = new Request("http://x/", { headers: { "if-none-match": etag } });
  const result = await makeConditional(request, response);
  assert.equal(result.status, 304);
});
