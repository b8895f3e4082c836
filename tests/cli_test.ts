// End-to-end: the command line itself — help, version, usage errors and app loading errors.

import assert from "node:assert/strict";
import { runCli } from "./_cli.ts";
import denoConfig from "../deno.json" with { type: "json" };

/** Writes `files` into a fresh directory and returns its path. */
async function scratch(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-cli-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at .*:\d+:\d+\)?$/m, `a stack trace was printed:\n${stderr}`);
}

Deno.test("ngw2f --version prints the version from deno.json", async () => {
  const result = await runCli(["--version"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, new RegExp(`^ngw2f ${denoConfig.version.replaceAll(".", "\\.")} `));
});

Deno.test("ngw2f --help lists the commands and exits 0; no arguments exits 2", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: ngw2f COMMAND/);
  assert.match(help.stdout, /^ {2}dev\s+Run an app/m);
  const none = await runCli([]);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /Usage: ngw2f COMMAND/);
});

Deno.test("ngw2f dev --help documents every flag with its default", async () => {
  const result = await runCli(["dev", "--help"]);
  assert.equal(result.code, 0);
  for (
    const flag of ["--bind", "--root-path", "--keep-alive", "--graceful-timeout", "--validate"]
  ) {
    assert.match(result.stdout, new RegExp(flag));
  }
  assert.match(result.stdout, /default: 127\.0\.0\.1:8000/);
  // Every description starts in one column, past the longest flag (--graceful-timeout SECONDS).
  const options = result.stdout.split("\n\n")[2].split("\n").slice(1);
  const columns = new Set(options.map((line) => line.search(/(?<=\S {2,})\S/)));
  assert.equal(columns.size, 1, options.join("\n"));
  assert.equal((await runCli(["help", "dev"])).stdout, result.stdout);
});

Deno.test("ngw2f rejects an unknown command, an unknown flag and a missing APP with exit 2", async () => {
  const unknown = await runCli(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command "frobnicate"; commands: serve, dev/);
  const flag = await runCli(["dev", "--no-such-flag", "app.ts"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Unknown option '--no-such-flag'.*ngw2f dev --help/);
  const missing = await runCli(["dev"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Missing APP/);
  for (const result of [unknown, flag, missing]) assertNoStack(result.stderr);
});

Deno.test("ngw2f dev rejects a bad --bind and a bad --keep-alive naming the flag", async () => {
  const bind = await runCli(["dev", "-b", "localhost:http", "app.ts"]);
  assert.equal(bind.code, 2);
  assert.match(bind.stderr, /Cannot use --bind: bind: "localhost:http" has port "http"/);
  const keep = await runCli(["dev", "--keep-alive", "soon", "app.ts"]);
  assert.equal(keep.code, 2);
  assert.match(keep.stderr, /Cannot use --keep-alive: keep-alive: expected a positive number/);
});

Deno.test("ngw2f dev names the missing file when the app does not exist (exit 4)", async () => {
  const result = await runCli(["dev", "-b", "127.0.0.1:0", "no/such/app.ts"]);
  assert.equal(result.code, 4);
  assert.match(
    result.stderr,
    /Cannot load app "no\/such\/app\.ts": file not found: ".*no\/such\/app\.ts"/,
  );
  assertNoStack(result.stderr);
});

Deno.test("ngw2f dev reports a syntax error in the app with its location (exit 4)", async () => {
  const dir = await scratch({
    "app.ts": "export default {\n  fetch() { return new Response( }\n};\n",
  });
  try {
    const result = await runCli(["dev", "-b", "127.0.0.1:0", "app.ts"], { cwd: dir });
    assert.equal(result.code, 4);
    assert.match(
      result.stderr,
      /Cannot load app "app\.ts": syntax error at .*\/app\.ts:2:\d+: Expression expected/,
    );
    assert.match(result.stderr, /\(in "fetch\(\) \{ return new Response\( \}"\)/);
    assertNoStack(result.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f dev lists the module's exports when the named one is missing (exit 4)", async () => {
  const dir = await scratch({
    "app.ts": "export const api = () => new Response('api');\nexport const version = 2;\n",
  });
  try {
    const none = await runCli(["dev", "app.ts"], { cwd: dir });
    assert.equal(none.code, 4);
    assert.match(none.stderr, /has no default export \(nor "app" or "application"\)/);
    assert.match(none.stderr, /its exports: "api", "version"/);
    const wrong = await runCli(["dev", "app.ts:apy"], { cwd: dir });
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /has no export "apy"; its exports: "api", "version"/);
    const notApp = await runCli(["dev", "app.ts:version"], { cwd: dir });
    assert.equal(notApp.code, 4);
    assert.match(notApp.stderr, /export "version" is a number, not an app/);
    for (const result of [none, wrong, notApp]) assertNoStack(result.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f dev reports an app whose import throws, with the cause (exit 4)", async () => {
  const dir = await scratch({
    "app.ts": "throw new Error('DATABASE_URL is not set');\nexport default () => new Response();\n",
  });
  try {
    const result = await runCli(["dev", "app.ts"], { cwd: dir });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /the module failed to import .*DATABASE_URL is not set/);
    assertNoStack(result.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f dev exits 3 naming the address when the port is taken", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const result = await runCli([
      "dev",
      "-b",
      `127.0.0.1:${taken.addr.port}`,
      "tests/fixtures/deno_serve_app.ts",
    ]);
    assert.equal(result.code, 3);
    assert.match(
      result.stderr,
      new RegExp(`Cannot listen on "127\\.0\\.0\\.1:${taken.addr.port}": `),
    );
    assertNoStack(result.stderr);
  } finally {
    taken.close();
  }
});
