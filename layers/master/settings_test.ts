import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../gateway/mod.ts";
import {
  helpText,
  type MasterSettings,
  parseSize,
  printConfig,
  resolveSettings,
  SETTINGS,
  UsageError,
} from "./settings.ts";

/** Runs `fn` in a fresh directory holding `files`, then removes it. */
async function inDir(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f_settings_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts that `promise` rejects with a ConfigError with these fields and a matching message. */
async function rejectsConfig(
  promise: Promise<unknown>,
  expected: { file: string; key: string; line?: number; message: RegExp },
): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.deepEqual(
      { file: error.file, key: error.key, line: error.line },
      { file: expected.file, key: expected.key, line: expected.line },
    );
    assert.match(error.message, expected.message);
    return true;
  });
}

const DEFAULTS: MasterSettings = {
  app: "",
  bind: ["127.0.0.1:8000"],
  workers: 1,
  workerClass: "thread",
  workerConnections: 1000,
  timeout: 30,
  gracefulTimeout: 30,
  keepAlive: 5,
  maxRequests: 0,
  maxRequestsJitter: 0,
  maxWorkerMemory: 0,
  limitRequestLine: 4094,
  limitRequestFields: 100,
  limitRequestFieldSize: 8190,
  limitRequestBody: 0,
  protected: false,
  headerTimeout: 10,
  bodyTimeout: 30,
  pid: null,
  accessLogfile: null,
  accessLogFormat: "combined",
  errorLogfile: "-",
  logLevel: "info",
  reload: false,
  certfile: null,
  keyfile: null,
  forwardedAllowIps: ["127.0.0.1", "::1"],
  chdir: null,
  env: [],
  hooks: null,
  config: null,
  checkConfig: false,
  printConfig: false,
  help: false,
};

Deno.test("resolveSettings() returns gunicorn's defaults when nothing is set", async () => {
  await inDir({}, async (cwd) => {
    assert.deepEqual(await resolveSettings({ args: [], env: {}, cwd }), DEFAULTS);
  });
});

Deno.test("resolveSettings() lets the file beat defaults, env beat the file, flags beat env", async () => {
  const toml = `[app]\nmodule = "app.ts"\nworkers = 2\ntimeout = 10\nlog_level = "debug"\n` +
    `keep_alive = 7\nreload = true\n`;
  await inDir({ "site.toml": toml }, async (cwd) => {
    const settings = await resolveSettings({
      args: ["-c", "site.toml", "--log-level", "critical", "--no-reload", "main.ts"],
      env: { NGW2F_TIMEOUT: "20", NGW2F_LOG_LEVEL: "error", NGW2F_KEEP_ALIVE: "9" },
      cwd,
    });
    assert.equal(settings.workers, 2); // file
    assert.equal(settings.timeout, 20); // env over file
    assert.equal(settings.keepAlive, 9); // env over file
    assert.equal(settings.logLevel, "critical"); // flag over env and file
    assert.equal(settings.reload, false); // --no-reload over file
    assert.equal(settings.app, "main.ts"); // positional over `module`
    assert.equal(settings.gracefulTimeout, 30); // default
    assert.equal(settings.config, join(cwd, "site.toml"));
  });
});

Deno.test("resolveSettings() reads ./ngw2f.toml when no --config or NGW2F_CONFIG is given", async () => {
  await inDir(
    { "ngw2f.toml": "[app]\nworkers = 4\n", "other.toml": "[app]\nworkers = 6\n" },
    async (cwd) => {
      const found = await resolveSettings({ args: [], env: {}, cwd });
      assert.deepEqual([found.workers, found.config], [4, join(cwd, "ngw2f.toml")]);
      const fromEnv = await resolveSettings({ args: [], env: { NGW2F_CONFIG: "other.toml" }, cwd });
      assert.equal(fromEnv.workers, 6);
      const fromFlag = await resolveSettings({
        args: ["--config", join(cwd, "ngw2f.toml")],
        env: { NGW2F_CONFIG: "other.toml" },
        cwd,
      });
      assert.equal(fromFlag.workers, 4);
    },
  );
});

