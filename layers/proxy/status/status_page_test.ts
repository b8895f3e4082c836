import assert from "node:assert/strict";
import { counterDelta, renderStatusMain, statusPageReply, statusRates } from "./status_page.ts";
import type { StatusData, UpstreamServerStatus } from "./status_data.ts";

const decoder = new TextDecoder();
const HOSTILE = `<script>alert("x")</script><img src=x onerror='y'>&amp;`;

function server(
  name: string,
  fields: Partial<UpstreamServerStatus> = {},
): UpstreamServerStatus {
  return {
    name,
    state: "up",
    weight: 1,
    effectiveWeight: 1,
    backup: false,
    down: false,
    maxConns: 0,
    active: 0,
    requests: 0,
    fails: 0,
    lastFail: 0,
    downUntil: 0,
    healthy: true,
    ...fields,
  };
}

function poll(at: number, statuses: Record<string, number>, requests: number[]): StatusData {
  return {
    server: "ngw2f/0.1.0",
    generatedAt: at,
    startedAt: at - 3_725_000,
    connections: {
      active: 3,
      accepted: 40,
      handled: 40,
      requests: 90,
      reading: 1,
      writing: 1,
      waiting: 1,
    },
    workers: [
      {
        worker: "1",
        statuses,
        responseBytes: 2048,
        requestBytes: 512,
        buckets: [],
        durationCounts: [0],
        durationSum: 0,
        connections: null,
      },
      {
        worker: "2",
        statuses: { "502": 1 },
        responseBytes: 0,
        requestBytes: 0,
        buckets: [],
        durationCounts: [0],
        durationSum: 0,
        connections: null,
      },
    ],
    upstreams: [{
      name: "app",
      method: "round_robin",
      keepalive: 8,
      healthCheck: { path: "/health", interval: 5000 },
      servers: [
        server("127.0.0.1:8001", { requests: requests[0], active: 2 }),
        server("127.0.0.1:8002", {
          state: "failed",
          requests: requests[1],
          fails: 1,
          lastFail: at - 1000,
          downUntil: at + 9000,
          effectiveWeight: 0,
        }),
        server("127.0.0.1:8003", { state: "unhealthy", healthy: false }),
        server("127.0.0.1:8004", { state: "down", down: true }),
        server("127.0.0.1:8005", { state: "full", maxConns: 1, active: 1 }),
        server("127.0.0.1:8006", { backup: true }),
      ],
    }],
    errors: [{
      time: at - 1000,
      upstream: "app",
      server: "127.0.0.1:8002",
      kind: "connect",
      message: HOSTILE,
      request: `GET /?q=${HOSTILE}`,
    }],
  };
}

function text(body: Uint8Array | unknown): string {
  return decoder.decode(body as Uint8Array);
}

function header(headers: string[], name: string): string | undefined {
  const i = headers.findIndex((h, j) => j % 2 === 0 && h.toLowerCase() === name);
  return i === -1 ? undefined : headers[i + 1];
}

Deno.test("statusPageReply() answers JSON for format=json or an Accept that prefers JSON", () => {
  const data = poll(10_000, { "200": 4 }, [1, 2]);
  for (
    const [query, accept] of [
      ["format=json", null],
      ["format=json", "text/html"],
      ["", "application/json"],
      ["x=1", "text/html;q=0.5, application/json"],
    ] as const
  ) {
    const reply = statusPageReply(data, query, accept);
    assert.equal(reply.status, 200);
    assert.equal(header(reply.headers, "content-type"), "application/json", `${query} ${accept}`);
    assert.equal(header(reply.headers, "cache-control"), "no-store");
    assert.deepEqual(JSON.parse(text(reply.body)), data);
  }
});

