import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { lineOf, tomlKeyLines } from "./_toml_lines.ts";

Deno.test("tomlKeyLines() maps top-level keys, tables and dotted keys to their lines", () => {
  const text = [
    "# a comment: DEBUG = true",
    "workers = 2",
    "",
    "[app]  # the app",
    "DEBUG=true",
    '  SECRET_KEY = "k"',
    "DB.POOL . SIZE = 5",
    "",
    "[ app.CACHE ]",
    'TYPE = "redis"',
  ].join("\n");
  parse(text);
  const lines = tomlKeyLines(text);
  assert.deepEqual(Object.fromEntries(lines), {
    workers: 2,
    app: 4,
    "app.DEBUG": 5,
    "app.SECRET_KEY": 6,
    "app.DB": 7,
    "app.DB.POOL": 7,
    "app.DB.POOL.SIZE": 7,
    "app.CACHE": 9,
    "app.CACHE.TYPE": 10,
  });
});

Deno.test("tomlKeyLines() unquotes quoted keys and keeps their dots", () => {
  const text = '[app]\n"A.B" = 1\n\'C\' = 2\n"q\\"x" = 3\n';
  parse(text);
  const lines = tomlKeyLines(text);
  assert.equal(lines.get("app.A.B"), 2);
  assert.equal(lines.get("app.C"), 3);
  assert.equal(lines.get('app.q"x'), 4);
});

Deno.test("tomlKeyLines() numbers array-of-tables items", () => {
  const text = '[[job]]\nname = "a"\n[[job]]\nname = "b"\n[job.opts]\nx = 1\n';
  parse(text);
  const lines = tomlKeyLines(text);
  assert.equal(lines.get("job[1].name"), 2);
  assert.equal(lines.get("job[2]"), 3);
  assert.equal(lines.get("job[2].name"), 4);
  assert.equal(lines.get("job[2].opts.x"), 6);
});

Deno.test("tomlKeyLines() skips lines inside multi-line strings", () => {
  const text = 'A = """\nB = 1\n"""\nC = \'\'\'\n[fake]\n\'\'\'\nD = """one line"""\nE = 2\n';
  parse(text);
  const lines = tomlKeyLines(text);
  assert.deepEqual([...lines.keys()], ["A", "C", "D", "E"]);
  assert.equal(lines.get("E"), 8);
});

Deno.test("lineOf() falls back to the nearest enclosing key", () => {
  const lines = tomlKeyLines('[app]\nDB = { POOL = { SIZE = "x" } }\n');
  assert.equal(lineOf(lines, "app.DB.POOL.SIZE"), 2);
  assert.equal(lineOf(lines, "app.NEW"), 1);
  assert.equal(lineOf(lines, "job[1].x"), undefined);
});
