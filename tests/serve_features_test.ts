// End-to-end: TLS with HTTP/2, trusted X-Forwarded-Proto, access log formats, --reload and
// --max-worker-memory of `ngw2f serve`.

import assert from "node:assert/strict";
import { has, root, startCli } from "./_cli.ts";

const APP = "tests/fixtures/echo_ctx_app.ts";
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function run(cmd: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

Deno.test({
  name: "ngw2f serve --certfile/--keyfile serves HTTPS, HTTP/2 by ALPN",
  // Needs openssl (to make a certificate) and curl (an HTTP/2 client); .ci/run installs both.
  ignore: !has("openssl") || !has("curl"),
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-tls-" });
  try {
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
    ]);
    await using cli = await startCli([
      "serve",
      "--certfile",
      `${dir}/cert.pem`,
      "--keyfile",
      `${dir}/key.pem`,
      "-b",
      "127.0.0.1:0",
      APP,
    ]);
    const out = await run("curl", [
      "-sk",
      "--http2",
      "-w",
      "\n%{http_version}",
      `https://127.0.0.1:${cli.port}/tls`,
    ]);
    const [body, version] = out.split("\n");
    assert.equal(version, "2");
    assert.equal(JSON.parse(body).scheme, "https");
    assert.match(JSON.parse(body).url, /^https:\/\/127\.0\.0\.1:\d+\/tls$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f serve --protected refuses TLS with a clear config error", async () => {
  const cli = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${root}/main.ts`,
      "serve",
      "--protected",
      "--certfile",
      "c.pem",
      "--keyfile",
      "k.pem",
      APP,
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  });
  const output = await cli.output();
  assert.equal(output.code, 2);
  assert.match(new TextDecoder().decode(output.stderr), /Cannot use --protected: protected: /);
});

for (const core of ["--no-protected", "--protected"]) {
  Deno.test(`ngw2f serve ${core} trusts X-Forwarded-Proto only from --forwarded-allow-ips`, async () => {
    await using trusting = await startCli(["serve", core, "-b", "127.0.0.1:0", APP]);
    const forwarded = { "x-forwarded-proto": "https" };
    const seen = await (await fetch(`http://127.0.0.1:${trusting.port}/f`, { headers: forwarded }))
      .json();
    assert.equal(seen.scheme, "https", "127.0.0.1 is trusted by default");
    // request.url keeps the last hop's scheme, as under `deno serve`.
    assert.match(seen.url, /^http:\/\/127\.0\.0\.1:\d+\/f$/);
    await using strict = await startCli([
      "serve",
      core,
      "--forwarded-allow-ips",
      "10.9.9.9",
      "-b",
      "127.0.0.1:0",
      APP,
    ]);
    const plain = await (await fetch(`http://127.0.0.1:${strict.port}/f`, { headers: forwarded }))
      .json();
    assert.equal(plain.scheme, "http");
  });
}

Deno.test("ngw2f serve writes combined access lines to stdout and JSON lines to a file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-log-" });
  try {
    await using combined = await startCli([
      "serve",
      "--access-logfile",
      "-",
      "-b",
      "127.0.0.1:0",
      APP,
    ]);
    await (await fetch(`http://127.0.0.1:${combined.port}/c?x=1`, {
      headers: { "user-agent": "e2e", referer: "http://r/" },
    })).body?.cancel();
    await combined.waitFor(
      /127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/c\?x=1 HTTP\/1\.1" 200 \d+ "http:\/\/r\/" "e2e"/,
    );
    const file = `${dir}/access.jsonl`;
    await using json = await startCli([
      "serve",
      "--access-logfile",
      file,
      "--access-log-format",
      "json",
      "-w",
      "2",
      "-b",
      "127.0.0.1:0",
      APP,
    ]);
    for (let i = 0; i < 4; i++) {
      await (await fetch(`http://127.0.0.1:${json.port}/j${i}`)).body?.cancel();
    }
    await delay(200);
    const lines = (await Deno.readTextFile(file)).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    assert.deepEqual(lines.map((l) => l.path).sort(), ["/j0", "/j1", "/j2", "/j3"]);
    assert.ok(lines.every((l) => l.status === 200 && l.method === "GET" && l.worker >= 1));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f serve --reload starts new workers when a source file changes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-reload-" });
  try {
    await Deno.writeTextFile(`${dir}/app.ts`, "export default () => new Response('one');\n");
    await using cli = await startCli(["serve", "--reload", "-b", "127.0.0.1:0", "app.ts"], {
      cwd: dir,
    });
    assert.equal(await (await fetch(`http://127.0.0.1:${cli.port}/`)).text(), "one");
    await Deno.writeTextFile(`${dir}/app.ts`, "export default () => new Response('two');\n");
    await cli.waitFor("Reload done: generation 2 serving", 15_000);
    // The old workers accept until their listeners close (right after their next accept):
    // within a moment every answer comes from the new code.
    let body = "";
    for (let i = 0; i < 50 && body !== "two"; i++) {
      body = await (await fetch(`http://127.0.0.1:${cli.port}/`)).text();
      if (body !== "two") await delay(100);
    }
    assert.equal(body, "two");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f serve --max-worker-memory replaces a worker whose heap grew past it", async () => {
  await using cli = await startCli([
    "serve",
    "--max-worker-memory",
    "40",
    "-b",
    "127.0.0.1:0",
    APP,
  ]);
  const first = await (await fetch(`http://127.0.0.1:${cli.port}/`)).json();
  for (let i = 0; i < 8; i++) {
    await (await fetch(`http://127.0.0.1:${cli.port}/grow`)).body?.cancel();
  }
  await cli.waitFor(/Worker 1 uses \d+ MiB of heap \(max-worker-memory 40\): replacing it/, 10_000);
  await cli.waitFor(/Stopping worker 1 \(gen 1\): its replacement is ready/, 10_000);
  const after = await (await fetch(`http://127.0.0.1:${cli.port}/`)).json();
  assert.equal(after.worker, 1);
  assert.equal(first.worker, 1);
});
