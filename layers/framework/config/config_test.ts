import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../gateway/mod.ts";
import { Config, type ConfigSchema, FLASK_DEFAULTS, FLASK_SCHEMA } from "./mod.ts";

/** Writes `text` to a fresh `ngw2f.toml`, runs `fn` with its path, then removes it. */
async function withToml(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "ngw2f.toml");
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error;
  }
  assert.fail("expected a ConfigError, nothing was thrown");
}

/** A config from TOML text read as `ngw2f.toml`, `[app]` section. */
function fromApp(text: string, config = new Config()): Config {
  return config.fromTomlText(text, "ngw2f.toml", { section: "app" });
}

// ---- defaults ------------------------------------------------------------------------------

Deno.test("new Config() holds Flask's built-in keys with their defaults", () => {
  const config = new Config();
  assert.deepEqual(config.toObject(), { ...FLASK_DEFAULTS });
  assert.equal(config.get("SESSION_COOKIE_NAME"), "session");
  assert.equal(config.get("PERMANENT_SESSION_LIFETIME"), 31 * 24 * 60 * 60);
  assert.equal(config.get("MAX_FORM_MEMORY_SIZE"), 500_000);
  assert.equal(config.get("MAX_FORM_PARTS"), 1_000);
  assert.equal(config.get("MAX_COOKIE_SIZE"), 4093);
  assert.equal(config.get("APPLICATION_ROOT"), "/");
  assert.equal(config.get("SESSION_COOKIE_SAMESITE"), null);
  assert.equal(config.has("SECRET_KEY"), true);
  assert.equal(config.sourceOf("DEBUG"), "defaults");
  // deno-lint-ignore no-explicit-any
  assert.throws(() => ((FLASK_SCHEMA.DEBUG as any).default = true), TypeError);
});

Deno.test("new Config(schema, defaults) checks the defaults and keeps every key", () => {
  const schema: ConfigSchema = { ...FLASK_SCHEMA, PORT: { type: "integer", min: 1, default: 80 } };
  const config = new Config(schema, { PORT: 8080, lower_case: 1, DEBUG: true });
  assert.equal(config.get("PORT"), 8080);
  assert.equal(config.get("lower_case"), 1);
  assert.equal(config.get("DEBUG"), true);
  const error = configError(() => new Config(schema, { PORT: 0 }));
  assert.equal(
    error.message,
    "Cannot use defaults: PORT: expected an integer of at least 1, got 0",
  );
});

Deno.test("new Config(schema) uses only that schema; a field without a default stays unset", () => {
  const config = new Config({ NAME: { type: "string" }, ON: { type: "boolean", default: true } });
  assert.deepEqual(config.toObject(), { ON: true });
  assert.equal(config.has("NAME"), false);
  assert.equal(config.has("DEBUG"), false);
});

// ---- TOML ----------------------------------------------------------------------------------

Deno.test("fromToml() loads a file's top level, typed and untyped keys", async () => {
  await withToml(
    [
      'SECRET_KEY = "s3cret"',
      "DEBUG = true",
      'PERMANENT_SESSION_LIFETIME = "7d"',
      'MAX_CONTENT_LENGTH = "16m"',
      'TRUSTED_HOSTS = ["example.com", ".example.org"]',
      'DATABASE_URL = "sqlite:///app.db"',
      "[SQLALCHEMY]",
      "POOL_SIZE = 5",
    ].join("\n"),
    async (path) => {
      const config = await new Config().fromToml(path);
      assert.equal(config.get("SECRET_KEY"), "s3cret");
      assert.equal(config.get("DEBUG"), true);
      assert.equal(config.get("PERMANENT_SESSION_LIFETIME"), 7 * 86400);
      assert.equal(config.get("MAX_CONTENT_LENGTH"), 16 * 1024 * 1024);
      assert.deepEqual(config.get("TRUSTED_HOSTS"), ["example.com", ".example.org"]);
      assert.equal(config.get("DATABASE_URL"), "sqlite:///app.db");
      assert.deepEqual(config.get("SQLALCHEMY"), { POOL_SIZE: 5 });
      assert.equal(config.sourceOf("DEBUG"), `${path}:2`);
    },
  );
});

