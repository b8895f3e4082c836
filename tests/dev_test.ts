// End-to-end: `ngw2f dev` started as a subprocess, spoken to over real sockets.

import assert from "node:assert/strict";
import { parseResponse, rawExchange, root, runCli, startCli } from "./_cli.ts";

const APP = "examples/part-II-gateway/app.ts";
const CLASSIC = "examples/part-II-gateway/classic.ts";
const TALK_REQUEST = "GET / HTTP/1.0\r\n\r\n";

Deno.test("ngw2f dev answers the talk's raw GET / HTTP/1.0 and closes the connection", async () => {
  await using cli = await startCli(["dev", "-b", "127.0.0.1:0", APP]);
  const { text, closedByServer } = await rawExchange(cli.port, TALK_REQUEST);
  const response = parseResponse(text);
  assert.equal(response.statusLine, "HTTP/1.1 200 OK");
  assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(response.headers.get("content-length"), "14");
  assert.equal(response.headers.get("connection"), "close");
  assert.match(response.headers.get("date") ?? "", /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
  assert.equal(response.body, "Hello, World!\n");
  assert.ok(closedByServer, "the server closes an HTTP/1.0 connection after answering");
  await cli.waitFor('"GET / HTTP/1.0" 200 14 "-" "-"');
  assert.equal(await cli.stop(), 0);
});

Deno.test("ngw2f dev answers a client that half-closes after sending (printf | nc -q1)", async () => {
  await using cli = await startCli(["dev", "-b", "127.0.0.1:0", APP]);
  const { text, closedByServer } = await rawExchange(cli.port, TALK_REQUEST, { halfClose: true });
  const response = parseResponse(text);
  assert.equal(response.statusLine, "HTTP/1.1 200 OK");
  assert.equal(response.body, "Hello, World!\n");
  assert.ok(closedByServer);
});

Deno.test("ngw2f dev answers a half-closed client with a classic app's streamed body", async () => {
  await using cli = await startCli(["dev", "-b", "127.0.0.1:0", CLASSIC]);
  const { text } = await rawExchange(cli.port, TALK_REQUEST, { halfClose: true });
  assert.equal(parseResponse(text).body, "Hello, World!\n");
});

Deno.test("the classic form of the part II app sends the same body bytes as the modern one", async () => {
  await using modern = await startCli(["dev", "-b", "127.0.0.1:0", APP]);
  await using old = await startCli(["dev", "-b", "127.0.0.1:0", CLASSIC]);
  const a = parseResponse((await rawExchange(modern.port, TALK_REQUEST)).text);
  const b = parseResponse((await rawExchange(old.port, TALK_REQUEST)).text);
  assert.equal(b.statusLine, a.statusLine);
  assert.equal(b.headers.get("content-type"), a.headers.get("content-type"));
  assert.equal(b.body, a.body);
  assert.equal(b.body, "Hello, World!\n");
});

Deno.test("a plain `deno serve` module runs under ngw2f dev unchanged", async () => {
  await using cli = await startCli([
    "dev",
    "-b",
    "127.0.0.1:0",
    "tests/fixtures/deno_serve_app.ts",
  ]);
  const response = await fetch(`http://127.0.0.1:${cli.port}/hello?name=ada`);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "hello ada from /hello\n");
  const { text } = await rawExchange(cli.port, TALK_REQUEST, { halfClose: true });
  assert.equal(parseResponse(text).headers.get("transfer-encoding"), undefined);
  assert.match(parseResponse(text).body, /^hello world from \/\n$/);
});

Deno.test("an ngw2f example app runs unchanged under `deno serve`", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["serve", "-A", "--host", "127.0.0.1", "--port", "0", APP],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    let text = "";
    const decoder = new TextDecoder();
    const reader = child.stderr.getReader();
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    while (!/Listening on https?:\/\/[^:]+:(\d+)/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    clearTimeout(timer);
    reader.releaseLock();
    const port = Number(/Listening on https?:\/\/[^:]+:(\d+)/.exec(text)?.[1]);
    assert.ok(port > 0, `deno serve did not start: ${text}`);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await response.text(), "Hello, World!\n");
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel();
    await child.stderr.cancel().catch(() => {});
  }
});

Deno.test("ngw2f dev keeps serving after a malformed request (400) and an app error (500)", async () => {
  await using cli = await startCli(["dev", "-b", "127.0.0.1:0", "tests/fixtures/faulty_app.ts"]);
  const bad = parseResponse((await rawExchange(cli.port, "NONSENSE\r\n\r\n")).text);
  assert.equal(bad.statusLine, "HTTP/1.1 400 Bad Request");
  const boom = parseResponse((await rawExchange(cli.port, "GET /boom HTTP/1.0\r\n\r\n")).text);
  assert.equal(boom.statusLine, "HTTP/1.1 500 Internal Server Error");
  await cli.waitFor("Error: boom from the app");
  assert.match(cli.output(), /at boom \(.*faulty_app\.ts/, "the stack is logged");
  const fine = parseResponse((await rawExchange(cli.port, TALK_REQUEST)).text);
  assert.equal(fine.statusLine, "HTTP/1.1 200 OK");
  assert.equal(fine.body, "still here\n");
});

Deno.test("ngw2f dev listens on a unix socket and removes it on shutdown", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/dev.sock`;
  try {
    const cli = await startCli(["dev", "-b", `unix:${path}`, APP]);
    assert.equal(cli.listen, `unix:${path}`);
    const { text } = await rawExchange(0, TALK_REQUEST, { path });
    assert.equal(parseResponse(text).body, "Hello, World!\n");
    assert.equal(await cli.stop("SIGTERM"), 0);
    await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f dev runs startup before serving and shutdown after draining on SIGTERM", async () => {
  await using cli = await startCli([
    "dev",
    "-b",
    "127.0.0.1:0",
    "--graceful-timeout",
    "10",
    "tests/fixtures/lifespan_app.ts",
  ]);
  assert.ok(cli.output().indexOf("startup ran") < cli.output().indexOf("Listening at:"));
  const slow = rawExchange(cli.port, "GET /slow HTTP/1.0\r\n\r\n", { timeoutMs: 10_000 });
  await cli.waitFor("slow request started");
  const stopped = cli.stop("SIGTERM");
  const response = parseResponse((await slow).text);
  assert.equal(response.body, "slow done\n", "the request in flight finished");
  assert.equal(await stopped, 0);
  const out = cli.output();
  assert.ok(out.indexOf("shutdown ran") > out.indexOf("slow request finished"));
});

Deno.test("ngw2f dev exits 3 with the cause when the app's startup fails", async () => {
  const result = await runCli(["dev", "-b", "127.0.0.1:0", "tests/fixtures/lifespan_app.ts"], {
    env: { LIFESPAN_FAIL: "1" },
  });
  assert.equal(result.code, 3);
  assert.match(result.stderr, /Cannot start the app: startup\(\) failed: the database is down/);
  assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace for a boot failure");
});

Deno.test("ngw2f dev --validate reports a contract violation as a 500 with the reason", async () => {
  await using cli = await startCli([
    "dev",
    "--validate",
    "-b",
    "127.0.0.1:0",
    "tests/fixtures/faulty_app.ts",
  ]);
  const res = parseResponse((await rawExchange(cli.port, "GET /hop HTTP/1.0\r\n\r\n")).text);
  assert.equal(res.statusLine, "HTTP/1.1 500 Internal Server Error");
  await cli.waitFor(/hop-by-hop header "keep-alive"/);
});
