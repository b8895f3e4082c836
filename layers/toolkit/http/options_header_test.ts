import assert from "node:assert/strict";
import {
  dumpHeader,
  dumpOptionsHeader,
  dumpSet,
  HeaderSet,
  parseDict,
  parseList,
  parseOptionsHeader,
  parseSet,
  quoteHeaderValue,
  unquoteHeaderValue,
} from "./options_header.ts";

Deno.test("parseOptionsHeader() splits a Content-Type value and its parameters", () => {
  assert.deepEqual(parseOptionsHeader("text/html; charset=utf-8"), [
    "text/html",
    { charset: "utf-8" },
  ]);
  assert.deepEqual(parseOptionsHeader("  text/plain  "), ["text/plain", {}]);
  assert.deepEqual(parseOptionsHeader("multipart/form-data; boundary=----abc123"), [
    "multipart/form-data",
    { boundary: "----abc123" },
  ]);
});

Deno.test("parseOptionsHeader() lower-cases keys and unquotes quoted values", () => {
  assert.deepEqual(parseOptionsHeader('Text/HTML; CharSet="UTF-8"; Q="a;b"'), [
    "Text/HTML",
    { charset: "UTF-8", q: "a;b" },
  ]);
  assert.deepEqual(parseOptionsHeader('form-data; name="a \\"b\\" \\\\ c"'), [
    "form-data",
    { name: 'a "b" \\ c' },
  ]);
});

Deno.test("parseOptionsHeader() keeps Windows backslashes in unescaped file names", () => {
  assert.deepEqual(parseOptionsHeader('form-data; filename="C:\\Users\\x.txt"'), [
    "form-data",
    { filename: "C:\\Users\\x.txt" },
  ]);
});

Deno.test("parseOptionsHeader() decodes %22 in quoted multipart names", () => {
  assert.deepEqual(parseOptionsHeader('form-data; filename="a%22b.txt"'), [
    "form-data",
    { filename: 'a"b.txt' },
  ]);
});

Deno.test("parseOptionsHeader() decodes RFC 2231/8187 extended values", () => {
  assert.deepEqual(parseOptionsHeader("attachment; filename*=UTF-8''%E2%82%AC%20rates.txt"), [
    "attachment",
    { filename: "\u20ac rates.txt" },
  ]);
  assert.deepEqual(parseOptionsHeader("attachment; filename*=iso-8859-1'en'%A3%20rates"), [
    "attachment",
    { filename: "\u00a3 rates" },
  ]);
  assert.deepEqual(parseOptionsHeader("attachment; filename*=us-ascii''%E2x"), [
    "attachment",
    { filename: "\ufffdx" },
  ]);
});

Deno.test("parseOptionsHeader() leaves a value encoded when its charset is unknown", () => {
  assert.deepEqual(parseOptionsHeader("a; filename*=koi8-r''%C1"), ["a", { filename: "%C1" }]);
  assert.deepEqual(parseOptionsHeader("a; filename*=%C1"), ["a", { filename: "%C1" }]);
});

Deno.test("parseOptionsHeader() keeps invalid percent escapes and bad UTF-8 safely", () => {
  assert.deepEqual(parseOptionsHeader("a; f*=UTF-8''%zz%4"), ["a", { f: "%zz%4" }]);
  assert.deepEqual(parseOptionsHeader("a; f*=UTF-8''%FF"), ["a", { f: "\ufffd" }]);
});

Deno.test("parseOptionsHeader() joins RFC 2231 continuations", () => {
  assert.deepEqual(
    parseOptionsHeader('message/external-body; access-type=URL; URL*0="ftp://"; URL*1="x.org/f"'),
    ["message/external-body", { "access-type": "URL", url: "ftp://x.org/f" }],
  );
  assert.deepEqual(
    parseOptionsHeader("attachment; filename*0*=UTF-8''%E2%82; filename*1*=%AC.txt"),
    ["attachment", { filename: "\ufffd\ufffd.txt" }],
  );
  assert.deepEqual(
    parseOptionsHeader("attachment; filename*0*=UTF-8''%E2%82%AC; filename*1*=.txt"),
    ["attachment", { filename: "\u20ac.txt" }],
  );
});