Deno.test("fromToml() with a section loads only that table (dotted names nest)", async () => {
  const text = [
    "workers = 4",
    "DEBUG = true",
    "[app]",
    'SECRET_KEY = "a"',
    "[tool.web]",
    'SECRET_KEY = "b"',
  ].join("\n");
  await withToml(text, async (path) => {
    const app = await new Config().fromToml(path, { section: "app" });
    assert.equal(app.get("SECRET_KEY"), "a");
    assert.equal(app.get("DEBUG"), false);
    assert.equal(app.has("workers"), false);
    const web = await new Config().fromToml(path, { section: "tool.web" });
    assert.equal(web.get("SECRET_KEY"), "b");
    const none = await new Config().fromToml(path, { section: "absent" });
    assert.deepEqual(none.toObject(), { ...FLASK_DEFAULTS });
  });
});

Deno.test("fromToml() names a missing file; silent returns without loading", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "nope.toml");
    await assert.rejects(
      () => new Config().fromToml(path, { section: "app" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.file, path);
        assert.equal(error.key, "app");
        assert.equal(error.message, `Cannot use ${path}: app: cannot read the file: not found`);
        assert.ok(error.cause instanceof Deno.errors.NotFound);
        return true;
      },
    );
    const config = await new Config().fromToml(path, { silent: true });
    assert.deepEqual(config.toObject(), { ...FLASK_DEFAULTS });
    await new Config().fromToml(dir, { silent: true });
    await assert.rejects(() => new Config().fromToml(dir), ConfigError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fromToml() reports a TOML syntax error with its line", async () => {
  await withToml('[app]\nDEBUG = true\nSECRET_KEY = "unclosed\n', async (path) => {
    await assert.rejects(() => new Config().fromToml(path, { section: "app" }), (error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.file, path);
      assert.equal(error.line, 3);
      assert.equal(error.key, "app.SECRET_KEY");
      assert.match(error.message, /:3: app\.SECRET_KEY: expected valid TOML: .+ \(column \d+\)$/);
      return true;
    });
  });
});

Deno.test("fromTomlText() names the line of a section that is not a table", () => {
  const error = configError(() => fromApp('workers = 2\napp = "x"\n'));
  assert.equal(error.message, 'Cannot use ngw2f.toml:2: app: expected a table, got "x"');
});

Deno.test("fromTomlText() skips lowercase keys, as Flask's from_file does", () => {
  const config = fromApp('[app]\ntemp = 1\nSECRET_KEY = "k"\n');
  assert.equal(config.has("temp"), false);
  assert.equal(config.get("SECRET_KEY"), "k");
});

// ---- env -----------------------------------------------------------------------------------

Deno.test("fromPrefixedEnv() JSON-decodes values that parse, keeps other text as strings", () => {
  const config = new Config().fromPrefixedEnv("APP", {
    APP_NUMBER: "5",
    APP_FLOAT: "1.5",
    APP_FLAG: "false",
    APP_LIST: '["a", 1]',
    APP_TABLE: '{"a": {"b": null}}',
    APP_QUOTED: '"5"',
    APP_NOTHING: "null",
    APP_TEXT: "hello world",
    APP_ALMOST: "[1,",
    OTHER_KEY: "1",
    APP_: "ignored",
  });
  assert.equal(config.get("NUMBER"), 5);
  assert.equal(config.get("FLOAT"), 1.5);
  assert.equal(config.get("FLAG"), false);
  assert.deepEqual(config.get("LIST"), ["a", 1]);
  assert.deepEqual(config.get("TABLE"), { a: { b: null } });
  assert.equal(config.get("QUOTED"), "5");
  assert.equal(config.get("NOTHING"), null);
  assert.equal(config.get("TEXT"), "hello world");
  assert.equal(config.get("ALMOST"), "[1,");
  assert.equal(config.has("KEY"), false);
  assert.equal(config.has(""), false);
  assert.equal(config.sourceOf("NUMBER"), "APP_NUMBER");
});

