import assert from "node:assert/strict";
import { parseSetCookie } from "../../toolkit/mod.ts";
import { Session, SessionError } from "./session.ts";
import {
  assertSecretKey,
  MAX_COOKIE_SIZE,
  resolveSessionOptions,
  type SessionOptions,
  SessionStore,
} from "./session_store.ts";

const SECRET = "test-secret-key";
const START = 1_700_000_000_000;

function clock(start = START): { now: () => number; advance(seconds: number): void } {
  let time = start;
  return { now: () => time, advance: (seconds) => (time += seconds * 1000) };
}

function request(cookie?: string): Request {
  return new Request("http://localhost/", cookie === undefined ? {} : { headers: { cookie } });
}

/** Saves `session` and returns its response headers. */
async function saved(store: SessionStore, session: Session): Promise<Headers> {
  const headers = new Headers();
  await store.save(session, headers);
  return headers;
}

/** The `name=value` pair the browser would send back. */
function cookieOf(headers: Headers): string {
  const [header] = headers.getSetCookie();
  assert.ok(header, "expected a Set-Cookie header");
  return header.split(";")[0];
}

async function roundTrip(
  store: SessionStore,
  data: Record<string, unknown>,
  permanent = false,
): Promise<string> {
  const session = await store.open(request());
  for (const [key, value] of Object.entries(data)) session.set(key, value as never);
  session.permanent = permanent;
  return cookieOf(await saved(store, session));
}

Deno.test("SessionStore.open() reads back what save() wrote", async () => {
  const store = new SessionStore({ secretKey: SECRET });
  const data = {
    user: "ada",
    n: 42,
    list: [1, "two", null],
    nested: { ok: true },
    u: "\u00fc\u{1f600}",
  };
  const cookie = await roundTrip(store, data);
  const session = await store.open(request(cookie));
  assert.equal(session.isNew, false);
  assert.deepEqual(session.toJSON(), data);
  assert.equal(session.modified, false);
  assert.equal(session.accessed, false);
});

Deno.test("SessionStore.open() gives an empty new session when there is no cookie", async () => {
  const store = new SessionStore({ secretKey: SECRET });
  for (const cookie of [undefined, "", "other=1", "session=", "session=garbage", "session=a.b.c"]) {
    const session = await store.open(request(cookie));
    assert.equal(session.isNew, true, String(cookie));
    assert.equal(session.size, 0);
    assert.equal(session.available, true);
  }
});

Deno.test("SessionStore.open() rejects the cookie when any character is changed", async () => {
  const store = new SessionStore({ secretKey: SECRET, cacheSize: 0 });
  const cookie = await roundTrip(store, { user: "ada", admin: false });
  const value = cookie.slice("session=".length);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  let tried = 0;
  for (let i = 0; i < value.length; i++) {
    for (const char of alphabet) {
      if (char === value[i]) continue;
      const forged = value.slice(0, i) + char + value.slice(i + 1);
      const session = await store.open(request(`session=${forged}`));
      assert.equal(session.isNew, true, `position ${i} as ${char}`);
      assert.equal(session.size, 0);
      tried++;
    }
  }
  assert.ok(tried > 1000);
  for (const forged of [value + "A", value.slice(0, -1), value.slice(1), `${value}.x`]) {
    assert.equal((await store.open(request(`session=${forged}`))).isNew, true, forged);
  }
});

Deno.test("SessionStore.open() rejects a cookie signed with another secret or salt", async () => {
  const cookie = await roundTrip(new SessionStore({ secretKey: "other" }), { user: "ada" });
  assert.equal((await new SessionStore({ secretKey: SECRET }).open(request(cookie))).isNew, true);
  const salted = await roundTrip(new SessionStore({ secretKey: SECRET, salt: "x" }), { a: 1 });
  assert.equal((await new SessionStore({ secretKey: SECRET }).open(request(salted))).isNew, true);
});

Deno.test("SessionStore verifies with fallback keys and signs with the current key", async () => {
  const old = new SessionStore({ secretKey: "old-key" });
  const rotated = new SessionStore({ secretKey: "new-key", fallbackKeys: ["old-key"] });
  const fresh = new SessionStore({ secretKey: "new-key" });
  const oldCookie = await roundTrip(old, { user: "ada" });
  const session = await rotated.open(request(oldCookie));
  assert.equal(session.get("user"), "ada");
  session.set("seen", true);
  const newCookie = cookieOf(await saved(rotated, session));
  assert.deepEqual((await fresh.open(request(newCookie))).toJSON(), { user: "ada", seen: true });
  assert.equal((await old.open(request(newCookie))).isNew, true);
});

Deno.test("SessionStore.open() ignores a cookie older than permanentLifetime", async () => {
  const time = clock();
  const store = new SessionStore({ secretKey: SECRET, permanentLifetime: 3600, now: time.now });
  const cookie = await roundTrip(store, { user: "ada" }, true);
  time.advance(3600);
  assert.equal((await store.open(request(cookie))).get("user"), "ada");
  time.advance(1);
  const expired = await store.open(request(cookie));
  assert.equal(expired.isNew, true);
  assert.equal(expired.size, 0);
});

