// End-to-end: each part of the talk, as its examples/part-*/README.md shows it. Start it with the
// real CLI (on a free port), send the talk's `GET / HTTP/1.0` over a raw socket, check the answer
// the README prints, and stop it the way the README says: exit code 0.

import assert from "node:assert/strict";
import { parseResponse, rawExchange, root, runCli, type RunningCli, startCli } from "./_cli.ts";

const TALK = "GET / HTTP/1.0\r\n\r\n";

/** The talk's telnet session: the request, an answer, and the server closing the connection. */
async function telnet(port: number) {
  const { text, closedByServer } = await rawExchange(port, TALK, { timeoutMs: 10_000 });
  assert.ok(closedByServer, `an HTTP/1.0 answer ends with the connection:\n${text}`);
  return parseResponse(text);
}

/**
 * Waits for a CLI that stops by itself (after `-s quit` or a `kill`), at most `ms`; `cli.output()`
 * then holds all it printed (`exited` settles once the pipes are read to the end).
 */
async function exitCode(cli: RunningCli, ms = 20_000): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Still running after ${ms} ms:\n${cli.output()}`)),
      ms,
    );
  });
  try {
    return (await Promise.race([cli.exited, timeout])).code;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a pid file once it holds a pid, at most `ms`. */
async function readPid(path: string, ms = 10_000): Promise<number> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const pid = Number((await Deno.readTextFile(path).catch(() => "")).trim());
    if (pid > 0) return pid;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`No pid in ${path} after ${ms} ms`);
}

Deno.test("part I README demo: proxy serves the welcome page to GET / HTTP/1.0, then -s quit exits 0", async () => {
  const example = `${root}/examples/part-I-nginx`;
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-demo-i-" });
  try {
    // A copy of the demo's file on port 0, its pid file in the temp dir; -p keeps `root = "site"`.
    const toml = (await Deno.readTextFile(`${example}/ngw2f.toml`))
      .replace('"127.0.0.1:8080 ', '"127.0.0.1:0 ')
      .replace('pid = "ngw2f-proxy.pid"', `pid = "${dir}/ngw2f-proxy.pid"`);
    assert.match(toml, /127\.0\.0\.1:0 default_server/);
    assert.ok(toml.includes(`${dir}/ngw2f-proxy.pid`));
    const config = `${dir}/ngw2f.toml`;
    await Deno.writeTextFile(config, toml);

    await using cli = await startCli(["proxy", "-p", example, "-c", config]);
    const page = await Deno.readTextFile(`${example}/site/index.html`);
    const answer = await telnet(cli.port);
    assert.equal(answer.statusLine, "HTTP/1.1 200 OK");
    assert.equal(answer.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(answer.headers.get("etag") ?? "", /^"[^"]+"$/);
    assert.ok(answer.headers.has("last-modified"));
    assert.equal(answer.headers.get("accept-ranges"), "bytes");
    assert.equal(answer.headers.get("vary"), "Accept-Encoding");
    assert.match(answer.headers.get("server") ?? "", /^ngw2f\/\d+\.\d+\.\d+$/);
    assert.equal(answer.headers.get("connection"), "close");
    assert.equal(
      Number(answer.headers.get("content-length")),
      new TextEncoder().encode(page).length,
    );
    assert.equal(answer.body, page);
    assert.match(answer.body, /<title>Welcome to ngw2f!<\/title>/);

    await readPid(`${dir}/ngw2f-proxy.pid`);
    const quit = await runCli(["proxy", "-p", example, "-c", config, "-s", "quit"]);
    assert.equal(quit.code, 0, quit.stderr);
    assert.equal(await exitCode(cli), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("part II README demo: dev answers Hello, World! to GET / HTTP/1.0, Ctrl-C exits 0", async () => {
  await using cli = await startCli(["dev", "-b", "127.0.0.1:0", "examples/part-II-gateway/app.ts"]);
  const answer = await telnet(cli.port);
  assert.equal(answer.statusLine, "HTTP/1.1 200 OK");
  assert.equal(answer.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(answer.headers.get("content-length"), "14");
  assert.equal(answer.headers.get("connection"), "close");
  assert.ok(answer.headers.has("date"));
  assert.equal(answer.body, "Hello, World!\n");
  assert.equal(await cli.stop("SIGINT"), 0);
});

Deno.test("part III README demo: serve -c ngw2f.toml runs 2 workers and the hooks; TTIN, TTOU, HUP, TERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-demo-iii-" });
  try {
    const pidFile = `${dir}/ngw2f-serve.pid`;
    await using cli = await startCli([
      "serve",
      "-c",
      "examples/part-III-gunicorn/ngw2f.toml",
      "-b",
      "127.0.0.1:0",
      "--pid",
      pidFile,
    ]);
    await cli.waitFor("hook: whenReady: 2 workers serving", 10_000);
    const started = cli.output();
    assert.match(started, /hook: onStarting: master \d+ will start 2 workers/);
    for (const id of [1, 2]) {
      assert.match(started, new RegExp(`hook: postFork: worker ${id} \\(generation 1\\)`));
      assert.match(started, new RegExp(`hook: postWorkerInit: worker ${id} ready`));
    }

    // The talk's telnet: the default core echoes HTTP/1.0 in its status line.
    const answer = await telnet(cli.port);
    assert.equal(answer.statusLine, "HTTP/1.0 200 OK");
    assert.equal(answer.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(answer.headers.get("content-length"), "14");
    assert.equal(answer.body, "Hello, World!\n");
    await cli.waitFor(/hook: preRequest: worker [12] GET \//, 5_000);
    await cli.waitFor(/hook: postRequest: worker [12] GET \/ -> 200/, 5_000);

    const pid = await readPid(pidFile);
    assert.equal(pid, cli.child.pid);
    const who = parseResponse(
      (await rawExchange(cli.port, "GET /pid HTTP/1.0\r\n\r\n", { timeoutMs: 10_000 })).text,
    );
    assert.match(who.body, new RegExp(`^worker [12] of 2, pid ${pid}\\n$`));

    // The signals, in the README's order; each waits for the master's own log line.
    Deno.kill(pid, "SIGTTIN");
    await cli.waitFor("hook: nworkersChanged: 2 -> 3", 10_000);
    await cli.waitFor("hook: postWorkerInit: worker 3 ready", 10_000);
    Deno.kill(pid, "SIGTTOU");
    await cli.waitFor("hook: nworkersChanged: 3 -> 2", 10_000);
    await cli.waitFor("hook: workerExit: worker 3 (generation 1)", 10_000);
    Deno.kill(pid, "SIGHUP");
    await cli.waitFor("hook: onReload: starting generation 2", 10_000);
    await cli.waitFor("Reload done: generation 2 serving", 10_000);
    // Deno may drop a connection the kernel queued on a retiring worker's listener (docs/operations.md,
    // "Zero-downtime reloads"): the talk's telnet goes once generation 1 has left.
    await cli.waitFor("hook: workerExit: worker 1 (generation 1)", 10_000);
    await cli.waitFor("hook: workerExit: worker 2 (generation 1)", 10_000);
    assert.equal((await telnet(cli.port)).body, "Hello, World!\n");

    Deno.kill(pid, "SIGTERM");
    assert.equal(await exitCode(cli), 0);
    const stopped = cli.output();
    assert.match(stopped, /hook: workerExit: worker 1 \(generation 2\)/);
    assert.match(stopped, /hook: workerExit: worker 2 \(generation 2\)/);
    assert.match(stopped, /hook: onExit: master \d+ stopping/);
    assert.match(stopped, /Shutdown complete/);
    await assert.rejects(Deno.stat(pidFile), Deno.errors.NotFound, "the pid file is removed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("part IV README demo: serve -w 1 answers the Shortly page to GET / HTTP/1.0, then the demo; TERM exits 0", async () => {
  await using cli = await startCli([
    "serve",
    "-w",
    "1",
    "-b",
    "127.0.0.1:0",
    "examples/part-IV-werkzeug/app.ts",
  ]);
  const answer = await telnet(cli.port);
  assert.equal(answer.statusLine, "HTTP/1.0 200 OK");
  assert.equal(answer.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(answer.headers.get("vary"), "Accept-Encoding");
  assert.ok(answer.headers.has("x-request-id"));
  assert.equal(
    Number(answer.headers.get("content-length")),
    new TextEncoder().encode(answer.body).length,
  );
  assert.match(answer.body, /^<!doctype html><html><head><meta charset="utf-8">/);
  assert.match(answer.body, /<title>Shorten a URL — Shortly<\/title>/);
  assert.match(answer.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);

  // Then the demo, on the same server.
  const base = `http://127.0.0.1:${cli.port}`;
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
  assert.equal(await cli.stop("SIGTERM"), 0);
});

Deno.test("part V README demo: serve -w 2 redirects GET / HTTP/1.0 to the login page, TERM exits 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-demo-v-" });
  try {
    await using cli = await startCli(
      ["serve", "-w", "2", "-b", "127.0.0.1:0", "examples/part-V-flask/app.ts"],
      {
        env: {
          APP_SECRET_KEY: crypto.randomUUID() + crypto.randomUUID(),
          APP_DATABASE: `${dir}/notes.db`,
        },
      },
    );
    const answer = await telnet(cli.port);
    assert.equal(answer.statusLine, "HTTP/1.0 302 Found");
    assert.equal(answer.headers.get("location"), "/auth/login?next=%2F");
    assert.equal(answer.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(answer.headers.get("vary"), "Cookie");
    assert.equal(
      Number(answer.headers.get("content-length")),
      new TextEncoder().encode(answer.body).length,
    );
    assert.match(answer.body, /<title>Redirecting\.\.\.<\/title>/);
    assert.match(answer.body, /<a href="\/auth\/login\?next=%2F">/);
    assert.equal(await cli.stop("SIGTERM"), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
