import assert from "node:assert/strict";
import { join } from "node:path";
import { checkConfigFiles } from "./check.ts";
import { dumpConfig } from "./dump.ts";
import { loadProxyConfig } from "./load.ts";

/** Runs `fn` in a fresh directory holding `files` (a trailing "/" makes a folder). */
async function inDir(files: Record<string, string>, fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f_check_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      if (name.endsWith("/")) await Deno.mkdir(join(dir, name), { recursive: true });
      else await Deno.writeTextFile(join(dir, name), text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const CONFIG = `root = "missing-root"
access_log = "nologs/access.log"

[[server]]
listen = "8443 ssl"
ssl_certificate = "cert.pem"
ssl_certificate_key = "key.pem"
auth_basic = "Staff"
auth_basic_user_file = "htpasswd"

[[server.location]]
match = "/ok/"
root = "site"

[[server.location]]
match = "/gone/"
alias = "gone/"
`;

Deno.test("checkConfigFiles() names missing files with their file, line and key", async () => {
  await inDir({ "ngw2f.toml": CONFIG, "cert.pem": "x", "site/": "" }, async (dir) => {
    const file = join(dir, "ngw2f.toml");
    const { errors, warnings } = checkConfigFiles(await loadProxyConfig(file));
    assert.deepEqual(errors, [
      `Cannot use ${file}:7: server[1].ssl_certificate_key: "${dir}/key.pem" does not exist`,
      `Cannot use ${file}:9: server[1].auth_basic_user_file: "${dir}/htpasswd" does not exist`,
      `Cannot use ${file}:2: access_log: directory "${dir}/nologs" does not exist`,
    ]);
    assert.deepEqual(warnings, [
      `Cannot use ${file}:1: root: directory "${dir}/missing-root" does not exist`,
      `Cannot use ${file}:17: server[1].location[2].alias: directory "${dir}/gone/" does not exist`,
    ]);
  });
});

Deno.test("checkConfigFiles() finds nothing wrong when every file exists", async () => {
  const files = {
    "ngw2f.toml": CONFIG.replace("nologs/", "logs/"),
    "cert.pem": "",
    "key.pem": "",
    htpasswd: "",
    "logs/": "",
    "site/": "",
    "missing-root/": "",
    "gone/": "",
  };
  await inDir(files, async (dir) => {
    const result = checkConfigFiles(await loadProxyConfig(join(dir, "ngw2f.toml")));
    assert.deepEqual(result, { errors: [], warnings: [] });
  });
});

Deno.test("dumpConfig() prints the file under nginx -T's header", async () => {
  await inDir({ "ngw2f.toml": '[[server]]\nlisten = "8080"' }, async (dir) => {
    const file = join(dir, "ngw2f.toml");
    const text = dumpConfig(await loadProxyConfig(file));
    assert.equal(text, `# configuration file ${file}:\n[[server]]\nlisten = "8080"\n`);
  });
});

Deno.test("dumpConfig() prints the built-in config as TOML that loads again", async () => {
  await inDir({ "public/": "" }, async (dir) => {
    const text = dumpConfig(await loadProxyConfig(null, { prefix: dir }));
    assert.match(text, /^# configuration file \(built-in\):\n/);
    assert.ok(text.includes(`root = ${JSON.stringify(join(dir, "public"))}`));
  });
});
