import assert from "node:assert/strict";
import type { Completed } from "../types.ts";
import {
  DEFAULT_BUCKETS,
  mergeMetrics,
  Metrics,
  METRICS_CONTENT_TYPE,
  metricsReply,
  renderMetrics,
} from "./metrics.ts";

function done(status: number, ms: number, bytesSent = 100, bytesReceived = 50): Completed {
  return {
    exchange: { start: 1000 } as Completed["exchange"],
    status,
    bytesSent,
    bodyBytesSent: 0,
    bytesReceived,
    end: 1000 + ms,
  };
}

const STATS = {
  active: 3,
  accepted: 10,
  handled: 9,
  requests: 20,
  reading: 1,
  writing: 1,
  waiting: 1,
};

/** Checks the text exposition format 0.0.4 and returns samples by `name{labels}`. */
function parseExposition(text: string): Map<string, number> {
  assert.ok(text.endsWith("\n"), "ends with a newline");
  const samples = new Map<string, number>();
  const typed = new Map<string, string>();
  const seenFamilies: string[] = [];
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === "TYPE") {
        assert.ok(!typed.has(comment[2]), `one TYPE line for ${comment[2]}`);
        assert.ok(["counter", "gauge", "histogram"].includes(comment[3]));
        typed.set(comment[2], comment[3]);
      }
      continue;
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$/
        .exec(line);
    assert.ok(sample, `a valid sample line: ${line}`);
    const name = sample[1];
    const family = [...typed.keys()].find((f) =>
      name === f ||
      (typed.get(f) === "histogram" && /^_(bucket|sum|count)$/.test(name.slice(f.length)) &&
        name.startsWith(f))
    );
    assert.ok(family, `${name} has a TYPE line before it`);
    if (seenFamilies.at(-1) !== family) {
      assert.ok(!seenFamilies.includes(family), `${family}'s samples are grouped`);
      seenFamilies.push(family);
    }
    const value = Number(sample[3] === "+Inf" ? Infinity : sample[3]);
    assert.ok(!Number.isNaN(value));
    samples.set(`${name}${sample[2] ?? ""}`, value);
  }
  return samples;
}

