import assert from "node:assert/strict";
import { ETags, fileEtag, generateEtag, parseETags, quoteEtag, unquoteEtag } from "./etag.ts";

Deno.test("parseETags() reads strong and weak tags when given a list", () => {
  const tags = parseETags('"a", W/"b" ,"c",w/"d"');
  assert.deepEqual(tags.strong, ["a", "c"]);
  assert.deepEqual(tags.weak, ["b", "d"]);
  assert.equal(tags.star, false);
  assert.equal(tags.isEmpty, false);
});

Deno.test("parseETags() keeps commas and odd characters when they are inside quotes", () => {
  assert.deepEqual(parseETags('"a,b", "x\u00ffy", "!#"').strong, ["a,b", "x\u00ffy", "!#"]);
  assert.deepEqual(parseETags('""').strong, [""]);
});

Deno.test("parseETags() gives a star set when the header is *", () => {
  const tags = parseETags(" * ");
  assert.equal(tags.star, true);
  assert.equal(tags.isEmpty, false);
  assert.equal(tags.contains('"anything"'), true);
  assert.equal(tags.containsWeak('W/"anything"'), true);
});

Deno.test("parseETags() skips malformed entries when the list has them", () => {
  assert.deepEqual(parseETags('bare, "ok", "unterminated').strong, ["ok"]);
  assert.deepEqual(parseETags('"a" "b", "c"').strong, ["c"]);
  assert.deepEqual(parseETags('*, "a"').strong, ["a"]);
  assert.equal(parseETags('*, "a"').star, false);
  assert.deepEqual(parseETags('W/x, W/"y"').weak, ["y"]);
  assert.deepEqual(parseETags('"sp ace", "tab\t", "ok"').strong, ["ok"]);
  assert.deepEqual(parseETags(',,, "a" ,, ').strong, ["a"]);
  for (const value of [null, "", "   ", ",", "nothing", '"', 'W/"', "W/", "\u0000"]) {
    assert.equal(parseETags(value).isEmpty, true, JSON.stringify(value));
  }
});

Deno.test("ETags.contains() compares strongly when given bare, quoted or weak tags", () => {
  const tags = parseETags('"a", W/"b"');
  assert.equal(tags.contains("a"), true);
  assert.equal(tags.contains('"a"'), true);
  assert.equal(tags.contains('W/"a"'), false);
  assert.equal(tags.contains("b"), false);
  assert.equal(tags.contains('"b"'), false);
  assert.equal(tags.contains("z"), false);
  assert.equal(tags.contains('"bad'), false);
});

Deno.test("ETags.containsWeak() ignores weakness on both sides when comparing", () => {
  const tags = parseETags('"a", W/"b"');
  assert.equal(tags.containsWeak('W/"a"'), true);
  assert.equal(tags.containsWeak('"b"'), true);
  assert.equal(tags.containsWeak("b"), true);
  assert.equal(tags.containsWeak('W/"c"'), false);
  assert.equal(new ETags().containsWeak("a"), false);
  assert.equal(new ETags().isEmpty, true);
});

Deno.test("quoteEtag() quotes a tag and refuses one that cannot be quoted", () => {
  assert.equal(quoteEtag("abc"), '"abc"');
  assert.equal(quoteEtag("abc", true), 'W/"abc"');
  assert.equal(quoteEtag(""), '""');
  assert.throws(() => quoteEtag('a"b'), /Cannot quote entity tag/);
  assert.throws(() => quoteEtag("a b"), TypeError);
  assert.throws(() => quoteEtag("a\nb"), TypeError);
});

Deno.test("unquoteEtag() returns null when the value is not one entity tag", () => {
  assert.deepEqual(unquoteEtag(' "abc" '), { tag: "abc", weak: false });
  assert.deepEqual(unquoteEtag('w/"abc"'), { tag: "abc", weak: true });
  assert.deepEqual(unquoteEtag('""'), { tag: "", weak: false });
  for (const value of ["abc", '"abc', 'abc"', '"', 'W/"', "W/abc", '"a"b"', '"a b"', ""]) {
    assert.equal(unquoteEtag(value), null, value);
  }
  const round = unquoteEtag(quoteEtag("v1.2-x", true));
  assert.deepEqual(round, { tag: "v1.2-x", weak: true });
});

Deno.test("generateEtag() gives equal strong tags when the content is equal", async () => {
  const a = await generateEtag("hello");
  assert.equal(a, '"5-LPJNul+wow4m6DsqxbninhsWHlw"');
  assert.equal(await generateEtag(new TextEncoder().encode("hello")), a);
  assert.notEqual(await generateEtag("hellp"), a);
  assert.equal(await generateEtag(""), '"0-47DEQpj8HBSa+/TImW+5JCeuQeR"');
  assert.notEqual(unquoteEtag(await generateEtag(new Uint8Array(1000))), null);
});

Deno.test("fileEtag() writes nginx's mtime-size form when given file info", () => {
  assert.equal(fileEtag({ size: 0, mtime: null }), '"0-0"');
  assert.equal(fileEtag({ size: 255, mtime: 1_700_000_000_999 }), '"6553f100-ff"');
  assert.equal(fileEtag({ size: 1024, mtime: new Date(1_700_000_000_000) }), '"6553f100-400"');
});
