import assert from "node:assert/strict";
import { type AccessEntry, createAccessFormatter, openLog, workerTag } from "./logging.ts";

const time = new Date(Date.UTC(2026, 10, 26, 14, 13, 35));
const remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "10.0.0.7", port: 4242 };

function entry(overrides: Partial<AccessEntry> = {}): AccessEntry {
  return {
    remoteAddr,
    request: new Request("http://example.com/a/b?x=1&y=%20", {
      method: "POST",
      headers: {
        referer: "http://example.com/",
        "user-agent": "Mozilla/5.0 (X11)",
        authorization: `Basic ${btoa("ada:secret")}`,
        "x-request-id": "abc",
      },
    }),
    protocol: "HTTP/1.1",
    status: 201,
    bytes: 1234,
    time,
    durationMs: 1523.4567,
    workerId: 3,
    responseHeaders: new Headers({ "content-type": "text/plain" }),
    ...overrides,
  };
}

function atom(name: string, record = entry()): string {
  return createAccessFormatter(`%(${name})s`)(record);
}

Deno.test("createAccessFormatter() writes each gunicorn atom", () => {
  const expected: Record<string, string> = {
    h: "10.0.0.7",
    l: "-",
    u: "ada",
    t: "[26/Nov/2026:14:13:35 +0000]",
    r: "POST /a/b?x=1&y=%20 HTTP/1.1",
    m: "POST",
    U: "/a/b",
    q: "x=1&y=%20",
    H: "HTTP/1.1",
    s: "201",
    B: "1234",
    b: "1234",
    f: "http://example.com/",
    a: "Mozilla/5.0 (X11)",
    T: "1",
    M: "1523",
    D: "1523457",
    L: "1.523457",
    p: `<${Deno.pid}>`,
    "{x-request-id}i": "abc",
    "{X-Request-Id}i": "abc",
    "{content-type}o": "text/plain",
    "{x-missing}i": "-",
    "{x-missing}o": "-",
  };
  for (const [name, value] of Object.entries(expected)) {
    assert.equal(atom(name), value, `%(${name})s`);
  }
});

Deno.test("createAccessFormatter() writes '-' or '' for absent values", () => {
  const bare = entry({
    request: new Request("http://example.com/"),
    bytes: 0,
    durationMs: 0,
    responseHeaders: undefined,
  });
  assert.equal(atom("u", bare), "-");
  assert.equal(atom("f", bare), "-");
  assert.equal(atom("a", bare), "-");
  assert.equal(atom("q", bare), "");
  assert.equal(atom("U", bare), "/");
  assert.equal(atom("b", bare), "-");
  assert.equal(atom("B", bare), "0");
  assert.equal(atom("L", bare), "0.000000");
  assert.equal(atom("{content-type}o", bare), "-");
  assert.equal(atom("h", entry({ remoteAddr: { transport: "unix", path: "/run/s" } })), "unix");
});

Deno.test("createAccessFormatter() reads %({VAR}e)s from the environment", () => {
  Deno.env.set("NGW2F_LOGGING_TEST", "blue");
  try {
    assert.equal(atom("{NGW2F_LOGGING_TEST}e"), "blue");
  } finally {
    Deno.env.delete("NGW2F_LOGGING_TEST");
  }
  assert.equal(atom("{NGW2F_LOGGING_TEST}e"), "-");
});

Deno.test("createAccessFormatter() keeps literal text and %% between atoms", () => {
  const format = createAccessFormatter('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s 100%% [%(D)s]');
  assert.equal(
    format(entry()),
    '10.0.0.7 - ada [26/Nov/2026:14:13:35 +0000] "POST /a/b?x=1&y=%20 HTTP/1.1" 201 1234 ' +
      "100% [1523457]",
  );
  assert.equal(createAccessFormatter("no atoms")(entry()), "no atoms");
  assert.equal(createAccessFormatter("")(entry()), "");
});