Deno.test("statusPageReply() answers HTML to browsers, */* and format=html", () => {
  const data = poll(10_000, { "200": 4 }, [1, 2]);
  for (
    const [query, accept] of [
      ["", null],
      ["", "*/*"],
      ["", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"],
      ["format=html", "application/json"],
      ["refresh=0", "application/json;q=0.5, text/html"],
    ] as const
  ) {
    const reply = statusPageReply(data, query, accept);
    assert.equal(header(reply.headers, "content-type"), "text/html; charset=utf-8");
    assert.equal(header(reply.headers, "cache-control"), "no-store");
    assert.match(text(reply.body), /^<!doctype html>/);
  }
});

Deno.test("statusPageReply() escapes every text from the data, in the page and its JSON", () => {
  const data = poll(10_000, { "200": 4 }, [1, 2]);
  data.upstreams[0].name = `a"><b>`;
  data.server = "<i>ngw2f</i>";
  const html = text(statusPageReply(data, "", null).body);
  assert.ok(!html.includes("<script>alert"), "raw script in the page");
  assert.ok(!html.includes("<img"), "raw img in the page");
  assert.ok(!html.includes("<i>ngw2f"), "raw server signature");
  assert.ok(!html.includes(`a"><b>`), "raw upstream name");
  assert.match(
    html,
    /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt;&amp;amp;/,
  );
  assert.match(html, /a&quot;&gt;&lt;b&gt;/);
  // Two script elements (data, code), each closed once: the data cannot end them early.
  assert.equal(html.match(/<\/script/gi)?.length, 2);
  const json = html.match(/<script type="application\/json" id="status-json">(.*?)<\/script>/s)![1];
  assert.deepEqual(JSON.parse(json), data);
});

Deno.test("renderStatusMain() shows a row and a coloured badge per server state, backup apart", () => {
  const data = poll(10_000, { "200": 4 }, [1, 2]);
  const html = renderStatusMain(data, statusRates(null, data), true);
  const rows = [
    ...html.matchAll(
      /<tr data-state="(\w+)"><th scope="row"><code>([^<]+)<\/code><\/th><td class="state">(.*?)<\/td>/g,
    ),
  ]
    .map((m) => [m[1], m[2], m[3]]);
  assert.deepEqual(rows, [
    ["up", "127.0.0.1:8001", '<span class="badge b-up">up</span>'],
    ["failed", "127.0.0.1:8002", '<span class="badge b-failed">failed</span>'],
    ["unhealthy", "127.0.0.1:8003", '<span class="badge b-unhealthy">unhealthy</span>'],
    ["down", "127.0.0.1:8004", '<span class="badge b-down">down</span>'],
    ["full", "127.0.0.1:8005", '<span class="badge b-full">full</span>'],
    [
      "up",
      "127.0.0.1:8006",
      '<span class="badge b-up">up</span> <span class="badge b-backup">backup</span>',
    ],
  ]);
  assert.match(html, /<span class="summary some">2\/6 up<\/span>/);
  assert.match(html, /<span class="low">0<\/span>\/1/);
  assert.match(html, /out until <time datetime="1970-01-01T00:00:19\.000Z">00:00:19 UTC<\/time>/);
  assert.match(html, /1 <span class="muted">of 1<\/span>/);
  assert.match(html, /<span class="hc bad">failing<\/span>/);
  assert.match(html, /health check <code>GET \/health<\/code> every 5 s/);
  assert.match(html, /<span class="kind">connect<\/span>/);
  assert.match(html, /<th scope="col">Message<\/th>/);
});

Deno.test("statusPageReply() shows no rates on the first render, and totals over every worker", () => {
  const data = poll(10_000, { "200": 1234, "304": 2, "404": 3 }, [7, 9]);
  const html = text(statusPageReply(data, "", null).body);
  assert.match(html, /<span class="rate" id="total-rate">—<\/span>/);
  const main = html.slice(html.indexOf('<main id="app">'), html.indexOf("</main>"));
  const rates = [...main.matchAll(/<td class="num rate">([^<]*)<\/td>/g)].map((m) => m[1]);
  assert.deepEqual(rates, ["—", "—", "—", "—", "—", "—"]);
  assert.match(html, /<h3>Requests<\/h3><p class="big">1,240<\/p>/);
  assert.match(html, /<li class="c5"><span>5xx<\/span> <strong>1<\/strong><\/li>/);
  assert.match(html, /up <span id="uptime">1h 2m<\/span>/);
  assert.match(html, /updated 00:00:10 UTC/);
  assert.match(html, /aria-live="polite"/);
  assert.match(html, /<body data-refresh="2">/);
  assert.match(text(statusPageReply(data, "refresh=0", null).body), /data-refresh="0"/);
  assert.match(text(statusPageReply(data, "refresh=5", null).body), /data-refresh="5"/);
  assert.match(text(statusPageReply(data, "refresh=abc", null).body), /data-refresh="2"/);
});

Deno.test("statusRates() divides the difference of two polls by the time between them", () => {
  const first = poll(10_000, { "200": 10 }, [2147483646, 5]);
  const second = poll(12_000, { "200": 30 }, [-2147483647, 5]);
  const rates = statusRates(first, second);
  assert.equal(rates.total, 10);
  assert.deepEqual(rates.servers, [[1.5, 0, 0, 0, 0, 0]]);
  const html = renderStatusMain(second, rates, true);
  assert.match(html, /<span class="rate" id="total-rate">10\.0<\/span>/);
  assert.match(html, /<td class="num rate">1\.5<\/td>/);
  // No time passed, or counters went back (a restart): unknown, not negative.
  assert.equal(statusRates(second, second).total, null);
  assert.equal(statusRates(second, poll(14_000, { "200": 3 }, [0, 0])).total, null);
});

Deno.test("counterDelta() counts across the int32 wrap", () => {
  assert.equal(counterDelta(0, 0), 0);
  assert.equal(counterDelta(10, 15), 5);
  assert.equal(counterDelta(2147483647, -2147483648), 1);
  assert.equal(counterDelta(-1, 3), 4);
  assert.equal(counterDelta(2147483600, -2147483600), 96);
});
