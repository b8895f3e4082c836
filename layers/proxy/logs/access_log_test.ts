import assert from "node:assert/strict";
import { openAccessLog } from "./access_log.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openAccessLog() buffers lines until close", () =>
  withDir(async (dir) => {
    const path = `${dir}/access.log`;
    const log = openAccessLog(path);
    log.write("one");
    log.write("two");
    assert.equal(await Deno.readTextFile(path), "");
    log.close();
    assert.equal(await Deno.readTextFile(path), "one\ntwo\n");
    log.write("dropped after close");
    log.close();
    assert.equal(await Deno.readTextFile(path), "one\ntwo\n");
  }));

Deno.test("openAccessLog() flushes when the buffer fills, keeping lines whole", () =>
  withDir(async (dir) => {
    const path = `${dir}/access.log`;
    const log = openAccessLog(path, { bufferSize: 64 });
    const line = "x".repeat(30);
    log.write(line); // 31 bytes
    log.write(line); // 62 bytes: still fits
    assert.equal(await Deno.readTextFile(path), "");
    log.write(line); // does not fit: the first two go out
    assert.equal(await Deno.readTextFile(path), `${line}\n${line}\n`);
    log.write("y".repeat(100)); // larger than the buffer: written alone after the buffered one
    assert.equal(await Deno.readTextFile(path), `${line}\n${line}\n${line}\n${"y".repeat(100)}\n`);
    log.close();
  }));

Deno.test("openAccessLog() flushes a second (flushMs) after the first buffered line", () =>
  withDir(async (dir) => {
    const path = `${dir}/access.log`;
    const log = openAccessLog(path, { flushMs: 20 });
    log.write("late");
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(await Deno.readTextFile(path), "late\n");
    log.close();
  }));

Deno.test("openAccessLog() writes UTF-8 lines", () =>
  withDir(async (dir) => {
    const path = `${dir}/access.log`;
    const log = openAccessLog(path, { bufferSize: 0 });
    log.write("café 😀");
    assert.equal(await Deno.readTextFile(path), "café 😀\n");
    log.close();
  }));

Deno.test("openAccessLog() reopen() sends new lines to a new file after a rename", () =>
  withDir(async (dir) => {
    const path = `${dir}/access.log`;
    const log = openAccessLog(path);
    log.write("before");
    await Deno.rename(path, `${path}.1`); // logrotate
    log.reopen();
    log.write("after");
    log.close();
    assert.equal(await Deno.readTextFile(`${path}.1`), "before\n");
    assert.equal(await Deno.readTextFile(path), "after\n");
  }));

Deno.test("openAccessLog() reopen() keeps the old file when the new one cannot open", () =>
  withDir(async (dir) => {
    const sub = `${dir}/logs`;
    await Deno.mkdir(sub);
    const log = openAccessLog(`${sub}/access.log`);
    await Deno.rename(sub, `${dir}/moved`);
    assert.throws(() => log.reopen(), /Cannot reopen log file/);
    log.write("still here");
    log.close();
    assert.equal(await Deno.readTextFile(`${dir}/moved/access.log`), "still here\n");
  }));

Deno.test("openAccessLog() names the path when it cannot open", () => {
  assert.throws(
    () => openAccessLog("/nonexistent-dir/x/access.log"),
    /Cannot open log file "\/nonexistent-dir/,
  );
});

Deno.test("openAccessLog() appends to an existing file", () =>
  withDir(async (dir) => {
    const path = `${dir}/access.log`;
    await Deno.writeTextFile(path, "old\n");
    const log = openAccessLog(path);
    log.write("new");
    log.flush();
    assert.equal(await Deno.readTextFile(path), "old\nnew\n");
    log.close();
  }));
