import assert from "node:assert/strict";
import {
  basicAuthorization,
  type Challenge,
  formatWWWAuthenticate,
  parseAuthorization,
  parseWWWAuthenticate,
} from "./authorization.ts";

function b64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

Deno.test("parseAuthorization() decodes Basic credentials, splitting at the first colon", () => {
  assert.deepEqual(parseAuthorization(`Basic ${b64("user:pa:ss")}`), {
    type: "basic",
    username: "user",
    password: "pa:ss",
  });
  assert.deepEqual(parseAuthorization(`bAsIc   ${b64(":")}  `), {
    type: "basic",
    username: "",
    password: "",
  });
});

Deno.test("parseAuthorization() decodes UTF-8 Basic credentials", () => {
  assert.deepEqual(parseAuthorization(`Basic ${b64("test\u00a3:\u20ac")}`), {
    type: "basic",
    username: "test\u00a3",
    password: "\u20ac",
  });
});

Deno.test("parseAuthorization() accepts Basic credentials without padding", () => {
  assert.deepEqual(parseAuthorization("Basic YTpi"), {
    type: "basic",
    username: "a",
    password: "b",
  });
  assert.deepEqual(parseAuthorization("Basic YTpiYw"), {
    type: "basic",
    username: "a",
    password: "bc",
  });
});

Deno.test("parseAuthorization() returns null for malformed Basic credentials", () => {
  const bad = [
    "Basic",
    "Basic ",
    "Basic !!!!",
    "Basic YTpi=====",
    "Basic Y",
    `Basic ${b64("nocolon")}`,
    `Basic ${btoa("\xff\xfe:x")}`,
    "Basic YT pi",
    "Basic\tYTpi extra",
  ];
  for (const header of bad) assert.equal(parseAuthorization(header), null, header);
});

Deno.test("parseAuthorization() reads Bearer tokens and rejects empty or spaced ones", () => {
  assert.deepEqual(parseAuthorization("Bearer abc.def-ghi_jkl~/+=="), {
    type: "bearer",
    token: "abc.def-ghi_jkl~/+==",
  });
  assert.equal(parseAuthorization("Bearer"), null);
  assert.equal(parseAuthorization("Bearer a b"), null);
});

Deno.test("parseAuthorization() reads Digest parameters", () => {
  const header =
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", ' +
    'algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ' +
    'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
    'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", ' +
    'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  const auth = parseAuthorization(header);
  assert.ok(auth?.type === "digest");
  assert.equal(auth.params.username, "Mufasa");
  assert.equal(auth.params.realm, "http-auth@example.org");
  assert.equal(auth.params.uri, "/dir/index.html");
  assert.equal(auth.params.algorithm, "SHA-256");
  assert.equal(auth.params.nc, "00000001");
  assert.equal(auth.params.qop, "auth");
  assert.equal(auth.params.opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  assert.equal(parseAuthorization("Digest"), null);
});

Deno.test("parseAuthorization() decodes an RFC 8187 Digest username*", () => {
  const auth = parseAuthorization("Digest username*=UTF-8''J%C3%A4s%C3%B8n, realm=x");
  assert.ok(auth?.type === "digest");
  assert.equal(auth.params.username, "J\u00e4s\u00f8n");
});

Deno.test("parseAuthorization() reads other schemes as a token or parameters", () => {
  assert.deepEqual(parseAuthorization("Negotiate YIIBhg=="), {
    type: "negotiate",
    token: "YIIBhg==",
    params: {},
  });
  assert.deepEqual(parseAuthorization('HOBA result="a.b.c", kid=1'), {
    type: "hoba",
    params: { result: "a.b.c", kid: "1" },
  });
  assert.deepEqual(parseAuthorization("Custom"), { type: "custom", params: {} });
});

Deno.test("parseAuthorization() returns null for absent, empty and garbage headers", () => {
  for (const header of [null, "", "   ", "\0", "é x", "(basic) x", "Basic=abc", '"Basic" x']) {
    assert.equal(parseAuthorization(header), null, String(header));
  }
  assert.equal(parseAuthorization(5 as unknown as string), null);
});

Deno.test("parseWWWAuthenticate() splits several challenges and keeps quoted commas", () => {
  const header = 'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"';
  assert.deepEqual(parseWWWAuthenticate(header), [
    { scheme: "newauth", params: { realm: "apps", type: "1", title: 'Login to "apps"' } },
    { scheme: "basic", params: { realm: "simple" } },
  ]);
});

Deno.test("parseWWWAuthenticate() reads bare schemes, token68 and spaced parameters", () => {
  assert.deepEqual(parseWWWAuthenticate("Negotiate, NTLM abc==, Basic realm = x"), [
    { scheme: "negotiate", params: {} },
    { scheme: "ntlm", params: {}, token: "abc==" },
    { scheme: "basic", params: { realm: "x" } },
  ]);
});

Deno.test("parseWWWAuthenticate() skips parameters before the first scheme and garbage", () => {
  assert.deepEqual(parseWWWAuthenticate('realm="x", Basic realm="y", ,, "junk", a b c'), [
    { scheme: "basic", params: { realm: "y" } },
    { scheme: "a", params: {} },
  ]);
  assert.deepEqual(parseWWWAuthenticate(null), []);
  assert.deepEqual(parseWWWAuthenticate(""), []);
  assert.deepEqual(parseWWWAuthenticate('Basic realm="unterminated, Bearer'), [
    { scheme: "basic", params: { realm: '"unterminated, Bearer' } },
  ]);
});

Deno.test("formatWWWAuthenticate() capitalizes known schemes and quotes realm", () => {
  assert.equal(
    formatWWWAuthenticate({ scheme: "basic", params: { realm: "r" } }),
    'Basic realm="r"',
  );
  assert.equal(
    formatWWWAuthenticate({ scheme: "bearer", params: { realm: "api", error: "invalid_token" } }),
    'Bearer realm="api", error="invalid_token"',
  );
  assert.equal(formatWWWAuthenticate({ scheme: "Custom", params: { a: "b c" } }), 'Custom a="b c"');
  assert.equal(formatWWWAuthenticate({ scheme: "ntlm", params: {}, token: "abc==" }), "ntlm abc==");
  assert.equal(formatWWWAuthenticate([]), "");
});

Deno.test("formatWWWAuthenticate() round-trips through parseWWWAuthenticate()", () => {
  const challenges: Challenge[] = [
    { scheme: "basic", params: { realm: 'say "hi", friend', charset: "UTF-8" } },
    { scheme: "digest", params: { realm: "x", qop: "auth, auth-int", algorithm: "SHA-256" } },
  ];
  assert.deepEqual(parseWWWAuthenticate(formatWWWAuthenticate(challenges)), challenges);
});

Deno.test("formatWWWAuthenticate() throws a clear error for names that are not tokens", () => {
  assert.throws(
    () => formatWWWAuthenticate({ scheme: "bad scheme", params: {} }),
    /Cannot format WWW-Authenticate: scheme "bad scheme" is not a token/,
  );
  assert.throws(() => formatWWWAuthenticate({ scheme: "Basic", params: { "a b": "x" } }), Error);
});

Deno.test("basicAuthorization() builds a UTF-8 Basic header and refuses colons in names", () => {
  assert.equal(basicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  assert.equal(basicAuthorization("", ""), "Basic Og==");
  assert.throws(() => basicAuthorization("a:b", "x"), /user name "a:b" contains ":"/);
});
