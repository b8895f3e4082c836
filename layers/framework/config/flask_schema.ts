/**
 * Flask 3.1's built-in config keys (`Flask.default_config` and the "Builtin Configuration
 * Values" docs) as a typed schema, with the same defaults. Durations are in seconds and sizes in
 * bytes. The `JSON_*` keys Flask removed in 2.3 (now `app.json` attributes) are not here.
 *
 * @module
 */

import type { ConfigField, ConfigSchema } from "./fields.ts";

/**
 * Flask's built-in keys, typed. Extend it for an app's own keys:
 * `new Config({ ...FLASK_SCHEMA, DATABASE_URL: { type: "string", default: null } })`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FLASK_SCHEMA } from "./flask_schema.ts";
 *
 * assert.equal(FLASK_SCHEMA.SESSION_COOKIE_NAME.default, "session");
 * assert.equal(FLASK_SCHEMA.PERMANENT_SESSION_LIFETIME.type, "duration");
 * ```
 */
export const FLASK_SCHEMA: Readonly<Record<FlaskConfigKey, Readonly<ConfigField>>> = deepFreeze(
  {
    DEBUG: { type: "boolean", default: false, doc: "Debug mode: the debugger, reloading." },
    TESTING: { type: "boolean", default: false, doc: "Testing mode: exceptions propagate." },
    PROPAGATE_EXCEPTIONS: {
      type: "boolean",
      default: null,
      doc: "Re-raise exceptions instead of answering 500; null follows TESTING or DEBUG.",
    },
    TRAP_HTTP_EXCEPTIONS: {
      type: "boolean",
      default: false,
      doc: "Treat HTTP errors as unhandled exceptions (for debugging).",
    },
    TRAP_BAD_REQUEST_ERRORS: {
      type: "boolean",
      default: null,
      doc: "Treat bad-request errors (missing form keys) as exceptions; null follows DEBUG.",
    },
    SECRET_KEY: { type: "string", default: null, doc: "Signs session cookies and other secrets." },
    SECRET_KEY_FALLBACKS: {
      type: "list",
      default: null,
      doc: "Old secret keys still accepted for unsigning, newest first.",
    },
    SESSION_COOKIE_NAME: { type: "string", default: "session", doc: "The session cookie's name." },
    SESSION_COOKIE_DOMAIN: {
      type: "string",
      default: null,
      doc: "The session cookie's Domain; null: the current host only.",
    },
    SESSION_COOKIE_PATH: {
      type: "string",
      default: null,
      doc: "The session cookie's Path; null: APPLICATION_ROOT.",
    },
    SESSION_COOKIE_HTTPONLY: {
      type: "boolean",
      default: true,
      doc: "Mark the session cookie HttpOnly.",
    },
    SESSION_COOKIE_SECURE: {
      type: "boolean",
      default: false,
      doc: "Mark the session cookie Secure (HTTPS only).",
    },
    SESSION_COOKIE_PARTITIONED: {
      type: "boolean",
      default: false,
      doc: "Mark the session cookie Partitioned (CHIPS); implies Secure.",
    },
    SESSION_COOKIE_SAMESITE: {
      type: "enum",
      values: ["Lax", "Strict", "None"],
      default: null,
      doc: "The session cookie's SameSite; null: not set.",
    },
    PERMANENT_SESSION_LIFETIME: {
      type: "duration",
      default: 2678400,
      doc: 'How long a permanent session lasts (seconds, or "31d").',
    },
    SESSION_REFRESH_EACH_REQUEST: {
      type: "boolean",
      default: true,
      doc: "Send the permanent session cookie on every response.",
    },
    USE_X_SENDFILE: {
      type: "boolean",
      default: false,
      doc: "Let the front server send files (X-Sendfile) instead of the app.",
    },
    SEND_FILE_MAX_AGE_DEFAULT: {
      type: "duration",
      default: null,
      doc: "Cache max-age for files sent by the app; null: conditional requests only.",
    },
    TRUSTED_HOSTS: {
      type: "list",
      default: null,
      doc: 'Host header values accepted (".example.com" matches subdomains); null: any.',
    },
    SERVER_NAME: {
      type: "string",
      default: null,
      doc: "The host and port the app is served at, for URLs outside a request.",
    },
    APPLICATION_ROOT: {
      type: "string",
      default: "/",
      doc: "The path the app is mounted at, for URLs outside a request.",
    },
    PREFERRED_URL_SCHEME: {
      type: "string",
      default: "http",
      doc: "The scheme of URLs built outside a request.",
    },
    MAX_CONTENT_LENGTH: {
      type: "size",
      default: null,
      doc: 'The largest request body read, in bytes (or "16m"); null: no limit.',
    },
    MAX_FORM_MEMORY_SIZE: {
      type: "size",
      default: 500_000,
      nullable: true,
      doc: "The largest non-file form field, in bytes; null: no limit.",
    },
    MAX_FORM_PARTS: {
      type: "integer",
      min: 0,
      default: 1_000,
      nullable: true,
      doc: "The most fields a multipart form may have; null: no limit.",
    },
    TEMPLATES_AUTO_RELOAD: {
      type: "boolean",
      default: null,
      doc: "Reload templates when they change; null follows DEBUG.",
    },
    EXPLAIN_TEMPLATE_LOADING: {
      type: "boolean",
      default: false,
      doc: "Log how each template was looked up.",
    },
    MAX_COOKIE_SIZE: {
      type: "integer",
      min: 0,
      default: 4093,
      doc: "Warn when a cookie header is larger than this; 0 turns the warning off.",
    },
    PROVIDE_AUTOMATIC_OPTIONS: {
      type: "boolean",
      default: true,
      doc: "Answer OPTIONS for routes that do not handle it themselves.",
    },
  } as const satisfies ConfigSchema,
);

