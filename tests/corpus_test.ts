// End-to-end: the raw-request corpus (tests/_corpus.ts) against `ngw2f dev`, the reference
// HTTP/1 core, started as a subprocess with an app that reports exactly what it received.

import assert from "node:assert/strict";
import { startCli } from "./_cli.ts";
import { type EntryResult, formatReport, MALFORMED, runCorpus, VALID } from "./_corpus.ts";

const APP = "tests/fixtures/inspect_app.ts";

function failures(results: EntryResult[]): string[] {
  return results.filter((r) => !r.ok).map((r) =>
    `${r.name} (${r.outcome}): ${r.problems.join("; ")}`
  );
}

Deno.test("the corpus holds at least 60 malformed and 40 valid-but-unusual requests", () => {
  assert.ok(MALFORMED.length >= 60, `${MALFORMED.length} malformed entries`);
  assert.ok(VALID.length >= 40, `${VALID.length} valid entries`);
  const names = [...MALFORMED, ...VALID].map((e) => e.name);
  assert.equal(new Set(names).size, names.length, "entry names are unique");
  assert.ok(MALFORMED.every((e) => e.expect.kind === "reject"));
  assert.ok(VALID.every((e) => e.expect.kind === "accept"));
});

Deno.test("ngw2f dev answers every malformed request with a 4xx and keeps serving", async () => {
  await using cli = await startCli(["dev", "-b", "127.0.0.1:0", "--no-access-log", APP]);
  const report = await runCorpus(cli.port, { kinds: ["malformed"] });
  assert.equal(report.malformed.length, MALFORMED.length);
  assert.ok(report.aliveChecks >= MALFORMED.length, "checked the server after every entry");
  assert.deepEqual(failures(report.malformed), [], formatReport(report));
});

Deno.test("ngw2f dev hands every valid-but-unusual request to the app exactly", async () => {
  await using cli = await startCli(["dev", "-b", "127.0.0.1:0", "--no-access-log", APP]);
  const report = await runCorpus(cli.port, { kinds: ["valid"] });
  assert.equal(report.valid.length, VALID.length);
  assert.deepEqual(failures(report.valid), [], formatReport(report));
});