Deno.test("fromPrefixedEnv() reads Deno.env by default, with APP as the prefix", () => {
  Deno.env.set("APP_NGW2F_CONFIG_TEST", "42");
  try {
    assert.equal(new Config().fromPrefixedEnv().get("NGW2F_CONFIG_TEST"), 42);
    assert.equal(new Config().fromPrefixedEnv("OTHER").has("NGW2F_CONFIG_TEST"), false);
  } finally {
    Deno.env.delete("APP_NGW2F_CONFIG_TEST");
  }
});

Deno.test("fromPrefixedEnv() reads typed keys from text: strings stay strings, enums, lists", () => {
  const config = new Config().fromPrefixedEnv("FLASK", {
    FLASK_SECRET_KEY: "12345",
    FLASK_SESSION_COOKIE_SAMESITE: "Strict",
    FLASK_TRUSTED_HOSTS: "example.com, .example.org",
    FLASK_SECRET_KEY_FALLBACKS: '["old1", "old2"]',
    FLASK_SEND_FILE_MAX_AGE_DEFAULT: "3600",
    FLASK_SERVER_NAME: "null",
  });
  assert.equal(config.get("SECRET_KEY"), "12345");
  assert.equal(config.get("SESSION_COOKIE_SAMESITE"), "Strict");
  assert.deepEqual(config.get("TRUSTED_HOSTS"), ["example.com", ".example.org"]);
  assert.deepEqual(config.get("SECRET_KEY_FALLBACKS"), ["old1", "old2"]);
  assert.equal(config.get("SEND_FILE_MAX_AGE_DEFAULT"), 3600);
  assert.equal(config.get("SERVER_NAME"), null);
});

Deno.test("fromPrefixedEnv() reads booleans as true/false, 1/0, on/off, yes/no", () => {
  for (const [text, value] of [["true", true], ["False", false], ["1", true], ["0", false]]) {
    assert.equal(
      new Config().fromPrefixedEnv("APP", { APP_DEBUG: text as string }).get("DEBUG"),
      value,
    );
  }
  for (const [text, value] of [["on", true], ["OFF", false], ["yes", true], ["no", false]]) {
    const config = new Config().fromPrefixedEnv("APP", { APP_TESTING: text as string });
    assert.equal(config.get("TESTING"), value);
  }
});

Deno.test("fromPrefixedEnv() nests keys split by __ into tables, merging into existing ones", () => {
  const config = fromApp('[app.SQLALCHEMY]\nURI = "sqlite://"\n');
  const before = config.get<Record<string, unknown>>("SQLALCHEMY");
  config.fromPrefixedEnv("APP", {
    APP_SQLALCHEMY__POOL: "5",
    APP_SQLALCHEMY__ENGINE__ECHO: "true",
    APP_CACHE__TYPE: "redis",
  });
  assert.deepEqual(config.get("SQLALCHEMY"), { URI: "sqlite://", POOL: 5, ENGINE: { ECHO: true } });
  assert.deepEqual(before, { URI: "sqlite://" }, "the earlier table is not changed in place");
  assert.deepEqual(config.get("CACHE"), { TYPE: "redis" });
  assert.equal(config.sourceOf("SQLALCHEMY"), "APP_SQLALCHEMY__POOL");
});

