// End-to-end: each example replays its README's demo against the real CLI.

import assert from "node:assert/strict";
import { parseResponse, rawExchange, startCli } from "./_cli.ts";
import { freePort } from "./_tcp.ts";

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

Deno.test("the README demo (ngw2f up) answers the talk's half-closed GET / HTTP/1.0", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const demo: string[] = denoJson.tasks.demo.split(" ").slice(4); // after "deno run -A main.ts"
  assert.deepEqual(demo, ["up"], `demo task: ${demo}`);
  const port = freePort();
  const cwd = await Deno.makeTempDir({ prefix: "ngw2f-demo-" });
  try {
    await using cli = await startCli(demo, {
      cwd,
      env: { NGW2F_DEMO_LISTEN: `127.0.0.1:${port}` },
    });
    await cli.waitFor(/\[proxy\].*Listening at: http:\/\/127\.0\.0\.1:\d+/);
    await cli.waitFor(/\[app\]\s.*Listening at: http:\/\/127\.0\.0\.1:\d+/);
    const { text, closedByServer } = await rawExchange(port, "GET / HTTP/1.0\r\n\r\n", {
      halfClose: true,
    });
    const response = parseResponse(text);
    assert.equal(response.statusLine, "HTTP/1.1 302 Found");
    assert.equal(response.headers.get("location"), "/auth/login?next=%2F");
    assert.equal(response.headers.get("connection"), "close");
    assert.ok(closedByServer);
    await cli.waitFor('"GET / HTTP/1.0" 302');
    assert.equal(await cli.stop("SIGTERM"), 0);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("part IV wrapping demo: RequestWrapper reads ?name= under ngw2f dev", async () => {
  await using cli = await startCli([
    "dev",
    "-b",
    "127.0.0.1:0",
    "examples/part-IV-werkzeug/wrapping.ts",
  ]);
  const named = parseResponse(
    (await rawExchange(cli.port, "GET /?name=Deno HTTP/1.0\r\n\r\n")).text,
  );
  assert.equal(named.statusLine, "HTTP/1.1 200 OK");
  assert.equal(named.body, "Hello, Deno!\n");
  const plain = parseResponse((await rawExchange(cli.port, "GET / HTTP/1.0\r\n\r\n")).text);
  assert.equal(plain.body, "Hello, World!\n");
  assert.equal(await cli.stop("SIGINT"), 0);
});
