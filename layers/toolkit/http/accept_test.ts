import assert from "node:assert/strict";
import {
  CharsetAccept,
  EncodingAccept,
  LanguageAccept,
  MediaAccept,
  parseAccept,
  parseAcceptCharset,
  parseAcceptEncoding,
  parseAcceptLanguage,
} from "./accept.ts";

const RFC_EXAMPLE = "text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, " +
  "text/plain;format=fixed;q=0.4, */*;q=0.5";

Deno.test("parseAccept() follows the RFC 9110 12.5.1 precedence example", () => {
  const accept = parseAccept(RFC_EXAMPLE);
  assert.equal(accept.quality("text/plain;format=flowed"), 1);
  assert.equal(accept.quality("text/plain"), 0.7);
  assert.equal(accept.quality("text/html"), 0.3);
  assert.equal(accept.quality("image/jpeg"), 0.5);
  assert.equal(accept.quality("text/plain;format=fixed"), 0.4);
  assert.equal(accept.quality("text/html;level=3"), 0.3);
});

Deno.test("parseAccept() sorts entries by quality then specificity, stable", () => {
  const accept = parseAccept("*/*;q=0.8, text/*, text/html, application/json, text/html;level=1");
  assert.deepEqual(
    accept.entries.map((e) => [e.value, e.quality, e.params]),
    [
      ["text/html", 1, { level: "1" }],
      ["text/html", 1, {}],
      ["application/json", 1, {}],
      ["text/*", 1, {}],
      ["*/*", 0.8, {}],
    ],
  );
});

Deno.test("parseAccept() accepts everything with quality 1 when the header is absent", () => {
  for (const header of [null, "", "   "]) {
    const accept = parseAccept(header);
    assert.equal(accept.provided, false);
    assert.deepEqual(accept.entries, []);
    assert.equal(accept.quality("image/png"), 1);
    assert.equal(accept.best(["application/json", "text/html"]), "application/json");
    assert.equal(accept.acceptsJson, true);
  }
});

Deno.test("MediaAccept.best() prefers quality, then specificity, then offer order", () => {
  const accept = parseAccept("text/html, application/json, */*;q=0.1");
  assert.equal(accept.best(["application/json", "text/html"]), "application/json");
  assert.equal(accept.best(["image/png", "text/html"]), "text/html");
  assert.equal(accept.best(["image/png", "image/gif"]), "image/png");
  const wild = parseAccept("text/*, text/html");
  assert.equal(wild.best(["text/plain", "text/html"]), "text/html");
});

Deno.test("MediaAccept.best() never picks an offer excluded with q=0", () => {
  const accept = parseAccept("text/html;q=0, */*");
  assert.equal(accept.best(["text/html", "application/json"]), "application/json");
  assert.equal(accept.best(["text/html"]), undefined);
  assert.equal(accept.best(["text/html"], "text/plain"), "text/plain");
  assert.equal(accept.accepts("text/html"), false);
});

Deno.test("MediaAccept.quality() matches case-insensitively and with offer wildcards", () => {
  const accept = parseAccept("Text/HTML;q=0.5, application/*;q=0.2");
  assert.equal(accept.quality("text/html"), 0.5);
  assert.equal(accept.quality("TEXT/Html"), 0.5);
  assert.equal(accept.quality("application/xml"), 0.2);
  assert.equal(accept.quality("*/*"), 0.5);
  assert.equal(accept.quality("application/*"), 0.2);
});

Deno.test("MediaAccept.quality() returns 0 for offers that are not media types", () => {
  const accept = parseAccept("*/*");
  assert.equal(accept.quality("html"), 0);
  assert.equal(accept.quality("*/html"), 0);
  assert.equal(accept.quality(""), 0);
  assert.equal(accept.quality(undefined as unknown as string), 0);
  assert.equal(accept.best([null as unknown as string, "text/html"]), "text/html");
});

Deno.test("MediaAccept.acceptsJson and acceptsHtml read the header", () => {
  assert.equal(parseAccept("application/json").acceptsHtml, false);
  assert.equal(parseAccept("application/json").acceptsJson, true);
  assert.equal(parseAccept("application/xhtml+xml").acceptsHtml, true);
  assert.equal(parseAccept("text/html;q=0, */*;q=0.1").acceptsHtml, true);
  assert.equal(parseAccept("text/html;q=0, application/xhtml+xml;q=0").acceptsHtml, false);
});