Deno.test("fromPrefixedEnv() refuses a nested key under a value that is not a table", () => {
  let error = configError(() => new Config().fromPrefixedEnv("APP", { APP_DEBUG__X: "1" }));
  assert.equal(
    error.message,
    "Cannot use APP_DEBUG__X: DEBUG.X: cannot set a nested key: DEBUG is a boolean key, not a table",
  );
  const config = new Config().fromObject({ DB: "sqlite://", CACHE: { TYPE: 1 } });
  error = configError(() => config.fromPrefixedEnv("APP", { APP_DB__POOL: "5" }));
  assert.equal(error.file, "APP_DB__POOL");
  assert.equal(error.key, "DB.POOL");
  assert.match(error.message, /DB is "sqlite:\/\/", not a table$/);
  error = configError(() => config.fromPrefixedEnv("APP", { APP_CACHE__TYPE__X: "5" }));
  assert.match(error.message, /CACHE\.TYPE is 1, not a table$/);
});

// ---- objects, set() and precedence ---------------------------------------------------------

Deno.test("fromObject() loads uppercase keys, as Flask's from_mapping does", () => {
  const config = new Config().fromObject({ SECRET_KEY: "k", helper: 1, MY_KEY: [1, 2] });
  assert.equal(config.get("SECRET_KEY"), "k");
  assert.deepEqual(config.get("MY_KEY"), [1, 2]);
  assert.equal(config.has("helper"), false);
  assert.equal(config.sourceOf("SECRET_KEY"), "object");
});

Deno.test("later loads win, whatever their kind", async () => {
  await withToml('[app]\nSECRET_KEY = "file"\nDEBUG = true\n', async (path) => {
    const config = await new Config({ ...FLASK_SCHEMA }, { SECRET_KEY: "defaults" })
      .fromToml(path, { section: "app" });
    assert.equal(config.get("SECRET_KEY"), "file");
    config.fromPrefixedEnv("APP", { APP_SECRET_KEY: "env" });
    assert.equal(config.get("SECRET_KEY"), "env");
    assert.equal(config.get("DEBUG"), true);
    config.fromObject({ SECRET_KEY: "object" });
    assert.equal(config.get("SECRET_KEY"), "object");
    await config.fromToml(path, { section: "app" });
    assert.equal(config.get("SECRET_KEY"), "file");
    assert.equal(config.sourceOf("SECRET_KEY"), `${path}:2`);
    config.set("SECRET_KEY", "set");
    assert.equal(config.get("SECRET_KEY"), "set");
    assert.equal(config.sourceOf("SECRET_KEY"), "set()");
  });
});

Deno.test("a load with a bad value changes nothing", () => {
  const config = new Config();
  configError(() => config.fromObject({ SECRET_KEY: "k", DEBUG: "x" }));
  assert.equal(config.get("SECRET_KEY"), null);
  configError(() => config.fromPrefixedEnv("APP", { APP_A: "1", APP_DEBUG: "maybe" }));
  assert.equal(config.has("A"), false);
});

Deno.test("set() checks typed keys and accepts any key in any case", () => {
  const config = new Config().set("PERMANENT_SESSION_LIFETIME", "1h30m").set("lower", 1);
  assert.equal(config.get("PERMANENT_SESSION_LIFETIME"), 5400);
  assert.equal(config.get("lower"), 1);
  const error = configError(() => config.set("MAX_CONTENT_LENGTH", -1, "app.ts"));
  assert.equal(error.file, "app.ts");
  assert.match(error.message, /^Cannot use app\.ts: MAX_CONTENT_LENGTH: expected a size in bytes/);
});

// ---- validation messages -------------------------------------------------------------------

