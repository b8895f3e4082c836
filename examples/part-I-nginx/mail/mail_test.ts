// End-to-end: the README's mail demo, command by command, on free ports: the openssl line, the
// auth service, aiosmtpd, the proxy, then swaks (STARTTLS + CRAM-MD5, PLAIN, a wrong password,
// the TCP proxy), and -s quit. Needs openssl, swaks and python3-aiosmtpd from Debian.

import assert from "node:assert/strict";
import { cliCommand, root, runCli, spawnWatched } from "../../../tests/_cli.ts";
import { freePort, PYTHON, requireMailTools, swaks, until } from "../../../tests/_mail.ts";

const HERE = `${root}/examples/part-I-nginx/mail`;

/** Whether something accepts connections on 127.0.0.1:`port`. */
async function accepts(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("part I mail README demo: auth service, aiosmtpd, proxy, then swaks through STARTTLS", async () => {
  requireMailTools();
  const readme = await Deno.readTextFile(`${HERE}/README.md`);
  const shown = (command: string) =>
    assert.ok(
      readme.replace(/\\\n\s+/g, "").includes(command),
      `README.md shows: ${command}`,
    );
  const [authPort, backendPort, smtpPort, tcpPort] = [
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ];
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-demo-mail-" });
  try {
    // The certificate, as the README makes it (here in the temp prefix).
    const openssl =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost " +
      "-addext basicConstraints=critical,CA:FALSE -addext subjectAltName=DNS:localhost " +
      "-keyout examples/part-I-nginx/mail/key.pem -out examples/part-I-nginx/mail/cert.pem";
    shown(openssl);
    const made = await new Deno.Command("openssl", {
      args: openssl.split(" ").slice(1).map((arg) =>
        arg.replace("examples/part-I-nginx/mail/", `${dir}/`)
      ),
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(made.success, new TextDecoder().decode(made.stderr));

    // The config on free ports, its pid file and certificates in the temp prefix.
    const original = await Deno.readTextFile(`${HERE}/ngw2f.toml`);
    const toml = original
      .replace('"http://127.0.0.1:9000/auth"', `"http://127.0.0.1:${authPort}/auth"`)
      .replace('listen = "127.0.0.1:2525"', `listen = "127.0.0.1:${smtpPort}"`)
      .replace('listen = "127.0.0.1:2527"', `listen = "127.0.0.1:${tcpPort}"`)
      .replace('proxy_pass = "127.0.0.1:2526"', `proxy_pass = "127.0.0.1:${backendPort}"`);
    for (const port of [authPort, smtpPort, tcpPort, backendPort]) {
      assert.ok(toml.includes(`127.0.0.1:${port}`), `the demo's port became ${port}`);
    }
    await Deno.writeTextFile(`${dir}/ngw2f.toml`, toml);

    // 1: the auth service.
    shown("npx deno run --allow-net examples/part-I-nginx/mail/auth.ts");
    await using auth = spawnWatched(Deno.execPath(), [
      "run",
      "--allow-net",
      "examples/part-I-nginx/mail/auth.ts",
      "--listen",
      `127.0.0.1:${authPort}`,
      "--backend",
      `127.0.0.1:${backendPort}`,
    ]);
    await auth.waitFor(
      `auth: listening at http://127.0.0.1:${authPort}/auth, backend 127.0.0.1:${backendPort}`,
    );
    // 2: the backend.
    shown("python3 -m aiosmtpd -n -l 127.0.0.1:2526");
    await using backend = spawnWatched(
      PYTHON,
      ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${backendPort}`],
      { env: { PYTHONUNBUFFERED: "1" } },
    );
    await until(() => accepts(backendPort), 20_000, "aiosmtpd").catch((error) => {
      throw new Error(`${error.message}:\n${backend.output()}`);
    });
    // 3: the proxy.
    shown("npx deno run -A main.ts proxy -c examples/part-I-nginx/mail/ngw2f.toml");
    const cli = cliCommand();
    await using proxy = spawnWatched(cli.cmd, [
      ...cli.args,
      "proxy",
      "-p",
      dir,
      "-c",
      `${dir}/ngw2f.toml`,
    ]);
    await proxy.waitFor(`SMTP proxy listening at 127.0.0.1:${smtpPort}`);
    await proxy.waitFor(`Stream proxy listening at 127.0.0.1:${tcpPort}`);

    // 4: a message over STARTTLS as alice (swaks picks CRAM-MD5 from the list).
    shown(
      "swaks --server 127.0.0.1:2525 --tls --auth-user alice --auth-password secret " +
        "--from alice@example.com --to bob@example.com",
    );
    const first = await swaks(smtpPort, [
      "--tls",
      "--auth-user",
      "alice",
      "--auth-password",
      "secret",
      "--from",
      "alice@example.com",
      "--to",
      "bob@example.com",
    ]);
    assert.equal(first.code, 0, first.output);
    for (
      const line of [
        "<-  220 mx.example.com ESMTP ready",
        "<-  250-SIZE 10485760",
        "<-  250-STARTTLS",
        "<-  250 AUTH PLAIN LOGIN CRAM-MD5",
        "=== TLS started",
        " ~> AUTH CRAM-MD5",
        "<~  235 2.0.0 OK",
        "<~  221 Bye",
      ]
    ) {
      assert.ok(first.output.includes(line), `swaks shows ${line}:\n${first.output}`);
    }
    await auth.waitFor(
      `auth: cram-md5 alice from 127.0.0.1 (attempt 1): OK -> 127.0.0.1:${backendPort}`,
    );
    await proxy.waitFor(
      `SMTP client 127.0.0.1 logged in as "alice" (cram-md5), backend 127.0.0.1:${backendPort}`,
    );
    await backend.waitFor(/MESSAGE FOLLOWS[\s\S]*To: bob@example\.com[\s\S]*END MESSAGE/);
    assert.match(backend.output(), /This is a test mailing/);
    assert.match(proxy.output(), /\[warn\][^\n]*XCLIENT/, "the README's XCLIENT warning");

    // More to try: AUTH PLAIN without TLS, as bob.
    shown(
      "swaks --server 127.0.0.1:2525 --auth PLAIN --auth-user bob --auth-password hunter2 " +
        "--from bob@example.com --to alice@example.com",
    );
    const second = await swaks(smtpPort, [
      "--auth",
      "PLAIN",
      "--auth-user",
      "bob",
      "--auth-password",
      "hunter2",
      "--from",
      "bob@example.com",
      "--to",
      "alice@example.com",
    ]);
    assert.equal(second.code, 0, second.output);
    await auth.waitFor("auth: plain bob from 127.0.0.1 (attempt 1): OK");

    // A wrong password: 535 after the service's Auth-Wait of 3 seconds.
    shown(
      "swaks --server 127.0.0.1:2525 --auth PLAIN --auth-user alice --auth-password wrong " +
        "--from alice@example.com --to bob@example.com",
    );
    shown("<** 535 5.7.8 Invalid login or password");
    const started = performance.now();
    const wrong = await swaks(smtpPort, [
      "--auth",
      "PLAIN",
      "--auth-user",
      "alice",
      "--auth-password",
      "wrong",
      "--from",
      "alice@example.com",
      "--to",
      "bob@example.com",
    ]);
    const waited = performance.now() - started;
    assert.notEqual(wrong.code, 0, wrong.output);
    assert.ok(wrong.output.includes("<** 535 5.7.8 Invalid login or password"), wrong.output);
    assert.ok(waited >= 3_000, `the refusal came after ${Math.round(waited)} ms`);

    // The TCP proxy: the backend's own greeting.
    shown("swaks --server 127.0.0.1:2527 --from alice@example.com --to bob@example.com");
    const tcp = await swaks(tcpPort, ["--from", "alice@example.com", "--to", "bob@example.com"]);
    assert.equal(tcp.code, 0, tcp.output);
    assert.match(tcp.output, /<- {2}220 \S+ Python SMTP/);
    await until(
      () => backend.output().split("END MESSAGE").length - 1 >= 3,
      10_000,
      "three messages at the backend",
    );

    // -s quit: a graceful stop, exit code 0.
    shown("npx deno run -A main.ts proxy -c examples/part-I-nginx/mail/ngw2f.toml -s quit");
    await until(
      async () => !!(await Deno.readTextFile(`${dir}/ngw2f-mail.pid`).catch(() => "")),
      10_000,
      "the pid file",
    );
    const quit = await runCli(["proxy", "-p", dir, "-c", `${dir}/ngw2f.toml`, "-s", "quit"]);
    assert.equal(quit.code, 0, quit.stderr);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([
      proxy.child.status.then((s) => s.code),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Still running:\n${proxy.output()}`)), 20_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.equal(code, 0, proxy.output());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