Deno.test("SessionStore.open() tolerates small clock skew but not a far-future timestamp", async () => {
  const time = clock();
  const store = new SessionStore({ secretKey: SECRET, now: time.now });
  const cookie = await roundTrip(store, { user: "ada" });
  time.advance(-30);
  assert.equal((await store.open(request(cookie))).isNew, false);
  time.advance(-3600);
  assert.equal((await store.open(request(cookie))).isNew, true);
});

Deno.test("SessionStore.open() checks expiry for cookies it remembers as verified", async () => {
  const time = clock();
  const store = new SessionStore({ secretKey: SECRET, permanentLifetime: 60, now: time.now });
  const cookie = await roundTrip(store, { user: "ada" }, true);
  assert.equal((await store.open(request(cookie))).isNew, false);
  time.advance(61);
  assert.equal((await store.open(request(cookie))).isNew, true);
});

Deno.test("SessionStore.save() writes nothing when the session was not modified", async () => {
  const store = new SessionStore({ secretKey: SECRET });
  const cookie = await roundTrip(store, { user: "ada" });
  const untouched = await store.open(request(cookie));
  assert.equal([...(await saved(store, untouched)).keys()].length, 0);
  const read = await store.open(request(cookie));
  read.get("user");
  const headers = await saved(store, read);
  assert.deepEqual(headers.getSetCookie(), []);
  assert.equal(headers.get("vary"), "Cookie");
  const fresh = await store.open(request());
  assert.deepEqual([...(await saved(store, fresh)).keys()], []);
  const empty = await store.open(request());
  assert.equal(empty.get("user"), undefined);
  const emptyHeaders = await saved(store, empty);
  assert.deepEqual(emptyHeaders.getSetCookie(), []);
  assert.equal(emptyHeaders.get("vary"), "Cookie", "an anonymous page still varies on Cookie");
});

Deno.test("SessionStore.save() writes the cookie and Vary when the session was modified", async () => {
  const store = new SessionStore({ secretKey: SECRET });
  const session = await store.open(request());
  session.set("user", "ada");
  const headers = new Headers({ vary: "Accept-Encoding" });
  await store.save(session, headers);
  assert.equal(headers.getSetCookie().length, 1);
  assert.equal(headers.get("vary"), "Accept-Encoding, Cookie");
  const again = new Headers({ vary: "cookie" });
  await store.save(session, again);
  assert.equal(again.get("vary"), "cookie");
});

Deno.test("SessionStore.save() refreshes a permanent session on every request", async () => {
  const time = clock();
  const store = new SessionStore({ secretKey: SECRET, permanentLifetime: 100, now: time.now });
  const cookie = await roundTrip(store, { user: "ada" }, true);
  time.advance(90);
  const headers = await saved(store, await store.open(request(cookie)));
  const refreshed = cookieOf(headers);
  assert.equal(parseSetCookie(headers.getSetCookie()[0])?.maxAge, 100);
  time.advance(90);
  assert.equal((await store.open(request(cookie))).isNew, true);
  assert.equal((await store.open(request(refreshed))).get("user"), "ada");

  const still = new SessionStore({ secretKey: SECRET, refreshEachRequest: false });
  const permanent = await roundTrip(still, { user: "ada" }, true);
  assert.deepEqual((await saved(still, await still.open(request(permanent)))).getSetCookie(), []);
});

Deno.test("SessionStore.save() deletes the cookie when a modified session becomes empty", async () => {
  const store = new SessionStore({ secretKey: SECRET, path: "/app", domain: "example.com" });
  const cookie = await roundTrip(store, { user: "ada" });
  const session = await store.open(request(cookie));
  session.clear();
  const headers = await saved(store, session);
  const [header] = headers.getSetCookie();
  const parsed = parseSetCookie(header);
  assert.equal(parsed?.name, "session");
  assert.equal(parsed?.value, "");
  assert.equal(parsed?.maxAge, 0);
  assert.equal(parsed?.path, "/app");
  assert.equal(parsed?.domain, "example.com");
  assert.equal(headers.get("vary"), "Cookie");
});

Deno.test("SessionStore.save() sets the configured cookie attributes", async () => {
  const session = new Session({ user: "ada" });
  session.modified = true;
  const defaults = parseSetCookie(
    (await saved(new SessionStore({ secretKey: SECRET }), session)).getSetCookie()[0],
  );
  assert.deepEqual(
    { ...defaults, value: "" },
    {
      name: "session",
      value: "",
      path: "/",
      httpOnly: true,
      secure: false,
      sameSite: "Lax",
      partitioned: false,
    },
  );
  const custom = new SessionStore({
    secretKey: SECRET,
    cookieName: "sid",
    domain: "example.com",
    path: "/app",
    httpOnly: false,
    secure: true,
    sameSite: "Strict",
    partitioned: true,
    permanentLifetime: 600,
  });
  session.permanent = true;
  const header = (await saved(custom, session)).getSetCookie()[0];
  assert.deepEqual({ ...parseSetCookie(header), value: "" }, {
    name: "sid",
    value: "",
    maxAge: 600,
    domain: "example.com",
    path: "/app",
    httpOnly: false,
    secure: true,
    sameSite: "Strict",
    partitioned: true,
  });
  const bare = new SessionStore({ secretKey: SECRET, sameSite: null });
  assert.doesNotMatch((await saved(bare, session)).getSetCookie()[0], /SameSite/);
});

