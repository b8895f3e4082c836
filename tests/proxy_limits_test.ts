// End-to-end: limit_req and limit_conn in `ngw2f proxy`, counted across workers.

import assert from "node:assert/strict";
import { request, startProxy } from "./_proxy.ts";

const config = (body: string, workers = 1) =>
  `workers = ${workers}\npid = "proxy.pid"\nerror_log = "- info"\naccess_log = "off"\n${body}`;

Deno.test("limit_req: burst with nodelay passes burst+1 at once, then the zone's status", async () => {
  await using proxy = await startProxy(config(
    `
[limit_req_zone.perip]
key = "$binary_remote_addr"
size = "1m"
rate = "1r/m"

[[server]]
listen = "127.0.0.1:0"
[[server.location]]
match = "/"
return = "200 ok"
limit_req = { zone = "perip", burst = 4, nodelay = true }
limit_req_status = 429
[[server.location]]
match = "/free/"
return = "200 free"
`,
    2,
  ));
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await request(proxy.port, "/")).status);
  // Two workers share the zone: one bucket for the client whichever worker answers.
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
  assert.equal((await request(proxy.port, "/free/")).status, 200);
});

Deno.test("limit_req: without nodelay the excess waits its turn instead of being refused", async () => {
  await using proxy = await startProxy(config(`
[limit_req_zone.slow]
key = "$remote_addr"
rate = "5r/s"

[[server]]
listen = "127.0.0.1:0"
[[server.location]]
match = "/"
return = "200 ok"
limit_req = { zone = "slow", burst = 5 }
`));
  const started = Date.now();
  const statuses = await Promise.all(
    Array.from({ length: 4 }, () => request(proxy.port, "/").then((r) => r.status)),
  );
  const took = Date.now() - started;
  assert.deepEqual(statuses, [200, 200, 200, 200]);
  // The 4th request waits 3 × 200 ms at 5r/s.
  assert.ok(took >= 500 && took < 3000, `4 requests took ${took} ms`);
});

Deno.test("limit_conn: one request in progress per address; the next gets 503 until it ends", async () => {
  // The upstream holds the first request until the test releases it: in progress for as long
  // as the checks take.
  const entered = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const slow = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    entered.resolve();
    await release.promise;
    return new Response("slow");
  });
  try {
    await using proxy = await startProxy(config(
      `
[limit_conn_zone.addr]
key = "$binary_remote_addr"

[[server]]
listen = "127.0.0.1:0"
[[server.location]]
match = "/"
proxy_pass = "http://127.0.0.1:${slow.addr.port}"
limit_conn = { zone = "addr", limit = 1 }
`,
      2,
    ));
    const first = request(proxy.port, "/");
    first.catch(() => {}); // awaited below; not unhandled when a check fails first
    try {
      await Promise.race([
        entered.promise,
        first.then((r) => assert.fail(`the first request ended early: ${r.status}`)),
      ]);
      const second = await request(proxy.port, "/");
      assert.equal(second.status, 503);
    } finally {
      release.resolve();
    }
    assert.equal((await first).status, 200);
    assert.equal((await request(proxy.port, "/")).status, 200, "the place was given back");
  } finally {
    await slow.shutdown();
  }
});