Deno.test("resolveSettings() treats PORT and WEB_CONCURRENCY as defaults below the file", async () => {
  const env = { PORT: "5000", WEB_CONCURRENCY: "3", FORWARDED_ALLOW_IPS: "10.0.0.1,10.0.0.2" };
  await inDir({ "ngw2f.toml": "[app]\nworkers = 2\n" }, async (cwd) => {
    const settings = await resolveSettings({ args: [], env, cwd });
    assert.deepEqual(settings.bind, ["0.0.0.0:5000"]);
    assert.deepEqual(settings.forwardedAllowIps, ["10.0.0.1", "10.0.0.2"]);
    assert.equal(settings.workers, 2); // the file beats WEB_CONCURRENCY
  });
  await inDir({}, async (cwd) => {
    const settings = await resolveSettings({ args: [], env, cwd });
    assert.equal(settings.workers, 3);
    const flagged = await resolveSettings({ args: ["-b", "127.0.0.1:1"], env, cwd });
    assert.deepEqual(flagged.bind, ["127.0.0.1:1"]);
    const ours = await resolveSettings({ args: [], env: { ...env, NGW2F_WORKERS: "5" }, cwd });
    assert.equal(ours.workers, 5);
    await rejectsConfig(resolveSettings({ args: [], env: { PORT: "http" }, cwd }), {
      file: "PORT",
      key: "PORT",
      message: /port "http": expected a number from 0 to 65535/,
    });
  });
});

Deno.test("resolveSettings() reads NGW2F_* env vars and splits their lists at commas", async () => {
  await inDir({}, async (cwd) => {
    const settings = await resolveSettings({
      args: [],
      env: {
        NGW2F_BIND: "127.0.0.1:8001, unix:/tmp/app.sock",
        NGW2F_FORWARDED_ALLOW_IPS: "*",
        NGW2F_RELOAD: "yes",
        NGW2F_LIMIT_REQUEST_BODY: "1m",
        NGW2F_WORKER_CLASS: "process",
        NGW2F_APP: "env_app.ts",
      },
      cwd,
    });
    assert.deepEqual(settings.bind, ["127.0.0.1:8001", "unix:/tmp/app.sock"]);
    assert.deepEqual(settings.forwardedAllowIps, ["*"]);
    assert.equal(settings.reload, true);
    assert.equal(settings.limitRequestBody, 1024 * 1024);
    assert.equal(settings.workerClass, "process");
    assert.equal(settings.app, "env_app.ts");
    await rejectsConfig(resolveSettings({ args: [], env: { NGW2F_RELOAD: "maybe" }, cwd }), {
      file: "NGW2F_RELOAD",
      key: "reload",
      message: /expected true or false, got "maybe"/,
    });
  });
});

Deno.test("resolveSettings() collects repeated -b and -e into lists that replace the file's", async () => {
  await inDir(
    { "ngw2f.toml": '[app]\nbind = ["127.0.0.1:7000"]\nenv = ["A=1"]\n' },
    async (cwd) => {
      const settings = await resolveSettings({
        args: ["-b", "127.0.0.1:8001", "--bind=[::1]:8002", "-e", "B=2,3", "--env", "C="],
        env: {},
        cwd,
      });
      assert.deepEqual(settings.bind, ["127.0.0.1:8001", "[::1]:8002"]);
      assert.deepEqual(settings.env, ["B=2,3", "C="]);
      const fromFile = await resolveSettings({ args: [], env: {}, cwd });
      assert.deepEqual([fromFile.bind, fromFile.env], [["127.0.0.1:7000"], ["A=1"]]);
    },
  );
});

Deno.test('resolveSettings() turns workers "auto" into the CPU count', async () => {
  await inDir({ "ngw2f.toml": '[app]\nworkers = "auto"\n' }, async (cwd) => {
    const cpus = navigator.hardwareConcurrency;
    assert.equal((await resolveSettings({ args: [], env: {}, cwd })).workers, cpus);
    assert.equal(
      (await resolveSettings({ args: ["-w", "auto"], env: {}, cwd: "/" })).workers,
      cpus,
    );
  });
});

