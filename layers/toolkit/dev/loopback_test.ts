import assert from "node:assert/strict";
import { isLoopbackBind } from "./loopback.ts";

Deno.test("isLoopbackBind() accepts loopback addresses, localhost and unix sockets", () => {
  for (
    const bind of [
      "127.0.0.1:0",
      "127.1.2.3:8000",
      "localhost:8000",
      "LOCALHOST",
      "[::1]:8000",
      "[0:0:0:0:0:0:0:1]:0",
      "[::ffff:127.0.0.1]:0",
      "unix:/tmp/dev.sock",
      "unix:relative.sock",
    ]
  ) {
    assert.equal(isLoopbackBind(bind), true, bind);
  }
});

Deno.test("isLoopbackBind() refuses wildcard, public and malformed addresses", () => {
  for (
    const bind of [
      "0.0.0.0:8000",
      ":8000",
      "8000",
      "[::]:0",
      "192.168.1.10:80",
      "127.0.0.256:80",
      "128.0.0.1:80",
      "example.com:80",
      "[::ffff:10.0.0.1]:0",
      "a:b:c",
      "unix:",
      "127.0.0.1:99999",
    ]
  ) {
    assert.equal(isLoopbackBind(bind), false, bind);
  }
});
