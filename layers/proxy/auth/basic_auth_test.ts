import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import type { Reply, RequestHead } from "../types.ts";
import { checkBasicAuth, unauthorizedReply } from "./basic_auth.ts";
import { Htpasswd } from "./htpasswd.ts";

function head(headers: string[] = []): RequestHead {
  return {
    method: "GET",
    target: "/private/",
    path: "/private/",
    query: "",
    version: "1.1",
    headers,
    host: "localhost",
    keepAlive: true,
    contentLength: 0,
  };
}

async function withFile(fn: (file: Htpasswd) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/htpasswd`, `admin:${bcrypt.hashSync("open sesame", 4)}\n`);
    await fn(new Htpasswd(`${dir}/htpasswd`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function assert401(verdict: true | Reply, realm: string): void {
  assert.notEqual(verdict, true);
  const reply = verdict as Reply;
  assert.equal(reply.status, 401);
  assert.deepEqual(reply.headers, [
    "WWW-Authenticate",
    `Basic realm="${realm}"`,
    "Content-Type",
    "text/html",
  ]);
  assert.match(
    new TextDecoder().decode(reply.body as Uint8Array),
    /<h1>401 Authorization Required<\/h1>/,
  );
}

Deno.test("checkBasicAuth() lets valid bcrypt credentials through", () =>
  withFile(async (file) => {
    const verdict = await checkBasicAuth(
      head(["authorization", `Basic ${btoa("admin:open sesame")}`]),
      file,
      "Admin",
    );
    assert.equal(verdict, true);
  }));

Deno.test("checkBasicAuth() answers 401 with a challenge when credentials are missing", () =>
  withFile(async (file) => {
    assert401(await checkBasicAuth(head(), file, "Admin area"), "Admin area");
  }));

Deno.test("checkBasicAuth() answers 401 for a wrong password, unknown user or other scheme", () =>
  withFile(async (file) => {
    for (
      const value of [
        `Basic ${btoa("admin:nope")}`,
        `Basic ${btoa("eve:open sesame")}`,
        "Bearer xyz",
        "Basic ***",
      ]
    ) {
      assert401(await checkBasicAuth(head(["authorization", value]), file, "R"), "R");
    }
  }));

Deno.test("unauthorizedReply() quotes the realm", () => {
  assert.equal(unauthorizedReply('a "b" \\c').headers[1], 'Basic realm="a \\"b\\" \\\\c"');
});
