// End-to-end: `ngw2f dev --reload` restarts the app when a file changes, loses no request doing
// it, serves an error page while the app is broken, and costs no CPU while idle.

import assert from "node:assert/strict";
import { canMigrate, parseResponse, rawExchange, root, startCli } from "./_cli.ts";

const FIXTURES = `${root}/tests/fixtures/dev`;
const WAIT_PATH = "/__ngw2f/reload-wait";
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A temp copy of the reload fixture (tracked fixtures are never edited in place). */
async function appDir(): Promise<string & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-dev-reload-" });
  await Deno.copyFile(`${FIXTURES}/app.ts`, `${dir}/app.ts`);
  await Deno.copyFile(`${FIXTURES}/version.ts`, `${dir}/version.ts`);
  return Object.assign(dir, {
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  }) as string & AsyncDisposable;
}

/** GETs `url` until `accept(status, body)` holds, for at most `ms`; returns the last answer. */
async function until(
  url: string,
  accept: (status: number, body: string) => boolean,
  options: { ms?: number; headers?: HeadersInit } = {},
): Promise<{ status: number; body: string; contentType: string }> {
  const deadline = Date.now() + (options.ms ?? 10_000);
  let last = { status: 0, body: "", contentType: "" };
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, {
        headers: options.headers,
        signal: AbortSignal.timeout(5_000),
      });
      last = {
        status: response.status,
        body: await response.text(),
        contentType: response.headers.get("content-type") ?? "",
      };
      if (accept(last.status, last.body)) return last;
    } catch (error) {
      last = { status: -1, body: String(error), contentType: "" };
    }
    await delay(50);
  }
  throw new Error(`Gave up waiting; last answer: ${last.status} ${last.body.slice(0, 300)}`);
}

/** utime + stime of a process, in seconds (all its threads). */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat(5); `fields` starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

Deno.test({
  name: "ngw2f dev --reload serves the new app after a change, refusing no request under load",
  ignore: !canMigrate(),
}, async () => {
  await using dir = await appDir();
  await using cli = await startCli([
    "dev",
    "--reload",
    "--no-access-log",
    "-b",
    "127.0.0.1:0",
    `${dir}/app.ts`,
  ]);
  const url = `http://127.0.0.1:${cli.port}/`;
  assert.equal((await until(url, (s) => s === 200)).body, "v1\n");

  // Bounded load: 6 clients, a fresh connection per request, until told to stop.
  const errors: string[] = [];
  const seen = new Map<string, number>();
  let stopped = false;
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  const one = async () => {
    for (let sent = 0; !stopped && sent < 20_000; sent++) {
      try {
        const response = await fetch(url, {
          client,
          headers: { connection: "close" },
          signal: AbortSignal.timeout(5_000),
        });
        const body = await response.text();
        if (response.status !== 200) errors.push(`status ${response.status}: ${body.slice(0, 80)}`);
        else seen.set(body, (seen.get(body) ?? 0) + 1);
      } catch (error) {
        const cause = (error as Error).cause;
        errors.push(`${error}${cause ? ` (${cause})` : ""}`.slice(0, 200));
      }
    }
  };
  const running = Promise.all(Array.from({ length: 6 }, one));
  await delay(300);
  const source = await Deno.readTextFile(`${dir}/app.ts`);
  // Three reloads in a row, each rewriting the app file itself.
  for (const next of ["v2", "v3", "v4"]) {
    await Deno.writeTextFile(`${dir}/app.ts`, source.replace("`${version}\\n`", `"${next}\\n"`));
    await until(url, (_s, body) => body === `${next}\n`);
    await delay(300);
  }
  stopped = true;
  await running;
  client.close();

  assert.deepEqual(errors, [], `${errors.length} failed; answers: ${[...seen]}`);
  for (const version of ["v1", "v2", "v3", "v4"]) {
    assert.ok((seen.get(`${version}\n`) ?? 0) > 0, `no ${version} among ${[...seen]}`);
  }
  const total = [...seen.values()].reduce((a, b) => a + b, 0);
  assert.ok(total > 100, `only ${total} requests went through`);
  assert.match(cli.output(), /Detected change in app\.ts, reloading/);
  assert.equal(cli.output().match(/Reloaded in \d+ ms/g)?.length, 3);
  assert.equal(await cli.stop("SIGINT"), 0);
  assert.match(cli.output(), /Shutdown complete/);
});

Deno.test("ngw2f dev --reload picks up a change in an imported module", async () => {
  await using dir = await appDir();
  await using cli = await startCli(["dev", "--reload", "-b", "127.0.0.1:0", `${dir}/app.ts`]);
  const url = `http://127.0.0.1:${cli.port}/`;
  assert.equal((await until(url, (s) => s === 200)).body, "v1\n");
  await Deno.writeTextFile(`${dir}/version.ts`, 'export const version = "v2";\n');
  assert.equal((await until(url, (_s, body) => body === "v2\n")).status, 200);
  assert.match(cli.output(), /Detected change in version\.ts, reloading/);
  assert.equal(await cli.stop("SIGTERM"), 0);
});

