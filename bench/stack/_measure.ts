// The stack bench's variant of bench/_load.ts's `measure`: a case starts SEVERAL processes (a
// proxy and an app server), so readiness is a 200 through the proxy, and CPU and RSS are summed
// over the process trees of every process the case started. Everything else (wrk, the result
// shape, the tables) is bench/_load.ts's.

import { type BenchResult, freePort, median, stopChild, warmAndMeasure } from "../_load.ts";

/** One process of a stack. */
export interface ProcessSpec {
  /** Its role, for error messages ("nginx", "gunicorn", …). */
  label: string;
  cmd: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** A stack to measure: the processes it starts, on a proxy port and a scratch folder. */
export interface StackCase {
  group: string;
  name: string;
  /** The path wrk requests. */
  path: string;
  /** Every process of the stack, started in this order (and stopped in reverse). */
  processes: (port: number, dir: string) => ProcessSpec[];
}

/** Waits until GET `path` through the proxy answers 200 (the whole stack is up). */
async function waitForStack(
  port: number,
  path: string,
  children: { label: string; child: Deno.ChildProcess; exited: boolean }[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.exited);
    if (dead) throw new Error(`${dead.label} exited during start-up`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        signal: AbortSignal.timeout(2_000),
      });
      await response.body?.cancel();
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The stack did not answer 200 on port ${port} within ${timeoutMs} ms (${last})`);
}

/** The extra facts of one stack run. */
export interface StackResult extends BenchResult {
  /** How many processes the stack's trees held at the end of the run. */
  processes: number;
}

/** Starts every process of `stack`, warms it up, measures one wrk run, stops them (by pid). */
export async function measureStack(
  stack: StackCase,
  options: { seconds: number; connections: number },
): Promise<StackResult> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-stack-" });
  const started: {
    label: string;
    child: Deno.ChildProcess;
    exited: boolean;
    stderr: Promise<string>;
  }[] = [];
  try {
    for (const spec of stack.processes(port, dir)) {
      const child = new Deno.Command(spec.cmd, {
        args: spec.args,
        cwd: spec.cwd,
        env: spec.env,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const entry = {
        label: spec.label,
        child,
        exited: false,
        stderr: new Response(child.stderr).text(),
      };
      child.status.then(() => entry.exited = true);
      started.push(entry);
    }
    await waitForStack(port, stack.path, started, 20_000);
    const pids = started.map((s) => s.child.pid);
    return await warmAndMeasure(stack.name, port, pids, { ...options, path: stack.path });
  } catch (error) {
    const logs = await Promise.all(
      started.map(async (s) =>
        `[${s.label}] ${(await Promise.race([s.stderr, Promise.resolve("")])).slice(-2000)}`
      ),
    );
    throw new Error(`${stack.name}: ${(error as Error).message}\n${logs.join("\n")}`);
  } finally {
    // The proxy first, then the app server, each by its pid; SIGKILL after 5 s.
    for (const s of [...started].reverse()) {
      await stopChild(s.child);
      await s.stderr;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** One case's median round and the spread of its rounds. */
export interface StackRow {
  stack: StackCase;
  result: StackResult;
  /** (max − min) / median of the rounds' req/s. */
  spread: number;
  /** Every round's result, in order (round i of every case ran back to back). */
  rounds: StackResult[];
}

/**
 * Measures `cases` `rounds` times, interleaved (round 1 of every case, then round 2…); logs each
 * run; gives each case's median round by req/s (bench/_load.ts's `measureRounds`, for stacks).
 */
export async function measureStackRounds(
  cases: StackCase[],
  options: { rounds: number; seconds: number; connections: number },
): Promise<StackRow[]> {
  const runs = new Map<StackCase, StackResult[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const stack of cases) {
      const result = await measureStack(stack, options);
      runs.get(stack)!.push(result);
      // deno-lint-ignore no-console
      console.error(
        `round ${round + 1}/${options.rounds} ${stack.group} | ${stack.name}: ` +
          `${Math.round(result.rps)} req/s, p99 ${result.p99.toFixed(2)} ms, ` +
          `${result.cpuUsPerRequest.toFixed(1)} µs CPU/req, ${result.processes} processes, ` +
          `${result.errors} errors`,
      );
    }
  }
  return cases.map((stack) => {
    const all = runs.get(stack)!;
    const result = median(all) as StackResult;
    const rps = all.map((r) => r.rps);
    return {
      stack,
      result,
      spread: (Math.max(...rps) - Math.min(...rps)) / result.rps,
      rounds: all,
    };
  });
}
