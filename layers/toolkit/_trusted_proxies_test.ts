import assert from "node:assert/strict";
import { checkTrustedProxies, clientAddress, parseIp } from "./_trusted_proxies.ts";

Deno.test("parseIp() reads IPv4 and rejects leading zeros, overflow and junk", () => {
  assert.deepEqual(parseIp("192.168.0.1"), [192, 168, 0, 1]);
  assert.deepEqual(parseIp("0.0.0.0"), [0, 0, 0, 0]);
  for (
    const bad of [
      "01.2.3.4",
      "256.1.1.1",
      "1.2.3",
      "1.2.3.4.5",
      "1..2.3",
      "",
      "1.2.3.4 ",
      "a.b.c.d",
    ]
  ) {
    assert.equal(parseIp(bad), null, bad);
  }
});

Deno.test("parseIp() reads IPv6 forms and maps IPv4-mapped addresses to IPv4", () => {
  assert.equal(parseIp("::")!.length, 16);
  assert.deepEqual(parseIp("::1")!.slice(14), [0, 1]);
  assert.deepEqual(parseIp("[2001:db8::1]")!.slice(0, 4), [0x20, 0x01, 0x0d, 0xb8]);
  assert.ok(parseIp("fe80::1%eth0"));
  assert.ok(parseIp("1:2:3:4:5:6:7:8"));
  assert.ok(parseIp("::2:3:4:5:6:7:8"));
  assert.ok(parseIp("64:ff9b::192.0.2.1"));
  assert.deepEqual(parseIp("::ffff:10.1.2.3"), [10, 1, 2, 3]);
  assert.deepEqual(parseIp("::FFFF:a01:203"), [10, 1, 2, 3]);
  for (
    const bad of [
      ":::",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "12345::",
      "g::1",
      "::1.2.3",
    ]
  ) {
    assert.equal(parseIp(bad), null, bad);
  }
});

Deno.test("clientAddress() returns the peer without X-Forwarded-For", () => {
  assert.equal(clientAddress("10.0.0.1", null, ["10.0.0.0/8"]), "10.0.0.1");
  assert.equal(clientAddress(null, null, ["unix:"]), null);
  assert.equal(clientAddress(null, "1.1.1.1", ["10.0.0.0/8"]), null);
});

Deno.test("clientAddress() matches CIDR prefixes that are not byte-aligned", () => {
  const trusted = ["172.16.0.0/12"];
  assert.equal(clientAddress("172.31.255.255", "1.1.1.1", trusted), "1.1.1.1");
  assert.equal(clientAddress("172.32.0.1", "1.1.1.1", trusted), "172.32.0.1");
});

Deno.test("checkTrustedProxies() rejects bad hop counts and entries", () => {
  assert.throws(() => checkTrustedProxies(1.5), RangeError);
  assert.throws(() => checkTrustedProxies(["::ffff:0:0/90"]), RangeError);
  checkTrustedProxies(3);
  checkTrustedProxies([]);
});
