/**
 * Compiles the state machine below one path root, for one (method, WebSocket) view, into a
 * JavaScript function: Werkzeug's depth-first search unrolled into nested blocks.
 *
 * Each state becomes "if the path ended: the rules here (then the trailing-slash redirect);
 * else: the static children (a `switch` on the first character, then character compares), the
 * dynamic children in weight order (typed checks inline: digits for `int`, a sticky regex for
 * `uuid`, the part's regex on the segment otherwise), then the non-strict trailing-slash
 * fallback". A block that fails falls through to the next alternative, which is exactly the
 * backtracking of Werkzeug's matcher; values are sliced and converted only at a rule, so a
 * converter that rejects a value falls through to the next rule as well. Rules the view does
 * not fit set a `miss` flag (a 405 is possible) instead of matching.
 *
 * @module
 */

import { REJECT } from "./converters.ts";
import { unprotect } from "./_path.ts";
import type { RuleRecord } from "./_record.ts";
import {
  AutoOptions,
  constantResult,
  MISS_STEP,
  Pending,
  SLASH_STEP,
  type View,
  type ViewFn,
} from "./_steps.ts";
import type { State, Transition } from "./_trie.ts";
import { AUTO_OPTIONS, type Fit, FITS, NO_FIT } from "./_walker.ts";
import type { MatchResult } from "./match_result.ts";

const UUID_TEXT = "([A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12})";
const UUID_STICKY = /[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}/y;
const LENGTH_TEXT = /^\(\[\^\/\]\{(\d+)(,(\d*))?\}\)$/;
const PATH_TEXT = "([^/][^\\n]*?)";

/** How a value of the current search path is read at a rule. */
interface Value {
  /** JS expression of the raw (protected) text. */
  readonly raw: string;
  /** JS expression of the number parsed inline (plain `int` parts), if any. */
  readonly int?: string;
  /** JS condition under which `int` is exact. */
  readonly small?: string;
}

interface Gen {
  readonly fit: (record: RuleRecord) => Fit;
  readonly constants: Map<unknown, string>;
  readonly lines: string[];
  readonly reachable: Map<State, boolean>;
  labels: number;
}

function constant(gen: Gen, value: unknown): string {
  let name = gen.constants.get(value);
  if (name === undefined) gen.constants.set(value, name = `k${gen.constants.size}`);
  return name;
}

/** Emits `header`, then `body()`, then `}`, or nothing when the body emitted nothing. */
function block(gen: Gen, header: string, body: () => void): void {
  const start = gen.lines.length;
  gen.lines.push(header);
  body();
  if (gen.lines.length === start + 1) gen.lines.pop();
  else gen.lines.push("}");
}

function propertyKey(name: string): string {
  return name === "__proto__" ? `["__proto__"]` : JSON.stringify(name);
}

/** Non-strict rules, tried when only a trailing slash is left. */
function fallbackRules(state: State): RuleRecord[] {
  return state.rules.filter((r) => !r.strictSlashes);
}

/** Whether ending at `state` means anything: a rule (or near miss) here, or one slash away. */
function terminalReachable(gen: Gen, state: State): boolean {
  if (state.rules.length > 0) return true;
  return state.static.get("")?.rules.some((r) => gen.fit(r) !== NO_FIT) ?? false;
}

function transitionReachable(gen: Gen, transition: Transition): boolean {
  if (!transition.part.final) return reachable(gen, transition.state);
  if (terminalReachable(gen, transition.state)) return true;
  const branch = transition.part.suffixed ? transition.state.static.get("") : undefined;
  return branch !== undefined && terminalReachable(gen, branch);
}

/** Whether any outcome (or near miss) of the view is reachable from `state`. */
function reachable(gen: Gen, state: State): boolean {
  let known = gen.reachable.get(state);
  if (known !== undefined) return known;
  gen.reachable.set(state, false);
  known = terminalReachable(gen, state) || fallbackRules(state).length > 0 ||
    [...state.static.values()].some((next) => reachable(gen, next)) ||
    state.dynamic.some((t) => transitionReachable(gen, t));
  gen.reachable.set(state, known);
  return known;
}

