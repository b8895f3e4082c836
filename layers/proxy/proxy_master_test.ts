// pinPorts(): one free port per `:0` HTTP address (shared by its servers), one per `:0` mail or
// stream listen entry, and the same ones again for a later generation.

import assert from "node:assert/strict";
import { parseProxyConfig } from "./config/mod.ts";
import { pinPorts } from "./proxy_master.ts";

const TOML = `[[server]]
listen = "127.0.0.1:0"
server_name = "a"

[[server]]
listen = "127.0.0.1:0"
server_name = "b"

[[mail.server]]
listen = ["127.0.0.1:0", "127.0.0.1:0"]
auth_http = "http://127.0.0.1:9/auth"

[[stream.server]]
listen = "127.0.0.1:0"
proxy_pass = "127.0.0.1:9"
`;

Deno.test("pinPorts() shares a :0 port among HTTP servers, gives mail and stream entries their own", () => {
  const ports = new Map<string, string>();
  const config = pinPorts(parseProxyConfig(TOML, "/srv/ngw2f.toml"), ports);
  const http = config.servers.map((s) => s.listen[0].address);
  const other = [
    ...config.mailServers[0].listen.map((l) => l.address),
    config.streamServers[0].listen[0].address,
  ];
  assert.equal(http[0], http[1]);
  assert.match(http[0], /^127\.0\.0\.1:[1-9]\d*$/);
  assert.equal(new Set([http[0], ...other]).size, 4, [...http, ...other].join(" "));
  const again = pinPorts(parseProxyConfig(TOML, "/srv/ngw2f.toml"), ports);
  assert.deepEqual(
    [
      ...again.servers.map((s) => s.listen[0].address),
      ...again.mailServers[0].listen.map((l) => l.address),
      again.streamServers[0].listen[0].address,
    ],
    [...http, ...other],
  );
});