Deno.test("parseAccept() skips malformed ranges and non-numeric q values", () => {
  const accept = parseAccept(
    "garbage, */html, text/plain;q=abc, text/csv;q=, image/png;q=0.5, ;;, ,",
  );
  // An empty q= is not a parameter at all (as in Werkzeug), so text/csv keeps q=1.
  assert.deepEqual(accept.entries.map((e) => e.value), ["text/csv", "image/png"]);
  assert.equal(accept.provided, true);
  assert.equal(accept.quality("text/plain"), 0);
});

Deno.test("parseAccept() clamps q above 1 and below 0", () => {
  const accept = parseAccept("text/html;q=99999999999999999999, image/png;q=-1, a/b;q=.5");
  assert.equal(accept.quality("text/html"), 1);
  assert.equal(accept.quality("image/png"), 0);
  assert.equal(accept.quality("a/b"), 0.5);
  assert.equal(parseAccept("a/b;q=1e400").entries.length, 0);
});

Deno.test("parseAccept() treats a lone * as */*", () => {
  const accept = parseAccept("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2");
  assert.equal(accept.quality("application/json"), 0.2);
});

Deno.test("parseAccept() ignores accept-ext parameters after q", () => {
  const accept = parseAccept("text/html;level=1;q=0.5;ext=x");
  assert.deepEqual(accept.entries[0].params, { level: "1" });
  assert.equal(accept.quality("text/html;level=1"), 0.5);
  assert.equal(accept.quality("text/html"), 0);
});

Deno.test("parseAccept() handles quoted parameters with commas and unterminated quotes", () => {
  const accept = parseAccept('text/html;x="a,b";q=0.4, text/plain;y="oops, image/png');
  assert.equal(accept.quality('text/html;x="a,b"'), 0.4);
  assert.equal(accept.entries.length, 2);
});

Deno.test("parseAccept() caches results by header value", () => {
  assert.equal(parseAccept("text/html"), parseAccept("text/html"));
  assert.notEqual(parseAccept("text/html"), parseAccept("text/plain"));
  const long = "text/html, " + "a/b, ".repeat(1000);
  assert.notEqual(parseAccept(long), parseAccept(long));
  assert.ok(Object.isFrozen(parseAccept("text/html").entries));
});

Deno.test("parseAccept() stays fast on a huge header", () => {
  const header = "text/plain;q=0.1, ".repeat(5000) + "text/html";
  const start = performance.now();
  const accept = parseAccept(header);
  assert.equal(accept.best(["text/plain", "text/html"]), "text/html");
  assert.ok(performance.now() - start < 1000);
});

Deno.test("MediaAccept.toString() dumps the sorted entries", () => {
  assert.equal(
    new MediaAccept("text/*;q=0.5, text/html;level=1").toString(),
    "text/html;level=1, text/*;q=0.5",
  );
});

Deno.test("parseAcceptLanguage() matches case-insensitively with _ as -", () => {
  const accept = parseAcceptLanguage("en-US, fr;q=0.5");
  assert.equal(accept.quality("EN_us"), 1);
  assert.equal(accept.best(["fr", "en_US"]), "en_US");
  assert.deepEqual(accept.entries.map((e) => e.value), ["en-US", "fr"]);
});

Deno.test("LanguageAccept.best() falls back from a specific request to a primary offer", () => {
  const accept = parseAcceptLanguage("en-US");
  assert.equal(accept.best(["de", "en"]), "en");
  assert.equal(accept.quality("en"), 1);
  assert.equal(accept.best(["en-GB"]), undefined);
});

Deno.test("LanguageAccept.best() lets a primary range match a specific offer", () => {
  const accept = parseAcceptLanguage("en");
  assert.equal(accept.best(["de-DE", "en-GB"]), "en-GB");
  assert.equal(parseAcceptLanguage("zh-Hant").best(["zh-Hant-TW", "zh"]), "zh-Hant-TW");
});

