// The SASL pieces of SMTP AUTH: strict base64, PLAIN messages, CRAM-MD5 challenges and answers.

import assert from "node:assert/strict";
import {
  cramMd5Challenge,
  decodeBase64Text,
  encodeBase64Text,
  parseCramMd5,
  parsePlain,
} from "./_sasl.ts";

Deno.test("decodeBase64Text() decodes strict base64 to UTF-8 and refuses anything else", () => {
  assert.equal(decodeBase64Text("Ym9i"), "bob");
  assert.equal(decodeBase64Text("Ym8="), "bo");
  assert.equal(decodeBase64Text(encodeBase64Text("jürgen")), "jürgen");
  assert.equal(decodeBase64Text("="), "");
  assert.equal(decodeBase64Text(""), "");
  for (const bad of ["Ym9", "Ym9i=", "Ym9i!", "Y m9i", "Ym==Ym9i", "/w=="]) {
    assert.equal(decodeBase64Text(bad), null, bad); // "/w==" is 0xFF: not UTF-8
  }
});

Deno.test("parsePlain() reads authzid NUL user NUL pass", () => {
  assert.deepEqual(parsePlain("\0bob\0pw"), { user: "bob", pass: "pw" });
  assert.deepEqual(parsePlain("admin\0bob\0"), { user: "bob", pass: "" });
  assert.equal(parsePlain("bob\0pw"), null);
  assert.equal(parsePlain("\0\0pw"), null);
  assert.equal(parsePlain("a\0b\0c\0d"), null);
});

Deno.test("parseCramMd5() reads user SP hex digest, and cramMd5Challenge() is nginx's shape", () => {
  const digest = "B913A602C7EDA7A495B4E6E7334D3890";
  assert.deepEqual(parseCramMd5(`joe smith ${digest}`), {
    user: "joe smith",
    digest: digest.toLowerCase(),
  });
  assert.equal(parseCramMd5(digest), null);
  assert.equal(parseCramMd5("joe 1234"), null);
  assert.equal(parseCramMd5(` ${digest}`), null);
  assert.match(cramMd5Challenge("mx.test", 1_700_000_000_500), /^<\d+\.1700000000@mx\.test>$/);
  assert.notEqual(cramMd5Challenge("a"), cramMd5Challenge("a"));
});
