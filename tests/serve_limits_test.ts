// End-to-end: `ngw2f serve`'s request limits in both HTTP cores (the default `Deno.serve` one and
// `--protected`, the gateway's own), the header timeout against a slowloris client, and the
// malformed-request corpus (tests/_corpus.ts) against both cores.

import assert from "node:assert/strict";
import { type EntryResult, formatReport, MALFORMED, runCorpus } from "./_corpus.ts";
import { exchange, get, serve, sleep } from "./fixtures/serve_client.ts";

const APP = "tests/fixtures/worker_app.ts";
const INSPECT_APP = "tests/fixtures/inspect_app.ts";
const CORES = [
  { name: "default", args: [] as string[] },
  { name: "protected", args: ["--protected"] },
] as const;

const LIMITS = [
  "--limit-request-line",
  "100",
  "--limit-request-fields",
  "5",
  "--limit-request-field-size",
  "100",
  "--limit-request-body",
  "10",
];

function head(path: string, fields: string[]): string {
  return `GET ${path} HTTP/1.1\r\n${fields.map((f) => `${f}\r\n`).join("")}\r\n`;
}

function post(framing: string, body: string): string {
  return `POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${framing}\r\n\r\n${body}`;
}

// --- 10. Limits ----------------------------------------------------------------------------------

for (const core of CORES) {
  Deno.test(`serve (${core.name} core) answers 414, 431 and 413 past the request limits`, async (t) => {
    await using cli = await serve(["-w", "1", ...core.args, ...LIMITS, APP]);
    const port = cli.port;

    await t.step("a request within every limit is served", async () => {
      const reply = await exchange(
        port,
        head("/", ["Host: localhost", "A: 1", "B: 1", "C: 1", "Connection: close"]),
      );
      assert.equal(reply.status, 200);
      const echo = await exchange(port, post("Content-Length: 10", "0123456789"));
      assert.equal(echo.status, 200);
      assert.equal(echo.body, "10\n");
    });

    await t.step("a request line longer than --limit-request-line gets 414", async () => {
      const reply = await exchange(
        port,
        head(`/${"a".repeat(150)}`, ["Host: localhost", "Connection: close"]),
      );
      assert.equal(reply.status, 414);
    });

    await t.step("more header fields than --limit-request-fields get 431", async () => {
      const fields = Array.from({ length: 9 }, (_, i) => `X-Field-${i}: ${i}`);
      const reply = await exchange(
        port,
        head("/", ["Host: localhost", ...fields, "Connection: close"]),
      );
      assert.equal(reply.status, 431);
    });

    // The default core sees the fields through a Fetch Headers object, which merges repeated
    // names into one: it counts distinct names. The protected core counts header lines.
    await t.step({
      name: "repeated fields of one name count one by one against --limit-request-fields",
      ignore: core.name === "default",
      fn: async () => {
        const fields = Array.from({ length: 9 }, () => "X-Same: 1");
        const reply = await exchange(
          port,
          head("/", ["Host: localhost", ...fields, "Connection: close"]),
        );
        assert.equal(reply.status, 431);
      },
    });

    await t.step("a header field longer than --limit-request-field-size gets 431", async () => {
      const reply = await exchange(
        port,
        head("/", ["Host: localhost", `X-Big: ${"v".repeat(200)}`, "Connection: close"]),
      );
      assert.equal(reply.status, 431);
    });

    await t.step("repeated short fields of one name are not one long field", async () => {
      const fields = Array.from({ length: 3 }, () => `X-Same: ${"v".repeat(40)}`);
      const reply = await exchange(
        port,
        head("/", ["Host: localhost", ...fields, "Connection: close"]),
      );
      assert.equal(reply.status, 200);
    });

    await t.step("a Content-Length body past --limit-request-body gets 413", async () => {
      const reply = await exchange(port, post("Content-Length: 11", "hello world"));
      assert.equal(reply.status, 413);
    });

    await t.step("a chunked body past --limit-request-body gets 413", async () => {
      const reply = await exchange(
        port,
        post("Transfer-Encoding: chunked", "14\r\n01234567890123456789\r\n0\r\n\r\n"),
      );
      assert.equal(reply.status, 413);
    });

    await t.step("the worker still serves afterwards", async () => {
      assert.equal((await get(port, "/")).status, 200);
    });
    assert.equal(await cli.stop(), 0);
  });

  Deno.test(`serve (${core.name} core) --worker-connections 1 answers 503 to a second request at once`, async () => {
    await using cli = await serve(["-w", "1", ...core.args, "--worker-connections", "1", APP]);
    const first = get(cli.port, "/slow?ms=1000", { timeoutMs: 8_000 });
    await cli.waitFor("slow request started");
    const second = await get(cli.port, "/slow?ms=1000", { timeoutMs: 8_000 });
    assert.equal(second.status, 503);
    const done = await first;
    assert.equal(done.status, 200);
    assert.equal(done.body, "slow done\n");
    // Once the first is done, the next one is served.
    assert.equal((await get(cli.port, "/")).status, 200);
    assert.equal(await cli.stop(), 0);
  });
}

