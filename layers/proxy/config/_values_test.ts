import assert from "node:assert/strict";
import { Source } from "./_locate.ts";
import { closest, expectSize, expectTime, parseTime } from "./_values.ts";

const at = new Source("f.toml", "").at("key");

Deno.test("expectSize() reads nginx sizes", () => {
  assert.equal(expectSize("0", at), 0);
  assert.equal(expectSize("512k", at), 512 * 1024);
  assert.equal(expectSize("1M", at), 1024 * 1024);
  assert.equal(expectSize("2g", at), 2 * 1024 ** 3);
  assert.equal(expectSize(1234, at), 1234);
  assert.throws(() => expectSize("1.5m", at), /Cannot use f.toml: key: expected a size/);
  assert.throws(() => expectSize(-1, at), /expected an integer from 0/);
});

Deno.test("parseTime() reads nginx times in seconds", () => {
  assert.equal(parseTime("75"), 75);
  assert.equal(parseTime("75s"), 75);
  assert.equal(parseTime("500ms"), 0.5);
  assert.equal(parseTime("1h 30m"), 5400);
  assert.equal(parseTime("1m30s"), 90);
  assert.equal(parseTime("2d"), 172800);
  assert.equal(parseTime("1w"), 604800);
  assert.equal(parseTime("1M"), 30 * 86400);
  assert.equal(parseTime("1y"), 365 * 86400);
  assert.equal(parseTime("-1"), -1);
  assert.equal(parseTime("soon"), null);
  assert.equal(parseTime("1 2"), null);
  assert.throws(() => expectTime("-1s", at), /expected a time/);
});

Deno.test("closest() suggests near misses and prefixes only", () => {
  assert.equal(closest("rot", ["root", "index"]), "root");
  assert.equal(closest("server-name", ["server_name"]), "server_name");
  assert.equal(closest("default", ["default_server", "ssl"]), "default_server");
  assert.equal(closest("proxy_pass", ["root", "index"]), null);
});
