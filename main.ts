/**
 * The `ngw2f` command line: parses argv, resolves options, starts a layer. The only place that
 * prints usage or calls `Deno.exit`.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolve as resolvePath } from "node:path";
import denoConfig from "./deno.json" with { type: "json" };
import { AppLoadError, ConfigError, HaltError } from "./layers/gateway/errors.ts";
import { createLogger, type Logger, parseLogLevel } from "./layers/gateway/logger.ts";
import { loadApp } from "./layers/gateway/load.ts";
import { resolveServeOptions, serve, type ServeOptions } from "./layers/gateway/server.ts";
import { validate } from "./layers/gateway/validate.ts";
import { formatAddr, reservePorts } from "./layers/gateway/bind.ts";
import type { ProxyConfig } from "./layers/proxy/mod.ts";

// Each command imports the layers it runs when it starts (below), not all of them here: a
// process loads only what it uses (`ngw2f up` itself only supervises: ~40 MiB, not ~70).
const VERSION = denoConfig.version;

/** A command-line flag: its parseArgs shape and its line in `--help`. */
interface Flag {
  name: string;
  short?: string;
  type: "string" | "boolean";
  multiple?: boolean;
  default?: string;
  arg?: string;
  doc: string;
}

interface Command {
  name: string;
  usage: string;
  summary: string;
  flags: Flag[];
  /** Paragraphs after the options in `--help`. */
  notes?: string;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const LOG_FLAGS: Flag[] = [
  {
    name: "log-level",
    type: "string",
    default: "info",
    arg: "LEVEL",
    doc: "debug, info, warning, error or critical",
  },
  { name: "no-access-log", type: "boolean", doc: "Do not log each request" },
];

const DEV: Command = {
  name: "dev",
  usage: "ngw2f dev [options] APP",
  summary: "Run an app on the single-process reference server (like `python app.py`)",
  flags: [
    {
      name: "bind",
      short: "b",
      type: "string",
      multiple: true,
      default: "127.0.0.1:8000",
      arg: "ADDRESS",
      doc: "HOST:PORT, [::1]:PORT or unix:PATH; repeat to listen on several",
    },
    {
      name: "root-path",
      type: "string",
      default: "",
      arg: "PATH",
      doc: "Where the app is mounted (ctx.rootPath, WSGI's SCRIPT_NAME)",
    },
    {
      name: "keep-alive",
      type: "string",
      default: "5",
      arg: "SECONDS",
      doc: "How long an idle keep-alive connection stays open",
    },
    {
      name: "graceful-timeout",
      type: "string",
      default: "30",
      arg: "SECONDS",
      doc: "How long a shutdown waits for requests in flight",
    },
    {
      name: "validate",
      type: "boolean",
      doc: "Check both sides of the gateway contract on every request",
    },
    {
      name: "reload",
      type: "boolean",
      doc: "Restart the app when a source file changes (Werkzeug's reloader; see below)",
    },
    {
      name: "reload-dir",
      type: "string",
      multiple: true,
      arg: "DIR",
      doc: "With --reload, also watch DIR; repeat for more (the app's folder is always watched)",
    },
    {
      name: "reload-ext",
      type: "string",
      multiple: true,
      arg: "EXT",
      doc: "With --reload, also reload when a .EXT file changes; repeat for more; * for any file",
    },
    {
      name: "debug",
      type: "boolean",
      doc: "Answer unhandled errors with a debug page (loopback binds and unix sockets only)",
    },
    ...LOG_FLAGS,
  ],
  notes: `--reload runs each generation of the app in a Worker (a fresh module graph, so changed
imports are read again) on the same sockets (SO_REUSEPORT; unix sockets are renamed over):
the new generation listens before the old one drains, so no request is refused. Files are
watched with inotify (no polling), debounced by 150 ms: .ts .tsx .mts .cts .js .jsx .mjs .cjs
.json .jsonc .wasm, not node_modules, .git or editor temp files. When a change breaks the app
(syntax error, missing export, throwing top-level code or startup()), the server keeps running
and answers every request with a 500 error page naming the file and line: HTML for browsers
(which reload by themselves once the app is fixed), JSON for Accept: application/json, plain
text otherwise (curl). Fix the file and save.

--debug turns an unhandled error (a throw or a rejected promise) into a 500 debug page: the
error and its cause chain, the stack with the source around each frame of your code, the
request (Authorization and Cookie values masked) and a traceback to copy; HTML for browsers,
plain text for curl. It has no interactive console. It shows source code, so ngw2f refuses it
on any address but loopback (127.0.0.0/8, [::1], localhost) or a unix socket. HTTP errors the
app throws (NotFound, ...) keep their own responses.`,
  run: runDev,
};

const PROXY: Command = {
  name: "proxy",
  usage:
    "ngw2f proxy [-c FILE] [-p PREFIX] [-g SETTINGS] [-t | -T | -s SIGNAL | --from-nginx FILE]",
  summary: "Run the web server and proxy from ngw2f.toml (like `nginx`)",
  flags: [
    {
      name: "config",
      short: "c",
      type: "string",
      arg: "FILE",
      doc: "The config file (default: ./ngw2f.toml if it exists, else the built-in demo site)",
    },
    {
      name: "prefix",
      short: "p",
      type: "string",
      arg: "PREFIX",
      doc: "Where relative paths in the config start (default: the config file's folder)",
    },
    {
      name: "global",
      short: "g",
      type: "string",
      multiple: true,
      arg: "SETTING",
      doc: "A top-level TOML line applied over the file, e.g. -g 'workers = 1'; repeat for more",
    },
    { name: "test", short: "t", type: "boolean", doc: "Test the config and exit" },
    { name: "dump", short: "T", type: "boolean", doc: "Test the config, print it and exit" },
    { name: "quiet", short: "q", type: "boolean", doc: "With -t, print errors only" },
    {
      name: "signal",
      short: "s",
      type: "string",
      arg: "SIGNAL",
      doc: "Send stop, quit, reload or reopen to the running master (through its pid file)",
    },
    {
      name: "from-nginx",
      type: "string",
      arg: "FILE",
      doc: "Print FILE (an nginx.conf) converted to ngw2f.toml; name what cannot be converted",
    },
  ],
  notes: `The master runs \`workers\` proxy workers (default "auto": one per CPU); each owns its
connections with its own HTTP/1.1 core. Signals as nginx: -s stop (fast), -s quit (graceful),
-s reload (HUP: new workers with the new config, then the old ones drain; a broken config keeps
the old workers running and logs why), -s reopen (USR1: reopen the log files). The config
reference is docs/proxy-config.md; docs/proxy-from-nginx.md maps nginx directives.`,
  run: runProxyCommand,
};

const UP: Command = {
  name: "up",
  usage: "ngw2f up [-c FILE]",
  summary: "Run the proxy and the app server together from one ngw2f.toml",
  flags: [
    {
      name: "config",
      short: "c",
      type: "string",
      arg: "FILE",
      doc: "The config file (default: ./ngw2f.toml if it exists, else the built-in demo)",
    },
  ],
  notes: `One config, two masters: the [[server]] tables and the top-level keys run \`ngw2f proxy\`,
the [app] table runs \`ngw2f serve\` (point a proxy_pass at its bind: a loopback port, where every
worker listens, or a unix socket, which only worker 1 can serve). Each output line says which
([proxy] or [app]). HUP reloads both, TERM drains both, INT stops both, USR1 reopens the logs;
when one exits, the other is stopped; if up itself is killed, both stop on their own. With no
config: the part V notes app (examples/part-V-flask, 2 workers on a free loopback port, a
development secret key) behind the proxy on 127.0.0.1:8080, its static files served by the proxy
(NGW2F_DEMO_LISTEN=ADDRESS listens elsewhere).`,
  run: runUp,
};

const COMMANDS: Command[] = [DEV, PROXY, UP];

/**
 * The built-in `up` demo: the part V app behind the proxy on :8080. The app listens on a free
 * loopback port, where both of its workers take connections (a unix socket would have one);
 * this process holds the port until `release()` (once the app's workers listen on it).
 */
async function demoConfig(): Promise<
  { file: string; env: Record<string, string>; listen: string; release(): void }
> {
  const listen = Deno.env.get("NGW2F_DEMO_LISTEN") ?? "127.0.0.1:8080";
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-up-" });
  const example = new URL("./examples/part-V-flask/", import.meta.url).pathname;
  const { binds: [app], release } = reservePorts(["127.0.0.1:0"]);
  const text = [
    "# The built-in `ngw2f up` demo: the talk's part V app behind the proxy.",
    `pid = "${dir}/proxy.pid"`,
    'error_log = "- notice"',
    "workers = 2",
    "",
    "[app]",
    `module = "${example}app.ts"`,
    `bind = ["${app}"]`,
    "workers = 2",
    `pid = "${dir}/app.pid"`,
    "",
    "[[server]]",
    `listen = "${listen} default_server"`,
    "",
    "[[server.location]]",
    'match = "/static/"',
    `alias = "${example}static/"`,
    'expires = "1h"',
    "",
    "[[server.location]]",
    'match = "/"',
    `proxy_pass = "http://${app}"`,
    'proxy_set_header = { Host = "$host" }',
    "",
  ].join("\n");
  const file = `${dir}/ngw2f.toml`;
  await Deno.writeTextFile(file, text);
  return {
    file,
    release,
    listen,
    env: {
      // A development key on loopback only (the app refuses it elsewhere), and its notes in
      // the demo's temp folder.
      APP_ALLOW_DEV_SECRET_KEY: "1",
      APP_DATABASE: `${dir}/notes.db`,
    },
  };
}

/** `ngw2f up`: the proxy and the app server from one config, as one process tree. */
async function runUp(values: Record<string, unknown>): Promise<number> {
  const explicit = typeof values.config === "string" ? values.config : null;
  const found = explicit ?? (exists("ngw2f.toml") ? "ngw2f.toml" : null);
  const demo = found === null ? await demoConfig() : null;
  const { file, env } = demo ?? { file: resolvePath(found!), env: {} as Record<string, string> };
  if (found !== null && !exists(file)) {
    throw new ConfigError("file not found", { file, key: "config" });
  }
  const { supervise } = await import("./layers/master/supervise.ts");
  const { selfCommand } = await import("./layers/master/worker_handle.ts");
  const self = selfCommand();
  // The demo's app port stays held here until the app's workers listen on it (its master says
  // "Listening at"), so that no other process takes it in between.
  const encoder = new TextEncoder();
  const stderr = (line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n"));
  let portTaken = false;
  const write = (line: string) => {
    stderr(line);
    if (demo === null) return;
    if (line.startsWith("[app]") && line.includes("Listening at: ")) demo.release();
    if (line.startsWith("[proxy]") && line.includes("Cannot listen on")) portTaken = true;
  };
  try {
    const code = await supervise([
      { name: "proxy", cmd: self.cmd, args: [...self.args, "proxy", "-c", file] },
      { name: "app", cmd: self.cmd, args: [...self.args, "serve", "-c", file], env },
    ], { write });
    if (portTaken && demo !== null) {
      stderr(
        `[up] The demo could not listen on ${demo.listen}: set NGW2F_DEMO_LISTEN=HOST:PORT to ` +
          "run it on another address",
      );
    }
    return code;
  } finally {
    demo?.release();
  }
}

/** Which `dev` flag sets which server option, for error messages. */
const DEV_FLAG_OF: Record<string, string> = {
  bind: "bind",
  rootPath: "root-path",
  keepAliveTimeout: "keep-alive",
  gracefulTimeout: "graceful-timeout",
};

const GLOBAL_HELP = `ngw2f ${VERSION}: nginx, gunicorn, WSGI, werkzeug and flask, rebuilt for Deno

Usage: ngw2f COMMAND [options]

Commands:
  ${"serve".padEnd(10)}Run an app on a master and its workers (like \`gunicorn module:app\`)
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join("\n")}

Options:
  -h, --help     Show this help, or a command's with \`ngw2f COMMAND --help\`
  -V, --version  Show the version

APP is a module path with an optional export: app.ts, examples/app.ts:api.
It exports a function (request, ctx) => Response, or an object with a fetch method,
as \`deno serve\` expects.`;

function commandHelp(command: Command): string {
  const names = command.flags.map((flag) =>
    `${flag.short ? `-${flag.short}, ` : "    "}--${flag.name}` +
    (flag.type === "string" ? ` ${flag.arg ?? "VALUE"}` : "")
  );
  // The docs start in one column, two spaces past the longest flag.
  const width = Math.max(28, ...names.map((name) => name.length + 2));
  const lines = command.flags.map((flag, i) => {
    const extra = flag.default ? ` (default: ${flag.default || '""'})` : "";
    return `  ${names[i].padEnd(width)}${flag.doc}${extra}`;
  });
  return `${command.summary}\n\nUsage: ${command.usage}\n\nOptions:\n${lines.join("\n")}\n` +
    `  ${"-h, --help".padEnd(width)}Show this help` +
    (command.notes ? `\n\n${command.notes}` : "");
}

function parseCommand(command: Command, args: string[]) {
  const options: ParseArgsConfig["options"] = { help: { type: "boolean", short: "h" } };
  for (const flag of command.flags) {
    options[flag.name] = {
      type: flag.type,
      ...(flag.short ? { short: flag.short } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
    };
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional.*$/s, "");
    throw new UsageError(`${message} (see \`ngw2f ${command.name} --help\`)`);
  }
}

function valueOf(command: Command, values: Record<string, unknown>, name: string): string {
  const flag = command.flags.find((f) => f.name === name)!;
  const value = values[name];
  return typeof value === "string" ? value : flag.default ?? "";
}

function seconds(command: Command, values: Record<string, unknown>, name: string): number {
  const text = valueOf(command, values, name);
  const value = Number(text);
  if (!(text !== "" && value > 0 && Number.isFinite(value))) {
    throw new ConfigError(`expected a positive number of seconds, got "${text}"`, {
      file: `--${name}`,
      key: name,
    });
  }
  return value;
}

function makeLogs(command: Command, values: Record<string, unknown>) {
  const levelName = valueOf(command, values, "log-level");
  const level = parseLogLevel(levelName);
  if (!level) {
    throw new ConfigError(
      `"${levelName}" is not one of debug, info, warning, error, critical`,
      { file: "--log-level", key: "log-level" },
    );
  }
  const log = createLogger({ level });
  const accessLog: Logger | null = values["no-access-log"]
    ? null
    : createLogger({ level: "info", bare: true, stream: "stdout" });
  return { log, accessLog };
}

async function runDev(values: Record<string, unknown>, positionals: string[]): Promise<number> {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "Missing APP: name the module to run, e.g. `ngw2f dev app.ts`"
        : `Expected one APP, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  const { log, accessLog } = makeLogs(DEV, values);
  const stop = new AbortController();
  const binds = (values.bind as string[] | undefined) ?? [DEV.flags[0].default!];
  const options: ServeOptions = {
    bind: binds,
    rootPath: valueOf(DEV, values, "root-path"),
    keepAliveTimeout: seconds(DEV, values, "keep-alive"),
    gracefulTimeout: seconds(DEV, values, "graceful-timeout"),
    log,
    accessLog,
    signal: stop.signal,
  };
  try {
    resolveServeOptions(options);
  } catch (error) {
    // Name the flag the user typed rather than the option's name.
    if (!(error instanceof ConfigError)) throw error;
    const flag = DEV_FLAG_OF[error.key] ?? error.key;
    const why = error.message.replace(/^Cannot use [^:]+: [^:]+: /, "");
    throw new ConfigError(why, { file: `--${flag}`, key: flag, cause: error });
  }
  const { isLoopbackBind } = await import("./layers/toolkit/dev/loopback.ts");
  if (values.debug) {
    // The debug page shows source code and request details: never to the network.
    const open = binds.find((bind) => !isLoopbackBind(bind));
    if (open !== undefined) {
      throw new UsageError(
        `Cannot use --debug with --bind "${open}": the debug page shows source code and ` +
          "request details, so it runs only on a loopback address (127.0.0.1, [::1], " +
          "localhost) or a unix socket",
      );
    }
  }
  const reloadDirs = (values["reload-dir"] as string[] | undefined) ?? [];
  const reloadExts = ((values["reload-ext"] as string[] | undefined) ?? [])
    .map((ext) => ext.replace(/^\./, "").toLowerCase());
  if (!values.reload && (reloadDirs.length || reloadExts.length)) {
    throw new UsageError(`${reloadDirs.length ? "--reload-dir" : "--reload-ext"} needs --reload`);
  }
  let server: { addrs: readonly Deno.Addr[]; finished: Promise<void> };
  if (values.reload) {
    const { startReloadingServer } = await import("./layers/toolkit/dev/dev_server.ts");
    try {
      const reloading = await startReloadingServer(positionals[0], {
        bind: binds,
        rootPath: options.rootPath,
        keepAliveTimeout: options.keepAliveTimeout,
        gracefulTimeout: options.gracefulTimeout,
        log,
        logLevel: parseLogLevel(valueOf(DEV, values, "log-level")),
        accessLog,
        validate: Boolean(values.validate),
        debug: Boolean(values.debug),
        watchDirs: reloadDirs,
        extensions: reloadExts,
      });
      stop.signal.addEventListener("abort", () => reloading.shutdown(), { once: true });
      server = reloading;
    } catch (error) {
      if (error instanceof ConfigError && error.key === "watchDirs") {
        const why = error.message.replace(/^Cannot use [^:]+: [^:]+: /, "");
        throw new ConfigError(why, { file: "--reload-dir", key: "reload-dir", cause: error });
      }
      throw error;
    }
  } else {
    // The framework's apps let unhandled errors through to the debug page (Flask's debug mode).
    if (values.debug) Deno.env.set("NGW2F_DEBUG", "1");
    let app = await loadApp(positionals[0]);
    if (values.validate) app = validate(app);
    if (values.debug) {
      const { debugMiddleware } = await import("./layers/toolkit/dev/debug_middleware.ts");
      app = debugMiddleware()(app);
    }
    server = await serve(app, options);
  }
  let signals = 0;
  const onSignal = (signal: Deno.Signal) => () => {
    if (++signals > 1) {
      log.warn(`Received ${signal} again: exiting without waiting`);
      Deno.exit(1);
    }
    log.info(`Received ${signal}: shutting down (send it again to exit at once)`);
    stop.abort();
  };
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = onSignal(signal);
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  // Only now: a test (or a script) may signal as soon as it reads this line.
  for (const addr of server.addrs) {
    const shown = "path" in addr ? formatAddr(addr) : `http://${formatAddr(addr)}`;
    log.info(`Listening at: ${shown} (${Deno.pid})`);
  }
  await server.finished;
  for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  log.info("Shutdown complete");
  return 0;
}

/** `ngw2f proxy`: nginx's command line over the proxy layer. */
async function runProxyCommand(values: Record<string, unknown>): Promise<number> {
  const {
    checkConfigFiles,
    convertNginxFile,
    dumpConfig,
    loadProxyConfig,
    runProxy,
    signalMaster,
  } = await import("./layers/proxy/mod.ts");
  if (typeof values["from-nginx"] === "string") {
    const { toml, unconverted } = await convertNginxFile(values["from-nginx"]);
    print(toml.replace(/\n$/, ""));
    const log = createLogger({ bare: true });
    for (const item of unconverted) {
      log.warn(`ngw2f: not converted: ${item.file}:${item.line}: ${item.directive}: ${item.why}`);
    }
    return 0;
  }
  // Without -p, relative paths in the file start at the file's folder.
  const prefix = typeof values.prefix === "string" ? values.prefix : undefined;
  const explicit = typeof values.config === "string" ? values.config : null;
  const file = explicit ?? (exists("ngw2f.toml") ? "ngw2f.toml" : null);
  const globals = (values.global as string[] | undefined) ?? [];
  const load = () =>
    loadProxyConfig(file, prefix === undefined ? { globals } : { prefix, globals });
  const log = createLogger({ bare: true });
  const shown = file ?? "(built-in)";
  if (values.test || values.dump) {
    let config: ProxyConfig;
    try {
      config = await load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      log.error(`ngw2f: [emerg] ${error.message}`);
      log.error(`ngw2f: configuration file ${shown} test failed`);
      return 1;
    }
    const { errors, warnings } = checkConfigFiles(config);
    for (const warning of warnings) if (!values.quiet) log.warn(`ngw2f: [warn] ${warning}`);
    for (const error of errors) log.error(`ngw2f: [emerg] ${error}`);
    if (errors.length) {
      log.error(`ngw2f: configuration file ${shown} test failed`);
      return 1;
    }
    if (!values.quiet) {
      log.info(`ngw2f: the configuration file ${shown} syntax is ok`);
      log.info(`ngw2f: configuration file ${shown} test is successful`);
    }
    if (values.dump) print(dumpConfig(config));
    return 0;
  }
  let config: ProxyConfig;
  try {
    config = await load();
  } catch (error) {
    // nginx's way: an [emerg] line and exit 1, for -s as for a start.
    if (!(error instanceof ConfigError)) throw error;
    log.error(`ngw2f: [emerg] ${error.message}`);
    return 1;
  }
  if (typeof values.signal === "string") {
    try {
      signalMaster(config.pid, values.signal);
    } catch (error) {
      log.error(`ngw2f: ${(error as Error).message}`);
      return 1;
    }
    return 0;
  }
  const args = Deno.args.slice(Deno.args.indexOf("proxy") + 1);
  return await runProxy(config, { args, reload: load });
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Runs the command line and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    const named = first === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (first === "help" && rest[0] && !named) {
      return usageError(`Unknown command "${rest[0]}"`);
    }
    print(named ? commandHelp(named) : GLOBAL_HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === "-V" || first === "--version") {
    print(`ngw2f ${VERSION} (deno ${Deno.version.deno})`);
    return 0;
  }
  if (first === "__worker") return await runProcessWorker();
  if (first === "serve" || (first === "help" && rest[0] === "serve")) {
    return await runServe(first === "help" ? ["--help"] : rest);
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    if (first.startsWith("-")) return usageError(`Unknown option "${first}"`);
    return usageError(
      `Unknown command "${first}"; commands: serve, ${COMMANDS.map((c) => c.name).join(", ")}`,
    );
  }
  try {
    const { values, positionals } = parseCommand(command, rest);
    if (values.help) {
      print(commandHelp(command));
      return 0;
    }
    return await command.run(values, positionals);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    if (error instanceof ConfigError) return fatal(error.message, 2);
    if (error instanceof AppLoadError) return fatal(error.message, 4);
    if (error instanceof HaltError) return fatal(error.message, error.exitCode);
    throw error;
  }
}

/** `ngw2f serve`: settings from flags, env and the config file, then the master. */
async function runServe(args: string[]): Promise<number> {
  const { helpText: serveHelp, printConfig, resolveSettings, UsageError: SettingsUsageError } =
    await import("./layers/master/settings.ts");
  const { serveApp } = await import("./layers/master/serve_app.ts");
  try {
    if (args.includes("-h") || args.includes("--help")) {
      print(serveHelp());
      return 0;
    }
    const env = Deno.env.toObject();
    const settings = await resolveSettings({ args, env, cwd: Deno.cwd() });
    if (settings.printConfig) {
      print(printConfig(settings));
      return 0;
    }
    if (!settings.app) {
      throw new SettingsUsageError(
        "Missing APP: name the module to run, e.g. `ngw2f serve app.ts` (or `module` in [app])",
      );
    }
    return await serveApp(settings, {
      args,
      reload: () => resolveSettings({ args, env: Deno.env.toObject(), cwd: Deno.cwd() }),
    });
  } catch (error) {
    if (error instanceof SettingsUsageError) {
      return usageError(`${error.message} (see \`ngw2f serve --help\`)`);
    }
    if (error instanceof ConfigError) return fatal(error.message, 2);
    if (error instanceof AppLoadError) return fatal(error.message, 4);
    if (error instanceof HaltError) return fatal(error.message, error.exitCode);
    throw error;
  }
}

/** The hidden `__worker` command: a process worker talking to its master. */
async function runProcessWorker(): Promise<number> {
  const path = Deno.env.get("NGW2F_CONTROL");
  const serial = Number(Deno.env.get("NGW2F_WORKER_SERIAL"));
  if (!path || !serial) return usageError("__worker is started by `ngw2f serve`, not by hand");
  const { keepWorkerAlive, processChannel, runWorker } = await import(
    "./layers/master/worker_entry.ts"
  );
  keepWorkerAlive();
  await runWorker(await processChannel(path, serial));
  return 0;
}

function print(text: string): void {
  createLogger({ bare: true, stream: "stdout" }).info(text);
}

function usageError(message: string): number {
  createLogger({ bare: true }).error(`ngw2f: ${message}`);
  return 2;
}

function fatal(message: string, code: number): number {
  createLogger().error(message);
  return code;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
