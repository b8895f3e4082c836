import assert from "node:assert/strict";
import { type Context, type Handler, testContext } from "../../gateway/mod.ts";
import { profiler, type ProfilerOptions, type RequestProfile } from "./profiler.ts";
import { recordingLogger, withServer } from "./_test_util.ts";

/** A temp folder, a context whose waitUntil() promises can be awaited, and a cleanup. */
async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "profiler_test_" });
  const pending: Promise<unknown>[] = [];
  const log = recordingLogger();
  const ctx = (): Context => testContext({ log, waitUntil: (p) => void pending.push(p) });
  const settle = () => Promise.all(pending);
  const files = async () => {
    await settle();
    return (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
  };
  const read = async (name: string) => JSON.parse(await Deno.readTextFile(`${dir}/${name}`));
  const cleanup = () => Deno.remove(dir, { recursive: true });
  return { dir, ctx, log, files, read, cleanup };
}

async function call(
  handler: Handler,
  options: ProfilerOptions,
  ctx: Context,
  path = "/api/users/12",
): Promise<Response> {
  const response = await profiler(options)(handler).fetch(new Request(`http://x${path}`), ctx);
  await response.arrayBuffer();
  return response;
}

Deno.test("profiler() writes a JSON summary named like Werkzeug's", async () => {
  const t = await setup();
  try {
    const before = Date.now();
    await call(() => new Response("ok", { status: 201 }), { dir: t.dir }, t.ctx());
    const [name, ...rest] = await t.files();
    assert.equal(rest.length, 0);
    const match = /^GET\.api\.users\.12\.(\d+)ms\.(\d{13})\.json$/.exec(name);
    assert.ok(match, name);
    assert.ok(Number(match[2]) >= before);
    const profile: RequestProfile = await t.read(name);
    assert.equal(profile.method, "GET");
    assert.equal(profile.url, "http://x/api/users/12");
    assert.equal(profile.status, 201);
    assert.equal(profile.workerId, 1);
    assert.ok(profile.wallMs >= profile.appMs && profile.appMs >= 0);
    assert.ok(profile.cpu.userMs >= 0 && profile.cpu.systemMs >= 0);
    assert.ok(profile.memory.rss > 0);
  } finally {
    await t.cleanup();
  }
});

Deno.test("profiler() counts the streaming of the body in the wall time", async () => {
  const t = await setup();
  try {
    let step = 0;
    const slow = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (step++ === 0) controller.enqueue(new Uint8Array(4));
        else controller.close();
      },
    });
    await call(() => new Response(slow), { dir: t.dir }, t.ctx());
    const [name] = await t.files();
    const profile: RequestProfile = await t.read(name);
    assert.ok(profile.appMs < 25, `appMs ${profile.appMs}`);
    assert.ok(profile.wallMs >= 50, `wallMs ${profile.wallMs}`);
  } finally {
    await t.cleanup();
  }
});

Deno.test("profiler() names the root path root and sanitizes odd characters", async () => {
  const t = await setup();
  try {
    await call(() => new Response("ok"), { dir: t.dir }, t.ctx(), "/");
    await call(() => new Response("ok"), { dir: t.dir }, t.ctx(), "/caf%C3%A9/a:b/");
    const names = await t.files();
    assert.equal(names.length, 2);
    assert.ok(names.some((name) => /^GET\.root\.\d+ms\.\d{13}\.json$/.test(name)), `${names}`);
    assert.ok(names.some((name) => /^GET\.caf_C3_A9\.a_b\.\d+ms/.test(name)), `${names}`);
  } finally {
    await t.cleanup();
  }
});

Deno.test("profiler() records an app's error and rethrows it", async () => {
  const t = await setup();
  try {
    await assert.rejects(
      () =>
        call(
          () => {
            throw new Error("broken");
          },
          { dir: t.dir },
          t.ctx(),
        ),
      /broken/,
    );
    const [name] = await t.files();
    const profile: RequestProfile = await t.read(name);
    assert.equal(profile.status, null);
    assert.equal(profile.error, "broken");
  } finally {
    await t.cleanup();
  }
});

