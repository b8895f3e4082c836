/**
 * Flask's `app.config` for ngw2f: a key → value store filled from defaults, TOML files, `APP_*`
 * env vars and objects (later loads win), typed by a {@linkcode ConfigSchema}. A bad value is a
 * `ConfigError` naming where it came from: the file and line, the env var, or the source label.
 *
 * @module
 */

import { ConfigError } from "../../gateway/mod.ts";
import type { ConfigField, ConfigSchema } from "./fields.ts";
import { FLASK_SCHEMA, type FlaskConfigKey, type FlaskConfigValues } from "./flask_schema.ts";
import {
  type Entry,
  envEntries,
  objectEntries,
  type Origin,
  readToml,
  tomlEntries,
  where,
} from "./_sources.ts";
import { checkFrom, loadEntries } from "./_load.ts";
import { copyTable, isTable, setOwn } from "./_tables.ts";

/** How a {@linkcode Config} reports what is allowed but probably a mistake. */
export interface ConfigOptions {
  /**
   * Called with a warning line, e.g. `ngw2f.toml:7: app.SECRET_KY: unknown key (kept); did you
   * mean "app.SECRET_KEY"?`. Default: warnings are dropped.
   */
  warn?: (message: string) => void;
}

/** How {@linkcode Config.prototype.fromToml} reads a file. */
export interface FromTomlOptions {
  /** Return without loading when the file does not exist (Flask's `silent=True`). */
  silent?: boolean;
  /** Load only this table (dotted for nested ones), e.g. `"app"` in `ngw2f.toml`. */
  section?: string;
}

/** How {@linkcode Config.prototype.namespace} names the keys it returns. */
export interface NamespaceOptions {
  /** Lowercase the returned keys; default `true`. */
  lowercase?: boolean;
  /** Drop the prefix from the returned keys; default `true`. */
  trimNamespace?: boolean;
}

const READ_AS: Record<"string" | "number" | "boolean", ConfigField> = {
  string: { type: "string", nullable: true },
  number: { type: "number", nullable: true },
  boolean: { type: "boolean", nullable: true },
};

/**
 * The config: Flask's built-in keys with their defaults (or your schema), loaded from TOML
 * files, prefixed env vars and objects, read raw with `get()` or typed with `getString()`,
 * `getNumber()` and `getBoolean()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Config } from "./config.ts";
 *
 * const config = new Config().fromObject({ SECRET_KEY: "dev" }).fromPrefixedEnv("APP", {
 *   APP_DEBUG: "true",
 *   APP_PERMANENT_SESSION_LIFETIME: "12h",
 *   APP_SQLALCHEMY__POOL_SIZE: "5",
 * });
 * assert.equal(config.getBoolean("DEBUG"), true);
 * assert.equal(config.getNumber("PERMANENT_SESSION_LIFETIME"), 43200);
 * assert.deepEqual(config.get("SQLALCHEMY"), { POOL_SIZE: 5 });
 * assert.equal(config.getString("SECRET_KEY"), "dev");
 * ```
 */
export class Config {
  /** The typed keys. */
  readonly schema: Readonly<ConfigSchema>;
  #values = new Map<string, unknown>();
  #origins = new Map<string, Origin>();
  #warn: (message: string) => void;

  /**
   * Starts from `schema`'s defaults (Flask's built-in keys unless given), then `defaults`
   * (checked like any other source, all keys kept).
   */
  constructor(
    schema: ConfigSchema = FLASK_SCHEMA,
    defaults: Record<string, unknown> = {},
    options: ConfigOptions = {},
  ) {
    this.schema = schema;
    this.#warn = options.warn ?? (() => {});
    for (const [key, field] of Object.entries(schema)) {
      if (field.default === undefined) continue;
      const value = isTable(field.default) ? copyTable(field.default) : field.default;
      this.#values.set(key, Array.isArray(value) ? [...value] : value);
      this.#origins.set(key, { file: "defaults", key, lenient: false });
    }
    this.#load(objectEntries(defaults, "defaults"), false);
  }