Deno.test("resolveSettings() names the file, line and key of an unknown TOML key", async () => {
  const toml = `# site config\n[proxy]\nworkers = 9\n\n[app]\n  workers = 2\n  wrokers = 3\n`;
  await inDir({ "bad.toml": toml, "section.toml": "[app]\n\n[apps]\nx = 1\n" }, async (cwd) => {
    const file = join(cwd, "bad.toml");
    await rejectsConfig(resolveSettings({ args: ["-c", file], env: {}, cwd }), {
      file,
      line: 7,
      key: "wrokers",
      message: new RegExp(`^Cannot use ${file}:7: wrokers: unknown key in \\[app\\]`),
    });
    await rejectsConfig(resolveSettings({ args: ["-c", "section.toml"], env: {}, cwd }), {
      file: "section.toml",
      line: 3,
      key: "apps",
      message: /unknown section; expected app, proxy, server, upstream, mail, stream/,
    });
  });
  await inDir({ "ngw2f.toml": "[app]\nloglevel = 'debug'\nprint_config = true\n" }, async (cwd) => {
    await rejectsConfig(resolveSettings({ args: [], env: {}, cwd }), {
      file: "./ngw2f.toml",
      line: 2,
      key: "loglevel",
      message: /gunicorn's "loglevel" is "log_level"/,
    });
  });
  await inDir({ "ngw2f.toml": "[app]\nprint_config = true\n" }, async (cwd) => {
    await rejectsConfig(resolveSettings({ args: [], env: {}, cwd }), {
      file: "./ngw2f.toml",
      line: 2,
      key: "print_config",
      message: /can only be given on the command line, as --print-config/,
    });
  });
});

Deno.test("resolveSettings() names the line of a bad value in the config file", async () => {
  const toml = `[server]\ntimeout = "x"\n\n[app]\nbind = ["127.0.0.1:80"]\n` +
    `env = [\n  "timeout=3",\n]\ntimeout = -1\n`;
  const dotted = `app.workers = 2\n"app".worker_class = "fork"\n`;
  const inline = `\napp = { workers = 0 }\n`;
  await inDir({ "a.toml": toml, "b.toml": dotted, "c.toml": inline }, async (cwd) => {
    await rejectsConfig(resolveSettings({ args: ["-c", "a.toml"], env: {}, cwd }), {
      file: "a.toml",
      line: 9,
      key: "timeout",
      message: /timeout: expected a number of seconds \(0 or more\), got -1$/,
    });
    await rejectsConfig(resolveSettings({ args: ["-c", "b.toml"], env: {}, cwd }), {
      file: "b.toml",
      line: 2,
      key: "worker_class",
      message: /expected "thread" or "process", got "fork"/,
    });
    await rejectsConfig(resolveSettings({ args: ["-c", "c.toml"], env: {}, cwd }), {
      file: "c.toml",
      line: 2,
      key: "workers",
      message: /expected a positive integer or "auto", got 0/,
    });
  });
});

Deno.test("resolveSettings() reports a TOML syntax error at its line", async () => {
  await inDir({ "ngw2f.toml": '[app]\nmodule = "app.ts"\nworkers = = 2\n' }, async (cwd) => {
    await rejectsConfig(resolveSettings({ args: [], env: {}, cwd }), {
      file: "./ngw2f.toml",
      line: 3,
      key: "workers",
      message: /expected valid TOML: invalid value \(column \d+\)/,
    });
  });
});

Deno.test("resolveSettings() throws UsageError for a malformed command line", async () => {
  const cases: [string[], RegExp, string | undefined][] = [
    [["--wrokers", "2"], /^Unknown option '--wrokers'/, "--wrokers"],
    [["-x"], /^Unknown option '-x'/, "-x"],
    [["--workers"], /argument missing/, "-w"],
    [["--no-bind"], /^Unknown option '--no-bind'/, "--no-bind"],
    [["a.ts", "b.ts"], /^Expected one APP, got 2: a.ts b.ts/, undefined],
  ];
  for (const [args, message, flag] of cases) {
    await assert.rejects(resolveSettings({ args, env: {}, cwd: "/" }), (error) => {
      assert.ok(error instanceof UsageError, `${args}: got ${error}`);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /To specify a positional/);
      assert.equal(error.flag, flag);
      return true;
    });
  }
});

Deno.test("resolveSettings() throws ConfigError naming the flag when its value is bad", async () => {
  const cases: [string[], string, RegExp][] = [
    [["--workers", "many"], "--workers", /expected a positive integer or "auto", got "many"/],
    [["-w", "0"], "--workers", /got "0"/],
    [["--log-level", "loud"], "--log-level", /expected debug, info, warning, error or critical/],
    [["-k", "fork"], "--worker-class", /expected "thread" or "process", got "fork"/],
    [["--bind", "host:http"], "--bind", /port "http"/],
    [["--timeout=-5"], "--timeout", /expected a number of seconds/],
    [["--limit-request-line", "70000"], "--limit-request-line", /from 0 to 65536/],
    [["--limit-request-body", "10x"], "--limit-request-body", /expected a size like "512k"/],
    [["-e", "novalue"], "--env", /expected KEY=VALUE, got "novalue"/],
    [["--log-file", ""], "--log-file", /expected a non-empty string/],
  ];
  for (const [args, file, message] of cases) {
    await rejectsConfig(resolveSettings({ args, env: {}, cwd: "/" }), {
      file,
      key: file.slice(2),
      message,
    });
  }
});

