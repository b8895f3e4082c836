import assert from "node:assert/strict";
import { formatCombined } from "./access_log.ts";

const time = new Date(Date.UTC(2026, 0, 5, 9, 7, 3));
const remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "10.0.0.7", port: 4242 };

Deno.test("formatCombined() writes nginx's combined format", () => {
  const request = new Request("http://example.com/a/b?x=1&y=%20", {
    method: "POST",
    headers: { referer: "http://example.com/", "user-agent": "Mozilla/5.0 (X11)" },
  });
  assert.equal(
    formatCombined({ remoteAddr, request, protocol: "HTTP/1.1", status: 201, bytes: 0, time }),
    '10.0.0.7 - - [05/Jan/2026:09:07:03 +0000] "POST /a/b?x=1&y=%20 HTTP/1.1" 201 0 ' +
      '"http://example.com/" "Mozilla/5.0 (X11)"',
  );
});

Deno.test("formatCombined() shows the Basic auth user and escapes quotes", () => {
  const request = new Request("http://h/", {
    headers: { authorization: `Basic ${btoa("ada:secret")}`, "user-agent": 'evil" agent' },
  });
  const line = formatCombined({
    remoteAddr,
    request,
    protocol: "HTTP/1.0",
    status: 200,
    bytes: 5,
    time,
  });
  assert.match(line, /^10\.0\.0\.7 - ada \[/);
  assert.ok(line.endsWith('"-" "evil\\" agent"'));
  assert.doesNotMatch(line, /secret/);
});

Deno.test("formatCombined() names a unix-socket client 'unix'", () => {
  const line = formatCombined({
    remoteAddr: { transport: "unix", path: "/run/s" },
    request: new Request("http://h/"),
    protocol: "HTTP/1.1",
    status: 404,
    bytes: 9,
    time,
  });
  assert.match(line, /^unix - - .*" 404 9 "-" "-"$/);
});