/** Code that returns the outcome for `record` if its converters accept the values. */
function genAccept(gen: Gen, record: RuleRecord, fit: Fit, values: readonly Value[]): void {
  const out = gen.lines;
  if (record.converters.length === 0 && fit === FITS && !record.post) {
    out.push(`return ${constant(gen, constantResult(record))};`);
    return;
  }
  const label = `L${gen.labels++}`;
  const body: string[] = [];
  const fields: string[] = [];
  record.converters.forEach((converter, i) => {
    const domain = i < record.domainVariables;
    const value = domain ? { raw: `p[${i}]` } : values[i - record.domainVariables];
    const text = domain ? value.raw : `(d ? U(${value.raw}) : ${value.raw})`;
    const c = constant(gen, converter);
    if (converter.identity) body.push(`const v${i} = ${text};`);
    else if (converter.plainInt && value.int) {
      body.push(
        `const v${i} = ${value.small} ? ${value.int} : ${c}.convert(${value.raw});`,
        `if (v${i} === R) break ${label};`,
      );
    } else body.push(`const v${i} = ${c}.convert(${text});`, `if (v${i} === R) break ${label};`);
    fields.push(`${propertyKey(record.variables[i])}: v${i}`);
  });
  for (const [key, value] of Object.entries(record.defaults ?? {})) {
    fields.push(`${propertyKey(key)}: ${constant(gen, value)}`);
  }
  const params = `{ ${fields.join(", ")} }`;
  const rec = constant(gen, record);
  if (fit === AUTO_OPTIONS) body.push(`return new AO(${rec});`);
  else if (record.post) body.push(`return new PD(${rec}, ${params});`);
  else {
    body.push(
      `return { kind: "match", endpoint: ${constant(gen, record.endpoint)}, params: ${params}, ` +
        `rule: ${constant(gen, record.rule)} };`,
    );
  }
  if (body.some((line) => line.includes(`break ${label}`))) out.push(`${label}: {`, ...body, "}");
  else out.push("{", ...body, "}");
}

/**
 * Code for "the path ended at `state`" (Werkzeug's `parts == []`). Rules of other methods set
 * `miss`, so a failed match knows whether a 405 analysis is worth running.
 */
function genTerminal(gen: Gen, state: State, values: readonly Value[]): void {
  if (state.rules.some((record) => gen.fit(record) === NO_FIT)) gen.lines.push("miss = true;");
  for (const record of state.rules) {
    const fit = gen.fit(record);
    if (fit !== NO_FIT) genAccept(gen, record, fit, values);
  }
  for (const record of state.static.get("")?.rules ?? []) {
    const fit = gen.fit(record);
    if (fit === NO_FIT) continue;
    if (record.strictSlashes) {
      gen.lines.push("return SLASH;");
      return;
    }
    genAccept(gen, record, fit, values);
  }
}

/** JS condition: the segment at `start` is `name` (its first character already checked). */
function restMatches(name: string, start: string): string {
  const tests: string[] = [];
  if (name.length > 9) {
    tests.push(`path.startsWith(${JSON.stringify(name.slice(1))}, ${start} + 1)`);
  } else {
    for (let i = 1; i < name.length; i++) {
      tests.push(`path.charCodeAt(${start} + ${i}) === ${name.charCodeAt(i)}`);
    }
  }
  const after = `${start} + ${name.length}`;
  tests.push(`(${after} === len || path.charCodeAt(${after}) === 47)`);
  return tests.join(" && ");
}

/** Code ensuring `e<k>` holds the end of the current segment (found once, when first needed). */
function segmentEnd(k: number): string {
  return `if (e${k} === -1) { e${k} = path.indexOf("/", s${k}); if (e${k} === -1) e${k} = len; }`;
}

