import assert from "node:assert/strict";
import { BadRequest, MultiDict } from "../../toolkit/mod.ts";
import { CsrfError, CsrfProtect, resolveCsrfOptions } from "./csrf.ts";
import { Session, SessionError } from "./session.ts";

const SECRET = "test-secret-key";

function post(url = "http://localhost/form", headers: HeadersInit = {}, method = "POST"): Request {
  return new Request(url, { method, headers });
}

async function rejectsWith(promise: Promise<void>, description: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CsrfError);
    assert.ok(error instanceof BadRequest);
    assert.equal(error.status, 400);
    assert.equal(error.description, description);
    return true;
  });
}

Deno.test("CsrfProtect.token() stores a raw token in the session and reuses it", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  const session = new Session();
  const token = await csrf.token(session);
  assert.equal(typeof session.get("csrf_token"), "string");
  assert.equal(session.modified, true);
  assert.equal(await csrf.token(session), token, "same request, same token");
  assert.match(token, /^[\w-]+\.[\w-]*\.[\w-]{43}$/);
  const later = new Session(session.toJSON());
  const other = await csrf.token(later);
  assert.equal(later.get("csrf_token"), session.get("csrf_token"), "raw token kept");
  await csrf.validate(other, later);
  later.clear();
  const renewed = await csrf.token(later);
  assert.notEqual(renewed, other, "a cleared session gets a new token");
  await csrf.validate(renewed, later);
});

Deno.test("CsrfProtect.check() accepts a valid token from the form field", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  const session = new Session();
  const token = await csrf.token(session);
  await csrf.check(post(), session, new MultiDict([["csrf_token", token]]));
  const form = new FormData();
  form.set("csrf_token", token);
  await csrf.check(post(), session, form);
  await csrf.check(post(), session, new URLSearchParams({ csrf_token: token }));
});

Deno.test("CsrfProtect.check() accepts X-CSRFToken and X-CSRF-Token headers", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  const session = new Session();
  const token = await csrf.token(session);
  await csrf.check(post(undefined, { "X-CSRFToken": token }), session);
  await csrf.check(post(undefined, { "x-csrf-token": token }), session);
  for (const method of ["PUT", "PATCH", "DELETE"]) {
    await csrf.check(post(undefined, { "x-csrftoken": token }, method), session);
  }
  const custom = new CsrfProtect({ secretKey: SECRET, headers: ["X-XSRF-Token"] });
  await custom.check(post(undefined, { "x-xsrf-token": token }), session);
  await rejectsWith(
    custom.check(post(undefined, { "x-csrftoken": token }), session),
    "The CSRF token is missing.",
  );
});

Deno.test("CsrfProtect.check() prefers the form field to the headers", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  const session = new Session();
  const token = await csrf.token(session);
  const form = new MultiDict([["csrf_token", token]]);
  await csrf.check(post(undefined, { "x-csrftoken": "junk" }), session, form);
  await rejectsWith(
    csrf.check(
      post(undefined, { "x-csrftoken": token }),
      session,
      new MultiDict([["csrf_token", "junk"]]),
    ),
    "The CSRF token is invalid.",
  );
});

Deno.test("CsrfProtect.check() skips safe methods", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  for (const method of ["GET", "HEAD", "OPTIONS"]) {
    await csrf.check(new Request("https://localhost/", { method }), new Session());
  }
  const strict = new CsrfProtect({ secretKey: SECRET, methods: ["GET"] });
  await rejectsWith(
    strict.check(new Request("http://localhost/"), new Session()),
    "The CSRF token is missing.",
  );
});

Deno.test("CsrfProtect.check() reports a missing token", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  const session = new Session();
  await csrf.token(session);
  await rejectsWith(csrf.check(post(), session), "The CSRF token is missing.");
  await rejectsWith(csrf.check(post(), session, new MultiDict()), "The CSRF token is missing.");
  const file = new FormData();
  file.set("csrf_token", new File(["x"], "token.txt"));
  await rejectsWith(csrf.check(post(), session, file), "The CSRF token is missing.");
});

Deno.test("CsrfProtect.check() reports a missing session token", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  const token = await csrf.token(new Session());
  await rejectsWith(
    csrf.check(post(undefined, { "x-csrftoken": token }), new Session()),
    "The CSRF session token is missing.",
  );
});

Deno.test("CsrfProtect.check() rejects a token from another session", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  const mine = new Session();
  await csrf.token(mine);
  const theirs = await csrf.token(new Session());
  await rejectsWith(
    csrf.check(post(undefined, { "x-csrftoken": theirs }), mine),
    "The CSRF tokens do not match.",
  );
});

