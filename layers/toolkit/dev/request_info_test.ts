import assert from "node:assert/strict";
import { describeRequest, MASK, maskHeader } from "./request_info.ts";

Deno.test("maskHeader() keeps the auth scheme and hides the credentials", () => {
  assert.equal(maskHeader("Authorization", "Bearer a.b.c"), `Bearer ${MASK}`);
  assert.equal(maskHeader("proxy-authorization", "Basic Zm9v"), `Basic ${MASK}`);
  assert.equal(maskHeader("authorization", "justatoken"), MASK);
  assert.equal(maskHeader("x-api-key", "k-123"), MASK);
});

Deno.test("maskHeader() keeps cookie names and hides their values, even malformed ones", () => {
  assert.equal(maskHeader("cookie", "a=1;b=2"), `a=${MASK}; b=${MASK}`);
  assert.equal(maskHeader("cookie", "loose; c=3="), `${MASK}; c=${MASK}`);
  assert.equal(maskHeader("cookie", ""), MASK);
});

Deno.test("maskHeader() leaves other headers alone", () => {
  assert.equal(maskHeader("user-agent", "curl/8"), "curl/8");
});

Deno.test("describeRequest() fills in the context's details when given", () => {
  const request = new Request("http://localhost/x", {
    method: "POST",
    headers: { cookie: "s=1" },
  });
  assert.deepEqual(describeRequest(request, { remoteAddr: { transport: "unix", path: "" } }), {
    method: "POST",
    url: "http://localhost/x",
    headers: [["cookie", `s=${MASK}`]],
    remoteAddr: "unix",
  });
  const info = describeRequest(request, {
    remoteAddr: { transport: "tcp", hostname: "::1", port: 5 },
    rootPath: "",
    protocol: "HTTP/1.0",
  });
  assert.equal(info.remoteAddr, "[::1]:5");
  assert.equal(info.rootPath, "");
  assert.equal(info.protocol, "HTTP/1.0");
  assert.equal(describeRequest(request).remoteAddr, undefined);
});