Deno.test("ngw2f dev --reload serves an error page naming the file and line while the app is broken", async () => {
  await using dir = await appDir();
  await using cli = await startCli(["dev", "--reload", "-b", "127.0.0.1:0", `${dir}/app.ts`]);
  const url = `http://127.0.0.1:${cli.port}/`;
  assert.equal((await until(url, (s) => s === 200)).body, "v1\n");
  const good = await Deno.readTextFile(`${dir}/app.ts`);
  const lines = good.split("\n");
  const broken = lines.findIndex((line) => line.includes("return new Response"));
  lines[broken] = "  return new Response(;";
  await Deno.writeTextFile(`${dir}/app.ts`, lines.join("\n"));

  // curl's Accept: */* gets plain text.
  const text = await until(url, (s) => s === 500, { headers: { accept: "*/*" } });
  assert.match(text.contentType, /^text\/plain/);
  assert.match(text.body, /The app failed to load/);
  assert.ok(text.body.includes(`${dir}/app.ts:${broken + 1}:`), text.body);
  assert.match(text.body, /> +\d+ \| {3}return new Response\(;\n +\| +\^/);
  assert.match(text.body, /Fix the file and save/);
  // A browser gets HTML, a JSON client JSON.
  const html = await until(url, (s) => s === 500, { headers: { accept: "text/html" } });
  assert.match(html.contentType, /^text\/html/);
  assert.match(html.body, /The app failed to load/);
  assert.match(html.body, /return new Response\(;/);
  const json = await until(url, (s) => s === 500, { headers: { accept: "application/json" } });
  const parsed = JSON.parse(json.body);
  assert.equal(parsed.error.file, `${dir}/app.ts`);
  assert.equal(parsed.error.line, broken + 1);
  // An open page's long-poll answers 205 (reload) once the fix is live.
  const waiting = fetch(`${url.slice(0, -1)}${WAIT_PATH}`, { signal: AbortSignal.timeout(10_000) });
  await delay(100);

  await Deno.writeTextFile(`${dir}/app.ts`, good);
  assert.equal((await until(url, (s) => s === 200)).body, "v1\n");
  const woken = await waiting;
  await woken.body?.cancel();
  assert.equal(woken.status, 205);
  await cli.waitFor("The app loads again");
  const out = cli.output();
  assert.match(out, /Cannot reload after \d+ ms: AppLoadError: .*syntax error/);
  assert.match(out, /Serving an error page until a change fixes the app/);
  assert.equal(await cli.stop("SIGTERM"), 0, "the server never exited on its own");
});

Deno.test("ngw2f dev --reload starts on the error page when the app is broken from the start", async () => {
  await using dir = await appDir();
  await Deno.writeTextFile(
    `${dir}/version.ts`,
    'export const version: string = (() => {\n  throw new Error("not configured");\n})();\n',
  );
  await using cli = await startCli(["dev", "--reload", "-b", "127.0.0.1:0", `${dir}/app.ts`]);
  const url = `http://127.0.0.1:${cli.port}/`;
  const page = await until(url, (s) => s === 500);
  assert.match(page.body, /not configured/);
  assert.ok(page.body.includes(`${dir}/version.ts:2:`), page.body);
  await Deno.writeTextFile(`${dir}/version.ts`, 'export const version = "fixed";\n');
  assert.equal((await until(url, (s) => s === 200)).body, "fixed\n");
  assert.equal(await cli.stop("SIGTERM"), 0);
});

Deno.test("ngw2f dev --reload idles without using CPU", async () => {
  await using dir = await appDir();
  await using cli = await startCli(["dev", "--reload", "-b", "127.0.0.1:0", `${dir}/app.ts`]);
  assert.equal((await until(`http://127.0.0.1:${cli.port}/`, (s) => s === 200)).body, "v1\n");
  await delay(500);
  const before = cpuSeconds(cli.child.pid);
  await delay(2_000);
  const used = cpuSeconds(cli.child.pid) - before;
  assert.ok(used < 0.2, `the idle reloader used ${used.toFixed(2)} s of CPU in 2 s`);
});

Deno.test("ngw2f dev --reload answers the talk's raw GET / HTTP/1.0 and closes", async () => {
  await using dir = await appDir();
  await using cli = await startCli(["dev", "--reload", "-b", "127.0.0.1:0", `${dir}/app.ts`]);
  const { text, closedByServer } = await rawExchange(cli.port, "GET / HTTP/1.0\r\n\r\n");
  const response = parseResponse(text);
  assert.equal(response.statusLine, "HTTP/1.1 200 OK");
  assert.equal(response.headers.get("connection"), "close");
  assert.equal(response.body, "v1\n");
  assert.ok(closedByServer);
});

Deno.test("ngw2f dev --reload hands a unix socket over to the new generation", async () => {
  await using dir = await appDir();
  const path = `${dir}/dev.sock`;
  const cli = await startCli(["dev", "--reload", "-b", `unix:${path}`, `${dir}/app.ts`]);
  try {
    const get = async () =>
      parseResponse((await rawExchange(0, "GET / HTTP/1.0\r\n\r\n", { path })).text).body;
    assert.equal(await get(), "v1\n");
    await Deno.writeTextFile(`${dir}/version.ts`, 'export const version = "v2";\n');
    await cli.waitFor("Reloaded in", 10_000);
    const deadline = Date.now() + 5_000;
    let body = await get();
    while (body !== "v2\n" && Date.now() < deadline) {
      await delay(50);
      body = await get();
    }
    assert.equal(body, "v2\n");
    assert.doesNotMatch(cli.output(), /Detected change in dev\.sock/);
  } finally {
    assert.equal(await cli.stop("SIGTERM"), 0);
  }
  await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
});
