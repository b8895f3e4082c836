// End-to-end: each example replays its README's demo against the real CLI.

import assert from "node:assert/strict";
import { parseResponse, rawExchange, startCli } from "./_cli.ts";

Deno.test("part II middleware example: header insertion, response modification, routing", async () => {
  await using cli = await startCli([
    "dev",
    "-b",
    "127.0.0.1:0",
    "examples/part-II-gateway/middleware.ts",
  ]);
  const app = parseResponse((await rawExchange(cli.port, "GET / HTTP/1.0\r\n\r\n")).text);
  assert.equal(app.statusLine, "HTTP/1.1 200 OK");
  assert.equal(app.headers.get("x-powered-by"), "ngw2f");
  assert.equal(app.body, "HELLO, WORLD!\n");
  assert.equal(app.headers.get("content-length"), "14");

  const health = parseResponse((await rawExchange(cli.port, "GET /health HTTP/1.0\r\n\r\n")).text);
  assert.equal(health.headers.get("x-powered-by"), "ngw2f");
  assert.equal(health.headers.get("content-type"), "application/json");
  assert.deepEqual(JSON.parse(health.body), { ok: true, worker: 1 });
  assert.equal(await cli.stop("SIGINT"), 0);
});