Deno.test("CsrfProtect.check() rejects tampered tokens and other keys' tokens", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  const session = new Session();
  const token = await csrf.token(session);
  const forged = token.slice(0, -2) + (token.endsWith("AA") ? "BA" : "AA");
  for (const bad of [forged, "abc", "a.b.c", token + "x"]) {
    await rejectsWith(
      csrf.check(post(undefined, { "x-csrftoken": bad }), session),
      "The CSRF token is invalid.",
    );
  }
  const other = new CsrfProtect({ secretKey: "other" });
  const copy = new Session(session.toJSON());
  await rejectsWith(
    csrf.check(post(undefined, { "x-csrftoken": await other.token(copy) }), session),
    "The CSRF token is invalid.",
  );
  const rotated = new CsrfProtect({ secretKey: "new", fallbackKeys: [SECRET] });
  await rotated.check(post(undefined, { "x-csrftoken": token }), session);
});

Deno.test("CsrfProtect.check() reports an expired token after timeLimit", async () => {
  let now = 1_700_000_000_000;
  const csrf = new CsrfProtect({ secretKey: SECRET, timeLimit: 60, now: () => now });
  const session = new Session();
  const token = await csrf.token(session);
  now += 60_000;
  await csrf.check(post(undefined, { "x-csrftoken": token }), session);
  now += 1000;
  await rejectsWith(
    csrf.check(post(undefined, { "x-csrftoken": token }), session),
    "The CSRF token has expired.",
  );
  const forever = new CsrfProtect({ secretKey: SECRET, timeLimit: null, now: () => now });
  now += 365 * 86_400_000;
  await forever.check(post(undefined, { "x-csrftoken": token }), session);
});

Deno.test("CsrfProtect.check() over HTTPS requires a same-origin Origin or Referer", async () => {
  const csrf = new CsrfProtect({
    secretKey: SECRET,
    trustedOrigins: ["https://admin.example.com/"],
  });
  const session = new Session();
  const token = await csrf.token(session);
  const url = "https://example.com/form";
  const check = (headers: Record<string, string>) =>
    csrf.check(post(url, { "x-csrftoken": token, ...headers }), session);
  await check({ referer: "https://example.com/page?x=1" });
  await check({ origin: "https://example.com" });
  await check({ origin: "https://admin.example.com" });
  await check({ origin: "https://example.com", referer: "https://evil.example/" });
  await rejectsWith(check({}), "The referrer header is missing.");
  for (
    const referer of [
      "https://evil.example/",
      "http://example.com/",
      "https://example.com:8443/",
      "junk",
    ]
  ) {
    await rejectsWith(check({ referer }), "The referrer does not match the host.");
  }
  for (const origin of ["https://evil.example", "http://example.com", "null"]) {
    await rejectsWith(
      check({ origin, referer: "https://example.com/" }),
      "The origin does not match the host.",
    );
  }
  await csrf.check(post("http://example.com/", { "x-csrftoken": token }), session);
  const lax = new CsrfProtect({ secretKey: SECRET, sslStrict: false });
  await lax.check(post(url, { "x-csrftoken": await lax.token(session) }), session);
});

Deno.test("CsrfProtect checks the token before the referrer", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET });
  await rejectsWith(
    csrf.check(post("https://example.com/"), new Session()),
    "The CSRF token is missing.",
  );
});

Deno.test("CsrfProtect without a secret key throws SessionError when used", async () => {
  const csrf = new CsrfProtect({ secretKey: null });
  await assert.rejects(csrf.token(new Session()), (error: unknown) => {
    assert.ok(error instanceof SessionError);
    assert.match(error.message, /^Cannot use CSRF protection: set secretKey in the app config/);
    return true;
  });
  await assert.rejects(csrf.check(post(), new Session()), SessionError);
  await csrf.check(new Request("http://localhost/"), new Session());
});

Deno.test("resolveCsrfOptions() fills defaults and names the bad option", () => {
  const options = resolveCsrfOptions({ secretKey: SECRET });
  assert.equal(options.fieldName, "csrf_token");
  assert.deepEqual(options.headers, ["X-CSRFToken", "X-CSRF-Token"]);
  assert.deepEqual([...options.methods], ["POST", "PUT", "PATCH", "DELETE"]);
  assert.equal(options.timeLimit, 3600);
  assert.equal(options.sslStrict, true);
  assert.equal(options.salt, "wtf-csrf-token");
  const bad: [Record<string, unknown>, string][] = [
    [{ timeLimit: 0 }, "timeLimit"],
    [{ fieldName: "" }, "fieldName"],
    [{ trustedOrigins: ["not a url"] }, "trustedOrigins"],
    [{ fallbackKeys: [""] }, "fallbackKeys"],
    [{ salt: "" }, "salt"],
  ];
  for (const [extra, key] of bad) {
    assert.throws(() => resolveCsrfOptions({ secretKey: SECRET, ...extra }), {
      name: "SessionError",
      key,
    });
  }
});

Deno.test("CsrfProtect uses a custom fieldName for the form field and the session key", async () => {
  const csrf = new CsrfProtect({ secretKey: SECRET, fieldName: "_csrf" });
  const session = new Session();
  const token = await csrf.token(session);
  assert.equal(session.has("csrf_token"), false);
  assert.equal(typeof session.get("_csrf"), "string");
  await csrf.check(post(), session, new URLSearchParams({ _csrf: token }));
});
