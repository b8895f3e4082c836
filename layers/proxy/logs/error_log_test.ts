import assert from "node:assert/strict";
import { openErrorLog } from "./error_log.ts";

const NOW = () => Date.UTC(2026, 10, 26, 14, 21, 45);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openErrorLog() writes nginx-style lines at once, from its level up", () =>
  withDir(async (dir) => {
    const path = `${dir}/error.log`;
    const log = openErrorLog(path, "notice", { workerId: 2, now: NOW });
    log.debug("no");
    log.info("no");
    log.notice("signal 10 (SIGUSR1) received, reopening logs");
    log.warn("an upstream response is buffered");
    log.error("boom");
    log.crit("worse");
    const prefix = `2026/11/26 14:21:45`;
    assert.equal(
      await Deno.readTextFile(path),
      `${prefix} [notice] ${Deno.pid}#2: signal 10 (SIGUSR1) received, reopening logs\n` +
        `${prefix} [warn] ${Deno.pid}#2: an upstream response is buffered\n` +
        `${prefix} [error] ${Deno.pid}#2: boom\n` +
        `${prefix} [crit] ${Deno.pid}#2: worse\n`,
    );
    log.close();
  }));

Deno.test("openErrorLog() writes every level at debug, worker 0 by default", () =>
  withDir(async (dir) => {
    const path = `${dir}/error.log`;
    const log = openErrorLog(path, "debug");
    log.debug("d");
    log.info("i");
    log.close();
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(
      lines[0],
      new RegExp(`^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d \\[debug\\] ${Deno.pid}#0: d$`),
    );
    assert.match(lines[1], /\[info\] \d+#0: i$/);
  }));

Deno.test("openErrorLog() adds an error's stack after the message", () =>
  withDir(async (dir) => {
    const path = `${dir}/error.log`;
    const log = openErrorLog(path, "error", { now: NOW });
    log.error("Cannot answer", new Error("kaput"));
    log.close();
    assert.match(
      await Deno.readTextFile(path),
      /\[error\] \d+#0: Cannot answer\nError: kaput\n {4}at /,
    );
  }));

Deno.test("openErrorLog() reopen() sends new lines to a new file after a rename", () =>
  withDir(async (dir) => {
    const path = `${dir}/error.log`;
    const log = openErrorLog(path, "info", { now: NOW });
    log.info("before");
    await Deno.rename(path, `${path}.1`);
    log.reopen();
    log.info("after");
    log.close();
    log.error("dropped after close");
    assert.match(await Deno.readTextFile(`${path}.1`), /: before\n$/);
    assert.match(await Deno.readTextFile(path), /: after\n$/);
  }));

Deno.test("openErrorLog() refuses an unknown level", () => {
  // deno-lint-ignore no-explicit-any
  assert.throws(() => openErrorLog("-", "loud" as any), /unknown level "loud"/);
});
