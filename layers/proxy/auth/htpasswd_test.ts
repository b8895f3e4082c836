import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { createHash, randomBytes } from "node:crypto";
import { ConfigError } from "../../gateway/mod.ts";
import { Htpasswd } from "./htpasswd.ts";
import { md5Crypt } from "./_hashes.ts";

const encoder = new TextEncoder();

function sha(password: string): string {
  return `{SHA}${createHash("sha1").update(password).digest("base64")}`;
}

function ssha(password: string): string {
  const salt = randomBytes(4);
  const digest = createHash("sha1").update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString("base64")}`;
}

function basic(user: string, password: string): string {
  let binary = "";
  for (const byte of encoder.encode(`${user}:${password}`)) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

async function withFile(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/htpasswd`, text);
    await fn(`${dir}/htpasswd`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Htpasswd.verify() accepts bcrypt $2y$, $2a$ and $2b$ hashes", async () => {
  const hash = bcrypt.hashSync("s3cret", 4); // $2b$
  const text = [
    `yves:${hash.replace("$2b$", "$2y$")}`,
    `anna:${hash.replace("$2b$", "$2a$")}`,
    `bert:${hash}`,
  ].join("\n");
  await withFile(text, async (path) => {
    const file = new Htpasswd(path);
    for (const user of ["yves", "anna", "bert"]) {
      assert.equal(await file.verify(user, "s3cret"), true, user);
      assert.equal(await file.verify(user, "S3cret"), false, user);
    }
  });
});

Deno.test("Htpasswd.verify() accepts {SHA}, {SSHA}, {PLAIN} and UTF-8 passwords", async () => {
  const text = `a:${sha("pässword")}\nb:${ssha("salty")}\nc:{PLAIN}plain:text? no: comment\n`;
  await withFile(text, async (path) => {
    const file = new Htpasswd(path);
    assert.equal(await file.verify("a", "pässword"), true);
    assert.equal(await file.verify("a", "password"), false);
    assert.equal(await file.verify("b", "salty"), true);
    assert.equal(await file.verify("b", "salt"), false);
    assert.equal(await file.verify("c", "plain"), true);
    assert.equal(await file.verify("c", "plain:text? no"), false);
    assert.equal(await file.verify("nobody", "x"), false);
  });
});

Deno.test("Htpasswd.verify() accepts $apr1$ and $1$ MD5-crypt hashes", async () => {
  // Apache's documented example (htpasswd -nbm myName myPassword) and glibc's md5c-test.
  const apr1 = "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/";
  const glibc = "$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1";
  assert.equal(md5Crypt(encoder.encode("myPassword"), "r31.....", "$apr1$"), apr1);
  assert.equal(md5Crypt(encoder.encode("Hello world!"), "saltstri", "$1$"), glibc);
  await withFile(`m:${apr1}\ng:${glibc}\n`, async (path) => {
    const file = new Htpasswd(path);
    assert.equal(await file.verify("m", "myPassword"), true);
    assert.equal(await file.verify("m", "mypassword"), false);
    assert.equal(await file.verify("g", "Hello world!"), true);
  });
});

Deno.test("Htpasswd skips comments and blank lines, keeps the first entry, allows CRLF", async () => {
  const text = `# comment\r\n\r\n  \nu:{PLAIN}first\r\nu:{PLAIN}second\r\nv:{PLAIN}x`;
  await withFile(text, async (path) => {
    const file = new Htpasswd(path);
    assert.deepEqual(file.users, ["u", "v"]);
    assert.equal(await file.verify("u", "first"), true);
    assert.equal(await file.verify("u", "second"), false);
    assert.equal(await file.verify("v", "x"), true);
  });
});

