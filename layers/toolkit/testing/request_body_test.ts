import assert from "node:assert/strict";
import { appendQuery, encodeBody, NO_BODY } from "./request_body.ts";

const text = (data: unknown) => new TextDecoder().decode(data as Uint8Array);

Deno.test("appendQuery() adds pairs and URLSearchParams after the existing query", () => {
  const url = new URL("http://localhost/?a=1");
  appendQuery(url, [["b", "2"], ["c", null], ["d", true]]);
  appendQuery(url, new URLSearchParams("e=x+y"));
  assert.equal(url.search, "?a=1&b=2&d=true&e=x+y");
});

Deno.test("appendQuery() leaves the URL alone when there is nothing to add", () => {
  const url = new URL("http://localhost/p?keep=%7E");
  appendQuery(url, {});
  appendQuery(url, { gone: undefined });
  assert.equal(url.href, "http://localhost/p?keep=%7E");
});

Deno.test("encodeBody() returns NO_BODY when no body option is given", async () => {
  assert.equal(await encodeBody({}), NO_BODY);
  assert.equal(await encodeBody({ body: null }), NO_BODY);
});

Deno.test("encodeBody() copies a view on a SharedArrayBuffer and keeps other views", async () => {
  const shared = new Uint8Array(new SharedArrayBuffer(3));
  shared.set([1, 2, 3]);
  const fromShared = await encodeBody({ body: shared as unknown as BodyInit });
  assert.ok(fromShared.data instanceof Uint8Array && fromShared.data.buffer instanceof ArrayBuffer);
  assert.deepEqual([...fromShared.data], [1, 2, 3]);
  const view = new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2);
  const fromView = await encodeBody({ body: view });
  assert.deepEqual([...(fromView.data as Uint8Array)], [8, 7]);
  assert.equal(fromView.length, 2);
  assert.equal(fromView.contentType, null);
  const fromBuffer = await encodeBody({ body: new Uint8Array([5]).buffer });
  assert.equal(fromBuffer.length, 1);
});

Deno.test("encodeBody() keeps a Blob as it is, with its type when it has one", async () => {
  const typed = await encodeBody({ body: new Blob(["abc"], { type: "text/csv" }) });
  assert.ok(typed.data instanceof Blob);
  assert.equal(typed.contentType, "text/csv");
  assert.equal(typed.length, 3);
  const untyped = await encodeBody({ body: new Blob(["abc"]) });
  assert.equal(untyped.contentType, null);
});

Deno.test("encodeBody() serialises a FormData given as form, multipart or body", async () => {
  const form = new FormData();
  form.append("a", "1");
  for (const options of [{ form }, { multipart: form }, { body: form }]) {
    const encoded = await encodeBody(options);
    assert.match(encoded.contentType!, /^multipart\/form-data; boundary=/);
    assert.match(text(encoded.data), /name="a"\r\n\r\n1\r\n/);
    assert.equal(encoded.length, (encoded.data as Uint8Array).byteLength);
  }
});

Deno.test("encodeBody() sends multipart pairs, skipping empty values", async () => {
  const encoded = await encodeBody({
    multipart: [["a", "1"], ["b", null], ["f", new File(["x"], "x.txt")]],
  });
  const form = await new Response(encoded.data, {
    headers: { "content-type": encoded.contentType! },
  }).formData();
  assert.deepEqual([...form.keys()], ["a", "f"]);
});

Deno.test("encodeBody() reads any other body a Request accepts", async () => {
  const iterable = (async function* () {
    yield new TextEncoder().encode("it");
    yield new TextEncoder().encode("erable");
  })();
  const encoded = await encodeBody({ body: iterable as unknown as BodyInit });
  assert.equal(text(encoded.data), "iterable");
});

Deno.test("encodeBody() throws a clear TypeError for two options or a bad json value", async () => {
  await assert.rejects(() => encodeBody({ form: {}, multipart: {} }), /give only one of/);
  await assert.rejects(() => encodeBody({ json: Symbol("x") }), /not serialisable/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await assert.rejects(() => encodeBody({ json: cyclic }), TypeError);
});
