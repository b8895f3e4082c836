// End-to-end: `ngw2f up` runs the proxy and the app server from one config, tags their output,
// passes signals to both and never runs half.

import assert from "node:assert/strict";
import { cliCommand, rawExchange, runCli, type RunningCli, startCli, waitGone } from "./_cli.ts";
import { request } from "./_proxy.ts";
import { freePort } from "./_tcp.ts";

const PROXY_LISTEN = /\[proxy\].*Listening at: http:\/\/127\.0\.0\.1:(\d+)/;

async function stackConfig(dir: string): Promise<string> {
  await Deno.mkdir(`${dir}/site`);
  await Deno.writeTextFile(`${dir}/site/hello.txt`, "static hello\n");
  await Deno.writeTextFile(
    `${dir}/app.ts`,
    'export default () => new Response("app " + Deno.env.get("GREETING") + "\\n");\n',
  );
  const file = `${dir}/ngw2f.toml`;
  await Deno.writeTextFile(
    file,
    `workers = 1
pid = "${dir}/proxy.pid"
error_log = "- info"

[app]
module = "${dir}/app.ts"
bind = ["unix:${dir}/app.sock"]
workers = 2
env = ["GREETING=one"]

[[server]]
listen = "127.0.0.1:0"
[[server.location]]
match = "/static/"
alias = "${dir}/site/"
[[server.location]]
match = "/"
proxy_pass = "http://unix:${dir}/app.sock"
`,
  );
  return file;
}

/** Waits until both sides of `ngw2f up -c stackConfig()` listen; the proxy's port. */
async function stackPort(cli: RunningCli): Promise<number> {
  await cli.waitFor(PROXY_LISTEN);
  await cli.waitFor(/\[app\]\s.*Listening at: unix:/);
  return Number(PROXY_LISTEN.exec(cli.output())![1]);
}

