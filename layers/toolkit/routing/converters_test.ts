import assert from "node:assert/strict";
import {
  bindConverter,
  type ConverterArgs,
  escapeRegex,
  quotePath,
  REJECT,
  ValidationError,
} from "./converters.ts";

const none: ConverterArgs = { positional: [], named: {} };
const named = (args: Record<string, string | number | boolean | null>): ConverterArgs => ({
  positional: [],
  named: args,
});

Deno.test("bindConverter() gives Werkzeug's regex and weight for each built-in", () => {
  const table: [string, ConverterArgs, string, number][] = [
    ["default", none, "[^/]+", 100],
    ["string", named({ length: 2 }), "[^/]{2}", 100],
    ["string", named({ minlength: 2, maxlength: 5 }), "[^/]{2,5}", 100],
    ["string", { positional: [0], named: {} }, "[^/]{0,}", 100],
    ["path", none, "[^/][^\\n]*?", 200],
    ["int", none, "\\d+", 50],
    ["int", named({ signed: true }), "-?\\d+", 50],
    ["float", none, "\\d+\\.\\d+", 50],
    ["any", { positional: ["a.b", "c"], named: {} }, "(?:a\\.b|c)", 100],
  ];
  for (const [name, args, regex, weight] of table) {
    const converter = bindConverter(name, args);
    assert.equal(converter.regex, regex, name);
    assert.equal(converter.weight, weight, name);
  }
  assert.equal(bindConverter("path", none).partIsolating, false);
});

Deno.test("int converter parses, checks bounds and fixed digits, and refuses unsafe numbers", () => {
  const int = bindConverter("int", none);
  assert.equal(int.convert("0042"), 42);
  assert.equal(int.convert("9007199254740991"), Number.MAX_SAFE_INTEGER);
  assert.equal(int.convert("9007199254740993"), REJECT);
  const bounded = bindConverter("int", named({ min: 1, max: 10 }));
  assert.equal(bounded.convert("10"), 10);
  assert.equal(bounded.convert("0"), REJECT);
  assert.equal(bounded.convert("11"), REJECT);
  const fixed = bindConverter("int", { positional: [4], named: {} });
  assert.equal(fixed.convert("0042"), 42);
  assert.equal(fixed.convert("42"), REJECT);
  assert.equal(fixed.toUrl(42), "0042");
  assert.equal(int.toUrl("12"), "12");
  assert.equal(int.toUrl(-1), REJECT);
  assert.equal(int.toUrl(1.5), REJECT);
  assert.equal(int.toUrl("x"), REJECT);
  assert.equal(bindConverter("int", named({ signed: true })).toUrl(-7), "-7");
});

Deno.test("float converter converts and writes back a form its regex matches", () => {
  const float = bindConverter("float", named({ max: 2.5 }));
  assert.equal(float.convert("2.5"), 2.5);
  assert.equal(float.convert("2.6"), REJECT);
  assert.equal(float.toUrl(2), "2.0");
  assert.equal(float.toUrl(0.815), "0.815");
  assert.equal(float.toUrl(3), REJECT);
  assert.equal(bindConverter("float", none).toUrl(1e-7), REJECT);
});

Deno.test("string, path, uuid and any converters convert and quote values", () => {
  const text = bindConverter("default", none);
  assert.equal(text.convert("a b"), "a b");
  assert.equal(text.toUrl("a b/c"), "a%20b%2Fc");
  assert.equal(text.toUrl(""), REJECT);
  assert.equal(bindConverter("string", named({ length: 2 })).toUrl("abc"), REJECT);
  const path = bindConverter("path", none);
  assert.equal(path.toUrl("a b/c"), "a%20b/c");
  assert.equal(path.toUrl("/abs"), REJECT);
  const uuid = bindConverter("uuid", none);
  assert.equal(
    uuid.convert("A8098C1A-F86E-11DA-BD1A-00112444BE1E"),
    "a8098c1a-f86e-11da-bd1a-00112444be1e",
  );
  assert.equal(uuid.toUrl("not a uuid"), REJECT);
  const any = bindConverter("any", { positional: ["a b", "c"], named: {} });
  assert.equal(any.toUrl("a b"), "a%20b");
  assert.equal(any.toUrl("d"), REJECT);
});

Deno.test("bindConverter() explains unknown converters and bad arguments", () => {
  assert.throws(
    () => bindConverter("nope", none),
    /Cannot use converter "nope": no such converter/,
  );
  assert.throws(() => bindConverter("int", named({ foo: 1 })), /has no argument "foo"/);
  assert.throws(
    () => bindConverter("int", { positional: [1], named: { fixed_digits: 2 } }),
    /given twice/,
  );
  assert.throws(() => bindConverter("any", named({ a: 1 })), /only positional/);
  assert.throws(() => bindConverter("float", named({ min: "x" })), /must be a number/);
});

Deno.test("custom converters: objects, factories, ValidationError rejects", () => {
  const even = {
    regex: "\\d+",
    weight: 40,
    toValue(raw: string) {
      const n = Number(raw);
      if (n % 2) throw new ValidationError();
      return n;
    },
    toUrl: (n: number) => String(n),
  };
  const custom = {
    even,
    hex: (args: ConverterArgs) => ({ regex: `[0-9a-f]{${args.positional[0]}}` }),
  };
  const bound = bindConverter("even", none, { converters: custom });
  assert.equal(bound.convert("4"), 4);
  assert.equal(bound.convert("3"), REJECT);
  assert.equal(bound.weight, 40);
  assert.equal(bound.custom, true);
  assert.equal(
    bindConverter("hex", { positional: [4], named: {} }, { converters: custom }).regex,
    "[0-9a-f]{4}",
  );
  assert.throws(
    () => bindConverter("even", { positional: [1], named: {} }, { converters: custom }),
    /takes no arguments/,
  );
  const boom = {
    regex: "x",
    toValue: () => {
      throw new Error("bug");
    },
  };
  assert.throws(() => bindConverter("boom", none, { converters: { boom } }).convert("x"), /bug/);
  assert.equal(
    bindConverter("slashy", none, { converters: { slashy: { regex: "a/b" } } }).partIsolating,
    false,
  );
  assert.equal(bindConverter("int", none, { converters: { int: { regex: "x+" } } }).regex, "x+");
  assert.throws(
    () => bindConverter("bad", none, { converters: { bad: {} as { regex: string } } }),
    /no regex/,
  );
});

Deno.test("quotePath() and escapeRegex() keep what they may and escape the rest", () => {
  assert.equal(quotePath("a-b_c.d~e!$&'()*+,;=:@", false), "a-b_c.d~e!$&'()*+,;=:@");
  assert.equal(quotePath("100% a/b?#", false), "100%25%20a%2Fb%3F%23");
  assert.equal(quotePath("\ud800x", false), "%EF%BF%BDx");
  assert.ok(
    new RegExp(`^${escapeRegex("a.b*c(d)[e]{f}|g^h$i\\j/k-l")}$`).test(
      "a.b*c(d)[e]{f}|g^h$i\\j/k-l",
    ),
  );
});
