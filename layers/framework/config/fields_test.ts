import assert from "node:assert/strict";
import { acceptsNull, checkField, describeValue, parseDuration, parseSize } from "./fields.ts";

Deno.test("parseDuration() reads seconds and number+unit strings", () => {
  assert.equal(parseDuration(0), 0);
  assert.equal(parseDuration(1.5), 1.5);
  assert.equal(parseDuration("90"), 90);
  assert.equal(parseDuration(" 10 "), 10);
  assert.equal(parseDuration("45s"), 45);
  assert.equal(parseDuration("30m"), 1800);
  assert.equal(parseDuration("12h"), 43200);
  assert.equal(parseDuration("31d"), 2678400);
  assert.equal(parseDuration("2w"), 1209600);
  assert.equal(parseDuration("1.5h"), 5400);
  assert.equal(parseDuration("1d12h"), 129600);
  assert.equal(parseDuration("1H 30M"), 5400);
  assert.equal(parseDuration("100ms"), 0.1);
});

Deno.test("parseDuration() refuses negatives, units it does not know and non-values", () => {
  for (const value of [-1, "-1s", "", "soon", "1y", "1h30", "h", Infinity, NaN, true, null, [1]]) {
    assert.equal(parseDuration(value), undefined, String(value));
  }
});

Deno.test("parseSize() reads bytes and 1024-based k/m/g strings", () => {
  assert.equal(parseSize(0), 0);
  assert.equal(parseSize("0"), 0);
  assert.equal(parseSize("512"), 512);
  assert.equal(parseSize("512b"), 512);
  assert.equal(parseSize("64k"), 65536);
  assert.equal(parseSize("16M"), 16777216);
  assert.equal(parseSize("1 GB"), 1073741824);
});

Deno.test("parseSize() refuses fractions, negatives and other units", () => {
  for (const value of [1.5, -1, "1.5m", "-1k", "1t", "lots", "", Infinity, false, null]) {
    assert.equal(parseSize(value), undefined, String(value));
  }
});

Deno.test("describeValue() quotes strings and names containers", () => {
  assert.equal(describeValue("a"), '"a"');
  assert.equal(describeValue(1.5), "1.5");
  assert.equal(describeValue(false), "false");
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue(undefined), "undefined");
  assert.equal(describeValue([]), "an array");
  assert.equal(describeValue({}), "a table");
  assert.equal(describeValue(new Date(0)), "a date");
});

Deno.test("acceptsNull() follows nullable, else a null default", () => {
  assert.equal(acceptsNull({ type: "string" }), false);
  assert.equal(acceptsNull({ type: "string", default: null }), true);
  assert.equal(acceptsNull({ type: "string", default: null, nullable: false }), false);
  assert.equal(acceptsNull({ type: "integer", default: 5, nullable: true }), true);
});

Deno.test("checkField() normalizes durations and sizes and copies lists", () => {
  const hosts = ["a"];
  const result = checkField({ type: "list" }, hosts);
  assert.deepEqual(result, { ok: true, value: ["a"] });
  assert.notEqual(result.ok && result.value, hosts);
  assert.deepEqual(checkField({ type: "size" }, "1k"), { ok: true, value: 1024 });
  assert.deepEqual(checkField({ type: "duration" }, "1m"), { ok: true, value: 60 });
  assert.deepEqual(checkField({ type: "any" }, undefined), { ok: true, value: undefined });
});

Deno.test("checkField() is lenient with env spellings only when asked", () => {
  assert.equal(checkField({ type: "boolean" }, "yes").ok, false);
  assert.equal(checkField({ type: "boolean" }, 1).ok, false);
  assert.deepEqual(checkField({ type: "boolean" }, 1, { lenient: true }), {
    ok: true,
    value: true,
  });
  assert.deepEqual(checkField({ type: "boolean" }, " No ", { lenient: true }), {
    ok: true,
    value: false,
  });
  assert.equal(checkField({ type: "boolean" }, 2, { lenient: true }).ok, false);
  assert.equal(checkField({ type: "list" }, "a,b").ok, false);
  assert.deepEqual(checkField({ type: "list" }, "a, b,,", { lenient: true }), {
    ok: true,
    value: ["a", "b"],
  });
  assert.deepEqual(checkField({ type: "list" }, "", { lenient: true }), { ok: true, value: [] });
});

Deno.test("checkField() says what was expected and what was given", () => {
  const why = (field: Parameters<typeof checkField>[0], value: unknown) => {
    const result = checkField(field, value);
    assert.equal(result.ok, false);
    return result.ok ? "" : result.why;
  };
  assert.equal(why({ type: "string" }, null), "expected a string, got null");
  assert.equal(why({ type: "integer" }, 1.5), "expected an integer, got 1.5");
  assert.equal(
    why({ type: "integer", min: 1, max: 9 }, 10),
    "expected an integer from 1 to 9, got 10",
  );
  assert.equal(why({ type: "number", max: 1 }, "1"), 'expected a number of at most 1, got "1"');
  assert.equal(why({ type: "number" }, Infinity), "expected a number, got Infinity");
  assert.equal(
    why({ type: "enum", values: ["a", "b"] }, "c"),
    'expected one of "a", "b", got "c"',
  );
  assert.equal(why({ type: "table" }, null), "expected a table, got null");
  assert.equal(
    why({ type: "boolean" }, "yes please"),
    'expected a boolean (true/false), got "yes please"',
  );
});