  /**
   * Loads the TOML file at `path` (its top level, or its `section` table): Flask's `from_file`
   * with `tomllib.load`. Only uppercase keys are loaded, as in Flask.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const path = await Deno.makeTempFile({ suffix: ".toml" });
   * await Deno.writeTextFile(path, 'workers = 2\n[app]\nSECRET_KEY = "s3cret"\n');
   * const config = await new Config().fromToml(path, { section: "app" });
   * assert.equal(config.get("SECRET_KEY"), "s3cret");
   * await new Config().fromToml(`${path}.missing`, { silent: true });
   * await Deno.remove(path);
   * ```
   */
  async fromToml(path: string, options: FromTomlOptions = {}): Promise<this> {
    const text = await readToml(path, options.silent ?? false, options.section);
    return text === null ? this : this.fromTomlText(text, path, options);
  }

  /**
   * Loads TOML `text` already read from `file` (named in errors), as {@linkcode fromToml} does.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * assert.throws(
   *   () => new Config().fromTomlText("[app]\nDEBUG = \"yes\"\n", "ngw2f.toml", { section: "app" }),
   *   /ngw2f.toml:2: app.DEBUG: expected a boolean \(true\/false\), got "yes"/,
   * );
   * ```
   */
  fromTomlText(text: string, file: string, options: { section?: string } = {}): this {
    return this.#load(tomlEntries(text, file, options.section), true);
  }

  /**
   * Loads the env vars named `<prefix>_<KEY>` (Flask's `from_prefixed_env`): values are
   * JSON-decoded when they parse (`5`, `true`, `["a"]`), else kept as strings; `__` nests
   * (`APP_SQLALCHEMY__POOL=5` → `SQLALCHEMY.POOL`). For typed keys an env var may also say
   * `yes`/`on`/`1` for booleans and `a,b` for lists.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const config = new Config().fromPrefixedEnv("APP", { APP_MAX_CONTENT_LENGTH: "16m" });
   * assert.equal(config.get("MAX_CONTENT_LENGTH"), 16 * 1024 * 1024);
   * ```
   */
  fromPrefixedEnv(prefix = "APP", env: Record<string, string> = Deno.env.toObject()): this {
    return this.#load(envEntries(prefix, env), false);
  }

  /**
   * Loads `values`' uppercase keys (Flask's `from_mapping` / `from_object`); errors name
   * `source` (default `"object"`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * assert.throws(
   *   () => new Config().fromObject({ MAX_FORM_PARTS: -1 }, "settings.ts"),
   *   /settings.ts: MAX_FORM_PARTS: expected an integer of at least 0, got -1/,
   * );
   * ```
   */
  fromObject(values: Record<string, unknown>, source = "object"): this {
    return this.#load(objectEntries(values, source), true);
  }

  /**
   * The value of `key` as stored (durations in seconds, sizes in bytes), or `undefined`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const config = new Config();
   * const lifetime: number = config.get("PERMANENT_SESSION_LIFETIME");
   * assert.equal(lifetime, 2678400);
   * assert.equal(config.get<string>("NOT_SET"), undefined);
   * ```
   */
  get<K extends FlaskConfigKey>(key: K): FlaskConfigValues[K];
  /** The value of `key` as stored, typed as `T` (unchecked), or `undefined`. */
  get<T = unknown>(key: string): T;
  get(key: string): unknown {
    return this.#values.get(key);
  }

  /**
   * `key`'s value as a string; `null` when it is null (or `fallback`, if given). Throws a
   * `ConfigError` naming the value's source when it is not a string, or when `key` is unset and
   * there is no `fallback`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const config = new Config();
   * assert.equal(config.getString("SESSION_COOKIE_NAME"), "session");
   * assert.equal(config.getString("SECRET_KEY"), null);
   * assert.equal(config.getString("DATABASE_URL", "sqlite://"), "sqlite://");
   * ```
   */
  getString(key: string): string | null;
  /** `key`'s value as a string, or `fallback` when it is null or unset. */
  getString(key: string, fallback: string): string;
  getString(key: string, fallback?: string): string | null {
    return this.#typed(key, "string", fallback) as string | null;
  }

  /**
   * `key`'s value as a number (durations in seconds, sizes in bytes), as {@linkcode getString}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const config = new Config();
   * assert.equal(config.getNumber("MAX_FORM_PARTS"), 1000);
   * assert.equal(config.getNumber("MAX_CONTENT_LENGTH", Infinity), Infinity);
   * ```
   */
  getNumber(key: string): number | null;
  /** `key`'s value as a number, or `fallback` when it is null or unset. */
  getNumber(key: string, fallback: number): number;
  getNumber(key: string, fallback?: number): number | null {
    return this.#typed(key, "number", fallback) as number | null;
  }

