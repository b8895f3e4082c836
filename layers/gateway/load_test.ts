import assert from "node:assert/strict";
import { AppLoadError } from "./errors.ts";
import { loadApp, parseAppSpec } from "./load.ts";
import { testContext } from "./test_context.ts";

async function scratch(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-load-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

async function loadError(spec: string, cwd: string): Promise<AppLoadError> {
  try {
    await loadApp(spec, { cwd });
  } catch (error) {
    assert.ok(error instanceof AppLoadError, `expected an AppLoadError, got ${error}`);
    return error;
  }
  throw new Error(`loadApp("${spec}") did not fail`);
}

Deno.test("parseAppSpec() splits an export name and resolves against cwd", () => {
  assert.deepEqual(parseAppSpec("app.ts", "/srv"), { file: "/srv/app.ts", exportName: undefined });
  assert.deepEqual(parseAppSpec("./a/../b/app.ts:api", "/srv/"), {
    file: "/srv/b/app.ts",
    exportName: "api",
  });
  assert.deepEqual(parseAppSpec("/abs/app.ts:ns.app", "/srv"), {
    file: "/abs/app.ts",
    exportName: "ns.app",
  });
  assert.equal(parseAppSpec("file:///x/my%20app.ts", "/srv").file, "/x/my app.ts");
});

Deno.test("loadApp() takes default, then app, then application, and either app form", async () => {
  const dir = await scratch({
    "default.ts": "export default { fetch: () => new Response('object') };",
    "app.ts": "export const app = () => new Response('function');",
    "application.ts": "export function application() { return new Response('wsgi name'); }",
    "named.ts": "export const api = { fetch() { return new Response(this.greeting); }, " +
      "greeting: 'this kept' };",
  });
  try {
    const ctx = testContext();
    const body = async (spec: string) =>
      await (await (await loadApp(spec, { cwd: dir })).fetch(new Request("http://x/"), ctx))
        .text();
    assert.equal(await body("default.ts"), "object");
    assert.equal(await body("app.ts"), "function");
    assert.equal(await body("application.ts"), "wsgi name");
    assert.equal(await body("named.ts:api"), "this kept");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApp() keeps the app's startup and shutdown hooks", async () => {
  const dir = await scratch({
    "app.ts": "export default { n: 0, fetch: () => new Response(), startup() { this.n++; }, " +
      "shutdown() { this.n += 10; } };",
  });
  try {
    const app = await loadApp("app.ts", { cwd: dir });
    assert.equal(typeof app.startup, "function");
    assert.equal(typeof app.shutdown, "function");
    await app.startup!({ workerId: 1, workerCount: 1, serverAddrs: [], log: testContext().log });
    await app.shutdown!();
    const module = await import(`file://${dir}/app.ts`);
    assert.equal(module.default.n, 11, "the hooks ran with the module's object as this");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApp() fails with the file, the export and the exports that exist", async () => {
  const dir = await scratch({
    "two.ts": "export const api = () => new Response();\nexport const port = 8000;\n",
    "empty.ts": "",
    "syntax.ts": "export default {\n  fetch( {\n};\n",
    "throws.ts": "throw new RangeError('no config');\n",
  });
  await Deno.mkdir(`${dir}/folder.ts`);
  try {
    const missing = await loadError("nope.ts", dir);
    assert.equal(missing.file, `${dir}/nope.ts`);
    assert.match(missing.message, /^Cannot load app "nope\.ts": file not found/);

    const folder = await loadError("folder.ts", dir);
    assert.match(folder.message, /is not a file/);

    const noDefault = await loadError("two.ts", dir);
    assert.deepEqual(noDefault.available, ["api", "port"]);
    assert.equal(noDefault.exportName, "default");
    assert.match(noDefault.message, /no default export .* its exports: "api", "port"\. Name one/);

    const none = await loadError("empty.ts", dir);
    assert.match(none.message, /its exports: none/);

    const wrong = await loadError("two.ts:apj", dir);
    assert.equal(wrong.exportName, "apj");
    assert.match(wrong.message, /has no export "apj"; its exports: "api", "port"/);

    const notApp = await loadError("two.ts:port", dir);
    assert.match(notApp.message, /export "port" is a number, not an app/);

    const syntax = await loadError("syntax.ts", dir);
    assert.match(syntax.message, /syntax error at .*syntax\.ts:\d+:\d+: /);
    assert.ok(syntax.cause, "the import error is kept as the cause");

    const throws = await loadError("throws.ts", dir);
    assert.match(
      throws.message,
      /the module failed to import in ".*throws\.ts": RangeError: no config/,
    );
    assert.ok(throws.cause instanceof RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApp() with a version loads a fresh copy of a changed file", async () => {
  const dir = await scratch({ "app.ts": "export default () => new Response('one');" });
  try {
    const ctx = testContext();
    const first = await loadApp("app.ts", { cwd: dir, version: "v=1" });
    await Deno.writeTextFile(`${dir}/app.ts`, "export default () => new Response('two');");
    const second = await loadApp("app.ts", { cwd: dir, version: "v=2" });
    assert.equal(await (await first.fetch(new Request("http://x/"), ctx)).text(), "one");
    assert.equal(await (await second.fetch(new Request("http://x/"), ctx)).text(), "two");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadApp() names the fallback export it tried when that one is not an app", async () => {
  const dir = await scratch({ "app.ts": "export const app = 42;\n" });
  try {
    const error = await loadError("app.ts", dir);
    assert.equal(error.exportName, "app");
    assert.match(error.message, /export "app" is a number, not an app/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
