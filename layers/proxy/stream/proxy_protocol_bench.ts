// What a stream connection pays for its PROXY protocol header, per version and address family:
// `deno bench layers/proxy/stream/proxy_protocol_bench.ts`.

import { proxyProtocolHeader, proxyProtocolV1, proxyProtocolV2 } from "./proxy_protocol.ts";

const V4 = {
  remoteAddr: "192.0.2.7",
  remotePort: 51000,
  serverAddr: "192.0.2.1",
  serverPort: 7000,
};
const V6 = {
  remoteAddr: "2001:db8::7",
  remotePort: 51000,
  serverAddr: "2001:db8::1",
  serverPort: 7000,
};

Deno.bench("proxyProtocolV1() TCP4", { group: "v1", baseline: true }, () => {
  proxyProtocolV1(V4);
});
Deno.bench("proxyProtocolV1() TCP6", { group: "v1" }, () => {
  proxyProtocolV1(V6);
});
Deno.bench('proxyProtocolHeader("v1") TCP4, as bytes', { group: "v1" }, () => {
  proxyProtocolHeader("v1", V4);
});
Deno.bench("proxyProtocolV2() TCP4", { group: "v2", baseline: true }, () => {
  proxyProtocolV2(V4);
});
Deno.bench("proxyProtocolV2() TCP6", { group: "v2" }, () => {
  proxyProtocolV2(V6);
});
