import assert from "node:assert/strict";
import { compareWeights, parseConverterArgs, parseRule, RuleSyntaxError } from "./rule.ts";

function syntaxError(rule: string): RuleSyntaxError {
  try {
    parseRule(rule);
  } catch (error) {
    assert.ok(error instanceof RuleSyntaxError, `${rule}: ${error}`);
    return error;
  }
  assert.fail(`"${rule}" parsed`);
}

Deno.test("parseRule() splits a rule into one part per segment, as Werkzeug", () => {
  const parsed = parseRule("/user/<int:id>/<name>");
  assert.deepEqual(parsed.parts.map((p) => [p.isStatic, p.text]), [
    [true, ""],
    [true, "user"],
    [false, "(\\d+)"],
    [false, "([^/]+)"],
  ]);
  assert.deepEqual(parsed.variables, ["id", "name"]);
  assert.deepEqual(parsed.converters.map((c) => c.name), ["int", "default"]);
  assert.deepEqual(parsed.trace.map((t) => t.data).join(""), "/user/id/name");
});

Deno.test("parseRule() keeps a path converter and what follows in one final part", () => {
  const parsed = parseRule("/files/<path:rest>/edit");
  const last = parsed.parts[parsed.parts.length - 1];
  assert.equal(last.final, true);
  assert.equal(last.text, "([^/][^\\n]*?)/edit");
  const branch = parseRule("/docs/<path:page>/");
  assert.equal(branch.parts[2].suffixed, true);
  assert.deepEqual(branch.parts[3], { ...branch.parts[3], isStatic: true, text: "" });
});

Deno.test("parseRule() escapes literals in dynamic parts and % in static ones", () => {
  assert.equal(parseRule("/<base>.txt").parts[1].text, "([^/]+)\\.txt");
  assert.equal(parseRule("/100%").parts[1].text, "100%25");
  assert.equal(
    parseRule("<user>.Example.com", { domain: true }).parts[0].text,
    "([^/]+)\\.example\\.com",
  );
});

Deno.test("parseRule() counts a custom converter's own groups", () => {
  const parsed = parseRule("/<pair:p>-<int:n>", {
    converters: { pair: { regex: "(a)(b)?" } },
  });
  assert.deepEqual(parsed.parts[1].valueGroups, [1, 4]);
  assert.equal(parsed.parts[1].groupCount, 4);
  assert.deepEqual(parsed.parts[1].checks, [0]);
});

Deno.test("parseRule() names the rule and the position of a syntax error", () => {
  const cases: [string, number, RegExp][] = [
    ["/user/<int:id", 6, /expected "<name>" or "<converter:name>"/],
    ["/<>", 1, /expected/],
    ["/<1abc>", 1, /expected/],
    ["/a/<b", 3, /expected/],
    ["/<a:b:c>", 1, /expected/],
    ["nope", 0, /must start with "\/"/],
    ["/<a>/<a>", 5, /variable "a" appears twice/],
    ["/x/<nope:y>", 3, /unknown converter "nope" \(known: "default"/],
    ["/x/<int(min=):y>", 8, /cannot parse converter arguments "min="/],
    ["/<int(min=1 max=2):x>", 6, /cannot parse converter arguments/],
    ["/<int(foo=1):x>", 1, /converter "int": it has no argument "foo"/],
    ["/<int(1,2,3,4,5):x>", 1, /at most 4 positional arguments/],
    ["/<int(min='a'):x>", 1, /argument "min" must be a number, not "a"/],
    ["/<int(signed=1):x>", 1, /"signed" must be True or False/],
    ["/<any:x>", 1, /needs at least one value/],
    ["/<string(length=-1):x>", 1, /whole number/],
    ["/<string(minlength=3, maxlength=2):x>", 1, /below minlength/],
    ["/<path(1):p>", 1, /at most 0 positional/],
  ];
  for (const [rule, position, message] of cases) {
    const error = syntaxError(rule);
    assert.equal(error.position, position, rule);
    assert.equal(error.rule, rule);
    assert.match(error.message, message, rule);
    assert.match(error.message, new RegExp(`^Cannot parse rule "${RegExp.escape(rule)}": `));
  }
});

Deno.test("parseRule() rejects custom converters it cannot embed", () => {
  const converters = {
    named: { regex: "(?<x>a)" },
    back: { regex: "(a)\\1" },
    broken: { regex: "(" },
  };
  for (const name of Object.keys(converters)) {
    assert.throws(() => parseRule(`/<${name}:v>`, { converters }), RuleSyntaxError);
  }
});

Deno.test("parseConverterArgs() reads arguments as Werkzeug (test_converter_parser)", () => {
  assert.deepEqual(parseConverterArgs("test, a=1, b=3.0"), {
    positional: ["test"],
    named: { a: 1, b: 3 },
  });
  assert.deepEqual(parseConverterArgs(""), { positional: [], named: {} });
  assert.deepEqual(parseConverterArgs("a, b, c,"), { positional: ["a", "b", "c"], named: {} });
  assert.deepEqual(parseConverterArgs("True, False, None"), {
    positional: [true, false, null],
    named: {},
  });
  assert.deepEqual(parseConverterArgs(`"foo", 'bar', u"x"`), {
    positional: ["foo", "bar", "x"],
    named: {},
  });
  assert.deepEqual(parseConverterArgs("min=-5, max=inf"), {
    positional: [],
    named: { min: -5, max: Infinity },
  });
  assert.equal(parseConverterArgs("min=0;max=500"), 0);
  assert.equal(parseConverterArgs("a, b c"), 2);
});

Deno.test("compareWeights() orders parts as Werkzeug's Weighting", () => {
  const part = (rule: string) => parseRule(rule).parts[1].weight;
  const sorted = ["/<name>", "/<path:p>", "/v<int:n>", "/<int:n>", "/file.<ext>", "/<a>.txt"]
    .sort((a, b) => compareWeights(part(a), part(b)));
  assert.deepEqual(sorted, [
    "/file.<ext>",
    "/<a>.txt",
    "/v<int:n>",
    "/<int:n>",
    "/<name>",
    "/<path:p>",
  ]);
  const two = parseRule("/<path:a>/<path:b>").parts[1].weight;
  assert.ok(compareWeights(two, part("/<path:p>")) < 0, "more converters first");
});
