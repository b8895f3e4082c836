import assert from "node:assert/strict";
import { formatAddr, parseBind } from "./bind.ts";

Deno.test("parseBind() reads every address form gunicorn users write", () => {
  assert.deepEqual(parseBind("127.0.0.1:8080"), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 8080,
  });
  assert.deepEqual(parseBind("[::1]:8080"), { transport: "tcp", hostname: "::1", port: 8080 });
  assert.deepEqual(parseBind("[::]"), { transport: "tcp", hostname: "::", port: 8000 });
  assert.deepEqual(parseBind(":9000"), { transport: "tcp", hostname: "0.0.0.0", port: 9000 });
  assert.deepEqual(parseBind("9000"), { transport: "tcp", hostname: "0.0.0.0", port: 9000 });
  assert.deepEqual(parseBind("localhost"), { transport: "tcp", hostname: "localhost", port: 8000 });
  assert.deepEqual(parseBind("unix:/run/app.sock"), { transport: "unix", path: "/run/app.sock" });
});

Deno.test("parseBind() explains what is wrong with a bad address", () => {
  assert.throws(() => parseBind("unix:"), /no socket path/);
  assert.throws(() => parseBind("host:http"), /port "http": expected a number from 0 to 65535/);
  assert.throws(() => parseBind("host:70000"), /port "70000"/);
  assert.throws(() => parseBind("::1:80"), /IPv6 addresses in brackets/);
});

Deno.test("formatAddr() writes addresses back in the same forms", () => {
  assert.equal(formatAddr({ transport: "tcp", hostname: "127.0.0.1", port: 80 }), "127.0.0.1:80");
  assert.equal(formatAddr({ transport: "tcp", hostname: "::1", port: 80 }), "[::1]:80");
  assert.equal(formatAddr({ transport: "unix", path: "/tmp/s" }), "unix:/tmp/s");
  for (const text of ["127.0.0.1:8080", "[::1]:8080", "unix:/tmp/a.sock"]) {
    assert.equal(formatAddr(parseBind(text)), text);
  }
});
