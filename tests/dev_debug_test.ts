// End-to-end: `ngw2f dev --debug` answers an unhandled error with the debug page, and refuses to
// run on an address the network can reach.

import assert from "node:assert/strict";
import { root, runCli, startCli } from "./_cli.ts";

const APP = "tests/fixtures/dev/debug_app.ts";
const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const SECRET = "s3cret-t0ken";

async function get(port: number, path: string, headers: HeadersInit = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    body: await response.text(),
  };
}

for (const reload of [false, true]) {
  const mode = reload ? " --reload" : "";
  Deno.test(`ngw2f dev --debug${mode}: a throw becomes the HTML debug page for a browser`, async () => {
    const args = ["dev", "--debug", ...(reload ? ["--reload"] : []), "-b", "127.0.0.1:0", APP];
    await using cli = await startCli(args);
    const page = await get(cli.port, "/boom", {
      accept: BROWSER,
      authorization: `Bearer ${SECRET}`,
      cookie: `session=${SECRET}; theme=dark`,
    });
    assert.equal(page.status, 500);
    assert.equal(page.type, "text/html; charset=utf-8");
    // The class and message, escaped.
    assert.match(page.body, /<h1>Error<\/h1>/);
    assert.match(page.body, /Cannot load the user &lt;script&gt;: the database said no/);
    assert.doesNotMatch(page.body, /user <script>/);
    // The cause chain.
    assert.match(page.body, /Caused by: RangeError/);
    assert.match(page.body, /no row for id &quot;42&quot;/);
    // The frame of the throw, with its source line highlighted.
    assert.ok(page.body.includes(`${root}/${APP}:7:`), "the frame names the file and line");
    assert.match(
      page.body,
      /<span class="hl"><span class="no">7<\/span> {2}throw new Error\(&quot;Cannot load the user/,
    );
    // The request, credentials masked.
    assert.match(page.body, /Bearer \[masked\]/);
    assert.match(page.body, /session=\[masked\]; theme=\[masked\]/);
    assert.ok(!page.body.includes(SECRET), "no credential appears on the page");
    assert.match(page.body, /127\.0\.0\.1:\d+/, "the remote address");
    assert.match(page.body, /<textarea[^>]*>Error: Cannot load the user/);
    assert.match(page.body, /no interactive/);
    await cli.waitFor("Error handling GET");
    assert.equal(await cli.stop("SIGTERM"), 0);
  });
}

Deno.test("ngw2f dev --debug: curl gets the debug page as plain text", async () => {
  await using cli = await startCli(["dev", "--debug", "-b", "127.0.0.1:0", APP]);
  const page = await get(cli.port, "/boom", { accept: "*/*", authorization: `Basic ${SECRET}` });
  assert.equal(page.status, 500);
  assert.equal(page.type, "text/plain; charset=utf-8");
  assert.match(
    page.body,
    /^500 Internal Server Error: Error in GET http:\/\/127\.0\.0\.1:\d+\/boom/,
  );
  assert.match(page.body, /> 7 \| {3}throw new Error\("Cannot load the user <script>/);
  assert.match(page.body, /Caused by: RangeError: no row for id "42"/);
  assert.match(page.body, /authorization: Basic \[masked\]/);
  assert.ok(!page.body.includes(SECRET));
});

Deno.test("ngw2f dev --debug: a rejected promise and a thrown string get the page, an HTTP error keeps its own", async () => {
  await using cli = await startCli(["dev", "--debug", "-b", "127.0.0.1:0", APP]);
  const rejected = await get(cli.port, "/reject");
  assert.equal(rejected.status, 500);
  assert.match(rejected.body, /TypeError: rejected on purpose/);
  const thrown = await get(cli.port, "/string");
  assert.equal(thrown.status, 500);
  assert.match(thrown.body, /Non-error value: a bare string/);
  const missing = await get(cli.port, "/missing", { accept: "text/html" });
  assert.equal(missing.status, 404);
  assert.match(missing.body, /No such page\./);
  assert.doesNotMatch(missing.body, /Traceback/);
  assert.equal((await get(cli.port, "/")).body, "fine\n");
});

Deno.test("ngw2f dev without --debug keeps an unhandled error a plain 500", async () => {
  await using cli = await startCli(["dev", "-b", "127.0.0.1:0", APP]);
  const page = await get(cli.port, "/boom", { accept: BROWSER });
  assert.equal(page.status, 500);
  assert.equal(page.body, "Internal Server Error\n");
});

for (const bind of ["0.0.0.0:0", "[::]:0", "8000", "192.0.2.1:0"]) {
  Deno.test(`ngw2f dev --debug -b ${bind} exits 2 naming the flag and the bind`, async () => {
    const result = await runCli(["dev", "--debug", "-b", bind, APP]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--debug/);
    assert.ok(result.stderr.includes(`"${bind}"`), result.stderr);
    assert.match(result.stderr, /loopback/);
    assert.doesNotMatch(result.stdout + result.stderr, /Listening at/);
  });
}

Deno.test("ngw2f dev --debug runs on a unix socket and on localhost", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cli = await startCli(["dev", "--debug", "-b", `unix:${dir}/s.sock`, APP]);
    assert.equal(await cli.stop("SIGTERM"), 0);
    await using local = await startCli(["dev", "--debug", "-b", "localhost:0", APP]);
    assert.equal((await get(local.port, "/")).body, "fine\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f dev --help documents --reload and --debug", async () => {
  const result = await runCli(["dev", "--help"]);
  assert.equal(result.code, 0);
  for (const flag of ["--reload", "--reload-dir DIR", "--reload-ext EXT", "--debug"]) {
    assert.ok(result.stdout.includes(flag), `--help lists ${flag}`);
  }
  assert.match(result.stdout, /no interactive console/);
  assert.match(result.stdout, /error page/);
});

Deno.test("ngw2f dev --reload-dir without --reload is a usage error", async () => {
  const result = await runCli(["dev", "--reload-dir", "tests", APP]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--reload-dir needs --reload/);
});

Deno.test("ngw2f dev --reload --reload-dir with a missing folder exits 2 naming it", async () => {
  const result = await runCli([
    "dev",
    "--reload",
    "--reload-dir",
    "no/such/dir",
    "-b",
    "127.0.0.1:0",
    APP,
  ]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--reload-dir.*"no\/such\/dir" is not a directory/);
});
