import assert from "node:assert/strict";
import {
  PROXY_V2_SIGNATURE,
  proxyProtocolHeader,
  proxyProtocolV1,
  proxyProtocolV2,
} from "./proxy_protocol.ts";

const ends = (remoteAddr: string, remotePort: number, serverAddr: string, serverPort: number) => ({
  remoteAddr,
  remotePort,
  serverAddr,
  serverPort,
});

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");

Deno.test("PROXY_V2_SIGNATURE is the spec's twelve bytes, QUIT among them", () => {
  assert.equal(hex(PROXY_V2_SIGNATURE), "0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a");
  assert.equal(new TextDecoder().decode(PROXY_V2_SIGNATURE.subarray(7, 11)), "QUIT");
});

Deno.test("proxyProtocolV1() writes the spec's TCP4 line, worst case 56 bytes", () => {
  assert.equal(
    proxyProtocolV1(ends("172.19.0.1", 42272, "172.19.0.3", 80)),
    "PROXY TCP4 172.19.0.1 172.19.0.3 42272 80\r\n",
  );
  const worst = proxyProtocolV1(ends("255.255.255.255", 65535, "255.255.255.255", 65535));
  assert.equal(worst, "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n");
  assert.equal(worst.length, 56);
});

Deno.test("proxyProtocolV1() writes the spec's TCP6 line, worst case 104 bytes", () => {
  const all = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const worst = proxyProtocolV1(ends(all, 65535, all.toUpperCase(), 65535));
  assert.equal(worst, `PROXY TCP6 ${all} ${all} 65535 65535\r\n`);
  assert.equal(worst.length, 104);
  assert.equal(
    proxyProtocolV1(ends("2001:0db8:0000:0000:0000:0000:0000:0001", 1, "::1", 2)),
    "PROXY TCP6 2001:db8::1 ::1 1 2\r\n",
  );
});

Deno.test("proxyProtocolV1() writes IPv6 as RFC 5952 text when given any spelling", () => {
  const v1 = (addr: string) => proxyProtocolV1(ends(addr, 1, "::1", 2)).split(" ")[2];
  assert.equal(v1("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  assert.equal(v1("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  assert.equal(v1("::"), "::");
  assert.equal(v1("fe80::1%eth0"), "fe80::1");
  assert.equal(v1("[2001:db8::2]"), "2001:db8::2");
  assert.equal(v1("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
});

Deno.test("proxyProtocolV1() writes IPv4-mapped addresses as TCP4 when both ends are IPv4", () => {
  assert.equal(
    proxyProtocolV1(ends("::ffff:192.0.2.7", 5000, "::FFFF:c000:0201", 7000)),
    "PROXY TCP4 192.0.2.7 192.0.2.1 5000 7000\r\n",
  );
  assert.equal(
    proxyProtocolV1(ends("::ffff:192.0.2.7", 5000, "192.0.2.1", 7000)),
    "PROXY TCP4 192.0.2.7 192.0.2.1 5000 7000\r\n",
  );
});

Deno.test("proxyProtocolV1() maps the IPv4 end into IPv6 when the ends differ in family", () => {
  assert.equal(
    proxyProtocolV1(ends("192.0.2.7", 5000, "2001:db8::1", 7000)),
    "PROXY TCP6 ::ffff:192.0.2.7 2001:db8::1 5000 7000\r\n",
  );
  assert.equal(
    proxyProtocolV1(ends("2001:db8::9", 5000, "10.0.0.1", 7000)),
    "PROXY TCP6 2001:db8::9 ::ffff:10.0.0.1 5000 7000\r\n",
  );
});

Deno.test("proxyProtocolV1() says UNKNOWN when an end is not an IP address", () => {
  assert.equal(proxyProtocolV1(ends("/run/a.sock", 0, "127.0.0.1", 1)), "PROXY UNKNOWN\r\n");
  assert.equal(proxyProtocolV1(ends("1.2.3", 1, "127.0.0.1", 1)), "PROXY UNKNOWN\r\n");
  assert.equal(proxyProtocolV1(ends("1::2::3", 1, "::1", 1)), "PROXY UNKNOWN\r\n");
  assert.equal(proxyProtocolV1(ends("127.0.0.1", 70000, "127.0.0.1", 1)), "PROXY UNKNOWN\r\n");
});

Deno.test("proxyProtocolV2() writes haproxy's documented TCP4 block byte for byte", () => {
  // 172.19.0.1:42578 -> 172.19.0.3:80, as haproxy sends it.
  assert.equal(
    hex(proxyProtocolV2(ends("172.19.0.1", 42578, "172.19.0.3", 80))),
    "0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a 21 11 00 0c ac 13 00 01 ac 13 00 03 a6 52 00 50",
  );
});

Deno.test("proxyProtocolV2() writes AF_INET6 with 36 address bytes when an end is IPv6", () => {
  const header = proxyProtocolV2(ends("2001:db8::1", 0x1234, "::1", 443));
  assert.equal(header.length, 16 + 36);
  assert.equal(hex(header.subarray(12, 16)), "21 21 00 24");
  assert.equal(hex(header.subarray(16, 32)), "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01");
  assert.equal(hex(header.subarray(32, 48)), "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01");
  assert.equal(hex(header.subarray(48)), "12 34 01 bb");
  const mixed = proxyProtocolV2(ends("10.0.0.1", 1, "::1", 2));
  assert.equal(hex(mixed.subarray(12, 16)), "21 21 00 24");
  assert.equal(hex(mixed.subarray(16, 32)), "00 00 00 00 00 00 00 00 00 00 ff ff 0a 00 00 01");
});

Deno.test("proxyProtocolV2() writes IPv4-mapped ends as AF_INET", () => {
  const header = proxyProtocolV2(ends("::ffff:127.0.0.1", 5000, "::ffff:127.0.0.1", 7000));
  assert.equal(hex(header.subarray(12)), "21 11 00 0c 7f 00 00 01 7f 00 00 01 13 88 1b 58");
});

Deno.test("proxyProtocolV2() sends LOCAL with no addresses when an end is not an IP address", () => {
  const header = proxyProtocolV2(ends("unix", 0, "127.0.0.1", 1));
  assert.equal(header.length, 16);
  assert.equal(hex(header.subarray(12)), "20 00 00 00");
});

Deno.test("proxyProtocolHeader() encodes v1 as ASCII and v2 as the binary block", () => {
  const e = ends("127.0.0.1", 5000, "127.0.0.1", 7000);
  assert.equal(
    new TextDecoder().decode(proxyProtocolHeader("v1", e)),
    "PROXY TCP4 127.0.0.1 127.0.0.1 5000 7000\r\n",
  );
  assert.deepEqual(proxyProtocolHeader("v2", e), proxyProtocolV2(e));
});
