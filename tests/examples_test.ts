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

Deno.test("the README demo (serve --protected -w 2) answers the talk's half-closed GET / HTTP/1.0", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const demo: string[] = denoJson.tasks.demo.split(" ").slice(4); // after "deno run -A main.ts"
  const args = demo.map((arg) => arg === "127.0.0.1:8080" ? "127.0.0.1:0" : arg);
  assert.ok(args.includes("serve") && args.includes("127.0.0.1:0"), `demo task: ${demo}`);
  await using cli = await startCli(args);
  const { text, closedByServer } = await rawExchange(cli.port, "GET / HTTP/1.0\r\n\r\n", {
    halfClose: true,
  });
  const response = parseResponse(text);
  assert.equal(response.statusLine, "HTTP/1.1 200 OK");
  assert.equal(response.body, "Hello, World!\n");
  assert.equal(response.headers.get("connection"), "close");
  assert.ok(closedByServer);
  await cli.waitFor('"GET / HTTP/1.0" 200 14');
  assert.equal(await cli.stop("SIGTERM"), 0);
});
