import assert from "node:assert/strict";
import {
  collectError,
  describeError,
  type ErrorInfo,
  formatTraceback,
  frameLabel,
  isLibraryUrl,
  locateError,
  parseStack,
  readSources,
} from "./stack_trace.ts";

const userOnly = { isLibrary: (url: string) => !url.startsWith("file://") };

Deno.test("parseStack() reads named, anonymous, async and constructor frames", () => {
  const frames = parseStack(
    [
      "Error: boom",
      "    at boom (file:///srv/app.ts:3:9)",
      "    at file:///srv/app.ts:10:1",
      "    at async Object.fetch (file:///srv/routes.ts:22:14)",
      "    at new Store (file:///srv/store.ts:5:11)",
      "    at Array.map (<anonymous>)",
      "    at async Promise.all (index 0)",
      "    at ext:core/01_core.js:12:3",
    ].join("\n"),
  );
  assert.deepEqual(
    frames.map((f) => [f.fn, f.file ?? f.url, f.line, f.column, f.library]),
    [
      ["boom", "/srv/app.ts", 3, 9, false],
      ["", "/srv/app.ts", 10, 1, false],
      ["async Object.fetch", "/srv/routes.ts", 22, 14, false],
      ["new Store", "/srv/store.ts", 5, 11, false],
      ["Array.map", "<anonymous>", undefined, undefined, true],
      ["async Promise.all", "index 0", undefined, undefined, true],
      ["", "ext:core/01_core.js", 12, 3, true],
    ],
  );
});

Deno.test("parseStack() strips terminal colours and decodes file paths", () => {
  const [frame] = parseStack(
    "    at \x1b[36mfile:///srv/my%20app/a.ts\x1b[0m:\x1b[33m1\x1b[0m:\x1b[33m8\x1b[0m",
  );
  assert.deepEqual([frame.file, frame.line, frame.column], ["/srv/my app/a.ts", 1, 8]);
});

Deno.test("parseStack() skips lines that are not frames (messages, code excerpts)", () => {
  const frames = parseStack("TypeError: SyntaxError: x\n  |\n2 | const x = ;\n  |   ~\n");
  assert.deepEqual(frames, []);
});

Deno.test("isLibraryUrl() marks node_modules, non-file URLs and ngw2f's layers as library", () => {
  assert.equal(isLibraryUrl(new URL("./stack_trace.ts", import.meta.url).href), true);
  assert.equal(isLibraryUrl("node:internal/x"), true);
  assert.equal(isLibraryUrl("https://esm.sh/x.js"), true);
  assert.equal(isLibraryUrl("file:///srv/app.ts"), false);
});

Deno.test("describeError() names subclasses by their constructor when name is left as Error", () => {
  class StoreError extends Error {}
  assert.equal(describeError(new StoreError("x")).name, "StoreError");
  const named = new Error("y");
  named.name = "CustomName";
  assert.equal(describeError(named).name, "CustomName");
});

Deno.test("describeError() follows the cause chain, cuts cycles and stops at 8 deep", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  const info = describeError(b);
  assert.equal(info.cause?.message, "a");
  assert.equal(info.cause?.cause, undefined, "the cycle back to b is cut");

  let deep: Error = new Error("0");
  for (let i = 1; i < 20; i++) deep = new Error(String(i), { cause: deep });
  let depth = 0;
  for (let e: ErrorInfo | undefined = describeError(deep); e; e = e.cause) depth++;
  assert.equal(depth, 9);
});

Deno.test("describeError() shows a non-error throw with Deno.inspect", () => {
  assert.deepEqual(
    [describeError({ code: 7 }).name, describeError({ code: 7 }).message],
    ["Non-error value", "{ code: 7 }"],
  );
  assert.equal(describeError(undefined).message, "undefined");
  const info = describeError(new Error("wrapped", { cause: "a string cause" }));
  assert.equal(info.cause?.message, "a string cause");
});

