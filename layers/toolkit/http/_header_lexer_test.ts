import assert from "node:assert/strict";
import {
  isToken,
  percentDecode,
  quotedEnd,
  scanParams,
  splitExtValue,
  splitList,
  splitPair,
  trimOws,
  unquote,
} from "./_header_lexer.ts";

Deno.test("isToken() accepts RFC 9110 tchars only", () => {
  assert.equal(isToken("abc-XYZ_09!#$%&'*+.^`|~"), true);
  for (const bad of ["", "a b", "a,b", 'a"', "a;", "\u00e9", "a\0", "(x)"]) {
    assert.equal(isToken(bad), false, bad);
  }
});

Deno.test("trimOws() trims spaces and tabs only", () => {
  assert.equal(trimOws(" \ta b\t "), "a b");
  assert.equal(trimOws("\na\n"), "\na\n");
  assert.equal(trimOws("xx a xx", 2, 5), "a");
});

Deno.test("quotedEnd() honours escapes and reports unterminated strings", () => {
  assert.equal(quotedEnd('"abc" x', 0), 5);
  assert.equal(quotedEnd('"a\\"b"', 0), 6);
  assert.equal(quotedEnd('"abc', 0), -1);
  assert.equal(quotedEnd('"abc\\"', 0), -1);
});

Deno.test('unquote() strips quotes and unescapes quoted-pairs of \\ and "', () => {
  assert.equal(unquote('"a\\\\\\"b"'), 'a\\"b');
  assert.equal(unquote('"C:\\temp"'), "C:\\temp");
  assert.equal(unquote("plain"), "plain");
  assert.equal(unquote('"'), '"');
});

Deno.test("splitList() splits on commas outside quotes and drops empty items", () => {
  assert.deepEqual(splitList(' a , "b,c" ,, d="e, f" ,'), ["a", '"b,c"', 'd="e, f"']);
  assert.deepEqual(splitList('"unterminated, x'), ['"unterminated, x']);
  assert.deepEqual(splitList(""), []);
});

Deno.test("splitPair() splits at the first = and unquotes the value", () => {
  assert.deepEqual(splitPair('a = "b=c"'), ["a", "b=c"]);
  assert.deepEqual(splitPair("flag"), ["flag", null]);
  assert.deepEqual(splitPair("k="), ["k", ""]);
});

Deno.test("scanParams() reports key=value parameters and skips the rest", () => {
  const seen: [string, string, boolean][] = [];
  scanParams('x; A=1; bad; b="q;\\"x"; c = 2; d=e f; ;', 0, (k, v, q) => seen.push([k, v, q]));
  assert.deepEqual(seen, [["a", "1", false], ["b", 'q;"x', true], ["d", "e", false]]);
});

Deno.test("percentDecode() decodes safe charsets and refuses others", () => {
  assert.equal(percentDecode("%E2%82%AC", "utf-8"), "\u20ac");
  assert.equal(percentDecode("%A3", "iso-8859-1"), "\u00a3");
  assert.equal(percentDecode("%41%FF", "us-ascii"), "A\ufffd");
  assert.equal(percentDecode("%4", "utf-8"), "%4");
  assert.equal(percentDecode("%G0%", "utf-8"), "%G0%");
  assert.equal(percentDecode("x", "koi8-r"), null);
});

Deno.test("splitExtValue() splits charset'lang'value or returns null", () => {
  assert.deepEqual(splitExtValue("UTF-8'en'%E2"), ["utf-8", "%E2"]);
  assert.deepEqual(splitExtValue("''abc"), ["", "abc"]);
  assert.equal(splitExtValue("abc"), null);
  assert.equal(splitExtValue("utf-8'en'"), null);
  assert.equal(splitExtValue("ut f'x'y"), null);
});