Deno.test("ngw2f up: one config runs the proxy and the app; HUP reloads both; TERM stops both", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-up-test-" });
  try {
    const file = await stackConfig(dir);
    await using cli = await startCli(["up", "-c", file]);
    const port = await stackPort(cli);
    const { text } = await rawExchange(port, "GET / HTTP/1.0\r\n\r\n");
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\n\r\napp one\n$/);
    assert.equal((await request(port, "/static/hello.txt")).body, "static hello\n");
    // HUP reloads both: new app workers import the changed module, the proxy re-reads its config.
    await Deno.writeTextFile(`${dir}/app.ts`, 'export default () => new Response("app two\\n");\n');
    cli.child.kill("SIGHUP");
    await cli.waitFor(/\[proxy\].*Reload done/);
    await cli.waitFor(/\[app\].*Reload done/);
    let body = "";
    for (let i = 0; i < 50 && body !== "app two\n"; i++) {
      body = (await request(port, "/")).body;
      if (body !== "app two\n") await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(body, "app two\n");
    assert.equal(await cli.stop("SIGTERM"), 0);
    assert.match(cli.output(), /\[proxy\].*Shutdown complete/);
    assert.match(cli.output(), /\[app\]\s.*Shutdown complete/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f up: when up itself is killed (SIGKILL), the proxy and the app server stop on their own", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-up-test-" });
  const masters: number[] = [];
  try {
    const file = await stackConfig(dir);
    await using cli = await startCli(["up", "-c", file]);
    const port = await stackPort(cli);
    assert.equal((await request(port, "/")).body, "app one\n");
    for (const side of ["proxy", "app"]) {
      const started = new RegExp(`\\[${side}\\]\\s.*Starting ngw2f master \\(pid (\\d+)\\)`);
      masters.push(Number(started.exec(cli.output())![1]));
    }
    assert.equal(await cli.stop("SIGKILL"), 137);
    for (const [i, pid] of masters.entries()) {
      assert.ok(
        await waitGone(pid, 15_000),
        `the ${i ? "app" : "proxy"} master (pid ${pid}) still runs`,
      );
    }
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
  } finally {
    // Only if the test failed: end what it started.
    for (const pid of masters) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone, as it should be */ }
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f up: when one side cannot start, the other is stopped and up exits non-zero", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-up-test-" });
  try {
    const file = await stackConfig(dir);
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace(`${dir}/app.ts`, `${dir}/missing.ts`),
    );
    const { cmd, args } = cliCommand();
    const command = new Deno.Command(cmd, {
      args: [...args, "up", "-c", file],
      stdout: "piped",
      stderr: "piped",
    });
    const output = await command.output();
    const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
    assert.notEqual(output.code, 0);
    assert.match(text, /\[app\].*missing\.ts/);
    assert.match(text, /\[up\] app exited: stopping the others/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f up with no config: the part V demo behind the proxy, static files from the proxy", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-up-demo-" });
  try {
    const port = freePort();
    await using cli = await startCli(["up"], {
      cwd: dir,
      env: { NGW2F_DEMO_LISTEN: `127.0.0.1:${port}` },
    });
    await cli.waitFor(PROXY_LISTEN);
    await cli.waitFor(/\[app\]\s.*Listening at: http:\/\/127\.0\.0\.1:\d+/);
    // Both app workers listen (on a loopback port; a unix socket would get worker 1 only).
    assert.doesNotMatch(cli.output(), /Only worker 1 serves/);
    // `up` held the app's port until then, and let go of it: every connection to it is
    // answered (one still held would take about a third of them and never answer).
    const appPort = Number(
      /\[app\]\s.*Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(cli.output())![1],
    );
    const direct = await Promise.all(
      Array.from(
        { length: 24 },
        () => rawExchange(appPort, "GET / HTTP/1.0\r\n\r\n", { timeoutMs: 2_000 }),
      ),
    );
    assert.deepEqual(
      direct.map(({ text }) => text.slice(0, 12)),
      direct.map(() => "HTTP/1.0 302"),
    );
    const { text } = await rawExchange(port, "GET / HTTP/1.0\r\n\r\n");
    assert.match(text, /^HTTP\/1\.1 302 Found\r\n/);
    assert.match(text, /location: \/auth\/login\?next=%2F/i);
    const css = await request(port, "/static/style.css");
    assert.equal(css.status, 200);
    assert.match(css.headers.get("cache-control") ?? "", /max-age=3600/);
    assert.equal(await cli.stop("SIGTERM"), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f up with no config on a taken port: names the address, says how to move, stops both", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-up-demo-" });
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const address = `127.0.0.1:${taken.addr.port}`;
    const result = await runCli(["up"], { cwd: dir, env: { NGW2F_DEMO_LISTEN: address } });
    assert.equal(result.code, 3, result.stderr);
    const escaped = address.replaceAll(".", "\\.");
    assert.match(
      result.stderr,
      new RegExp(`\\[proxy\\].*Cannot listen on "${escaped}": Address already in use`),
    );
    assert.match(result.stderr, /\[up\] proxy exited: stopping the others/);
    // up returns only once both processes have exited.
    assert.match(
      result.stderr,
      new RegExp(`\\[up\\] The demo could not listen on ${escaped}: set NGW2F_DEMO_LISTEN=`),
    );
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ngw2f up: HUP gives the new app workers a changed [app] env (as gunicorn's HUP)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-up-test-" });
  try {
    const file = await stackConfig(dir);
    await using cli = await startCli(["up", "-c", file]);
    const port = await stackPort(cli);
    assert.equal((await request(port, "/")).body, "app one\n");
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace("GREETING=one", "GREETING=two"),
    );
    cli.child.kill("SIGHUP");
    await cli.waitFor(/\[app\].*Reload done/);
    let body = "";
    for (let i = 0; i < 50 && body !== "app two\n"; i++) {
      body = (await request(port, "/")).body;
      if (body !== "app two\n") await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(body, "app two\n");
    assert.equal(await cli.stop("SIGTERM"), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