Deno.test("createAccessFormatter() escapes quotes and control characters from the client", () => {
  const record = entry({
    request: new Request("http://h/", {
      headers: {
        "user-agent": 'evil" agent\\',
        authorization: `Basic ${btoa("eve\nforged line:x")}`,
      },
    }),
  });
  assert.equal(atom("a", record), 'evil\\" agent\\\\');
  assert.equal(atom("u", record), "eve\\x0aforged line");
});

Deno.test("createAccessFormatter() throws a TypeError naming an unknown atom", () => {
  assert.throws(() => createAccessFormatter("%(h)s %(z)s"), {
    name: "TypeError",
    message: 'Cannot use access log format: unknown atom "%(z)s"',
  });
  assert.throws(() => createAccessFormatter("%({x}q)s"), /unknown atom "%\(\{x\}q\)s"/);
  assert.throws(() => createAccessFormatter("%(h)d"), /malformed atom/);
  assert.throws(() => createAccessFormatter("%(h"), /malformed atom/);
  assert.throws(() => createAccessFormatter("%({bad name}i)s"), /bad header name/);
});

Deno.test("createAccessFormatter() writes nginx's combined shape for 'combined'", () => {
  assert.equal(
    createAccessFormatter("combined")(entry()),
    '10.0.0.7 - ada [26/Nov/2026:14:13:35 +0000] "POST /a/b?x=1&y=%20 HTTP/1.1" 201 1234 ' +
      '"http://example.com/" "Mozilla/5.0 (X11)"',
  );
});

Deno.test("createAccessFormatter() writes one JSON object per line for 'json'", () => {
  const line = createAccessFormatter("json")(entry());
  assert.ok(!line.includes("\n"));
  assert.deepEqual(JSON.parse(line), {
    time: "2026-11-26T14:13:35.000Z",
    remote: "10.0.0.7",
    method: "POST",
    path: "/a/b?x=1&y=%20",
    protocol: "HTTP/1.1",
    status: 201,
    bytes: 1234,
    referer: "http://example.com/",
    user_agent: "Mozilla/5.0 (X11)",
    duration_ms: 1523.457,
    worker: 3,
  });
  const bare = JSON.parse(
    createAccessFormatter("json")(entry({ request: new Request("http://h/") })),
  );
  assert.equal(bare.referer, null);
  assert.equal(bare.user_agent, null);
});

Deno.test("workerTag() names the worker and its generation after a reload", () => {
  assert.equal(workerTag(1), "worker 1");
  assert.equal(workerTag(4, 1), "worker 4");
  assert.equal(workerTag(4, 3), "worker 4 (gen 3)");
});

async function withTempDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f_logging_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function readLines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text === "" || text.endsWith("\n"), "the file ends with a whole line");
  return text === "" ? [] : text.slice(0, -1).split("\n");
}

Deno.test("openLog() tags every line with the pid and the tag", async () => {
  await withTempDir(async (dir) => {
    const log = openLog(`${dir}/error.log`, { tag: workerTag(2) });
    log.info("Booting worker");
    log.warn("Slow request");
    log.error("Request failed");
    log.close();
    const lines = await readLines(`${dir}/error.log`);
    assert.equal(lines.length, 3);
    for (const line of lines) {
      assert.match(
        line,
        new RegExp(
          String.raw`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\] \[${Deno.pid}\] \[worker 2\] ` +
            String.raw`\[(INFO|WARNING|ERROR)\] `,
        ),
      );
    }
  });
});

Deno.test("openLog() drops lines below its level", async () => {
  await withTempDir(async (dir) => {
    const log = openLog(`${dir}/error.log`, { tag: "master", level: "warning" });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    log.close();
    const lines = await readLines(`${dir}/error.log`);
    assert.equal(lines.length, 2);
    assert.match(lines[0], /\[master\] \[WARNING\] w$/);
    assert.match(lines[1], /\[master\] \[ERROR\] e$/);
  });
});