Deno.test("parseOptionsHeader() returns safe defaults on empty and non-string input", () => {
  assert.deepEqual(parseOptionsHeader(null), ["", {}]);
  assert.deepEqual(parseOptionsHeader(""), ["", {}]);
  assert.deepEqual(parseOptionsHeader(";charset=utf-8"), ["", {}]);
  assert.deepEqual(parseOptionsHeader(undefined as unknown as string), ["", {}]);
  assert.deepEqual(parseOptionsHeader(42 as unknown as string), ["", {}]);
  assert.deepEqual(parseOptionsHeader("text/html;"), ["text/html", {}]);
});

Deno.test("parseOptionsHeader() skips malformed parameters and unterminated quotes", () => {
  assert.deepEqual(parseOptionsHeader("text/html; foo; charset=utf-8"), [
    "text/html",
    { charset: "utf-8" },
  ]);
  assert.deepEqual(parseOptionsHeader("text/html; a = b; c=d"), ["text/html", { c: "d" }]);
  assert.deepEqual(parseOptionsHeader('text/html; a="unterminated; b=c'), [
    "text/html",
    { b: "c" },
  ]);
  assert.deepEqual(parseOptionsHeader("text/html; =x; a="), ["text/html", {}]);
  assert.deepEqual(parseOptionsHeader("text/html; a=\x00; b=\u00e9"), ["text/html", {}]);
});

Deno.test("parseOptionsHeader() does not let __proto__ change the result's prototype", () => {
  const [, params] = parseOptionsHeader("a; __proto__=x; constructor=y");
  assert.equal(Object.getPrototypeOf(params), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(params, "__proto__")?.value, "x");
  assert.equal(params.constructor, "y");
});

Deno.test("parseOptionsHeader() runs in linear time on hostile quotes", () => {
  const start = performance.now();
  assert.deepEqual(parseOptionsHeader('a; x="' + "; k=y".repeat(50_000)), ["a", { k: "y" }]);
  assert.deepEqual(parseOptionsHeader("a" + '; k="\\'.repeat(50_000))[0], "a");
  assert.ok(performance.now() - start < 1000);
});

Deno.test("dumpOptionsHeader() writes bare keys for true and skips null, undefined and false", () => {
  assert.equal(
    dumpOptionsHeader("a", { x: true, y: null, z: undefined, w: false, v: "1" }),
    "a; x; v=1",
  );
});

Deno.test("dumpOptionsHeader() quotes values that are not tokens", () => {
  assert.equal(dumpOptionsHeader("form-data", { name: "a b" }), 'form-data; name="a b"');
  assert.equal(dumpOptionsHeader("form-data", { name: 'a"\\' }), 'form-data; name="a\\"\\\\"');
  assert.equal(dumpOptionsHeader("form-data", { name: "" }), 'form-data; name=""');
});

Deno.test("dumpOptionsHeader() writes an ASCII fallback and a UTF-8 value for non-ASCII", () => {
  assert.equal(
    dumpOptionsHeader("attachment", { filename: "\u65e5\u672c.txt" }),
    "attachment; filename=.txt; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt",
  );
  assert.equal(
    dumpOptionsHeader("attachment", { filename: "r\u00e9sum\u00e9 (1)*'.pdf" }),
    "attachment; filename=\"resume (1)*'.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29%2A%27.pdf",
  );
});

Deno.test("dumpOptionsHeader() round-trips through parseOptionsHeader()", () => {
  const name = '\u20ac "quoted" r\u00e9sum\u00e9.txt';
  const header = dumpOptionsHeader("attachment", { filename: name });
  assert.equal(parseOptionsHeader(header)[1].filename, name);
});

