import assert from "node:assert/strict";
import {
  loadErrorResponse,
  type LoadFailure,
  locateFailure,
  renderLoadErrorHtml,
  renderLoadErrorJson,
  renderLoadErrorText,
} from "./load_error_page.ts";
import { LoadErrorApp, WAIT_PATH } from "./load_error_app.ts";

const SYNTAX: LoadFailure = {
  stage: "load",
  file: "/srv/app.ts",
  changed: ["app.ts"],
  error: {
    name: "AppLoadError",
    message: 'Cannot load app "app.ts": syntax error at /srv/app.ts:3:11: Expression expected',
    stack: "",
    frames: [],
    cause: {
      name: "TypeError",
      message: "SyntaxError: Expression expected",
      stack: "",
      frames: [{
        fn: "",
        url: "file:///srv/app.ts",
        file: "/srv/app.ts",
        line: 3,
        column: 11,
        library: false,
        source: { first: 1, lines: ["// <app>", "\tconst a = 1;", "const x = ;", "export {};"] },
      }],
    },
  },
};

const MISSING: LoadFailure = {
  stage: "load",
  file: "/srv/app.ts",
  error: { name: "AppLoadError", message: 'no export "api"', stack: "", frames: [] },
};

Deno.test("locateFailure() uses the deepest user frame, else the app file", () => {
  assert.deepEqual(
    [locateFailure(SYNTAX)?.file, locateFailure(SYNTAX)?.line, locateFailure(SYNTAX)?.column],
    ["/srv/app.ts", 3, 11],
  );
  assert.deepEqual(locateFailure(MISSING), { file: "/srv/app.ts" });
  assert.equal(locateFailure({ ...MISSING, file: undefined }), undefined);
});

Deno.test("renderLoadErrorText() shows the file, line, source and a caret under the column", () => {
  const text = renderLoadErrorText(SYNTAX);
  assert.match(text, /^500 The app failed to load\n\nAppLoadError: Cannot load app/);
  assert.match(text, /\n {2}at \/srv\/app\.ts:3:11\n/);
  assert.match(text, /\n {4}2 \| \tconst a = 1;\n {2}> 3 \| const x = ;\n {4} {2}\| {11}\^\n/);
  assert.match(text, /Changed: app\.ts/);
  assert.match(text, /Fix the file and save/);
  assert.match(text, /Caused by: TypeError: SyntaxError: Expression expected/);
});

Deno.test("renderLoadErrorText() names the stage of a startup failure and a file without a line", () => {
  const text = renderLoadErrorText({ ...MISSING, stage: "startup" });
  assert.match(text, /^500 The app's startup\(\) failed/);
  assert.match(text, /\n {2}at \/srv\/app\.ts\n/);
});

Deno.test("renderLoadErrorHtml() escapes, marks the line with a caret and can wait for the fix", () => {
  const html = renderLoadErrorHtml(SYNTAX, { waitUrl: "/api</script>/__ngw2f/reload-wait" });
  assert.match(html, /<span class="no">1<\/span>\/\/ &lt;app&gt;/);
  assert.match(html, /<span class="hl"><span class="no">3<\/span>const x = ;<\/span>/);
  assert.match(html, /<span class="hl"><span class="no"><\/span> {10}\^<\/span>/);
  assert.match(html, /Fix the file and save/);
  assert.match(html, /<script>\(async\(\)=>/);
  assert.match(html, /\/api\\u003c\/script>/, "the wait URL cannot close the script");
  assert.doesNotMatch(renderLoadErrorHtml(SYNTAX), /<script>/);
});

Deno.test("renderLoadErrorJson() gives the location, the source line and the causes", () => {
  const json = JSON.parse(renderLoadErrorJson(SYNTAX));
  assert.deepEqual(json.error, {
    stage: "load",
    type: "AppLoadError",
    message: SYNTAX.error.message,
    file: "/srv/app.ts",
    line: 3,
    column: 11,
    source: "const x = ;",
  });
  assert.deepEqual(json.causes, [{
    type: "TypeError",
    message: "SyntaxError: Expression expected",
  }]);
  assert.deepEqual(json.changed, ["app.ts"]);
  const missing = JSON.parse(renderLoadErrorJson(MISSING));
  assert.deepEqual([missing.error.line, missing.error.source], [null, null]);
});

Deno.test("loadErrorResponse() negotiates HTML, JSON and plain text", async () => {
  const type = (accept: string | undefined) => {
    const headers: HeadersInit = accept === undefined ? {} : { accept };
    return loadErrorResponse(SYNTAX, new Request("http://localhost/", { headers }))
      .headers.get("content-type");
  };
  assert.equal(type("text/html,*/*;q=0.8"), "text/html; charset=utf-8");
  assert.equal(type("application/json"), "application/json; charset=utf-8");
  assert.equal(type("*/*"), "text/plain; charset=utf-8");
  assert.equal(type(undefined), "text/plain; charset=utf-8");
  const head = loadErrorResponse(SYNTAX, new Request("http://localhost/", { method: "HEAD" }));
  assert.equal(head.status, 500);
  assert.equal(head.body, null);
  const get = loadErrorResponse(SYNTAX, new Request("http://localhost/"));
  assert.equal(get.headers.get("cache-control"), "no-store");
  await get.body?.cancel();
});

Deno.test("LoadErrorApp() answers a held wait with 205 on news and 204 on timeout", async () => {
  const app = new LoadErrorApp(MISSING, { rootPath: "/api", holdMs: 30 });
  const page = await app.fetch(
    new Request("http://localhost/api/x", { headers: { accept: "text/html" } }),
  );
  assert.match(await page.text(), /"\/api\/__ngw2f\/reload-wait"/);
  const wait = () => app.fetch(new Request(`http://localhost/api${WAIT_PATH}`));
  assert.equal((await wait()).status, 204, "nothing happened");
  const updated = wait();
  app.update(SYNTAX);
  assert.equal((await updated).status, 205);
  assert.equal(app.failure, SYNTAX);
  const retired = wait();
  app.retire();
  assert.equal((await retired).status, 205);
  assert.equal((await wait()).status, 205, "a retired page answers at once");
});

Deno.test("LoadErrorApp() lets go of a wait whose client left", async () => {
  const app = new LoadErrorApp(MISSING, { holdMs: 10_000 });
  const controller = new AbortController();
  const waiting = app.fetch(
    new Request(`http://localhost${WAIT_PATH}`),
    { signal: controller.signal } as never,
  );
  controller.abort();
  assert.equal((await waiting).status, 204);
});
