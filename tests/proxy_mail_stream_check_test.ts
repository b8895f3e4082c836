// End-to-end: `ngw2f proxy -t` on configs with mail and stream servers — accepted when right,
// refused with the file, line and key when not.

import assert from "node:assert/strict";
import { runCli } from "./_cli.ts";

async function check(toml: string): Promise<{ code: number; stderr: string; file: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-mail-stream-check-" });
  try {
    const file = `${dir}/ngw2f.toml`;
    await Deno.writeTextFile(file, toml);
    const result = await runCli(["proxy", "-p", dir, "-c", file, "-t"]);
    return { code: result.code, stderr: result.stderr + result.stdout, file };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const GOOD = `[mail]
auth_http = "http://127.0.0.1:9/auth"

[[mail.server]]
listen = "127.0.0.1:2525"

[stream.upstream.echo]
server = ["127.0.0.1:7001", "127.0.0.1:7002"]

[[stream.server]]
listen = "127.0.0.1:7000"
proxy_pass = "echo"
`;

Deno.test("ngw2f proxy -t accepts a config of only mail and stream servers", async () => {
  const { code, stderr } = await check(GOOD);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /syntax is ok/);
});

Deno.test("ngw2f proxy -t names the file, line and key of a mail or stream mistake", async () => {
  let result = await check(GOOD.replace('proxy_pass = "echo"', 'proxy_pass = "echos"'));
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /ngw2f\.toml:12: stream\.server\[1\]\.proxy_pass: .*no group "echos"/,
  );
  result = await check(
    GOOD.replace('listen = "127.0.0.1:2525"', 'listen = "127.0.0.1:2525"\nstarttls = "only"'),
  );
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /ngw2f\.toml:4: mail\.server\[1\]: starttls = "only" but there is no ssl_certificate/,
  );
  result = await check(
    GOOD.replace(
      'listen = "127.0.0.1:2525"',
      'listen = "127.0.0.1:2525 ssl"\nssl_certificate = "no.pem"\nssl_certificate_key = "no.key"',
    ),
  );
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /ngw2f\.toml:6: mail\.server\[1\]\.ssl_certificate: ".*no\.pem" does not exist/,
  );
});
