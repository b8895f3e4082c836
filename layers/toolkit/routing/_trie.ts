/**
 * Werkzeug's state machine: one state per matched prefix of parts, static transitions in a
 * hash map, dynamic ones sorted by weight. The matcher compiles it; the walker runs it directly.
 *
 * @module
 */

import type { RuleRecord } from "./_record.ts";
import { compareWeights, type RulePart } from "./rule.ts";

/** A dynamic transition with the regex the walker tests a part (or the rest) against. */
export interface Transition {
  readonly part: RulePart;
  readonly state: State;
  /** `^(?:text)$`, or for a suffixed final part `^(?:text)(?<!/)(/?)$`. */
  readonly re: RegExp;
}

/** A state: the rules ending here and the transitions onwards. */
export interface State {
  readonly static: Map<string, State>;
  readonly dynamic: Transition[];
  readonly rules: RuleRecord[];
}

/** A new, empty state. */
export function newState(): State {
  return { static: new Map(), dynamic: [], rules: [] };
}

function transitionRegex(part: RulePart): RegExp {
  return new RegExp(part.suffixed ? `^(?:${part.text})(?<!/)(/?)$` : `^(?:${part.text})$`);
}

/** Adds the rule's parts to the machine under `root` (Werkzeug's `StateMachineMatcher.add`). */
export function addRule(root: State, record: RuleRecord): void {
  let state = root;
  for (const part of record.parts) {
    if (part.isStatic) {
      let next = state.static.get(part.text);
      if (!next) state.static.set(part.text, next = newState());
      state = next;
    } else {
      const found = state.dynamic.find((t) => t.part.key === part.key);
      if (found) state = found.state;
      else {
        const next = newState();
        state.dynamic.push({ part, state: next, re: transitionRegex(part) });
        state = next;
      }
    }
  }
  state.rules.push(record);
}

/** Sorts every state's dynamic transitions by weight (stable: ties keep insertion order). */
export function sortStates(root: State): void {
  const seen = new Set<State>();
  const visit = (state: State) => {
    if (seen.has(state)) return;
    seen.add(state);
    state.dynamic.sort((a, b) => compareWeights(a.part.weight, b.part.weight));
    for (const next of state.static.values()) visit(next);
    for (const t of state.dynamic) visit(t.state);
  };
  visit(root);
}

/** Builds and sorts the machine for `records` (build-only rules left out). */
export function buildTrie(records: readonly RuleRecord[]): State {
  const root = newState();
  for (const record of records) if (!record.buildOnly) addRule(root, record);
  sortStates(root);
  return root;
}