Deno.test("describeError() takes the location of a link error from its message", () => {
  const error = new SyntaxError(
    "The requested module './v.ts' does not provide an export named 'v' at file:///srv/app.ts:3:10",
  );
  error.stack = `SyntaxError: ${error.message}`;
  const [frame] = describeError(error, userOnly).frames;
  assert.deepEqual([frame.file, frame.line, frame.column], ["/srv/app.ts", 3, 10]);
});

Deno.test("readSources() reads the window around user frames only and cuts long lines", async () => {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
  lines[9] = "x".repeat(400);
  await Deno.writeTextFile(file, lines.join("\n"));
  try {
    const info = describeError(new Error("x"));
    info.frames = [
      { fn: "a", url: `file://${file}`, file, line: 2, column: 1, library: false },
      { fn: "b", url: `file://${file}`, file, line: 10, column: 1, library: false },
      { fn: "c", url: `file://${file}`, file, line: 20, column: 1, library: true },
      {
        fn: "d",
        url: "file:///no/such/file.ts",
        file: "/no/such/file.ts",
        line: 1,
        library: false,
      },
      { fn: "e", url: `file://${file}`, file, line: 99, column: 1, library: false },
    ];
    await readSources(info);
    const [a, b, c, d, e] = info.frames;
    assert.deepEqual(a.source, { first: 1, lines: lines.slice(0, 7) });
    assert.equal(b.source?.first, 5);
    assert.equal(b.source?.lines.length, 11);
    assert.equal(b.source?.lines[5], `${"x".repeat(300)}…`);
    assert.equal(c.source, undefined, "library frames are not read");
    assert.equal(d.source, undefined, "a missing file is left out");
    assert.equal(e.source, undefined, "a line past the end is left out");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("collectError() reads the source of a real throw in this file", async () => {
  const thrower = () => {
    throw new Error("here");
  };
  let caught: unknown;
  try {
    thrower();
  } catch (error) {
    caught = error;
  }
  const info = await collectError(caught, { ...userOnly, context: 1 });
  const frame = info.frames[0];
  assert.equal(frame.file, new URL(import.meta.url).pathname);
  assert.equal(frame.source?.lines[1].trim(), 'throw new Error("here");');
});

Deno.test("locateError() prefers the deepest user frame and skips library ones", () => {
  const at = (file: string, line: number, library = false) => ({
    fn: "",
    url: `file://${file}`,
    file,
    line,
    column: 1,
    library,
  });
  const info: ErrorInfo = {
    name: "Error",
    message: "outer",
    stack: "",
    frames: [at("/srv/outer.ts", 1)],
    cause: {
      name: "Error",
      message: "inner",
      stack: "",
      frames: [at("/lib/x.ts", 5, true), at("/srv/inner.ts", 9)],
      cause: { name: "Error", message: "no frames", stack: "", frames: [] },
    },
  };
  assert.equal(locateError(info)?.file, "/srv/inner.ts");
  assert.equal(locateError({ name: "E", message: "", stack: "", frames: [] }), undefined);
});

Deno.test("formatTraceback() prints each error with its frames and Caused by lines", () => {
  const info: ErrorInfo = {
    name: "Error",
    message: "outer",
    stack: "",
    frames: [{ fn: "f", url: "file:///a.ts", file: "/a.ts", line: 1, column: 2, library: false }],
    cause: { name: "RangeError", message: "inner", stack: "", frames: [] },
  };
  assert.equal(
    formatTraceback(info),
    "Error: outer\n    at f (/a.ts:1:2)\nCaused by: RangeError: inner",
  );
});

Deno.test("frameLabel() shows URLs that are not files as they are", () => {
  assert.equal(
    frameLabel({ fn: "", url: "ext:core/x.js", line: 4, column: 2, library: true }),
    "ext:core/x.js:4:2",
  );
  assert.equal(
    frameLabel({ fn: "Array.map", url: "<anonymous>", library: true }),
    "Array.map (<anonymous>)",
  );
});