  /**
   * `key`'s value as a boolean, as {@linkcode getString}; an env var's `yes`/`on`/`1` count.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const config = new Config().fromPrefixedEnv("APP", { APP_FEATURE_X: "on" });
   * assert.equal(config.getBoolean("FEATURE_X"), true);
   * assert.equal(config.getBoolean("PROPAGATE_EXCEPTIONS"), null);
   * assert.equal(config.getBoolean("PROPAGATE_EXCEPTIONS", false), false);
   * ```
   */
  getBoolean(key: string): boolean | null;
  /** `key`'s value as a boolean, or `fallback` when it is null or unset. */
  getBoolean(key: string, fallback: boolean): boolean;
  getBoolean(key: string, fallback?: boolean): boolean | null {
    return this.#typed(key, "boolean", fallback) as boolean | null;
  }

  /**
   * Whether `key` is set (a `null` value counts, as in Flask).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * assert.equal(new Config().has("SECRET_KEY"), true);
   * assert.equal(new Config().has("DATABASE_URL"), false);
   * ```
   */
  has(key: string): boolean {
    return this.#values.has(key);
  }

  /**
   * Sets `key` (checked when it is typed; any case allowed); errors name `source`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const config = new Config().set("SEND_FILE_MAX_AGE_DEFAULT", "1h");
   * assert.equal(config.get("SEND_FILE_MAX_AGE_DEFAULT"), 3600);
   * assert.throws(() => config.set("TESTING", "no"), /set\(\): TESTING: expected a boolean/);
   * ```
   */
  set(key: string, value: unknown, source = "set()"): this {
    return this.#load(objectEntries({ [key]: value }, source), false);
  }

  /**
   * Where `key`'s value came from: `"ngw2f.toml:12"`, `"APP_DEBUG"`, `"defaults"`, a source
   * label; `undefined` when unset.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const config = new Config().fromPrefixedEnv("APP", { APP_DEBUG: "1" });
   * assert.equal(config.sourceOf("DEBUG"), "APP_DEBUG");
   * assert.equal(config.sourceOf("TESTING"), "defaults");
   * ```
   */
  sourceOf(key: string): string | undefined {
    const origin = this.#origins.get(key);
    return origin && where(origin);
  }

  /**
   * The keys starting with `prefix` (Flask's `get_namespace`): trimmed of it and lowercased by
   * default.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const config = new Config().fromObject({ IMAGE_STORE_TYPE: "fs", IMAGE_STORE_PATH: "/img" });
   * assert.deepEqual(config.namespace("IMAGE_STORE_"), { type: "fs", path: "/img" });
   * ```
   */
  namespace(prefix: string, options: NamespaceOptions = {}): Record<string, unknown> {
    const { lowercase = true, trimNamespace = true } = options;
    const found: Record<string, unknown> = {};
    for (const [key, value] of this.#values) {
      if (!key.startsWith(prefix)) continue;
      const name = trimNamespace ? key.slice(prefix.length) : key;
      setOwn(found, lowercase ? name.toLowerCase() : name, value);
    }
    return found;
  }

  /**
   * Every key and value, as a new object (the values themselves are not copied).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Config } from "./config.ts";
   *
   * const config = new Config({ DEBUG: { type: "boolean", default: false } }, { EXTRA: 1 });
   * assert.deepEqual(config.toObject(), { DEBUG: false, EXTRA: 1 });
   * ```
   */
  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.#values);
  }

  #typed(key: string, type: keyof typeof READ_AS, fallback: unknown): unknown {
    if (!this.#values.has(key)) {
      if (fallback !== undefined) return fallback;
      throw new ConfigError("not set", { file: "config", key });
    }
    const value = this.#values.get(key);
    if (value === null) return fallback ?? null;
    return checkFrom(READ_AS[type], value, this.#origins.get(key)!);
  }

  /** Applies `entries` (all or none), then reports their warnings. */
  #load(entries: Entry[], upperOnly: boolean): this {
    const state = { values: this.#values, origins: this.#origins };
    const { values, origins, warnings } = loadEntries(this.schema, state, entries, upperOnly);
    this.#values = values;
    this.#origins = origins;
    for (const warning of warnings) this.#warn(warning);
    return this;
  }
}