Deno.test("Metrics.record() counts statuses, bytes and durations", () => {
  const metrics = new Metrics({ worker: "1" });
  metrics.record(done(200, 0.5));
  metrics.record(done(200, 30));
  metrics.record(done(404, 2, 10, 5));
  metrics.record(done(502, 20_000));
  const s = metrics.snapshot();
  assert.deepEqual(s.statuses, { "200": 2, "404": 1, "502": 1 });
  assert.equal(s.responseBytes, 310);
  assert.equal(s.requestBytes, 155);
  assert.ok(Math.abs(s.durationSum - 20.0325) < 1e-9);
  assert.deepEqual(s.buckets, DEFAULT_BUCKETS);
  // 0.0005 s → le 0.001; 0.002 → le 0.0025; 0.03 → le 0.05; 20 s → above 10.
  assert.deepEqual(s.durationCounts, [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(s.connections, null);
});

Deno.test("Metrics.record() puts a duration equal to a bound in that bound's bucket", () => {
  const metrics = new Metrics({ buckets: [0.01, 0.1] });
  metrics.record(done(200, 10));
  metrics.record(done(200, -5)); // clock oddity: counts as 0
  assert.deepEqual(metrics.snapshot().durationCounts, [2, 0, 0]);
});

Deno.test("Metrics.record() keeps odd status codes in range", () => {
  const metrics = new Metrics();
  metrics.record(done(0, 1));
  metrics.record(done(1234, 1));
  assert.deepEqual(metrics.snapshot().statuses, { "000": 2 });
});

Deno.test("Metrics.render() writes valid exposition text with worker labels", () => {
  const metrics = new Metrics({ worker: "1" });
  metrics.record(done(200, 3));
  metrics.record(done(201, 3));
  metrics.record(done(404, 300));
  const samples = parseExposition(metrics.render(STATS));
  assert.equal(samples.get('ngw2f_proxy_requests_total{worker="1",status="200"}'), 1);
  assert.equal(samples.get('ngw2f_proxy_requests_total{worker="1",status="404"}'), 1);
  assert.equal(samples.get('ngw2f_proxy_requests_by_class_total{worker="1",class="2xx"}'), 2);
  assert.equal(samples.get('ngw2f_proxy_requests_by_class_total{worker="1",class="4xx"}'), 1);
  assert.equal(samples.get('ngw2f_proxy_response_bytes_total{worker="1"}'), 300);
  assert.equal(samples.get('ngw2f_proxy_request_bytes_total{worker="1"}'), 150);
  assert.equal(
    samples.get('ngw2f_proxy_request_duration_seconds_bucket{worker="1",le="0.0025"}'),
    0,
  );
  assert.equal(
    samples.get('ngw2f_proxy_request_duration_seconds_bucket{worker="1",le="0.005"}'),
    2,
  );
  assert.equal(samples.get('ngw2f_proxy_request_duration_seconds_bucket{worker="1",le="0.5"}'), 3);
  assert.equal(samples.get('ngw2f_proxy_request_duration_seconds_bucket{worker="1",le="+Inf"}'), 3);
  assert.equal(samples.get('ngw2f_proxy_request_duration_seconds_count{worker="1"}'), 3);
  assert.ok(
    Math.abs(samples.get('ngw2f_proxy_request_duration_seconds_sum{worker="1"}')! - 0.306) < 1e-9,
  );
  assert.equal(samples.get('ngw2f_proxy_connections{worker="1",state="active"}'), 3);
  assert.equal(samples.get('ngw2f_proxy_connections{worker="1",state="waiting"}'), 1);
  assert.equal(samples.get('ngw2f_proxy_connections_accepted_total{worker="1"}'), 10);
  assert.equal(samples.get('ngw2f_proxy_connections_handled_total{worker="1"}'), 9);
});

Deno.test("Metrics.render() leaves out connection families without counters", () => {
  const text = new Metrics().render();
  parseExposition(text);
  assert.doesNotMatch(text, /connections/);
  assert.match(text, /^ngw2f_proxy_response_bytes_total 0$/m);
});

Deno.test("renderMetrics() groups each family across workers and escapes labels", () => {
  const one = new Metrics({ worker: "1" });
  const odd = new Metrics({ worker: 'a"b\\c\nd' });
  one.record(done(200, 1));
  odd.record(done(200, 1));
  const text = renderMetrics([one.snapshot(STATS), odd.snapshot(STATS)]);
  const samples = parseExposition(text);
  assert.equal(samples.get('ngw2f_proxy_requests_total{worker="a\\"b\\\\c\\nd",status="200"}'), 1);
  assert.equal(text.match(/^# TYPE ngw2f_proxy_requests_total counter$/gm)?.length, 1);
});

Deno.test("mergeMetrics() sums workers into an unlabelled snapshot", () => {
  const one = new Metrics({ worker: "1" });
  const two = new Metrics({ worker: "2" });
  one.record(done(200, 1));
  two.record(done(200, 1));
  two.record(done(500, 7000));
  const merged = mergeMetrics([one.snapshot(STATS), two.snapshot(), two.snapshot(STATS)]);
  assert.deepEqual(merged.statuses, { "200": 3, "500": 2 });
  assert.equal(merged.responseBytes, 500);
  assert.equal(merged.connections!.active, 6);
  assert.equal(merged.connections!.accepted, 20);
  const samples = parseExposition(renderMetrics([merged]));
  assert.equal(samples.get('ngw2f_proxy_requests_total{status="200"}'), 3);
  assert.equal(samples.get('ngw2f_proxy_request_duration_seconds_bucket{le="10"}'), 5);
  assert.equal(samples.get('ngw2f_proxy_connections{state="active"}'), 6);
  // Snapshots are plain JSON: they survive a trip to the master.
  assert.deepEqual(JSON.parse(JSON.stringify(merged)), merged);
});

Deno.test("mergeMetrics() of nothing is empty, and refuses different buckets", () => {
  assert.deepEqual(mergeMetrics([]).statuses, {});
  const a = new Metrics({ buckets: [1] }).snapshot();
  const b = new Metrics({ buckets: [2] }).snapshot();
  assert.throws(() => mergeMetrics([a, b]), RangeError);
});

Deno.test("Metrics() refuses buckets that are not ascending positive numbers", () => {
  assert.throws(() => new Metrics({ buckets: [1, 0.5] }), RangeError);
  assert.throws(() => new Metrics({ buckets: [0] }), RangeError);
  assert.throws(() => new Metrics({ buckets: [Infinity] }), RangeError);
});

Deno.test("metricsReply() answers 200 with Prometheus' content type", () => {
  const reply = new Metrics({ worker: "3" }).reply(STATS);
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.headers, ["Content-Type", METRICS_CONTENT_TYPE]);
  assert.equal(METRICS_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
  parseExposition(new TextDecoder().decode(reply.body as Uint8Array));
  assert.equal(metricsReply([]).status, 200);
});
