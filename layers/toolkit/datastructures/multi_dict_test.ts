import assert from "node:assert/strict";
import { MultiDict, MultiDictFrozenError } from "./multi_dict.ts";

Deno.test("MultiDict.get() returns the first value when a key repeats", () => {
  const d = new MultiDict([["a", "1"], ["b", "2"], ["a", "3"]]);
  assert.equal(d.get("a"), "1");
  assert.equal(d.get("b"), "2");
  assert.equal(d.get("missing"), undefined);
});

Deno.test("MultiDict.getAll() returns every value in order and a fresh array", () => {
  const d = new MultiDict([["a", "1"], ["a", "2"]]);
  const all = d.getAll("a");
  assert.deepEqual(all, ["1", "2"]);
  all.push("x");
  assert.deepEqual(d.getAll("a"), ["1", "2"]);
  assert.deepEqual(d.getAll("none"), []);
});

Deno.test("MultiDict.get() returns undefined when the type conversion throws or gives NaN", () => {
  const d = MultiDict.from({ n: ["x", "7"], j: "{bad" });
  assert.equal(d.get("n", { type: Number }), undefined);
  assert.equal(d.get("j", { type: JSON.parse }), undefined);
  assert.equal(d.get("missing", { type: Number }), undefined);
  assert.equal(MultiDict.from({ n: "7" }).get("n", { type: Number }), 7);
});

Deno.test("MultiDict.getAll() skips values the type conversion rejects", () => {
  const d = MultiDict.from({ n: ["1", "x", "3"] });
  assert.deepEqual(d.getAll("n", { type: Number }), [1, 3]);
});

Deno.test("MultiDict.entries() yields every pair in insertion order", () => {
  const d = new MultiDict<string>();
  d.add("a", "1").add("b", "2").add("a", "3");
  assert.deepEqual([...d.entries()], [["a", "1"], ["b", "2"], ["a", "3"]]);
  assert.deepEqual([...d], [["a", "1"], ["b", "2"], ["a", "3"]]);
  assert.deepEqual([...d.keys()], ["a", "b"]);
  assert.deepEqual([...d.values()], ["1", "2"]);
  assert.equal(d.size, 2);
});

Deno.test("MultiDict.set() replaces all values and keeps the key's first position", () => {
  const d = new MultiDict([["a", "1"], ["b", "2"], ["a", "3"]]);
  d.set("a", "9");
  assert.deepEqual([...d], [["a", "9"], ["b", "2"]]);
  d.set("b", "8");
  assert.deepEqual([...d], [["a", "9"], ["b", "8"]]);
  d.set("c", "7");
  assert.deepEqual([...d], [["a", "9"], ["b", "8"], ["c", "7"]]);
});

Deno.test("MultiDict.delete() removes every value and reports whether the key existed", () => {
  const d = new MultiDict([["a", "1"], ["b", "2"], ["a", "3"]]);
  assert.equal(d.delete("a"), true);
  assert.equal(d.delete("a"), false);
  assert.equal(d.has("a"), false);
  assert.deepEqual([...d], [["b", "2"]]);
  d.clear();
  assert.equal(d.size, 0);
});

Deno.test("MultiDict.from() accepts URLSearchParams, FormData, Headers and records", () => {
  assert.deepEqual(MultiDict.from(new URLSearchParams("a=1&a=2")).getAll("a"), ["1", "2"]);
  const form = new FormData();
  form.append("f", "x");
  form.append("f", "y");
  assert.deepEqual(MultiDict.from(form).getAll("f"), ["x", "y"]);
  assert.equal(MultiDict.from(new Headers({ "X-A": "1" })).get("x-a"), "1");
  assert.deepEqual(MultiDict.from({ a: ["1", "2"], b: "3" }).toObject({ multi: true }), {
    a: ["1", "2"],
    b: ["3"],
  });
  const copy = MultiDict.from(MultiDict.from({ a: "1" }));
  assert.equal(copy.get("a"), "1");
});

Deno.test("MultiDict.toObject() keeps __proto__ as a plain own key", () => {
  const d = new MultiDict([["__proto__", "x"], ["a", "1"]]);
  const obj = d.toObject();
  assert.equal(Object.getPrototypeOf(obj), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(obj, "__proto__")?.value, "x");
  assert.deepEqual(Object.keys(obj), ["__proto__", "a"]);
  assert.equal(d.get("toString"), undefined);
  assert.equal(d.has("constructor"), false);
});

Deno.test("MultiDict.freeze() makes writes throw a clear error and copy() is writable", () => {
  const d = MultiDict.from({ a: "1" }).freeze();
  assert.equal(d.frozen, true);
  assert.throws(() => d.add("a", "2"), MultiDictFrozenError);
  assert.throws(() => d.set("a", "2"), /Cannot set key "a": the MultiDict is frozen/);
  assert.throws(() => d.delete("a"), MultiDictFrozenError);
  assert.throws(() => d.clear(), MultiDictFrozenError);
  assert.equal(d.get("a"), "1");
  const copy = d.copy();
  copy.add("a", "2");
  assert.deepEqual(copy.getAll("a"), ["1", "2"]);
  assert.deepEqual(d.getAll("a"), ["1"]);
});

Deno.test("MultiDict.forEach() visits every pair", () => {
  const seen: string[] = [];
  new MultiDict([["a", "1"], ["a", "2"]]).forEach((v, k) => seen.push(`${k}=${v}`));
  assert.deepEqual(seen, ["a=1", "a=2"]);
});

Deno.test("MultiDict() stays fast for many values of one key", () => {
  const d = new MultiDict<number>();
  for (let i = 0; i < 50_000; i++) d.add("k", i);
  for (let i = 0; i < 50_000; i++) d.get("k");
  assert.equal(d.getAll("k").length, 50_000);
});