Deno.test("a bad TOML value names the file, the line and the key", () => {
  const cases: [string, string][] = [
    [
      'SESSION_COOKIE_SAMESITE = "lax"',
      'app.SESSION_COOKIE_SAMESITE: expected one of "Lax", "Strict", "None", got "lax"',
    ],
    ['DEBUG = "yes"', 'app.DEBUG: expected a boolean (true/false), got "yes"'],
    ["SECRET_KEY = 5", "app.SECRET_KEY: expected a string, got 5"],
    ["MAX_FORM_PARTS = 1.5", "app.MAX_FORM_PARTS: expected an integer of at least 0, got 1.5"],
    ["MAX_COOKIE_SIZE = -1", "app.MAX_COOKIE_SIZE: expected an integer of at least 0, got -1"],
    [
      'PERMANENT_SESSION_LIFETIME = "soon"',
      'app.PERMANENT_SESSION_LIFETIME: expected a duration (seconds, or a string like "31d", "12h", "30m"), got "soon"',
    ],
    [
      "SEND_FILE_MAX_AGE_DEFAULT = -5",
      "app.SEND_FILE_MAX_AGE_DEFAULT: expected a duration (seconds, or a string like",
    ],
    [
      'MAX_CONTENT_LENGTH = "lots"',
      'app.MAX_CONTENT_LENGTH: expected a size in bytes (an integer, or a string like "16m"), got "lots"',
    ],
    [
      'TRUSTED_HOSTS = "example.com"',
      'app.TRUSTED_HOSTS: expected an array of strings, got "example.com"',
    ],
    [
      "SECRET_KEY_FALLBACKS = [1]",
      "app.SECRET_KEY_FALLBACKS: expected an array of strings, got an array",
    ],
    ["SESSION_COOKIE_NAME = { a = 1 }", "app.SESSION_COOKIE_NAME: expected a string, got a table"],
    ["SERVER_NAME = 1979-05-27", "app.SERVER_NAME: expected a string, got a date"],
  ];
  for (const [line, expected] of cases) {
    const error = configError(() => fromApp(`# settings\n[app]\n\n${line}\n`));
    assert.equal(error.file, "ngw2f.toml");
    assert.equal(error.line, 4, line);
    assert.equal(error.key, expected.split(":")[0]);
    assert.ok(error.message.startsWith(`Cannot use ngw2f.toml:4: ${expected}`), error.message);
  }
});

Deno.test("a bad TOML value in a dotted key or inline table gets the right line", () => {
  let error = configError(() => fromApp('[app]\nNOTE = """\nDEBUG = 1\n"""\nDEBUG = "x"\n'));
  assert.equal(error.line, 5, "lines inside a multi-line string are not keys");
  error = configError(() =>
    new Config().fromTomlText('a = 1\n\napp.DEBUG = "x"\n', "f.toml", { section: "app" })
  );
  assert.equal(
    error.message,
    'Cannot use f.toml:3: app.DEBUG: expected a boolean (true/false), got "x"',
  );
  error = configError(() =>
    new Config().fromTomlText("app = { DEBUG = 1 }\n", "f.toml", { section: "app" })
  );
  assert.equal(error.line, 1);
  assert.equal(error.key, "app.DEBUG");
});

Deno.test("a bad env value names the env var", () => {
  let error = configError(() => new Config().fromPrefixedEnv("APP", { APP_DEBUG: "yes please" }));
  assert.equal(error.file, "APP_DEBUG");
  assert.equal(error.line, undefined);
  assert.equal(error.key, "DEBUG");
  assert.equal(
    error.message,
    'Cannot use APP_DEBUG: DEBUG: expected a boolean (true/false), got "yes please"',
  );
  error = configError(() => new Config().fromPrefixedEnv("APP", { APP_MAX_FORM_PARTS: "many" }));
  assert.equal(
    error.message,
    'Cannot use APP_MAX_FORM_PARTS: MAX_FORM_PARTS: expected an integer of at least 0, got "many"',
  );
  error = configError(() =>
    new Config().fromPrefixedEnv("APP", { APP_SESSION_COOKIE_SAMESITE: "5" })
  );
  assert.match(error.message, /got "5"$/);
});

Deno.test("a bad object value names the source label and the key", () => {
  const error = configError(() => new Config().fromObject({ TESTING: 1 }, "settings.ts"));
  assert.equal(error.file, "settings.ts");
  assert.equal(error.key, "TESTING");
  assert.equal(
    error.message,
    "Cannot use settings.ts: TESTING: expected a boolean (true/false), got 1",
  );
});