Deno.test("resolveSettings() rejects certfile without keyfile, naming where it was set", async () => {
  await rejectsConfig(resolveSettings({ args: ["--certfile", "cert.pem"], env: {}, cwd: "/" }), {
    file: "--certfile",
    key: "certfile",
    message: /needs keyfile too: set both or neither/,
  });
  await inDir({ "ngw2f.toml": '[app]\n\nkeyfile = "key.pem"\n' }, async (cwd) => {
    await rejectsConfig(resolveSettings({ args: [], env: {}, cwd }), {
      file: "./ngw2f.toml",
      line: 3,
      key: "keyfile",
      message: /needs certfile too/,
    });
    const both = await resolveSettings({ args: ["--certfile", "cert.pem"], env: {}, cwd });
    assert.deepEqual([both.certfile, both.keyfile], ["cert.pem", "key.pem"]);
  });
});

Deno.test("resolveSettings() names --config when the config file is missing", async () => {
  await rejectsConfig(resolveSettings({ args: ["-c", "/no/such/ngw2f.toml"], env: {}, cwd: "/" }), {
    file: "--config",
    key: "config",
    message: /cannot read "\/no\/such\/ngw2f.toml": file not found/,
  });
});

Deno.test("resolveSettings() reads neither file nor env when --help is given", async () => {
  await inDir({ "ngw2f.toml": "not toml at all" }, async (cwd) => {
    const settings = await resolveSettings({ args: ["-h"], env: { NGW2F_WORKERS: "x" }, cwd });
    assert.deepEqual([settings.help, settings.workers, settings.config], [true, 1, null]);
  });
});

Deno.test("parseSize() reads bytes and nginx's k, m and g suffixes", () => {
  assert.equal(parseSize("0"), 0);
  assert.equal(parseSize("1500"), 1500);
  assert.equal(parseSize("512k"), 512 * 1024);
  assert.equal(parseSize("10M"), 10 * 1024 ** 2);
  assert.equal(parseSize("1g"), 1024 ** 3);
  assert.equal(parseSize(2048), 2048);
  for (const bad of ["", "ten", "1.5m", "-1", "5t"]) {
    assert.throws(() => parseSize(bad), /expected a size like "512k", "10m", "1g"/, bad);
  }
  assert.throws(() => parseSize(-1), TypeError);
});

Deno.test("helpText() mentions every flag, short form, metavar and env var", () => {
  const help = helpText();
  assert.match(help, /^Usage: ngw2f serve \[options\] APP$/m);
  for (const setting of SETTINGS) {
    for (const flag of [setting.flag, ...setting.aliases ?? []].filter(Boolean)) {
      assert.ok(help.includes(`--${flag}`), `--${flag}`);
    }
    if (setting.short) assert.match(help, new RegExp(`-${setting.short}, --${setting.flag}\\b`));
    if (setting.arg) assert.ok(help.includes(setting.arg), setting.arg);
    for (const name of [...setting.env ?? [], ...setting.envDefault ?? []]) {
      assert.ok(help.includes(name), name);
    }
    if (setting.toml) assert.ok(help.includes(`toml ${setting.toml}`), setting.toml);
  }
  assert.ok(help.split("\n").every((line) => line.length <= 100));
});

Deno.test("printConfig() prints sorted TOML that resolves back to the same settings", async () => {
  const args = [
    "-w",
    "3",
    "-b",
    "unix:/tmp/a.sock",
    "-b",
    "[::1]:9000",
    "-e",
    'QUOTE="x"',
    "--pid",
    "/run/ngw2f.pid",
    "--timeout",
    "0.5",
    "--protected",
    "--access-log-format",
    "%(h)s %(r)s %(s)s",
    "app.ts:api",
  ];
  const settings = await resolveSettings({ args, env: {}, cwd: "/" });
  const text = printConfig(settings);
  const keys = text.split("\n").slice(1, -1).map((line) => line.replace(/^# /, "").split(" ")[0]);
  assert.deepEqual(keys, [...keys].sort());
  assert.equal(text.split("\n")[0], "[app]");
  assert.match(text, /^# hooks +\= \(unset\)$/m);
  await inDir({ "ngw2f.toml": text }, async (cwd) => {
    const back = await resolveSettings({ args: [], env: {}, cwd });
    assert.deepEqual({ ...back, config: null }, settings);
  });
});
