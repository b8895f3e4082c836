// The compiled matcher against the reference walker (a direct port of Werkzeug's state machine
// matcher): same outcome for every method, WebSocket flag and path, on the conformance table,
// the GitHub-like benchmark table and thousands of generated paths.

import assert from "node:assert/strict";
import { SUITES } from "./_conformance_cases.ts";
import { ROUTES, SIBLING_ROUTES } from "./_bench_routes.ts";
import { compileView } from "./_compile.ts";
import { AutoOptions, MISS_STEP, Pending, SLASH_STEP, type Step, type View } from "./_steps.ts";
import { decodePath } from "./_path.ts";
import { createRecord, type RuleRecord } from "./_record.ts";
import { buildTrie, type State } from "./_trie.ts";
import { type Collector, fitOf, walk } from "./_walker.ts";
import type { RuleOptions } from "./url_rule.ts";

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "BREW"];

const SAMPLES: Record<string, readonly string[]> = {
  default: ["x", "ab", "1", "a.b", "-", "%2F", "a%20b", "%C3%BC", "a:b", "foo", "a%25"],
  string: ["x", "ab", "abc", "abcd", ""],
  int: ["0", "7", "42", "-3", "0012", "99999999999999999999", "x", "1x", "11"],
  float: ["1.5", "-2.0", "3", "a", "0.815"],
  path: ["p", "a/b", "a/b/", "a//b", "x/y/z", "edit", "a/silly/b", "c"],
  uuid: [
    "2b7de1e3-e85f-4b3a-8f47-4e37b8fbfd4d",
    "2B7DE1E3-E85F-4B3A-8F47-4E37B8FBFD4D",
    "2b7de1e3-e85f-4b3a-8f47-4e37b8fbfd4",
  ],
};

const VARIABLE = /<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>/g;

function anyItems(args: string): string[] {
  return [...args.split(",").map((s) => s.trim().replace(/^["']|["']$/g, "")), "zz"];
}

/** Paths a rule string suggests: its variables filled with samples, and mangled variants. */
function pathsFor(rule: string, random: () => number): string[] {
  const out = new Set<string>();
  for (let n = 0; n < 12; n++) {
    const path = rule.replace(VARIABLE, (_, conv: string | undefined, args: string | undefined) => {
      const pool = conv === "any" ? anyItems(args ?? "") : SAMPLES[conv ?? "default"] ??
        SAMPLES.default;
      return pool[Math.floor(random() * pool.length)];
    });
    out.add(path);
    out.add(path.endsWith("/") ? path.slice(0, -1) : path + "/");
    out.add(path.replace("/", "//"));
    out.add(path + "/extra");
  }
  return [...out];
}

function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

type Outcome =
  | { kind: "rule" | "options"; record: RuleRecord; params?: unknown }
  | { kind: "slash" }
  | { kind: "none"; miss: boolean };

function compiledOutcome(view: View, target: string, decoded: boolean): Outcome {
  const hit = view.statics.get(target);
  let step: Step = null;
  if (hit !== undefined && typeof hit !== "function") step = hit;
  else if (hit !== undefined) step = hit(target, decoded, null);
  if (step === null || step === MISS_STEP) step = view.run(target, decoded, null);
  if (step === null || step === MISS_STEP) return { kind: "none", miss: step === MISS_STEP };
  if (step === SLASH_STEP) return { kind: "slash" };
  if (step instanceof AutoOptions) return { kind: "options", record: step.record };
  if (step instanceof Pending) return { kind: "rule", record: step.record, params: step.params };
  const record = [...records].find((r) => r.rule === (step as { rule: unknown }).rule)!;
  return { kind: "rule", record, params: (step as { params: unknown }).params };
}

let records: RuleRecord[] = [];

function referenceOutcome(
  root: State,
  method: string,
  websocket: boolean,
  target: string,
  decoded: boolean,
): Outcome {
  const collector: Collector = { methods: new Set(), websocket: false };
  const found = walk(root, { domain: "", path: target, method, websocket, decoded, collector });
  if (found === null) {
    return { kind: "none", miss: collector.methods.size > 0 || collector.websocket };
  }
  if (found.kind === "slash") return { kind: "slash" };
  if (found.kind === "options") return { kind: "options", record: found.record };
  return { kind: "rule", record: found.record, params: found.params };
}

function check(
  name: string,
  rules: readonly (readonly [string, string, RuleOptions?])[],
  extraPaths: readonly string[],
) {
  const settings = {
    converters: undefined,
    hostMatching: false,
    defaultSubdomain: "",
    strictSlashes: true,
    mergeSlashes: true,
  };
  records = rules.map(([rule, endpoint, options], i) =>
    createRecord(rule, endpoint, { options: options ?? {}, settings, index: i })
  );
  const root = buildTrie(records);
  const pathRoot = root.static.get("")?.static.get("");
  assert.ok(pathRoot, name);
  const random = seeded(rules.length * 7919);
  const paths = new Set(extraPaths);
  for (const [rule] of rules) for (const p of pathsFor(rule, random)) paths.add(p);
  paths.add("/");
  let compared = 0;
  for (const method of METHODS) {
    for (const websocket of [false, true]) {
      const view = compileView(pathRoot, (record) => fitOf(record, { method, websocket }));
      for (const path of paths) {
        const decoded = path.includes("%");
        const target = decoded ? decodePath(path) : path;
        const got = compiledOutcome(view, target, decoded);
        const want = referenceOutcome(root, method, websocket, target, decoded);
        assert.deepEqual(got, want, `${name}: ${method} ${websocket ? "ws " : ""}${path}`);
        compared++;
      }
    }
  }
  return compared;
}

for (const suite of SUITES) {
  if (suite.map?.hostMatching || suite.map?.serverName) continue;
  Deno.test(`compileView() agrees with the walker: ${suite.name}`, () => {
    const compared = check(suite.name, suite.rules, (suite.match ?? []).map((c) => c.path));
    assert.ok(compared >= METHODS.length * 2 * 2);
  });
}

Deno.test("compileView() agrees with the walker on the GitHub-like table", () => {
  const rules = [...ROUTES, ...SIBLING_ROUTES].map(([methods, rule]) =>
    [rule, rule, { methods }] as const
  );
  const compared = check("github", rules, []);
  assert.ok(compared > 10_000);
});

Deno.test("compileView() agrees with the walker on rejecting converters and odd regexes", () => {
  check("rejects", [
    ["/n/<int(max=5):a>", "small"],
    ["/n/<int(min=3):b>", "big"],
    ["/n/<c>", "any"],
    ["/m/<int(fixed_digits=2):a>/x", "fixed"],
    ["/m/<any(aa, a):b>/x", "either"],
    ["/m/<string(minlength=0):c>/y", "empty"],
    ["/f/<float(max=2.5):x>", "float"],
    ["/p/<path:a>/<int:b>/", "pathint"],
    ["/p/<path:a>/z", "pathz", { strictSlashes: false }],
    ["/s/<a>", "loose", { strictSlashes: false, methods: ["POST"] }],
    ["/s/<a>/", "branch"],
  ], ["/n/4", "/n/7", "/n/2", "/m/12/x", "/m/1/x", "/m/aa/x", "/m//y", "/s/q/", "/p/a/b/3/"]);
});