Deno.test("LanguageAccept.best() prefers an exact match over a fallback of equal quality", () => {
  const accept = parseAcceptLanguage("en-US, en");
  assert.equal(accept.best(["en-GB", "en"]), "en");
  assert.equal(parseAcceptLanguage("de-DE, en;q=0.5").best(["en", "de"]), "de");
});

Deno.test("LanguageAccept.quality() honours * and q=0 exclusions", () => {
  const accept = parseAcceptLanguage("fr;q=0, *;q=0.3");
  assert.equal(accept.quality("fr-CA"), 0);
  assert.equal(accept.quality("de"), 0.3);
  assert.equal(accept.best(["fr", "de"]), "de");
});

Deno.test("parseAcceptLanguage() skips invalid language ranges", () => {
  const accept = parseAcceptLanguage("en--US, toolongtag, <script>, de;q=0.9, *");
  assert.deepEqual(accept.entries.map((e) => e.value), ["*", "de"]);
  assert.equal(parseAcceptLanguage(null).best(["ja", "en"]), "ja");
  assert.equal(parseAcceptLanguage("en").quality(""), 0);
});

Deno.test("parseAcceptEncoding() keeps identity acceptable unless excluded", () => {
  assert.equal(parseAcceptEncoding("gzip").quality("identity"), 1);
  assert.equal(parseAcceptEncoding("gzip").quality("br"), 0);
  assert.equal(parseAcceptEncoding("gzip, identity;q=0").accepts("identity"), false);
  assert.equal(parseAcceptEncoding("*;q=0").accepts("identity"), false);
  assert.equal(parseAcceptEncoding("*;q=0, identity").accepts("identity"), true);
  assert.equal(parseAcceptEncoding("br;q=0.8, *;q=0.5").quality("identity"), 0.5);
});

Deno.test("EncodingAccept.best() ranks an unlisted identity below listed codings", () => {
  assert.equal(parseAcceptEncoding("gzip;q=0.5, br").best(["identity", "gzip"]), "gzip");
  assert.equal(parseAcceptEncoding("gzip;q=0.5").quality("identity"), 0.5);
  assert.equal(parseAcceptEncoding("gzip;q=0").best(["gzip", "identity"]), "identity");
});

Deno.test("parseAcceptEncoding() distinguishes an absent header from an empty one", () => {
  assert.equal(parseAcceptEncoding(null).best(["br", "identity"]), "br");
  const empty = parseAcceptEncoding("");
  assert.equal(empty.provided, true);
  assert.equal(empty.accepts("gzip"), false);
  assert.equal(empty.best(["gzip", "identity"]), "identity");
});

Deno.test("parseAcceptEncoding() folds x-gzip and case", () => {
  assert.equal(parseAcceptEncoding("X-GZIP").quality("gzip"), 1);
  assert.equal(new EncodingAccept("GZip").quality("gzip"), 1);
  assert.deepEqual(new EncodingAccept("GZip, <bad>").entries.map((e) => e.value), ["gzip"]);
});

Deno.test("parseAcceptCharset() folds aliases and honours *", () => {
  const accept = parseAcceptCharset("latin1;q=0.5, utf-8");
  assert.equal(accept.quality("ISO-8859-1"), 0.5);
  assert.equal(accept.quality("utf8"), 1);
  assert.equal(accept.quality("shift_jis"), 0);
  assert.equal(new CharsetAccept("*;q=0.2").quality("koi8-r"), 0.2);
  assert.equal(parseAcceptCharset(null).quality("anything"), 1);
});

Deno.test("Accept parsers never throw on garbage or control characters", () => {
  const inputs = ["\0\x01\x7f", '"', '"unterminated', ";q=", "=,=,=", "\u00e9/\u00e8", ",,,;;;"];
  for (const input of inputs) {
    for (
      const parse of [parseAccept, parseAcceptLanguage, parseAcceptEncoding, parseAcceptCharset]
    ) {
      const accept = parse(input);
      assert.equal(typeof accept.quality("text/html"), "number");
      accept.best(["text/html", "en", "gzip"]);
    }
  }
  assert.equal(new LanguageAccept(42 as unknown as string).provided, false);
});