function genStatics(gen: Gen, state: State, k: number, values: readonly Value[]): void {
  const s = `s${k}`;
  const byChar = new Map<number, [string, State][]>();
  for (const [name, next] of state.static) {
    if (!reachable(gen, next)) continue;
    if (name === "") {
      block(gen, `if (${s} === len || path.charCodeAt(${s}) === 47) {`, () => {
        gen.lines.push(`const s${k + 1} = ${s} + 1;`);
        genState(gen, next, k + 1, values);
      });
      continue;
    }
    const code = name.charCodeAt(0);
    const list = byChar.get(code);
    if (list) list.push([name, next]);
    else byChar.set(code, [[name, next]]);
  }
  if (byChar.size === 0) return;
  gen.lines.push(`switch (path.charCodeAt(${s})) {`);
  for (const [code, entries] of byChar) {
    gen.lines.push(`case ${code}:`);
    entries.forEach(([name, next], i) => {
      gen.lines.push(`${i === 0 ? "if" : "else if"} (${restMatches(name, s)}) {`);
      gen.lines.push(`const s${k + 1} = ${s} + ${name.length + 1};`);
      genState(gen, next, k + 1, values);
      gen.lines.push("}");
    });
    gen.lines.push("break;");
  }
  gen.lines.push("}");
}

/** A final part (a `path` converter): it consumes the rest of the path. */
function genFinal(gen: Gen, transition: Transition, k: number, values: readonly Value[]) {
  const part = transition.part;
  const s = `s${k}`;
  if (part.valueGroups.length === 1 && !part.suffixed && part.text === PATH_TEXT) {
    const test = `${s} < len && path.charCodeAt(${s}) !== 47 && path.indexOf("\\n", ${s}) === -1`;
    block(gen, `if (${test}) {`, () => {
      genTerminal(gen, transition.state, [...values, { raw: `path.slice(${s})` }]);
    });
    return;
  }
  const m = `m${k}`;
  const next = [...values, ...part.valueGroups.map((g) => ({ raw: `${m}[${g}]` }))];
  const branch = part.suffixed ? transition.state.static.get("") : undefined;
  gen.lines.push(`{ const ${m} = ${constant(gen, transition.re)}.exec(path.slice(${s}));`);
  block(gen, `if (${m} !== null) {`, () => {
    if (branch) {
      block(gen, `if (${m}[${m}.length - 1] === "/") {`, () => genTerminal(gen, branch, next));
      block(gen, `if (${m}[${m}.length - 1] !== "/") {`, () => {
        genTerminal(gen, transition.state, next);
      });
    } else genTerminal(gen, transition.state, next);
  });
  gen.lines.push("}");
}

/** A dynamic part within one segment. */
function genDynamic(gen: Gen, transition: Transition, k: number, values: readonly Value[]) {
  const part = transition.part;
  if (part.final) return genFinal(gen, transition, k, values);
  const out = gen.lines;
  const s = `s${k}`, e = `e${k}`;
  const single = part.groupCount === 1 && part.valueGroups.length === 1;
  const length = single ? LENGTH_TEXT.exec(part.text) : null;
  let test: string;
  let end = e;
  let next: Value[];
  let close = "";
  if (single && (part.text === "(\\d+)" || part.text === "(-?\\d+)")) {
    // Digits, parsed while scanning: the scan also finds the segment's end.
    const n = `n${k}`;
    end = `i${k}`;
    const signed = part.text !== "(\\d+)";
    const first = signed ? `${s} + (path.charCodeAt(${s}) === 45 ? 1 : 0)` : s;
    out.push(
      `{ let ${end} = ${first}, ${n} = 0;`,
      `while (${end} < len) { const c = path.charCodeAt(${end}) - 48; ` +
        `if (c < 0 || c > 9) break; ${n} = ${n} * 10 + c; ${end}++; }`,
    );
    close = "}";
    test = `${end} > ${first} && (${end} === len || path.charCodeAt(${end}) === 47)`;
    const raw = `path.slice(${s}, ${end})`;
    next = [...values, signed ? { raw } : { raw, int: n, small: `${end} - ${s} < 16` }];
  } else if (single && part.text === UUID_TEXT) {
    end = `${s} + 36`;
    test = `(${end} === len || path.charCodeAt(${end}) === 47) && ` +
      `(UUID.lastIndex = ${s}, UUID.test(path))`;
    next = [...values, { raw: `path.slice(${s}, ${end})` }];
  } else if (single && (part.text === "([^/]+)" || length)) {
    const min = length ? Number(length[1]) : 1;
    const max = !length
      ? undefined
      : length[2] === undefined
      ? min
      : length[3] === ""
      ? undefined
      : Number(length[3]);
    out.push(segmentEnd(k));
    test = `${e} - ${s} >= ${min}${max === undefined ? "" : ` && ${e} - ${s} <= ${max}`}`;
    next = [...values, { raw: `path.slice(${s}, ${e})` }];
  } else {
    const m = `m${k}`;
    out.push(
      segmentEnd(k),
      `{ const ${m} = ${constant(gen, transition.re)}.exec(path.slice(${s}, ${e}));`,
    );
    close = "}";
    test = `${m} !== null`;
    next = [...values, ...part.valueGroups.map((g) => ({ raw: `${m}[${g}]` }))];
  }
  block(gen, `if (${test}) {`, () => {
    out.push(`const s${k + 1} = ${end} + 1;`);
    genState(gen, transition.state, k + 1, next);
  });
  if (close) out.push(close);
}

