// supervise(): the part of `ngw2f up` that runs the proxy and the app server side by side.
import assert from "node:assert/strict";
import { supervise } from "../layers/master/supervise.ts";

Deno.test("supervise: output is tagged by name, padded to the longest name", async () => {
  const lines: string[] = [];
  const code = await supervise([
    { name: "proxy", cmd: "sh", args: ["-c", "echo out; echo err >&2; exec sleep 1"] },
    { name: "app", cmd: "sh", args: ["-c", "printf 'no newline'; exec sleep 1"] },
  ], { write: (line) => lines.push(line), signals: [] });
  assert.ok(lines.includes("[proxy] out"), lines.join("\n"));
  assert.ok(lines.includes("[proxy] err"), lines.join("\n"));
  assert.ok(lines.includes("[app]   no newline"), lines.join("\n"));
  // Whichever stopped first stopped the other; either way nothing failed but the signal.
  assert.ok(code === 0 || code === 1, `code ${code}`);
});

Deno.test("supervise: the first to exit stops the others; the highest code is returned", async () => {
  const lines: string[] = [];
  const started = performance.now();
  const code = await supervise([
    { name: "long", cmd: "sleep", args: ["30"] },
    { name: "short", cmd: "sh", args: ["-c", "exit 7"] },
  ], { write: (line) => lines.push(line), signals: [] });
  assert.equal(code, 7);
  assert.deepEqual(lines, ["[up] short exited: stopping the others"]);
  assert.ok(performance.now() - started < 20_000, "sleep 30 was stopped");
});

Deno.test("supervise: a process killed by a signal counts as 1", async () => {
  const code = await supervise([
    { name: "long", cmd: "sleep", args: ["30"] },
    { name: "short", cmd: "true", args: [] },
  ], { write: () => {}, signals: [] });
  assert.equal(code, 1);
});

Deno.test("supervise: one that ignores SIGTERM is killed after stopTimeout", async () => {
  const dir = await Deno.makeTempDir();
  const ready = `${dir}/ready`;
  const lines: string[] = [];
  const started = performance.now();
  try {
    const code = await supervise([
      // An ignored signal stays ignored across exec; "short" exits only once the trap is set.
      { name: "stubborn", cmd: "sh", args: ["-c", `trap '' TERM; touch ${ready}; exec sleep 30`] },
      {
        name: "short",
        cmd: "sh",
        args: ["-c", `while [ ! -e ${ready} ]; do sleep 0.02; done; exit 2`],
      },
    ], { write: (line) => lines.push(line), signals: [], stopTimeout: 300 });
    assert.equal(code, 2);
    assert.deepEqual(lines, ["[up] short exited: stopping the others"]);
    assert.ok(performance.now() - started < 20_000, "SIGKILL after stopTimeout");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("supervise: the children know the supervisor's pid", async () => {
  const lines: string[] = [];
  await supervise([
    { name: "a", cmd: "sh", args: ["-c", 'echo "$NGW2F_SUPERVISOR $EXTRA"'], env: { EXTRA: "x" } },
  ], { write: (line) => lines.push(line), signals: [] });
  assert.deepEqual(lines, [`[a] ${Deno.pid} x`, "[up] a exited: stopping the others"]);
});