Deno.test("SessionStore.save() warns when the cookie is larger than browsers keep", async () => {
  const warnings: string[] = [];
  const store = new SessionStore({ secretKey: SECRET, warn: (message) => warnings.push(message) });
  const small = await store.open(request());
  small.set("a", "x".repeat(100));
  await saved(store, small);
  assert.deepEqual(warnings, []);
  const big = await store.open(request());
  big.set("a", "x".repeat(MAX_COOKIE_SIZE));
  const headers = await saved(store, big);
  assert.equal(headers.getSetCookie().length, 1);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^The "session" cookie is \d+ bytes, over the 4093 bytes/);
});

Deno.test("SessionStore without a secret key reads an empty session and throws on changes", async () => {
  const store = new SessionStore({ secretKey: null });
  const valid = await roundTrip(new SessionStore({ secretKey: SECRET }), { user: "ada" });
  const session = await store.open(request(valid));
  assert.equal(session.get("user"), undefined);
  assert.equal(session.available, false);
  assert.throws(() => session.set("user", "ada"), (error: unknown) => {
    assert.ok(error instanceof SessionError);
    assert.match(error.message, /^Cannot use the session: set secretKey in the app config \(/);
    return true;
  });
  assert.deepEqual([...(await saved(store, session)).keys()], []);
  assert.equal(new SessionStore({ secretKey: "" }).options.secretKey, null);
});

Deno.test("assertSecretKey() throws the SessionError when no secret key is set", () => {
  for (const secretKey of [null, undefined, ""]) {
    assert.throws(() => assertSecretKey({ secretKey }), { name: "SessionError", key: "secretKey" });
  }
  assertSecretKey({ secretKey: SECRET });
});

Deno.test("resolveSessionOptions() fills defaults and names the bad option", () => {
  const options = resolveSessionOptions({ secretKey: SECRET });
  assert.equal(options.cookieName, "session");
  assert.deepEqual(options.cookie, { path: "/", httpOnly: true, sameSite: "Lax" });
  assert.equal(options.permanentLifetime, 31 * 86400);
  assert.equal(options.refreshEachRequest, true);
  assert.equal(options.salt, "cookie-session");
  const bad: [Partial<SessionOptions>, string][] = [
    [{ permanentLifetime: 0 }, "permanentLifetime"],
    [{ permanentLifetime: NaN }, "permanentLifetime"],
    [{ cacheSize: -1 }, "cacheSize"],
    [{ salt: "" }, "salt"],
    [{ fallbackKeys: [""] }, "fallbackKeys"],
    [{ cookieName: "bad name" }, "cookie"],
    [{ path: "/a;b" }, "cookie"],
    [{ domain: "bad domain" }, "cookie"],
    [{ sameSite: "None", secure: false }, "cookie"],
    [{ partitioned: true, secure: false }, "cookie"],
    [{ sameSite: "sometimes" as "Lax" }, "cookie"],
  ];
  for (const [extra, key] of bad) {
    assert.throws(
      () => resolveSessionOptions({ secretKey: SECRET, ...extra }),
      (error: unknown) => {
        assert.ok(error instanceof SessionError, JSON.stringify(extra));
        assert.equal(error.key, key);
        assert.match(error.message, /^Cannot use the session settings: /);
        return true;
      },
    );
  }
  const none = resolveSessionOptions({ secretKey: SECRET, sameSite: "None" });
  assert.equal(none.cookie.sameSite, "None");
});

Deno.test("Two SessionStores with the same options read each other's cookies", async () => {
  const options = { secretKey: SECRET, fallbackKeys: ["older"] };
  const worker1 = new SessionStore(options);
  const worker2 = new SessionStore(options);
  const first = await worker1.open(request());
  first.set("cart", [1]);
  const cookie1 = cookieOf(await saved(worker1, first));
  const second = await worker2.open(request(cookie1));
  assert.deepEqual(second.get("cart"), [1]);
  second.set("cart", [1, 2]);
  const cookie2 = cookieOf(await saved(worker2, second));
  assert.deepEqual((await worker1.open(request(cookie2))).get("cart"), [1, 2]);
});

Deno.test("SessionStore.open() ignores a validly signed cookie that is not an object", async () => {
  const store = new SessionStore({ secretKey: SECRET });
  // Sign non-object JSON with the same serializer layout by saving through a stand-in session.
  const fake = { toJSON: () => [1, 2], size: 1, modified: true, accessed: true, permanent: false };
  const cookie = cookieOf(await saved(store, fake as unknown as Session));
  assert.equal((await store.open(request(cookie))).isNew, true);
});