Deno.test("openLog() writes the message alone when bare", async () => {
  await withTempDir(async (dir) => {
    const log = openLog(`${dir}/access.log`, { tag: "worker 1", bare: true });
    log.info('10.0.0.7 - - [26/Nov/2026:14:13:35 +0000] "GET / HTTP/1.1" 200 5 "-" "-"');
    log.close();
    log.info("after close: dropped");
    assert.deepEqual(await readLines(`${dir}/access.log`), [
      '10.0.0.7 - - [26/Nov/2026:14:13:35 +0000] "GET / HTTP/1.1" 200 5 "-" "-"',
    ]);
  });
});

Deno.test("openLog() appends whole lines when two sinks share a file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/shared.log`;
    await Deno.writeTextFile(path, "existing line\n");
    const sinks = [1, 2].map((id) => openLog(path, { tag: workerTag(id), bare: true }));
    for (let i = 0; i < 200; i++) {
      for (const [n, sink] of sinks.entries()) sink.info(`${n}:${i}:${"x".repeat(1000 + i)}`);
    }
    for (const sink of sinks) sink.close();
    const lines = await readLines(path);
    assert.equal(lines[0], "existing line");
    assert.equal(lines.length, 401);
    for (const line of lines.slice(1)) {
      const [, n, i, body] = /^([01]):(\d+):(x+)$/.exec(line) ?? [];
      assert.ok(body !== undefined, `intact line: ${line.slice(0, 40)}`);
      assert.equal(body.length, 1000 + Number(i), `line ${n}:${i} is whole`);
    }
  });
});

Deno.test("openLog() keeps lines whole when worker processes write concurrently", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/concurrent.log`;
    const script = `${dir}/writer.js`;
    await Deno.writeTextFile(
      script,
      `import { openLog } from ${JSON.stringify(import.meta.resolve("./logging.ts"))};
const [path, id] = Deno.args;
const log = openLog(path, { tag: "worker " + id });
for (let i = 0; i < 500; i++) log.info(id + ":" + i + ":" + id.repeat(4000));
log.close();`,
    );
    const outputs = await Promise.all(
      ["1", "2", "3"].map((id) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "--no-check", "-A", script, path, id],
          stdout: "null",
          stderr: "piped",
        }).output()
      ),
    );
    for (const output of outputs) {
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    }
    const lines = await readLines(path);
    assert.equal(lines.length, 1500);
    for (const line of lines) {
      const match = /\[worker (\d)\] \[INFO\] (\d):\d+:(\d+)$/.exec(line);
      assert.ok(match, `intact line: ${line.slice(0, 80)}`);
      assert.equal(match[1], match[2]);
      assert.equal(match[3], match[1].repeat(4000));
    }
  });
});

Deno.test("openLog() writes to a fresh file at the same path after reopen()", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/access.log`;
    const log = openLog(path, { tag: "master", bare: true });
    log.info("a");
    await Deno.rename(path, `${path}.1`); // logrotate
    log.info("b"); // still the renamed file, until USR1
    log.reopen();
    log.info("c");
    log.close();
    assert.deepEqual(await readLines(`${path}.1`), ["a", "b"]);
    assert.deepEqual(await readLines(path), ["c"]);
  });
});

Deno.test("openLog() throws a message naming the file when it cannot open it", async () => {
  await withTempDir((dir) => {
    assert.throws(() => openLog(`${dir}/missing/error.log`, { tag: "master" }), {
      message: new RegExp(`^Cannot open log file "${dir}/missing/error\\.log": `),
    });
  });
});

Deno.test("openLog() drops everything for a null target", () => {
  const log = openLog(null, { tag: "master", level: "debug" });
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e", new Error("boom"));
  log.reopen();
  log.close();
});

Deno.test("openLog() makes reopen() and close() harmless on the console", () => {
  const log = openLog("-", { tag: "master", level: "critical", stream: "stdout" });
  log.error("below critical: dropped");
  log.reopen();
  log.close();
});
