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

Deno.test("the README demo (ngw2f up) answers the talk's half-closed GET / HTTP/1.0", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const demo: string[] = denoJson.tasks.demo.split(" ").slice(4); // after "deno run -A main.ts"
  assert.deepEqual(demo, ["up"], `demo task: ${demo}`);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const cwd = await Deno.makeTempDir({ prefix: "ngw2f-demo-" });
  try {
    await using cli = await startCli(demo, {
      cwd,
      env: { NGW2F_DEMO_LISTEN: `127.0.0.1:${port}` },
    });
    await cli.waitFor(/\[proxy\].*Listening at: http:\/\/127\.0\.0\.1:\d+/);
    await cli.waitFor(/\[app\]\s.*Listening at: unix:/);
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

Deno.test("part IV wrapped app (Shortly) under ngw2f serve: the talk's GET / HTTP/1.0, then the demo", async () => {
  await using cli = await startCli([
    "serve",
    "-w",
    "1",
    "-b",
    "127.0.0.1:0",
    "examples/part-IV-werkzeug/app.ts",
  ]);
  const base = `http://127.0.0.1:${cli.port}`;
  const index = parseResponse((await rawExchange(cli.port, "GET / HTTP/1.0\r\n\r\n")).text);
  // Plain `serve` answers through Deno.serve, which echoes the 1.0 version in its status line.
  assert.match(index.statusLine, /^HTTP\/1\.[01] 200 OK$/);
  assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(
    Number(index.headers.get("content-length")),
    new TextEncoder().encode(index.body).length,
  );
  assert.match(index.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  assert.match(index.body, /<title>Shorten a URL — Shortly<\/title>/);

  // Shorten (form POST → 303 to the details page), follow (302), read back as JSON.
  const created = await fetch(`${base}/`, {
    method: "POST",
    body: new URLSearchParams({ url: "https://deno.com/" }),
    redirect: "manual",
  });
  assert.equal(created.status, 303);
  const details = created.headers.get("location")!;
  assert.match(details, /^\/\w+\+$/);
  const shortId = details.slice(1, -1);
  const follow = await fetch(`${base}/${shortId}`, { redirect: "manual" });
  assert.equal(follow.status, 302);
  assert.equal(follow.headers.get("location"), "https://deno.com/");
  const page = await fetch(`${base}${details}`);
  assert.match(await page.text(), /1 hit</);
  const api = await fetch(`${base}/api/links/${shortId}`);
  assert.deepEqual(await api.json(), {
    id: shortId,
    url: "https://deno.com/",
    hits: 1,
    short: `${base}/${shortId}`,
  });

  // The JSON API creates too; a bad URL is a 400 rendered as JSON for a JSON client.
  const posted = await fetch(`${base}/api/links`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ url: "ftp://example.com/" }),
  });
  assert.equal(posted.status, 400);
  assert.match((await posted.json()).error.description, /only http and https URLs/);

  // Router semantics: 405 with Allow for a known path, 404 as HTML or JSON by Accept, and no
  // trailing slash on a rule without one.
  const wrongMethod = await fetch(`${base}/api/links`, { method: "DELETE" });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get("allow"), "GET, HEAD, OPTIONS, POST");
  await wrongMethod.body?.cancel();
  const missing = await fetch(`${base}/nope+`, { headers: { accept: "application/json" } });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.description, 'No short link "nope"');
  const slash = await fetch(`${base}/api/links/${shortId}/`);
  assert.equal(slash.status, 404);
  assert.match(slash.headers.get("content-type") ?? "", /^text\/html/);
  await slash.body?.cancel();

  // Static files through sharedData: ETag, then 304 on If-None-Match.
  const css = await fetch(`${base}/static/style.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
  const etag = css.headers.get("etag")!;
  assert.match(await css.text(), /font-family/);
  const again = await fetch(`${base}/static/style.css`, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
  assert.equal(await cli.stop("SIGTERM"), 0);
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
