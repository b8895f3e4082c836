import assert from "node:assert/strict";
import { Session, SessionError } from "./session.ts";

Deno.test("Session.get() marks the session accessed but not modified", () => {
  const session = new Session({ user: "ada" }, { isNew: false });
  assert.equal(session.accessed, false);
  assert.equal(session.get("user"), "ada");
  assert.equal(session.get("missing"), undefined);
  assert.equal(session.accessed, true);
  assert.equal(session.modified, false);
  assert.equal(session.isNew, false);
});

Deno.test("Session.set() and delete() mark the session modified and accessed", () => {
  const session = new Session();
  assert.equal(session.isNew, true);
  session.set("a", 1).set("b", [1, { c: null }]);
  assert.equal(session.modified, true);
  assert.equal(session.accessed, true);
  assert.deepEqual(session.toJSON(), { a: 1, b: [1, { c: null }] });
  assert.equal(session.delete("a"), true);
  assert.equal(session.delete("a"), false);
  session.set("b", undefined);
  assert.equal(session.size, 0);
});

Deno.test("Session.pop() returns the value and removes the key", () => {
  const session = new Session({ next: "/admin" });
  assert.equal(session.pop("next"), "/admin");
  assert.equal(session.has("next"), false);
  assert.equal(session.pop("next"), undefined);
});

Deno.test("Session.clear() empties the session and counts as a change", () => {
  const session = new Session({ a: 1, b: 2 }, { isNew: false });
  session.clear();
  assert.equal(session.size, 0);
  assert.equal(session.modified, true);
});

Deno.test("Session.keys() and entries() keep insertion order", () => {
  const session = new Session({ b: 1, a: 2 });
  assert.deepEqual(session.keys(), ["b", "a"]);
  assert.deepEqual(session.entries(), [["b", 1], ["a", 2]]);
});

Deno.test("Session.size does not count as an access", () => {
  const session = new Session({ a: 1 });
  assert.equal(session.size, 1);
  assert.equal(session.accessed, false);
});

Deno.test("Session.permanent is stored as _permanent and false removes it", () => {
  const session = new Session();
  assert.equal(session.permanent, false);
  session.permanent = false;
  assert.equal(session.modified, false);
  session.permanent = true;
  assert.deepEqual(session.toJSON(), { _permanent: true });
  assert.equal(session.modified, true);
  session.permanent = false;
  assert.deepEqual(session.toJSON(), {});
});

Deno.test("Session keeps keys like __proto__ as plain data", () => {
  const data = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}');
  const session = new Session(data);
  assert.deepEqual(session.get("__proto__"), { polluted: true });
  assert.equal(session.get("toString"), undefined);
  assert.equal(JSON.stringify(session.toJSON()), '{"__proto__":{"polluted":true},"constructor":1}');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("Session.toJSON() returns a copy", () => {
  const session = new Session({ a: 1 });
  const data = session.toJSON();
  data.a = 2;
  assert.equal(session.get("a"), 1);
});

Deno.test("Session throws SessionError on changes when it is unavailable, reads still work", () => {
  const session = new Session({}, { unavailableReason: "Cannot use the session: no key" });
  assert.equal(session.available, false);
  assert.equal(session.get("user"), undefined);
  assert.equal(session.has("user"), false);
  assert.equal(session.permanent, false);
  assert.throws(() => session.set("user", 1), {
    name: "SessionError",
    message: "Cannot use the session: no key",
  });
  assert.throws(() => session.delete("user"), SessionError);
  assert.throws(() => session.clear(), SessionError);
  assert.throws(() => (session.permanent = true), SessionError);
  assert.equal(session.modified, false);
});
