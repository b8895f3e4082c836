import assert from "node:assert/strict";
import { flash, getFlashed } from "./flash.ts";
import { Session, SessionError } from "./session.ts";
import { SessionStore } from "./session_store.ts";

Deno.test("flash() stores [category, message] pairs under _flashes in order", () => {
  const session = new Session();
  flash(session, "one");
  flash(session, "two", "error");
  assert.deepEqual(session.get("_flashes"), [["message", "one"], ["error", "two"]]);
  assert.equal(session.modified, true);
});

Deno.test("getFlashed() returns messages oldest first, with or without categories", () => {
  const session = new Session();
  flash(session, "one");
  flash(session, "two", "error");
  assert.deepEqual(getFlashed(session), ["one", "two"]);
  assert.deepEqual(getFlashed(session, { withCategories: true }), [
    ["message", "one"],
    ["error", "two"],
  ]);
});

Deno.test("getFlashed() filters by category when given categoryFilter", () => {
  const session = new Session();
  flash(session, "a", "info");
  flash(session, "b", "error");
  flash(session, "c", "warning");
  flash(session, "d", "error");
  assert.deepEqual(getFlashed(session, { categoryFilter: ["error"] }), ["b", "d"]);
  assert.deepEqual(
    getFlashed(session, { categoryFilter: new Set(["info", "warning"]), withCategories: true }),
    [["info", "a"], ["warning", "c"]],
  );
  assert.deepEqual(getFlashed(session, { categoryFilter: [] }), []);
});

Deno.test("getFlashed() consumes messages once across requests", async () => {
  const store = new SessionStore({ secretKey: "test-secret" });
  const cookieOf = async (session: Session) => {
    const headers = new Headers();
    await store.save(session, headers);
    return headers.getSetCookie()[0]?.split(";")[0];
  };
  const request = (cookie?: string) =>
    new Request("http://localhost/", cookie ? { headers: { cookie } } : {});

  const first = await store.open(request());
  first.set("user", "ada");
  flash(first, "Saved.");
  const cookie1 = await cookieOf(first);

  const second = await store.open(request(cookie1));
  assert.deepEqual(getFlashed(second), ["Saved."]);
  assert.deepEqual(getFlashed(second), ["Saved."], "same request sees the same list");
  flash(second, "Next time.");
  assert.deepEqual(getFlashed(second), ["Saved."]);
  const cookie2 = await cookieOf(second);

  const third = await store.open(request(cookie2));
  assert.deepEqual(getFlashed(third), ["Next time."]);
  const cookie3 = await cookieOf(third);
  const fourth = await store.open(request(cookie3));
  assert.deepEqual(getFlashed(fourth), []);
  assert.equal(fourth.get("user"), "ada");
});

Deno.test("getFlashed() skips malformed entries when the session holds them", () => {
  const session = new Session({ _flashes: [["ok", "fine"], "bad", ["x"], [1, 2], null] });
  assert.deepEqual(getFlashed(session, { withCategories: true }), [["ok", "fine"]]);
  assert.deepEqual(getFlashed(new Session({ _flashes: "nope" })), []);
});

Deno.test("getFlashed() reads nothing and flash() throws when the session is unavailable", () => {
  const session = new Session({}, { unavailableReason: "Cannot use the session: no key" });
  assert.deepEqual(getFlashed(session), []);
  assert.throws(() => flash(session, "x"), SessionError);
});