Deno.test("profiler() profiles only what the filter lets through", async () => {
  const t = await setup();
  try {
    const options = { dir: t.dir, filter: (request: Request) => request.url.includes("/api/") };
    await call(() => new Response("ok"), options, t.ctx(), "/static/app.js");
    await call(() => new Response("ok"), options, t.ctx(), "/api/x");
    assert.deepEqual((await t.files()).map((name) => name.split(".")[1]), ["api"]);
  } finally {
    await t.cleanup();
  }
});

Deno.test("profiler() stops at maxFiles and maxPerSecond", async () => {
  const t = await setup();
  try {
    const total = profiler({ dir: t.dir, maxFiles: 2 })(() => new Response("ok"));
    for (let i = 0; i < 5; i++) {
      await (await total.fetch(new Request(`http://x/total/${i}`), t.ctx())).text();
    }
    assert.equal((await t.files()).length, 2);
    const rate = profiler({ dir: t.dir, maxPerSecond: 3 })(() => new Response("ok"));
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        await (await rate.fetch(new Request(`http://x/rate/${i}`), t.ctx())).text();
      }),
    );
    const rated = (await t.files()).filter((name) => name.includes(".rate."));
    // 3 per second; the burst may straddle a second boundary.
    assert.ok(rated.length >= 3 && rated.length <= 6, `${rated.length}`);
  } finally {
    await t.cleanup();
  }
});

Deno.test("profiler() writes V8 .cpuprofile files, one request at a time", async () => {
  const t = await setup();
  try {
    const app = profiler({ dir: t.dir, format: "cpuprofile", samplingInterval: 50 })(
      async () => {
        const until = performance.now() + 15;
        let x = 0;
        while (performance.now() < until) x += Math.sqrt(x + 1);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return new Response(String(x));
      },
    );
    await Promise.all(
      [1, 2].map(async (i) => {
        await (await app.fetch(new Request(`http://x/cpu/${i}`), t.ctx())).text();
      }),
    );
    const names = await t.files();
    assert.equal(names.length, 1, `${names}`);
    assert.match(names[0], /^GET\.cpu\.[12]\.\d+ms\.\d{13}\.cpuprofile$/);
    const profile = await t.read(names[0]);
    assert.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0);
    assert.ok(Array.isArray(profile.samples) && profile.samples.length > 0);
    assert.ok(profile.endTime > profile.startTime);
    // The profiler is free again for the next request.
    await (await app.fetch(new Request("http://x/cpu/3"), t.ctx())).text();
    assert.equal((await t.files()).length, 2);
  } finally {
    await t.cleanup();
  }
});

Deno.test("profiler() logs a profile it cannot write", async () => {
  const t = await setup();
  try {
    const file = `${t.dir}/not-a-folder`;
    await Deno.writeTextFile(file, "");
    await call(() => new Response("ok"), { dir: `${file}/sub` }, t.ctx());
    await t.files();
    assert.equal(t.log.lines.length, 1);
    assert.match(t.log.lines[0], /^error: Cannot write the profile of GET http:\/\/x\//);
  } finally {
    await t.cleanup();
  }
});

Deno.test("profiler() rejects bad options", () => {
  assert.throws(() => profiler({ dir: "" }), /"dir" must name a folder/);
  assert.throws(
    () => profiler({ dir: "x", format: "pstats" as "json" }),
    /unknown format "pstats"/,
  );
  assert.throws(() => profiler({ dir: "x", maxFiles: 0 }), /"maxFiles" must be above 0/);
});

Deno.test("profiler() works under the gateway's server", async () => {
  const dir = await Deno.makeTempDir({ prefix: "profiler_test_" });
  try {
    const app = profiler({ dir })(() => new Response("served"));
    await withServer(app, async (base) => {
      assert.equal(await (await fetch(`${base}/hello`)).text(), "served");
    });
    // The server waits for waitUntil() work before its shutdown completes.
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name);
    assert.equal(names.length, 1);
    assert.match(names[0], /^GET\.hello\.\d+ms\.\d{13}\.json$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