Deno.test("null is accepted where the default is null or the field is nullable", () => {
  const config = new Config().fromObject({
    SECRET_KEY: null,
    MAX_FORM_MEMORY_SIZE: null,
    SESSION_COOKIE_SAMESITE: null,
  });
  assert.equal(config.get("MAX_FORM_MEMORY_SIZE"), null);
  const error = configError(() => config.fromObject({ DEBUG: null }));
  assert.equal(
    error.message,
    "Cannot use object: DEBUG: expected a boolean (true/false), got null",
  );
});

Deno.test("custom schemas check numbers, tables and bounds", () => {
  const schema: ConfigSchema = {
    RATIO: { type: "number", min: 0, max: 1, default: 0.5 },
    WORKERS: { type: "integer", max: 64, default: 1 },
    OPTIONS: { type: "table", default: {} },
    ANYTHING: { type: "any", default: null },
  };
  const config = new Config(schema).fromObject({ RATIO: 0.25, OPTIONS: { a: 1 }, ANYTHING: [1] });
  assert.equal(config.get("RATIO"), 0.25);
  assert.match(
    configError(() => config.set("RATIO", 2)).message,
    /expected a number from 0 to 1, got 2$/,
  );
  assert.match(
    configError(() => config.set("WORKERS", 65)).message,
    /expected an integer of at most 64, got 65$/,
  );
  assert.match(
    configError(() => config.set("OPTIONS", [1])).message,
    /expected a table, got an array$/,
  );
  assert.match(
    configError(() => config.set("RATIO", NaN)).message,
    /expected a number from 0 to 1, got NaN$/,
  );
});

// ---- typos ---------------------------------------------------------------------------------

Deno.test("unknown keys that look like a typo are kept, with a warning naming the source", () => {
  const warnings: string[] = [];
  const config = new Config(undefined, {}, { warn: (message) => warnings.push(message) });
  fromApp('[app]\nSECRET_KY = "k"\nDATABASE_URL = "x"\n', config);
  config.fromPrefixedEnv("APP", { APP_SESION_COOKIE_NAME: "s", APP_debug: "true", APP_REDIS: "1" });
  config.fromObject({ PERMANENT_SESSION_LIFETME: 1 }, "settings.ts");
  config.fromObject({ debug: true, helper: 1 });
  assert.deepEqual(warnings, [
    'ngw2f.toml:2: app.SECRET_KY: unknown key (kept); did you mean "app.SECRET_KEY"?',
    'APP_SESION_COOKIE_NAME: SESION_COOKIE_NAME: unknown key (kept); did you mean "APP_SESSION_COOKIE_NAME"?',
    'APP_debug: debug: unknown key (kept); did you mean "APP_DEBUG"?',
    'settings.ts: PERMANENT_SESSION_LIFETME: unknown key (kept); did you mean "PERMANENT_SESSION_LIFETIME"?',
    'object: debug: ignored: only uppercase keys are config; did you mean "DEBUG"?',
  ]);
  assert.equal(config.get("SECRET_KY"), "k");
  assert.equal(config.get("debug"), true, "env keys keep their case, as in Flask");
  assert.equal(config.get("DEBUG"), false);
});

Deno.test("typo warnings are dropped without a warn callback, and not raised for a failed load", () => {
  const warnings: string[] = [];
  new Config().fromObject({ SECRET_KY: 1 });
  const config = new Config(undefined, {}, { warn: (message) => warnings.push(message) });
  configError(() => config.fromObject({ SECRET_KY: 1, DEBUG: "x" }));
  assert.deepEqual(warnings, []);
});

// ---- reading -------------------------------------------------------------------------------

