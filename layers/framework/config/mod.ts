/**
 * Flask's `app.config` for ngw2f: Flask's built-in keys with their defaults, loaded from TOML
 * files (`fromToml`, e.g. the `[app]` table of `ngw2f.toml`), `APP_*` env vars
 * (`fromPrefixedEnv`, JSON-decoded, `__` for nested keys) and objects (`fromObject`), later
 * loads winning. Typed keys are checked as they load: a bad value is a `ConfigError` naming its
 * file and line, env var or source label. Unknown keys are kept, with a "did you mean" warning
 * when they look like a typo of a known one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Config, FLASK_SCHEMA } from "./mod.ts";
 *
 * const warnings: string[] = [];
 * const config = new Config(
 *   { ...FLASK_SCHEMA, DATABASE_URL: { type: "string", default: "sqlite://" } },
 *   { SESSION_COOKIE_SAMESITE: "Lax" },
 *   { warn: (message) => warnings.push(message) },
 * );
 * config.fromTomlText('[app]\nSECRET_KEY = "dev"\nSECRET_KY = "oops"\n', "ngw2f.toml", {
 *   section: "app",
 * });
 * config.fromPrefixedEnv("APP", { APP_DEBUG: "true", APP_DATABASE_URL: "postgres://db" });
 *
 * assert.equal(config.get("DEBUG"), true);
 * assert.equal(config.getString("DATABASE_URL"), "postgres://db");
 * assert.equal(config.get("PERMANENT_SESSION_LIFETIME"), 31 * 86400);
 * assert.deepEqual(warnings, [
 *   'ngw2f.toml:3: app.SECRET_KY: unknown key (kept); did you mean "app.SECRET_KEY"?',
 * ]);
 * assert.throws(
 *   () => config.fromPrefixedEnv("APP", { APP_SESSION_COOKIE_SAMESITE: "lax" }),
 *   /APP_SESSION_COOKIE_SAMESITE: SESSION_COOKIE_SAMESITE: expected one of "Lax", "Strict", "None", got "lax"/,
 * );
 * ```
 *
 * @module
 */

export {
  Config,
  type ConfigOptions,
  type FromTomlOptions,
  type NamespaceOptions,
} from "./config.ts";
export {
  type AnyField,
  type BooleanField,
  checkField,
  type CheckFieldOptions,
  type ConfigField,
  type ConfigSchema,
  type DurationField,
  type EnumField,
  type FieldCommon,
  type FieldResult,
  type IntegerField,
  type ListField,
  type NumberField,
  parseDuration,
  parseSize,
  type SizeField,
  type StringField,
  type TableField,
} from "./fields.ts";
export {
  FLASK_DEFAULTS,
  FLASK_SCHEMA,
  type FlaskConfigKey,
  type FlaskConfigValues,
} from "./flask_schema.ts";
