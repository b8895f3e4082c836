import assert from "node:assert/strict";
import { createLogger, parseLogLevel } from "./logger.ts";

Deno.test("createLogger() drops lines below its level and tags the rest", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "warning", tag: "dev", write: (line) => lines.push(line) });
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\] \[dev\] \[WARNING\] w$/);
  assert.match(lines[1], /\[ERROR\] e$/);
});

Deno.test("createLogger() logs an error's stack after the message", () => {
  const lines: string[] = [];
  const log = createLogger({ write: (line) => lines.push(line) });
  log.error("Request failed", new TypeError("bad thing"));
  assert.match(lines[0], /\[ERROR\] Request failed\nTypeError: bad thing\n\s+at /);
  log.error("Odd throw", "a string");
  assert.match(lines[1], /Odd throw\na string$/);
});

Deno.test("createLogger({ bare }) writes the message alone", () => {
  const lines: string[] = [];
  createLogger({ bare: true, write: (line) => lines.push(line) }).info("just this");
  assert.deepEqual(lines, ["just this"]);
});

Deno.test("parseLogLevel() accepts gunicorn's names in any case, and warn", () => {
  assert.equal(parseLogLevel("DEBUG"), "debug");
  assert.equal(parseLogLevel("warn"), "warning");
  assert.equal(parseLogLevel("critical"), "critical");
  assert.equal(parseLogLevel("verbose"), undefined);
});
