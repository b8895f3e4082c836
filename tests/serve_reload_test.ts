// End-to-end: reloads and upgrades under load lose nothing; a hung worker is replaced.

import assert from "node:assert/strict";
import { canMigrate, type RunningCli, startCli } from "./_cli.ts";

const APP = "tests/fixtures/reload_app.ts";

interface LoadResult {
  ok: number;
  errors: string[];
  generations: Set<string>;
}

/**
 * Bounded load: `clients` loops, each sending requests one after another over a fresh
 * connection per request (`Connection: close`), until `stop` resolves or `maxRequests` is hit.
 */
async function load(
  port: number,
  options: { clients: number; stop: Promise<void>; maxRequests: number; path?: string },
): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, errors: [], generations: new Set() };
  let stopped = false;
  options.stop.then(() => stopped = true);
  let sent = 0;
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  const one = async () => {
    while (!stopped && sent < options.maxRequests) {
      sent++;
      try {
        const response = await fetch(`http://127.0.0.1:${port}${options.path ?? "/"}`, {
          client,
          headers: { connection: "close" },
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (response.status === 200) {
          result.ok++;
          result.generations.add(text.split(" ")[0]);
        } else result.errors.push(`status ${response.status}: ${text.slice(0, 80)}`);
      } catch (error) {
        const cause = (error as Error).cause;
        result.errors.push(`${error}${cause ? ` (${cause})` : ""}`.slice(0, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, one));
  client.close();
  return result;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Bounded load (8 clients) while the master is sent `reloads` HUPs, one after the other. */
async function loadAcrossReloads(cli: RunningCli, reloads: number): Promise<LoadResult> {
  const { promise: stop, resolve: done } = Promise.withResolvers<void>();
  const running = load(cli.port, { clients: 8, stop, maxRequests: 40_000 });
  for (let generation = 2; generation <= reloads + 1; generation++) {
    await delay(500);
    cli.child.kill("SIGHUP");
    await cli.waitFor(`Reload done: generation ${generation} serving`, 20_000);
  }
  await delay(700);
  done();
  return await running;
}

/**
 * No accepted connection may fail. A SYN that reaches a listener in the very instant it closes
 * can still be reset during the handshake, even with tcp_migrate_req (seen once in ~10 runs,
 * 1 of ~6,000 connections): the client's connect fails before any request was sent, and a
 * client or proxy retries it safely. At most one such reset is tolerated; nothing else.
 */
function assertNothingLost(result: LoadResult): void {
  const connectResets = result.errors.filter((e) => /\(Connect\).*reset/i.test(e));
  const other = result.errors.filter((e) => !connectResets.includes(e));
  assert.deepEqual(other, [], `${other.length} failed of ${result.ok}`);
  assert.ok(connectResets.length <= 1, `${connectResets.length} connects reset`);
}

const NO_MIGRATION = !canMigrate();

// The protected core loses nothing on a reload: its listeners close right after an accept
// returns (none in flight), the kernel moves what is still queued to the new workers
// (net.ipv4.tcp_migrate_req, which the master turns on), and a connection accepted just before
// the close still gets its first request served.
for (const workerClass of ["thread", "process"] as const) {
  const core = "--protected";
  Deno.test({
    name: `ngw2f serve -k ${workerClass} ${core}: HUP under load loses no request`,
    ignore: NO_MIGRATION,
  }, async () => {
    await using cli = await startCli([
      "serve",
      core,
      "-k",
      workerClass,
      "-w",
      "2",
      "-b",
      "127.0.0.1:0",
      APP,
    ]);
    const result = await loadAcrossReloads(cli, 2);
    assertNothingLost(result);
    assert.ok(result.ok > 100, `only ${result.ok} requests went through`);
    assert.ok(result.generations.size >= 4, `instances seen: ${[...result.generations]}`);
    assert.equal(await cli.stop("SIGTERM"), 0);
  });
}

// The default core (Deno.serve) cannot close its listener apart from its connections: a
// reload may close a connection accepted in the last instant before its request was read.
// Measured here: 0-5 per reload at ~5k new connections/s. Each of the 8 clients has one
// connection at a time, so a reload can close at most one per client while the old listener
// drains: at most 8. It must keep serving, and nothing but such closes may fail.
Deno.test("ngw2f serve (Deno.serve core): HUP under load keeps serving; only just-accepted connections may close", async () => {
  await using cli = await startCli(["serve", "-w", "2", "-b", "127.0.0.1:0", APP]);
  const result = await loadAcrossReloads(cli, 1);
  const unexpected = result.errors.filter((e) =>
    !/connection closed before message completed/.test(e)
  );
  assert.deepEqual(unexpected, []);
  assert.ok(result.errors.length <= 8, `${result.errors.length} of ${result.ok} failed`);
  assert.ok(result.ok > 100, `only ${result.ok} requests went through`);
  assert.ok(result.generations.size >= 4, `instances seen: ${[...result.generations]}`);
  assert.equal(await cli.stop("SIGTERM"), 0);
});

/** Waits until `pid` is gone (signal 0 fails), or gives up after `ms`. */
async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      Deno.kill(pid, "SIGCONT");
    } catch {
      return true;
    }
    await delay(100);
  }
  return false;
}

async function readPid(path: string, not?: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const text = await Deno.readTextFile(path).catch(() => "");
    const pid = Number(text.trim());
    if (pid > 0 && pid !== not) return pid;
    await delay(100);
  }
  throw new Error(`No pid in ${path}`);
}

Deno.test({
  name: "ngw2f serve: USR2 starts a new master on the same port; TERM to the old loses nothing",
  ignore: NO_MIGRATION,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-usr2-" });
  const pidFile = `${dir}/master.pid`;
  let newPid = 0;
  try {
    const cli = await startCli([
      "serve",
      "--protected",
      "-w",
      "2",
      "--pid",
      pidFile,
      "-b",
      "127.0.0.1:0",
      APP,
    ]);
    const oldPid = await readPid(pidFile);
    assert.equal(oldPid, cli.child.pid);
    const { promise: stop, resolve: done } = Promise.withResolvers<void>();
    const running = load(cli.port, { clients: 6, stop, maxRequests: 40_000 });
    await delay(400);
    cli.child.kill("SIGUSR2");
    newPid = await readPid(pidFile, oldPid);
    assert.equal(Number((await Deno.readTextFile(`${pidFile}.oldbin`)).trim()), oldPid);
    await cli.waitFor(new RegExp(`Listening at: \\S+ \\(${newPid}\\)`), 20_000);
    await delay(400);
    assert.equal(await cli.stop("SIGTERM"), 0, "the old master drains and exits 0");
    await delay(500);
    done();
    const result = await running;
    assertNothingLost(result);
    assert.ok(result.ok > 100);
    const after = await fetch(`http://127.0.0.1:${cli.port}/`);
    assert.equal(after.status, 200, "the new master serves alone");
    await after.body?.cancel();
  } finally {
    // Whatever happened, stop every master this test started (by the pids it knows).
    const last = Number((await Deno.readTextFile(pidFile).catch(() => "")).trim());
    for (const pid of new Set([newPid, last].filter((p) => p > 0))) {
      try {
        Deno.kill(pid, "SIGTERM");
      } catch { /* already gone */ }
      await gone(pid, 15_000);
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f serve: a thread worker stuck in while(true) is replaced in timeout + 2 s, and its core reclaimed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-spin-" });
  const pidFile = `${dir}/master.pid`;
  let newPid = 0;
  try {
    const cli = await startCli([
      "serve",
      "-w",
      "2",
      "--timeout",
      "2",
      "--graceful-timeout",
      "2",
      "--pid",
      pidFile,
      "-b",
      "127.0.0.1:0",
      "tests/fixtures/spin_app.ts",
    ]);
    const oldPid = cli.child.pid;
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    // Send /spin until one lands (each new connection goes to one of the two workers).
    fetch(`http://127.0.0.1:${cli.port}/spin`, { client, signal: AbortSignal.timeout(20_000) })
      .catch(() => {});
    await cli.waitFor("starts spinning");
    const stuckAt = Date.now();
    await cli.waitFor(/WORKER TIMEOUT: worker \d .*it was serving: GET \/spin \(running/, 10_000);
    await cli.waitFor(/Booting worker \d/, 5_000);
    assert.ok(Date.now() - stuckAt < 2_000 + 2_000 + 1_000, "replaced within timeout + 2 s");
    // Requests keep being answered meanwhile (each on a new connection).
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`http://127.0.0.1:${cli.port}/`, {
        client,
        headers: { connection: "close" },
        signal: AbortSignal.timeout(15_000),
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
    }
    // The core is reclaimed: a new master replaces this process, which then exits.
    newPid = await readPid(pidFile, oldPid);
    assert.ok(await gone(oldPid, 20_000), "the master with the stuck thread exited");
    client.close();
  } finally {
    // Whatever happened, stop every master this test started (by the pids it knows).
    const last = Number((await Deno.readTextFile(pidFile).catch(() => "")).trim());
    for (const pid of new Set([newPid, last].filter((p) => p > 0))) {
      try {
        Deno.kill(pid, "SIGTERM");
      } catch { /* already gone */ }
      await gone(pid, 15_000);
    }
    await Deno.remove(dir, { recursive: true });
  }
});