Deno.test("dumpOptionsHeader() percent-encodes control characters instead of emitting them", () => {
  const header = dumpOptionsHeader("attachment", { filename: "a\r\nb.txt" });
  assert.equal(header, "attachment; filename=ab.txt; filename*=UTF-8''a%0D%0Ab.txt");
  assert.doesNotThrow(() => new Headers({ "content-disposition": header }));
});

Deno.test("dumpOptionsHeader() throws a clear error for bad values and keys", () => {
  assert.throws(() => dumpOptionsHeader("a\r\nb", {}), /Cannot dump header .*control character/);
  assert.throws(
    () => dumpOptionsHeader("a", { "b c": "x" }),
    /parameter name "b c" is not a token/,
  );
});

Deno.test("quoteHeaderValue() quotes only when needed unless tokens are disallowed", () => {
  assert.equal(quoteHeaderValue("abc"), "abc");
  assert.equal(quoteHeaderValue(""), '""');
  assert.equal(quoteHeaderValue("a,b"), '"a,b"');
  assert.equal(quoteHeaderValue(60), "60");
  assert.equal(quoteHeaderValue("abc", { allowToken: false }), '"abc"');
});

Deno.test("unquoteHeaderValue() unquotes and leaves other values alone", () => {
  assert.equal(unquoteHeaderValue('"a\\\\b"'), "a\\b");
  assert.equal(unquoteHeaderValue('"'), '"');
  assert.equal(unquoteHeaderValue('""'), "");
  assert.equal(unquoteHeaderValue("'a'"), "'a'");
  assert.equal(unquoteHeaderValue(null as unknown as string), "");
});

Deno.test("parseList() honours quoted commas and escapes", () => {
  assert.deepEqual(parseList('a, "b, c", "d \\"e\\""'), ["a", "b, c", 'd "e"']);
  assert.deepEqual(parseList("a,,b, ,"), ["a", "b"]);
  assert.deepEqual(parseList('a, "unterminated, b'), ["a", '"unterminated, b']);
  assert.deepEqual(parseList(""), []);
  assert.deepEqual(parseList(null), []);
});

Deno.test("parseDict() maps keys to values and bare keys to null", () => {
  assert.deepEqual(parseDict('a=1, b="x,y", c'), { a: "1", b: "x,y", c: null });
  assert.deepEqual(parseDict('key = value , other=""'), { key: "value", other: "" });
  assert.deepEqual(parseDict("a=1, a=2"), { a: "2" });
  assert.deepEqual(parseDict("=x, , b"), { b: null });
  assert.deepEqual(parseDict(null), {});
});

Deno.test("parseDict() decodes RFC 8187 extended values", () => {
  assert.deepEqual(parseDict("title*=UTF-8''%E2%82%AC"), { title: "\u20ac" });
  assert.deepEqual(parseDict("title*=x-unknown''%E2"), { title: "x-unknown''%E2" });
});

Deno.test("dumpHeader() dumps lists and records", () => {
  assert.equal(dumpHeader(["a", "b c", ""]), 'a, "b c", ""');
  assert.equal(dumpHeader({ a: 1, b: null, c: true, d: undefined, e: false }), "a=1, b, c");
  assert.equal(dumpHeader({ "title*": "\u20ac" }), "title*=UTF-8''%E2%82%AC");
  assert.equal(dumpHeader([]), "");
});

Deno.test("parseSet() builds a case-insensitive set that dumps back", () => {
  const set = parseSet("Accept-Encoding, cookie, COOKIE");
  assert.equal(set.size, 2);
  assert.equal(set.has("Cookie"), true);
  assert.equal(set.delete("COOKIE"), true);
  assert.equal(set.has("cookie"), false);
  assert.equal(String(set), "Accept-Encoding");
  assert.deepEqual([...parseSet(null)], []);
});

Deno.test("HeaderSet.add() keeps the first spelling and dumpSet() deduplicates", () => {
  const set = new HeaderSet();
  set.add("Origin").add("origin");
  assert.deepEqual(set.toArray(), ["Origin"]);
  assert.equal(dumpSet(["a", "A", "b"]), "a, b");
  set.clear();
  assert.equal(set.toString(), "");
});