Deno.test("namespace() returns the keys under a prefix, as Flask's get_namespace", () => {
  const config = new Config().fromObject({
    IMAGE_STORE_TYPE: "fs",
    IMAGE_STORE_PATH: "/var/app/images",
    IMAGE_STORE_BASE_URL: "http://img.website.com",
    OTHER: 1,
  });
  assert.deepEqual(config.namespace("IMAGE_STORE_"), {
    type: "fs",
    path: "/var/app/images",
    base_url: "http://img.website.com",
  });
  assert.deepEqual(config.namespace("IMAGE_STORE_", { lowercase: false }), {
    TYPE: "fs",
    PATH: "/var/app/images",
    BASE_URL: "http://img.website.com",
  });
  assert.deepEqual(Object.keys(config.namespace("IMAGE_STORE_", { trimNamespace: false })), [
    "image_store_type",
    "image_store_path",
    "image_store_base_url",
  ]);
  assert.deepEqual(Object.keys(config.namespace("SESSION_COOKIE_")).sort(), [
    "domain",
    "httponly",
    "name",
    "partitioned",
    "path",
    "samesite",
    "secure",
  ]);
});

Deno.test("getString(), getNumber(), getBoolean() return typed values, null or the fallback", () => {
  const config = new Config().fromPrefixedEnv("APP", {
    APP_TOKEN: "123",
    APP_FEATURE: "yes",
    APP_RATE: "2.5",
    APP_PERMANENT_SESSION_LIFETIME: "1d",
  });
  const token: string | null = config.getString("TOKEN");
  assert.equal(token, "123", "an env var's text is its string");
  assert.equal(config.getBoolean("FEATURE"), true);
  assert.equal(config.getNumber("RATE"), 2.5);
  assert.equal(config.getNumber("PERMANENT_SESSION_LIFETIME"), 86400);
  assert.equal(config.getString("SECRET_KEY"), null);
  const key: string = config.getString("SECRET_KEY", "dev");
  assert.equal(key, "dev");
  assert.equal(config.getNumber("MISSING", 3), 3);
  assert.equal(config.getBoolean("MISSING", true), true);
});

Deno.test("typed getters name the value's source when it has the wrong type, or the unset key", () => {
  const config = fromApp('[app]\nNAME = "x"\n\nPORT = "80"\n').fromPrefixedEnv("APP", {
    APP_FLAG: "maybe",
  });
  let error = configError(() => config.getNumber("PORT"));
  assert.equal(error.message, 'Cannot use ngw2f.toml:4: app.PORT: expected a number, got "80"');
  error = configError(() => config.getBoolean("FLAG"));
  assert.equal(
    error.message,
    'Cannot use APP_FLAG: FLAG: expected a boolean (true/false), got "maybe"',
  );
  error = configError(() => config.getString("DEBUG"));
  assert.equal(error.message, "Cannot use defaults: DEBUG: expected a string, got false");
  error = configError(() => config.getString("DATABASE_URL"));
  assert.equal(error.message, "Cannot use config: DATABASE_URL: not set");
});

Deno.test("get() is typed for Flask's keys and returns undefined for unset ones", () => {
  const config = new Config();
  const debug: boolean = config.get("DEBUG");
  const samesite: "Lax" | "Strict" | "None" | null = config.get("SESSION_COOKIE_SAMESITE");
  const port = config.get<number>("PORT");
  assert.equal(debug, false);
  assert.equal(samesite, null);
  assert.equal(port, undefined);
});

Deno.test("toObject() is a new object; defaults are copied per config", () => {
  const schema: ConfigSchema = { HOSTS: { type: "list", default: ["a"] } };
  const one = new Config(schema);
  const copy = one.toObject();
  copy.HOSTS = ["changed"];
  copy.EXTRA = 1;
  assert.deepEqual(one.get("HOSTS"), ["a"]);
  assert.equal(one.has("EXTRA"), false);
  one.get<string[]>("HOSTS").push("b");
  assert.deepEqual(new Config(schema).get("HOSTS"), ["a"]);
});
