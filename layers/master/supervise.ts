/**
 * Several masters run as one (what `ngw2f up` does with the proxy and the app server): each in
 * its own process, their output line by line with a tag saying which, signals passed to all
 * (HUP reloads both, TERM drains both, INT stops both, USR1 reopens logs), and when one exits
 * on its own the others are stopped too, so the stack never runs half. Each process gets
 * `NGW2F_SUPERVISOR` (this process's pid): a master started with it stops gracefully once this
 * process is gone, so killing the supervisor (SIGKILL) leaves nothing running.
 *
 * @module
 */

/** One process to run. */
export interface SupervisedCommand {
  /** Its tag in the output (`proxy`, `app`). */
  name: string;
  /** The executable. */
  cmd: string;
  /** Its arguments. */
  args: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** What {@linkcode supervise} reports. */
export interface SuperviseOptions {
  /** Writes one tagged output line (default: stderr). */
  write?: (line: string) => void;
  /** Signals passed on to every process. */
  signals?: Deno.Signal[];
  /** How long the others get to stop once one has exited, in ms (default 30 s). */
  stopTimeout?: number;
}

const encoder = new TextEncoder();

async function pump(
  stream: ReadableStream<Uint8Array>,
  tag: string,
  write: (line: string) => void,
): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) write(`${tag} ${line}`);
  }
  if (rest) write(`${tag} ${rest}`);
}

/**
 * Runs `commands` together until all have exited; returns the highest exit code (a process
 * that had to be killed counts as 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { supervise } from "./supervise.ts";
 *
 * const lines: string[] = [];
 * // "a" exits with 3; "b" would run on, so it is stopped (SIGTERM; a signal counts as 1).
 * const code = await supervise([
 *   { name: "a", cmd: "sh", args: ["-c", "echo one; exit 3"] },
 *   { name: "b", cmd: "sleep", args: ["30"] },
 * ], { write: (line) => lines.push(line), signals: [] });
 * assert.equal(code, 3);
 * assert.ok(lines.includes("[a] one"));
 * assert.ok(lines.includes("[up] a exited: stopping the others"));
 * ```
 */
export async function supervise(
  commands: SupervisedCommand[],
  options: SuperviseOptions = {},
): Promise<number> {
  const write = options.write ??
    ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
  const width = Math.max(...commands.map((c) => c.name.length));
  const children = commands.map((command) => {
    const child = new Deno.Command(command.cmd, {
      args: command.args,
      // A master started with it stops when this process is gone (arbiter.ts).
      env: { ...command.env, NGW2F_SUPERVISOR: String(Deno.pid) },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const tag = `[${command.name}]`.padEnd(width + 2);
    const output = Promise.all([
      pump(child.stdout, tag, write),
      pump(child.stderr, tag, write),
    ]);
    return { command, child, output, exited: false, code: 0 };
  });
  const signals = options.signals ?? ["SIGHUP", "SIGTERM", "SIGINT", "SIGQUIT", "SIGUSR1"];
  let stopping = false;
  const handlers = signals.map((signal) => {
    const handler = () => {
      // Asked to stop: every process stops on its own; no "exited: stopping the others".
      if (signal !== "SIGHUP" && signal !== "SIGUSR1") stopping = true;
      for (const entry of children) {
        if (entry.exited) continue;
        try {
          entry.child.kill(signal);
        } catch { /* already gone */ }
      }
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  const stopOthers = (from: string) => {
    if (stopping) return;
    stopping = true;
    write(`[up] ${from} exited: stopping the others`);
    const timer = setTimeout(() => {
      for (const entry of children) {
        if (!entry.exited) {
          try {
            entry.child.kill("SIGKILL");
          } catch { /* gone */ }
        }
      }
    }, options.stopTimeout ?? 30_000);
    Deno.unrefTimer(timer);
    for (const entry of children) {
      if (entry.exited) continue;
      try {
        entry.child.kill("SIGTERM");
      } catch { /* gone */ }
    }
  };
  try {
    await Promise.all(children.map(async (entry) => {
      const status = await entry.child.status;
      entry.exited = true;
      entry.code = status.signal ? 1 : status.code;
      await entry.output;
      stopOthers(entry.command.name);
    }));
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  }
  return Math.max(...children.map((c) => c.code));
}
