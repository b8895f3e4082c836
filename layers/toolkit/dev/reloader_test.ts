import assert from "node:assert/strict";
import { ChangeBatcher, isWatchedPath, watchChanges } from "./reloader.ts";

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

Deno.test("isWatchedPath() ignores editors' temp and backup files", () => {
  for (
    const name of [
      "app.ts~",
      ".app.ts.swp",
      ".app.ts.swo",
      ".app.ts.swx",
      "4913",
      ".#app.ts",
      "#app.ts#",
      "app.ts___jb_tmp___",
      "app.ts___jb_old___",
      "app.ts.tmp",
    ]
  ) {
    assert.equal(isWatchedPath(`/srv/app/${name}`), false, name);
  }
});

Deno.test("isWatchedPath() ignores dependency and VCS folders at any depth", () => {
  assert.equal(isWatchedPath("/srv/app/node_modules/hono/dist/index.js"), false);
  assert.equal(isWatchedPath("/srv/app/.git/HEAD.ts"), false);
  assert.equal(isWatchedPath("/srv/app/lib/.deno/x.ts"), false);
  assert.equal(isWatchedPath("/srv/app/lib/node_modules_notes/x.ts"), true);
});

Deno.test("isWatchedPath() counts source extensions, added ones, and every file with *", () => {
  assert.equal(isWatchedPath("/srv/app/a.TSX"), true);
  assert.equal(isWatchedPath("/srv/app/deno.json"), true);
  assert.equal(isWatchedPath("/srv/app/data.sqlite"), false);
  assert.equal(isWatchedPath("/srv/app/Makefile"), false);
  assert.equal(isWatchedPath("/srv/app/.ts"), false, "a dot file named like an extension");
  assert.equal(isWatchedPath("/srv/app/t.html", { extensions: ["ts", "html"] }), true);
  assert.equal(isWatchedPath("/srv/app/Makefile", { extensions: ["*"] }), true);
  assert.equal(isWatchedPath("/srv/app/"), false, "a directory path");
});

Deno.test("isWatchedPath() ignores given paths and what begins with them (socket temp names)", () => {
  const ignorePaths = ["/srv/app/dev.sock"];
  assert.equal(isWatchedPath("/srv/app/dev.sock", { ignorePaths, extensions: ["*"] }), false);
  assert.equal(
    isWatchedPath("/srv/app/dev.sock.123.ab12cd34", { ignorePaths, extensions: ["*"] }),
    false,
  );
  assert.equal(isWatchedPath("/srv/app/app.ts", { ignorePaths }), true);
});

Deno.test("ChangeBatcher() coalesces a burst into one batch, each path once", async () => {
  const batches: string[][] = [];
  const batcher = new ChangeBatcher((paths) => batches.push(paths), { debounceMs: 30 });
  batcher.add(["/a.ts"]);
  await delay(10);
  batcher.add(["/b.ts", "/a.ts"]);
  await delay(10);
  batcher.add(["/c.ts"]);
  assert.deepEqual(batches, []);
  await delay(80);
  assert.deepEqual(batches, [["/a.ts", "/b.ts", "/c.ts"]]);
  batcher.add(["/a.ts"]);
  await delay(80);
  assert.deepEqual(batches, [["/a.ts", "/b.ts", "/c.ts"], ["/a.ts"]]);
  batcher.close();
});

Deno.test("ChangeBatcher() flushes after maxWaitMs while changes keep coming", async () => {
  const batches: string[][] = [];
  const batcher = new ChangeBatcher((paths) => batches.push(paths), {
    debounceMs: 40,
    maxWaitMs: 100,
  });
  const started = Date.now();
  while (Date.now() - started < 250 && batches.length === 0) {
    batcher.add([`/f${Date.now()}.ts`]);
    await delay(10);
  }
  assert.equal(batches.length, 1);
  const waited = Date.now() - started;
  assert.ok(waited < 200, `flushed after ${waited} ms`);
  batcher.close();
});

Deno.test("ChangeBatcher() ignores empty adds and drops what is pending on close", async () => {
  const batches: string[][] = [];
  const batcher = new ChangeBatcher((paths) => batches.push(paths), { debounceMs: 10 });
  batcher.add([]);
  batcher.add(["/a.ts"]);
  batcher.close();
  batcher.add(["/b.ts"]);
  await delay(40);
  assert.deepEqual(batches, []);
  // The test sanitizer checks that no timer is left running.
});

Deno.test("watchChanges() reports source changes, not ignored files, and stops on close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/node_modules`);
    const batches: string[][] = [];
    const watcher = watchChanges([dir], (paths) => batches.push(paths), { debounceMs: 30 });
    await delay(50);
    await Deno.writeTextFile(`${dir}/.app.ts.swp`, "x");
    await Deno.writeTextFile(`${dir}/node_modules/x.js`, "x");
    await Deno.writeTextFile(`${dir}/notes.txt`, "x");
    await delay(100);
    assert.equal(batches.length, 0, `ignored files reported: ${JSON.stringify(batches)}`);
    await Deno.writeTextFile(`${dir}/app.ts`, "export default 1;\n");
    await Deno.writeTextFile(`${dir}/lib.ts`, "export default 2;\n");
    // The two writes may land in one debounce window or in two (a slow machine can stall
    // between them), so wait for the union of the batches rather than for the first one.
    const expected = [`${dir}/app.ts`, `${dir}/lib.ts`];
    const seen = () => new Set(batches.flat());
    const deadline = Date.now() + 5_000;
    while (!expected.every((path) => seen().has(path)) && Date.now() < deadline) await delay(20);
    assert.deepEqual([...seen()].sort(), expected);
    watcher.close();
    await watcher.closed;
    // Every batch holds only the source files: the ignored files never show up.
    for (const batch of batches) {
      assert.ok(batch.length > 0, "an empty batch");
      assert.equal(new Set(batch).size, batch.length, "a path twice in one batch");
      for (const path of batch) assert.ok(expected.includes(path), `unexpected ${path}`);
    }
    const count = batches.length;
    await Deno.writeTextFile(`${dir}/app.ts`, "export default 3;\n");
    await delay(60);
    assert.equal(batches.length, count, "a batch after close()");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