Deno.test("Htpasswd refuses unsupported hash forms naming file:line, never the hash", async () => {
  const cases: [string, RegExp][] = [
    ["sha512:$6$salt$abcdefghijklmnop", /"\$6\$" hashes are not supported/],
    ["des:abJnggxhB/yWI", /DES crypt\(3\) hashes are not supported/],
    ["plain:hunter2", /plain-text password needs the "\{PLAIN\}" prefix/],
    ["bad:$2y$10$short", /malformed bcrypt hash/],
    ["bad:{SHA}nope", /malformed "\{SHA\}" hash/],
    ["bad:$apr1$salt$short", /malformed MD5-crypt hash/],
    ["nocolon", /expected "user:hash"/],
  ];
  for (const [line, why] of cases) {
    await withFile(`# header\n${line}\n`, (path) => {
      let caught: unknown;
      try {
        new Htpasswd(path);
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof ConfigError, line);
      assert.equal(caught.file, path);
      assert.equal(caught.line, 2);
      assert.ok(caught.message.startsWith(`Cannot use ${path}:2: `), caught.message);
      assert.match(caught.message, why);
      assert.ok(!caught.message.includes("abJnggxhB"), "the hash stays secret");
      return Promise.resolve();
    });
  }
});

Deno.test("Htpasswd names the file it cannot read", () => {
  assert.throws(
    () => new Htpasswd("/nonexistent/htpasswd"),
    /Cannot read password file "\/nonexistent\/htpasswd"/,
  );
});

Deno.test("Htpasswd.check() caches successful bcrypt checks by header value", async () => {
  await withFile(`alice:${bcrypt.hashSync("pw", 10)}\n`, async (path) => {
    const file = new Htpasswd(path);
    let t = performance.now();
    assert.equal(await file.check(basic("alice", "pw")), "alice");
    const first = performance.now() - t;
    t = performance.now();
    assert.equal(await file.check(basic("alice", "pw")), "alice");
    const second = performance.now() - t;
    assert.ok(first > 20, `bcrypt ran (${first} ms)`);
    assert.ok(second < first / 4, `the second check was cached (${second} ms vs ${first} ms)`);
    assert.equal(await file.check(basic("alice", "wrong")), null);

    const uncached = new Htpasswd(path, { cacheSize: 0 });
    await uncached.check(basic("alice", "pw"));
    t = performance.now();
    await uncached.check(basic("alice", "pw"));
    assert.ok(performance.now() - t > first / 4, "cacheSize 0 keeps nothing");
  });
});

Deno.test("Htpasswd.check() refuses malformed Basic values", async () => {
  await withFile("u:{PLAIN}p\n", async (path) => {
    const file = new Htpasswd(path);
    assert.equal(await file.check(basic("u", "p")), "u");
    assert.equal(await file.check(`basic ${btoa("u:p")}`), "u");
    assert.equal(await file.check(`Bearer ${btoa("u:p")}`), null);
    assert.equal(await file.check("Basic %%%"), null);
    assert.equal(await file.check(`Basic ${btoa("u")}`), null);
    assert.equal(await file.check("Basic"), null);
  });
});

Deno.test("Htpasswd reloads a changed file after the interval and forgets cached checks", async () => {
  await withFile("u:{PLAIN}one\n", async (path) => {
    let clock = 0;
    const file = new Htpasswd(path, { now: () => clock });
    assert.equal(await file.check(basic("u", "one")), "u");
    await Deno.writeTextFile(path, "u:{PLAIN}two\n");
    await Deno.utime(path, new Date(), new Date(Date.now() + 5000));
    clock = 999; // within the interval: no stat yet
    assert.equal(await file.check(basic("u", "two")), null);
    clock = 1000;
    assert.equal(await file.check(basic("u", "two")), "u");
    assert.equal(await file.check(basic("u", "one")), null, "the cached success is gone");
  });
});

Deno.test("Htpasswd fails closed while a reload fails, and recovers", async () => {
  await withFile("u:{PLAIN}one\n", async (path) => {
    let clock = 0;
    const file = new Htpasswd(path, { now: () => clock });
    assert.equal(await file.verify("u", "one"), true);
    await Deno.writeTextFile(path, "u:hunter2\n");
    await Deno.utime(path, new Date(), new Date(Date.now() + 5000));
    clock = 1000;
    await assert.rejects(() => file.check(basic("u", "one")), ConfigError);
    clock = 1500; // still failing within the interval, without a new stat
    await assert.rejects(() => file.verify("u", "one"), ConfigError);
    await Deno.remove(path);
    clock = 2500;
    await assert.rejects(() => file.verify("u", "one"), /Cannot read password file/);
    await Deno.writeTextFile(path, "u:{PLAIN}three\n");
    clock = 3500;
    assert.equal(await file.verify("u", "three"), true);
  });
});