/** Code for the subtree at `state`, whose current part starts at `s<k>` (past the end: none). */
function genState(gen: Gen, state: State, k: number, values: readonly Value[]): void {
  const s = `s${k}`;
  block(gen, `if (${s} > len) {`, () => genTerminal(gen, state, values));
  const dynamic = state.dynamic.filter((t) => transitionReachable(gen, t));
  const loose = fallbackRules(state);
  block(gen, `if (${s} <= len) {`, () => {
    if (dynamic.some((t) => !t.part.final)) gen.lines.push(`let e${k} = -1;`);
    genStatics(gen, state, k, values);
    for (const transition of dynamic) genDynamic(gen, transition, k, values);
    if (loose.length === 0) return;
    block(gen, `if (${s} === len) {`, () => {
      if (loose.some((record) => gen.fit(record) === NO_FIT)) gen.lines.push("miss = true;");
      for (const record of loose) {
        const fit = gen.fit(record);
        if (fit !== NO_FIT) genAccept(gen, record, fit, values);
      }
    });
  });
}

function newGen(fit: (record: RuleRecord) => Fit): Gen {
  return { fit, constants: new Map(), lines: [], reachable: new Map(), labels: 0 };
}

/** Turns the generated lines into the view function. */
function link(gen: Gen): ViewFn {
  const names = [...gen.constants.values()];
  const hoisted = names.length ? `const ${names.map((k, i) => `${k} = K[${i}]`).join(", ")};` : "";
  const body = `"use strict";\n${hoisted}\nreturn function view(path, d, p) {\n` +
    `const len = path.length;\nlet miss = false;\n${gen.lines.join("\n")}\n` +
    `return miss ? MISS : null;\n};`;
  const factory = new Function("K", "R", "U", "SLASH", "MISS", "PD", "AO", "UUID", body);
  const values = [...gen.constants.keys()];
  const args = [REJECT, unprotect, SLASH_STEP, MISS_STEP, Pending, AutoOptions, UUID_STICKY];
  return factory(values, ...args) as ViewFn;
}

function collectStatics(
  fit: (record: RuleRecord) => Fit,
  state: State,
  path: string,
  out: Map<string, ViewFn | MatchResult>,
): void {
  const fits = (record: RuleRecord) => fit(record) !== NO_FIT;
  const first = state.rules.find(fits);
  if (first && fit(first) === FITS && first.converters.length === 0 && !first.post) {
    out.set(path, constantResult(first));
  } else if (first || state.static.get("")?.rules.some(fits)) {
    const gen = newGen(fit);
    genTerminal(gen, state, []);
    out.set(path, link(gen));
  }
  for (const [name, next] of state.static) collectStatics(fit, next, `${path}/${name}`, out);
}

/** Compiles the view of the subtree at `pathRoot` for the rules `fit` accepts. */
export function compileView(pathRoot: State, fit: (record: RuleRecord) => Fit): View {
  const statics = new Map<string, ViewFn | MatchResult>();
  collectStatics(fit, pathRoot, "", statics);
  const gen = newGen(fit);
  if (reachable(gen, pathRoot)) {
    gen.lines.push("const s1 = 1;");
    genState(gen, pathRoot, 1, []);
  }
  return { statics, run: link(gen) };
}