// --- 11. Slowloris --------------------------------------------------------------------------------

Deno.test("serve --protected --header-timeout 1 cuts a slowloris client off and keeps serving others", async () => {
  await using cli = await serve(["-w", "1", "--protected", "--header-timeout", "1", APP]);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: cli.port });
  const encoder = new TextEncoder();
  const started = Date.now();
  let cutAfter: number | undefined;
  const guard = setTimeout(() => conn.close(), 6_000);
  // The reader notices the server closing the connection (EOF, reset, or an answer then EOF).
  const reader = (async () => {
    const buf = new Uint8Array(4096);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
      }
    } catch { /* reset, or our guard closed it */ }
    cutAfter ??= Date.now() - started;
  })();
  // The trickler sends a partial head, then one byte every 300 ms.
  const trickler = (async () => {
    try {
      await conn.write(encoder.encode("GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: "));
      for (let i = 0; i < 20 && cutAfter === undefined; i++) {
        await sleep(300);
        await conn.write(encoder.encode("a"));
      }
    } catch {
      cutAfter ??= Date.now() - started;
    }
  })();
  // Meanwhile, normal requests on other connections are served.
  const others: (number | string)[] = [];
  while (cutAfter === undefined && Date.now() - started < 6_000) {
    others.push(
      await get(cli.port, "/", { timeoutMs: 2_000 }).then((r) => r.status, (e) => e.message),
    );
    await sleep(200);
  }
  await Promise.all([reader, trickler]);
  clearTimeout(guard);
  try {
    conn.close();
  } catch { /* already closed */ }
  assert.ok(cutAfter !== undefined, "the server closed the connection");
  assert.ok(cutAfter >= 800 && cutAfter <= 3_000, `cut off after ${cutAfter} ms`);
  assert.ok(others.length >= 3, `requests served meanwhile: ${others}`);
  assert.ok(others.every((s) => s === 200), `requests meanwhile: ${others}`);
  assert.equal(await cli.stop(), 0);
});

// --- 12. The malformed-request corpus --------------------------------------------------------------

function failures(results: EntryResult[]): string[] {
  return results.filter((r) => !r.ok).map((r) =>
    `${r.name} (${r.outcome}): ${r.problems.join("; ")}`
  );
}

Deno.test("serve --protected -w 2 passes the whole request corpus", async () => {
  await using cli = await serve(["-w", "2", "--protected", INSPECT_APP]);
  const report = await runCorpus(cli.port);
  assert.equal(report.malformed.length, MALFORMED.length);
  assert.deepEqual(failures(report.failures), [], formatReport(report));
  assert.equal(await cli.stop(), 0);
});

Deno.test("serve -w 2 (Deno.serve core) keeps serving through the corpus; reports what it mishandles", async () => {
  await using cli = await serve(["-w", "2", INSPECT_APP]);
  const report = await runCorpus(cli.port);
  if (report.failures.length > 0) {
    // deno-lint-ignore no-console
    console.log(
      `The default core (Deno.serve) mishandles ${report.failures.length} corpus entries:\n` +
        formatReport(report),
    );
  }
  const down = report.failures.filter((r) => r.problems.some((p) => p.startsWith("afterwards:")));
  assert.deepEqual(failures(down), [], "the server kept answering after every entry");
  const reply = await exchange(
    cli.port,
    "GET /after-the-corpus HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
  );
  assert.equal(reply.status, 200);
  assert.equal(await cli.stop(), 0);
});
