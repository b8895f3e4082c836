import assert from "node:assert/strict";
import { ConfigError, createLogger, HaltError } from "../../gateway/mod.ts";
import { type ReloadingServer, startReloadingServer } from "./dev_server.ts";

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function tempApp(body: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-dev-server-" });
  await Deno.writeTextFile(`${dir}/app.ts`, body);
  return dir;
}

const answer = (text: string) => `export default () => new Response(${JSON.stringify(text)});\n`;

async function until(url: string, accept: (status: number, body: string) => boolean) {
  const deadline = Date.now() + 10_000;
  let last = "";
  while (Date.now() < deadline) {
    const response = await fetch(url);
    last = `${response.status} ${await response.text()}`;
    if (accept(response.status, last.slice(4))) return last;
    await delay(30);
  }
  throw new Error(`Gave up; last answer: ${last}`);
}

/** Runs a reloading server for `dir/app.ts` on port 0 for the length of `run`, then removes `dir`. */
async function withReloader(
  dir: string,
  run: (url: string, server: ReloadingServer) => Promise<void>,
  options: { lines?: string[] } = {},
): Promise<void> {
  const lines = options.lines;
  const server = await startReloadingServer(`${dir}/app.ts`, {
    bind: ["127.0.0.1:0"],
    log: createLogger({ write: (line) => lines?.push(line) }),
    accessLog: null,
    debounceMs: 20,
  });
  try {
    const { port } = server.addrs[0] as Deno.NetAddr;
    await run(`http://127.0.0.1:${port}/`, server);
  } finally {
    await server.shutdown();
    await server.finished;
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("startReloadingServer() reloads on a change and shows, then retires, the error page", async () => {
  const dir = await tempApp(answer("one"));
  const lines: string[] = [];
  await withReloader(dir, async (url, server) => {
    assert.deepEqual(server.watching, [dir]);
    assert.equal(await until(url, () => true), "200 one");
    await Deno.writeTextFile(`${dir}/app.ts`, answer("two"));
    await until(url, (_s, body) => body === "two");
    await Deno.writeTextFile(`${dir}/app.ts`, "export const notAnApp = 1;\n");
    const page = await until(url, (status) => status === 500);
    assert.match(page, /has no default export/);
    await Deno.writeTextFile(`${dir}/app.ts`, answer("three"));
    await until(url, (_s, body) => body === "three");
  }, { lines });
  const log = lines.join("\n");
  assert.match(log, /Detected change in app\.ts, reloading/);
  assert.match(log, /Reloaded in \d+ ms/);
  assert.match(log, /Cannot reload after \d+ ms: AppLoadError/);
  assert.match(log, /The app loads again/);
});

Deno.test("startReloadingServer() serves a failing startup() as an error page from the start", async () => {
  const dir = await tempApp(
    "export default { fetch: () => new Response('up'), " +
      "startup() { throw new Error('db is down'); } };\n",
  );
  await withReloader(dir, async (url) => {
    const page = await until(url, (status) => status === 500);
    assert.match(page, /The app's startup\(\) failed/);
    assert.match(page, /db is down/);
    await Deno.writeTextFile(`${dir}/app.ts`, answer("up"));
    assert.equal(await until(url, (status) => status === 200), "200 up");
  });
});

Deno.test("startReloadingServer() supersedes a generation stuck loading with the next change", async () => {
  const dir = await tempApp(answer("one"));
  await withReloader(dir, async (url) => {
    // Stuck for 3 s, not for ever: Deno cannot terminate a Worker busy in JavaScript, and a
    // spinning thread would take a core from every test after this one.
    await Deno.writeTextFile(
      `${dir}/app.ts`,
      "const end = Date.now() + 3000;\nwhile (Date.now() < end) {}\n" + answer("never"),
    );
    await delay(300);
    assert.equal(await until(url, () => true), "200 one", "the old generation still serves");
    await Deno.writeTextFile(`${dir}/app.ts`, answer("fixed"));
    await until(url, (_s, body) => body === "fixed");
  });
});

Deno.test("startReloadingServer() fails with a HaltError when the port is taken", async () => {
  const dir = await tempApp(answer("one"));
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      startReloadingServer(`${dir}/app.ts`, {
        bind: [`127.0.0.1:${taken.addr.port}`],
        log: createLogger({ write: () => {} }),
        accessLog: null,
      }),
      (error) =>
        error instanceof HaltError && error.exitCode === 3 && /Cannot listen/.test(error.message),
    );
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startReloadingServer() refuses a watch folder that does not exist", async () => {
  const dir = await tempApp(answer("one"));
  try {
    await assert.rejects(
      startReloadingServer(`${dir}/app.ts`, {
        bind: ["127.0.0.1:0"],
        log: createLogger({ write: () => {} }),
        accessLog: null,
        watchDirs: ["no/such/dir"],
        cwd: dir,
      }),
      (error) => error instanceof ConfigError && error.key === "watchDirs",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startReloadingServer() watches extra folders but not ones nested in another", async () => {
  const dir = await tempApp(answer("one"));
  await Deno.mkdir(`${dir}/lib`);
  const other = await Deno.makeTempDir();
  const server = await startReloadingServer(`${dir}/app.ts`, {
    bind: ["127.0.0.1:0"],
    log: createLogger({ write: () => {} }),
    accessLog: null,
    watchDirs: ["lib", other, `${other}/./`],
    cwd: dir,
  });
  try {
    assert.deepEqual(server.watching, [dir, other]);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});
