// End-to-end: the proxy's `status_page` over a real upstream group (two live servers and a
// dead address), as JSON, then in Debian's headless Chromium driven by playwright-core: the
// tables and badges render, the page polls and fills in its rates, and leaves a screenshot in
// test-artifacts/status_page.png.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import type { StatusData } from "../layers/proxy/status/status_data.ts";
import { request, startProxy } from "./_proxy.ts";
import { freePort } from "./_tcp.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);
const REQUESTS = 12;

interface Upstream extends AsyncDisposable {
  name: string;
  port: number;
  seen: number;
}

/** A Deno.serve upstream that answers its name and counts what it gets. */
function upstream(name: string): Upstream {
  const up: Upstream = {
    name,
    port: 0,
    seen: 0,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    up.seen++;
    return new Response(name);
  });
  up.port = server.addr.port;
  return up;
}

const config = (servers: string[]) =>
  `workers = 2
pid = "proxy.pid"
error_log = "- info"
access_log = "off"

[upstream.app]
server = [${servers.map((s) => `"${s}"`).join(", ")}]

[[server]]
listen = "127.0.0.1:0"
[[server.location]]
match = "/status"
status_page = true
[[server.location]]
match = "/"
proxy_pass = "http://app"
`;

/** Sends `count` requests through the proxy; each must come back 200 from a live server. */
async function traffic(port: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await request(port, `/item/${i}`);
    assert.equal(response.status, 200, response.body);
  }
}

/** The status JSON, asked up to 40 times until `ready` holds (whichever worker answers). */
async function statusUntil(port: number, ready: (data: StatusData) => boolean) {
  let data: StatusData | null = null;
  for (let i = 0; i < 40; i++) {
    const response = await request(port, "/status?format=json");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.equal(response.headers.get("cache-control"), "no-store");
    data = JSON.parse(response.body) as StatusData;
    if (ready(data)) return data;
  }
  assert.fail(`The status never got ready: ${JSON.stringify(data)}`);
}

const total = (data: StatusData) =>
  data.workers.reduce((sum, w) => sum + Object.values(w.statuses).reduce((a, b) => a + b, 0), 0);

Deno.test("status_page: JSON lists every server, the dead one failed, its connect error, totals of all workers", async () => {
  await using a = upstream("a");
  await using b = upstream("b");
  const dead = `127.0.0.1:${freePort()}`;
  const servers = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`, dead];
  await using proxy = await startProxy(config(servers));
  await traffic(proxy.port, REQUESTS);
  assert.equal(a.seen + b.seen, REQUESTS);

  // Errors are shared by the workers: every answer has it, whichever worker gives it.
  for (let i = 0; i < 6; i++) {
    const answer = await request(proxy.port, "/status?format=json");
    const errors = (JSON.parse(answer.body) as StatusData).errors;
    assert.equal(errors.length, 1, `answer ${i}: ${answer.body.slice(0, 300)}`);
  }
  const data = await statusUntil(proxy.port, (d) => d.errors.length > 0);
  assert.equal(data.workers.length, 2);
  assert.match(data.server, /^ngw2f/);
  assert.equal(data.upstreams.length, 1);
  const group = data.upstreams[0];
  assert.equal(group.name, "app");
  assert.equal(group.method, "round_robin");
  assert.deepEqual(group.servers.map((s) => s.name), servers);
  assert.deepEqual(group.servers.map((s) => s.state), ["up", "up", "failed"]);
  const [sa, sb, sd] = group.servers;
  assert.equal(sa.requests, a.seen);
  assert.equal(sb.requests, b.seen);
  assert.ok(sd.fails >= 1 && sd.downUntil > data.generatedAt, JSON.stringify(sd));
  const error = data.errors[0];
  assert.equal(error.kind, "connect");
  assert.equal(error.upstream, "app");
  assert.equal(error.server, dead);
  assert.match(error.request, /^GET \/item\/\d+$/);
  // Every proxied request counted once, over both workers (plus the status requests so far).
  const counted = total(data);
  assert.ok(counted >= REQUESTS && counted <= REQUESTS + 40, `${counted} requests counted`);
  // Connection counters: other workers publish theirs twice a second, so only this one's is sure.
  assert.ok(data.connections.accepted >= 1 && data.connections.active >= 1);
});

Deno.test({
  name: "status_page: Chromium renders the tables and badges, then polls and shows rates",
  ignore: !existsSync(CHROMIUM),
  // playwright-core keeps its own timers and pipes alive between calls.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using a = upstream("a");
    await using b = upstream("b");
    const dead = `127.0.0.1:${freePort()}`;
    await using proxy = await startProxy(
      config([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`, dead]),
    );
    await traffic(proxy.port, REQUESTS);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
      timeout: 30_000,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(10_000);
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });

      const response = await page.goto(`http://127.0.0.1:${proxy.port}/status?refresh=1`);
      assert.equal(response?.status(), 200);
      assert.equal(await page.title(), "Status · ngw2f/0.1.0");

      // One row per server, a badge each; the rates wait for a second poll.
      const rows = page.locator("#app table tbody tr[data-state]");
      assert.equal(await rows.count(), 3);
      assert.deepEqual(await rows.locator("th code").allTextContents(), [
        `127.0.0.1:${a.port}`,
        `127.0.0.1:${b.port}`,
        dead,
      ]);
      assert.deepEqual(await rows.locator(".badge").allTextContents(), ["up", "up", "failed"]);
      assert.equal(await rows.nth(2).locator(".badge.b-failed").count(), 1);
      assert.equal(await page.locator("#total-rate").textContent(), "—");
      assert.deepEqual(await page.locator("#app td.rate").allTextContents(), ["—", "—", "—"]);
      const stamp = (await page.locator("#stamp").textContent())!;
      assert.match(stamp, /^updated \d\d:\d\d:\d\d$/);
      assert.equal(await page.locator("#stamp").getAttribute("aria-live"), "polite");

      // After a poll (refresh=1), the rates are numbers and the stamp moved on.
      await traffic(proxy.port, 4);
      await page.waitForFunction(
        `(() => {
          const number = /^\\d+(\\.\\d)?$/;
          const cells = [...document.querySelectorAll("#app td.rate")].map((td) => td.textContent);
          return number.test(document.getElementById("total-rate").textContent) &&
            cells.length === 3 && cells.every((text) => number.test(text)) &&
            document.getElementById("stamp").textContent !== ${JSON.stringify(stamp)};
        })()`,
        undefined,
        { timeout: 10_000, polling: 100 },
      );
      assert.match((await page.locator("#stamp").textContent())!, /^updated \d\d:\d\d:\d\d$/);
      assert.deepEqual(await rows.locator(".badge").allTextContents(), ["up", "up", "failed"]);
      assert.deepEqual(problems, []);

      await Deno.mkdir(ARTIFACTS, { recursive: true });
      const shot = new URL("status_page.png", ARTIFACTS).pathname;
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(Deno.statSync(shot).size > 10_000);
    } finally {
      await browser.close();
    }
  },
});
