/**
 * Params typed from the rule string at compile time: `RouteParams<"/user/<int:id>/<name>">` is
 * `{ id: number; name: string }`. `int` and `float` give `number`, `any(a, b)` gives
 * `"a" | "b"`, `string`/`path`/`uuid` give `string`, a custom converter gives what its
 * `toValue` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RouteParams } from "./types.ts";
 *
 * const params: RouteParams<"/<any(about, help):page>/<int(min=1):n>"> = { page: "help", n: 2 };
 * assert.equal(params.n + 1, 3);
 * ```
 *
 * @module
 */

import type { ConverterDefinition } from "./converters.ts";
import type { RouteMatch } from "./match_result.ts";
import type { RuleOptions } from "./url_rule.ts";

/** Custom converters by name, as a map is configured with. */
export type ConverterMap = Readonly<Record<string, ConverterDefinition>>;

/** Flattens an intersection into one object type (for readable hovers). */
export type Simplify<T> = { [K in keyof T]: T[K] };

/** `S` without leading spaces. */
export type TrimLeft<S extends string> = S extends ` ${infer R}` ? TrimLeft<R> : S;
/** `S` without trailing spaces. */
export type TrimRight<S extends string> = S extends `${infer R} ` ? TrimRight<R> : S;
/** `S` without surrounding spaces. */
export type Trim<S extends string> = TrimLeft<TrimRight<S>>;
/** `S` without surrounding `"` or `'` quotes. */
export type Unquote<S extends string> = S extends `"${infer X}"` ? X
  : S extends `'${infer X}'` ? X
  : S;
/** The comma-separated items of `S`, as a union. */
export type Split<S extends string> = S extends `${infer Head},${infer Tail}` ? Head | Split<Tail>
  : S;
/** The values of `any(a, "b c")` arguments, as a union of literals. */
export type AnyValues<Args extends string> = Split<Args> extends infer Item extends string
  ? Item extends unknown ? Unquote<Trim<Item>> : never
  : never;

/** The variable specs of a rule string: `"int:id" | "name"` for `/<int:id>/<name>`. */
export type VariableSpecs<R extends string> = R extends `${string}<${infer Spec}>${infer Rest}`
  ? Spec | VariableSpecs<Rest>
  : never;

/** `[name, converter, args]` of one variable spec: `["id", "int", "min=1"]`. */
export type VariableEntry<Spec extends string> = Spec extends
  `${infer Conv}(${infer Args}):${infer Name}` ? [Name, Conv, Args]
  : Spec extends `${infer Conv}:${infer Name}` ? [Name, Conv, ""]
  : [Spec, "default", ""];

/** The value type of a custom converter (or converter factory) `D`. */
export type CustomValue<D> = D extends (...args: never[]) => infer C ? ConverterValue<C>
  : ConverterValue<D>;
/** What a converter's `toValue` returns (`string` without one). */
export type ConverterValue<C> = C extends { toValue?: ((raw: string) => infer T) | undefined }
  ? (unknown extends T ? string : T)
  : string;

/** The type of a variable's value, by converter name and arguments. */
export type ValueOf<Conv extends string, Args extends string, C = unknown> = Conv extends keyof C
  ? CustomValue<C[Conv]>
  : Conv extends "int" | "float" ? number
  : Conv extends "any" ? AnyValues<Args>
  : Conv extends "default" | "string" | "path" | "uuid" ? string
  : unknown;

/**
 * The params of a rule string (`C`: the map's custom converters). A string whose value is not
 * known at compile time gives `Record<string, unknown>`.
 */
export type RouteParams<R extends string, C = unknown> = string extends R ? Record<string, unknown>
  : Simplify<{ [E in VariableEntry<VariableSpecs<R>> as E[0]]: ValueOf<E[1], E[2], C> }>;

/** A literal type widened to its primitive (`1` to `number`). */
export type Widen<T> = T extends string ? string
  : T extends number ? number
  : T extends boolean ? boolean
  : T extends bigint ? bigint
  : T;

/** The params a rule's options add: host / subdomain variables and defaults. */
export type OptionParams<O, C = unknown> =
  & (O extends { host: infer H extends string } ? RouteParams<H, C> : unknown)
  & (O extends { subdomain: infer S extends string } ? RouteParams<S, C> : unknown)
  & (O extends { defaults: infer D } ? { -readonly [K in keyof D]: Widen<D[K]> } : unknown);

/** The params a rule's options add to a build: host / subdomain variables, optional defaults. */
export type OptionBuildParams<O, C = unknown> =
  & (O extends { host: infer H extends string } ? RouteParams<H, C> : unknown)
  & (O extends { subdomain: infer S extends string } ? RouteParams<S, C> : unknown)
  & (O extends { defaults: infer D } ? { -readonly [K in keyof D]?: Widen<D[K]> } : unknown);

/**
 * What `build()` accepts for a param of type `V`: a plain `string` param also takes numbers and
 * booleans (written with `String()`), a `number` one also bigints.
 */
export type BuildValueOf<V> = V extends string
  ? (string extends V ? string | number | bigint | boolean : V)
  : V extends number ? number | bigint
  : V;

/** `P` with each value widened to what `build()` accepts. */
export type BuildParams<P> = { [K in keyof P]: BuildValueOf<P[K]> };

/** What a typed map knows about one endpoint: the params of a match, and those of a build. */
export interface EndpointTypes {
  /** Params a match gives. */
  readonly match: unknown;
  /** Params a build needs. */
  readonly build: unknown;
}

/** A typed map's endpoints. */
export type RouteTable = Record<string, EndpointTypes>;

/** The params a match of rule `R` with options `O` gives. */
export type MatchParamsOf<R extends string, O, C> = Simplify<
  RouteParams<R, C> & OptionParams<O, C>
>;
/** The params a build of rule `R` with options `O` takes. */
export type BuildParamsFor<R extends string, O, C> = Simplify<
  BuildParams<RouteParams<R, C>> & OptionBuildParams<O, C>
>;

/**
 * The table after adding `rule` for `endpoint` with options `O`: a new endpoint is intersected
 * in (flat, so long chains of `add()` stay cheap to check); a known one gets a union.
 */
export type AddRoute<T extends RouteTable, E extends string, R extends string, O, C> = E extends
  keyof T ?
    & Omit<T, E>
    & {
      [K in E]: {
        match: T[K]["match"] | MatchParamsOf<R, O, C>;
        build: T[K]["build"] | BuildParamsFor<R, O, C>;
      };
    }
  : T & { [K in E]: { match: MatchParamsOf<R, O, C>; build: BuildParamsFor<R, O, C> } };

/** Endpoint names of a table (`string` when the map is untyped). */
export type EndpointOf<T extends RouteTable> = [keyof T] extends [never] ? string
  : keyof T & string;

/** The params `build()` takes for endpoint `E`: the rule's variables, and any extras. */
export type BuildParamsOf<T extends RouteTable, E extends string> = [keyof T] extends [never]
  ? Record<string, unknown>
  : E extends keyof T ? T[E]["build"] & Record<string, unknown>
  : Record<string, unknown>;

/** Options of `add()`, with typed params in `redirectTo`. */
export type AddOptions<R extends string, C> = RuleOptions<RouteParams<R, C>>;

/** A successful match of a typed map: one variant per endpoint, narrowed by `endpoint`. */
export type TypedMatch<T extends RouteTable> = [keyof T] extends [never] ? RouteMatch
  : { [E in keyof T & string]: RouteMatch<T[E]["match"], E> }[keyof T & string];
