// End-to-end helpers: start the real CLI as a subprocess and talk to it over real sockets; the
// pids of masters it starts; helper processes (an auth service, a backend) whose output a test
// reads.
//
// By default the CLI runs as `deno run -A main.ts`; set NGW2F_BIN to a compiled `ngw2f` binary
// to run the same tests against it.

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const decoder = new TextDecoder();

/** The repository root. */
export const root: string = ROOT;

/** The command that runs the CLI, ready for arguments. */
export function cliCommand(): { cmd: string; args: string[] } {
  const bin = Deno.env.get("NGW2F_BIN");
  if (bin) return { cmd: bin, args: [] };
  return { cmd: Deno.execPath(), args: ["run", "-A", `${ROOT}/main.ts`] };
}

/** Where and how a test runs the CLI. */
export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Spawns `cmd args` with piped output, NO_COLOR set, from the repository root by default. */
function spawn(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> },
): Deno.ChildProcess {
  return new Deno.Command(cmd, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
}

function spawnCli(args: string[], options: CliOptions): Deno.ChildProcess {
  const { cmd, args: base } = cliCommand();
  return spawn(cmd, [...base, ...args], options);
}

/** Whether a program is on the PATH (for tests that need one from Debian). */
export function has(program: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${program}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** What a finished CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (for commands that exit by themselves). */
export async function runCli(
  args: string[],
  options: CliOptions = {},
): Promise<CliResult> {
  const child = spawnCli(args, options);
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  const output = await child.output();
  clearTimeout(timer);
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A CLI server started by a test. */
export interface RunningCli extends WatchedProcess {
  /** The address printed in the "Listening at:" line. */
  readonly listen: string;
  /** The TCP port, when listening on TCP. */
  readonly port: number;
}

/**
 * Starts the CLI and waits for its first "Listening at: ADDRESS" line. The test owns the
 * process and must stop it (`await using` does).
 */
export async function startCli(
  args: string[],
  options: CliOptions = {},
): Promise<RunningCli> {
  const { cmd, args: base } = cliCommand();
  const cli = spawnWatched(cmd, [...base, ...args], options);
  try {
    await cli.waitFor(/Listening at: \S+/);
  } catch (error) {
    await cli.stop("SIGKILL");
    throw error;
  }
  const listen = /Listening at: (\S+)/.exec(cli.output())![1];
  const port = Number(/:(\d+)\/?$/.exec(listen)?.[1] ?? 0);
  return { ...cli, listen, port };
}

/** Options for {@linkcode rawExchange}. */
export interface RawOptions {
  /** Close our sending side right after writing, as `nc -q1` does. */
  halfClose?: boolean;
  /** Give up after this long. */
  timeoutMs?: number;
  /** A unix socket path instead of TCP. */
  path?: string;
  hostname?: string;
}

/**
 * Writes `request` on a fresh connection and reads until the server closes it: the talk's
 * `telnet localhost 8080` / `GET / HTTP/1.0`. Returns the raw answer and whether the server
 * closed the connection (as opposed to the timeout).
 */
export async function rawExchange(
  port: number,
  request: string,
  options: RawOptions = {},
): Promise<{ text: string; closedByServer: boolean }> {
  const conn = options.path
    ? await Deno.connect({ transport: "unix", path: options.path })
    : await Deno.connect({ hostname: options.hostname ?? "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), options.timeoutMs ?? 5_000);
  let text = "";
  let closedByServer = false;
  try {
    await conn.write(new TextEncoder().encode(request));
    if (options.halfClose) await conn.closeWrite();
    const buf = new Uint8Array(64 * 1024);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) {
        closedByServer = true;
        break;
      }
      text += decoder.decode(buf.subarray(0, n), { stream: true });
    }
  } catch {
    // Our timer closed the socket: the server did not close it.
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
  return { text, closedByServer };
}

/** Splits a raw HTTP/1.x answer into status line, lower-cased headers and body. */
export function parseResponse(text: string): {
  statusLine: string;
  headers: Map<string, string>;
  body: string;
} {
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) throw new Error(`Not an HTTP response: ${JSON.stringify(text)}`);
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { statusLine, headers, body: text.slice(end + 4) };
}

/**
 * Whether zero-loss reloads can be tested here: the kernel must move connections queued on a
 * closing reusePort listener (net.ipv4.tcp_migrate_req), on already or turned on by the master
 * (which needs root).
 */
export function canMigrate(): boolean {
  const path = "/proc/sys/net/ipv4/tcp_migrate_req";
  try {
    if (Deno.readTextFileSync(path).trim() === "1") return true;
    Deno.openSync(path, { write: true }).close();
    return true;
  } catch {
    return false;
  }
}

/** Waits (up to 20 s) for a pid file to hold a pid other than `not`; that pid. */
export async function readPid(path: string, not?: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const pid = Number((await Deno.readTextFile(path).catch(() => "")).trim());
    if (pid > 0 && pid !== not) return pid;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`No pid in ${path}`);
}

/**
 * Sends TERM to `pid` (a process the test started by way of the CLI, such as the new master of a
 * hot upgrade) and waits up to 10 s for it to be gone; whether it is. A pid of 0 is no process.
 */
export async function stopPid(pid: number): Promise<boolean> {
  if (!pid) return true;
  try {
    Deno.kill(pid, "SIGTERM");
  } catch { /* already gone */ }
  return await waitGone(pid, 10_000);
}

/** Waits up to `ms` for process `pid` to be gone (it exited on its own); whether it is. */
export async function waitGone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    try {
      Deno.kill(pid, "SIGCONT");
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** A helper process (an auth service, a backend) whose output a test reads. */
export interface WatchedProcess extends AsyncDisposable {
  child: Deno.ChildProcess;
  /**
   * The exit status, once the process has exited AND its output has been read to the end (the
   * pipes closed), so `output()` then holds every line it printed — or 2 s after the exit when a
   * process it started (a hot upgrade's new master) keeps the pipes open.
   */
  readonly exited: Promise<Deno.CommandStatus>;
  /** stdout and stderr so far. */
  output(): string;
  /** Waits until the output matches `pattern`; throws with the output on timeout or exit. */
  waitFor(pattern: string | RegExp, ms?: number): Promise<void>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/**
 * Spawns `cmd args` with piped output (the test owns it: `await using` stops it); `timeoutMs` is
 * how long `waitFor` waits by default (20 s).
 */
export function spawnWatched(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): WatchedProcess {
  const child = spawn(cmd, args, options);
  let text = "";
  let exited = false;
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const streamDecoder = new TextDecoder();
    for await (const chunk of stream) {
      text += streamDecoder.decode(chunk, { stream: true });
      for (const wake of waiters) wake();
    }
    text += streamDecoder.decode();
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  // Exited means "exited and its output read": a line printed just before the exit ("Shutdown
  // complete") may still be in the pipe when child.status settles. The pipes close when the
  // process is gone unless a process it started holds them, hence the cap.
  const status = child.status.then(async (s) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      pumps.catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, 2_000)),
    ]);
    clearTimeout(timer);
    exited = true;
    for (const wake of waiters) wake();
    return s;
  });

  const waitFor = (pattern: string | RegExp, ms = options.timeoutMs ?? 20_000) =>
    new Promise<void>((resolve, reject) => {
      const matches = () =>
        typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
      const fail = (why: string) =>
        reject(new Error(`${why} before printing ${pattern}: ${cmd} ${args.join(" ")}\n${text}`));
      const timer = setTimeout(() => {
        waiters.delete(check);
        fail("Timed out");
      }, ms);
      const check = () => {
        if (!matches() && !exited) return;
        clearTimeout(timer);
        waiters.delete(check);
        // `exited` is set once the output has been read: this is the last look at all of it.
        if (matches()) resolve();
        else fail("Exited");
      };
      waiters.add(check);
      check();
    });

  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    }
    const killer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 15_000);
    // `status` settles once the output is read (or 2 s after the exit, when a process it started
    // holds the pipes open).
    const { code } = await status;
    clearTimeout(killer);
    return code;
  };

  return {
    child,
    exited: status,
    output: () => text,
    waitFor,
    stop,
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL");
    },
  };
}
