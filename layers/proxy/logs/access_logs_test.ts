import assert from "node:assert/strict";
import type { ServerConfig, Settings } from "../config/types.ts";
import type { Completed } from "../types.ts";
import { AccessLogs } from "./access_logs.ts";
import { COMBINED_FORMAT } from "./log_format.ts";

const FORMATS = {
  combined: { format: COMBINED_FORMAT, escape: "default" as const },
  short: { format: "$status $uri", escape: "default" as const },
};

const DONE = {
  exchange: {
    head: { method: "GET", target: "/x", version: "1.1", headers: [], query: "" },
    remoteAddr: "10.0.0.1",
  },
  status: 404,
  bodyBytesSent: 0,
} as unknown as Completed;

function server(
  accessLog: Settings["accessLog"],
  locations: Settings["accessLog"][] = [],
): ServerConfig {
  return {
    settings: { accessLog },
    locations: locations.map((log) => ({ settings: { accessLog: log } })),
  } as unknown as ServerConfig;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("AccessLogs.write() writes each target of the settings, sharing files", () =>
  withDir(async (dir) => {
    const a = { path: `${dir}/a.log`, format: "combined" };
    const b = { path: `${dir}/b.log`, format: "short" };
    const logs = new AccessLogs({ logFormats: FORMATS, servers: [server([a], [[a, b], [b]])] });
    logs.write(DONE, { accessLog: [a, b] }, { uri: "/x" });
    logs.write(DONE, { accessLog: [b] }, { uri: "/y" });
    logs.write(DONE, { accessLog: [] }, { uri: "/z" });
    logs.close();
    assert.match(
      await Deno.readTextFile(a.path),
      /^10\.0\.0\.1 - - \[.*\] "GET \/x HTTP\/1\.1" 404 0 "-" "-"\n$/,
    );
    assert.equal(await Deno.readTextFile(b.path), "404 /x\n404 /y\n");
  }));

Deno.test("AccessLogs opens its files at start and refuses unknown formats", () =>
  withDir(async (dir) => {
    const logs = new AccessLogs({
      logFormats: FORMATS,
      servers: [server([{ path: `${dir}/c.log`, format: "short" }])],
    });
    assert.equal(await Deno.readTextFile(`${dir}/c.log`), "");
    logs.close();
    assert.throws(
      () =>
        new AccessLogs({
          logFormats: FORMATS,
          servers: [server([{ path: `${dir}/d.log`, format: "nope" }])],
        }),
      /unknown log format "nope"/,
    );
    assert.throws(
      () =>
        new AccessLogs({
          logFormats: FORMATS,
          servers: [server([{ path: `${dir}/no/such/e.log`, format: "short" }])],
        }),
      /Cannot open log file/,
    );
  }));

Deno.test("AccessLogs.reopen() moves every log to a new file", () =>
  withDir(async (dir) => {
    const a = { path: `${dir}/a.log`, format: "short" };
    const logs = new AccessLogs({ logFormats: FORMATS, servers: [server([a])] });
    logs.write(DONE, { accessLog: [a] }, { uri: "/old" });
    await Deno.rename(a.path, `${a.path}.1`);
    logs.reopen();
    logs.write(DONE, { accessLog: [a] }, { uri: "/new" });
    logs.flush();
    assert.equal(await Deno.readTextFile(`${a.path}.1`), "404 /old\n");
    assert.equal(await Deno.readTextFile(a.path), "404 /new\n");
    logs.close();
  }));