/** The name of a Flask built-in key. */
export type FlaskConfigKey = keyof FlaskConfigValues;

/** The value type of each Flask built-in key (durations in seconds, sizes in bytes). */
export interface FlaskConfigValues {
  /** Debug mode. */
  DEBUG: boolean;
  /** Testing mode. */
  TESTING: boolean;
  /** Re-raise exceptions; null follows TESTING or DEBUG. */
  PROPAGATE_EXCEPTIONS: boolean | null;
  /** Treat HTTP errors as unhandled exceptions. */
  TRAP_HTTP_EXCEPTIONS: boolean;
  /** Treat bad-request errors as exceptions; null follows DEBUG. */
  TRAP_BAD_REQUEST_ERRORS: boolean | null;
  /** The signing key. */
  SECRET_KEY: string | null;
  /** Old signing keys still accepted. */
  SECRET_KEY_FALLBACKS: string[] | null;
  /** The session cookie's name. */
  SESSION_COOKIE_NAME: string;
  /** The session cookie's Domain. */
  SESSION_COOKIE_DOMAIN: string | null;
  /** The session cookie's Path. */
  SESSION_COOKIE_PATH: string | null;
  /** The session cookie's HttpOnly. */
  SESSION_COOKIE_HTTPONLY: boolean;
  /** The session cookie's Secure. */
  SESSION_COOKIE_SECURE: boolean;
  /** The session cookie's Partitioned. */
  SESSION_COOKIE_PARTITIONED: boolean;
  /** The session cookie's SameSite. */
  SESSION_COOKIE_SAMESITE: "Lax" | "Strict" | "None" | null;
  /** A permanent session's lifetime, in seconds. */
  PERMANENT_SESSION_LIFETIME: number;
  /** Refresh the permanent session cookie on every response. */
  SESSION_REFRESH_EACH_REQUEST: boolean;
  /** Use X-Sendfile. */
  USE_X_SENDFILE: boolean;
  /** Cache max-age for sent files, in seconds. */
  SEND_FILE_MAX_AGE_DEFAULT: number | null;
  /** Accepted Host values. */
  TRUSTED_HOSTS: string[] | null;
  /** The server's host and port. */
  SERVER_NAME: string | null;
  /** The app's mount path. */
  APPLICATION_ROOT: string;
  /** The scheme of external URLs. */
  PREFERRED_URL_SCHEME: string;
  /** The largest request body, in bytes. */
  MAX_CONTENT_LENGTH: number | null;
  /** The largest non-file form field, in bytes. */
  MAX_FORM_MEMORY_SIZE: number | null;
  /** The most multipart form parts. */
  MAX_FORM_PARTS: number | null;
  /** Reload changed templates; null follows DEBUG. */
  TEMPLATES_AUTO_RELOAD: boolean | null;
  /** Log template lookups. */
  EXPLAIN_TEMPLATE_LOADING: boolean;
  /** The cookie size warning threshold. */
  MAX_COOKIE_SIZE: number;
  /** Answer OPTIONS automatically. */
  PROVIDE_AUTOMATIC_OPTIONS: boolean;
}

/**
 * Flask's built-in keys with their default values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FLASK_DEFAULTS } from "./flask_schema.ts";
 *
 * assert.equal(FLASK_DEFAULTS.PERMANENT_SESSION_LIFETIME, 31 * 24 * 3600);
 * assert.equal(FLASK_DEFAULTS.MAX_CONTENT_LENGTH, null);
 * assert.equal(FLASK_DEFAULTS.SESSION_COOKIE_HTTPONLY, true);
 * ```
 */
export const FLASK_DEFAULTS: Readonly<FlaskConfigValues> = Object.freeze(
  Object.fromEntries(
    Object.entries(FLASK_SCHEMA).map((
      [key, field],
    ) => [key, (field as ConfigField).default ?? null]),
  ) as unknown as FlaskConfigValues,
);

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner !== null && typeof inner === "object") deepFreeze(inner);
  }
  return Object.freeze(value);
}
