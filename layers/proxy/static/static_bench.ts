// The proxy's static files against the toolkit's sendFromDirectory() doing the same work, in
// one run: a cached 1 KiB hit, a 304, a 100 KiB file (in memory, and opened as a FileRange).
// Run: deno bench -A layers/proxy/static/static_bench.ts

import { sendFromDirectory } from "../../toolkit/static_files.ts";
import { StaticFiles } from "./static_files.ts";
import { asReply, testExchange, testSettings } from "./_testing.ts";
import type { FileRange } from "../types.ts";

const root = await Deno.makeTempDir({ prefix: "ngw2f_static_bench_" });
await Deno.writeFile(`${root}/small.txt`, new Uint8Array(1024).fill(97));
await Deno.writeFile(`${root}/medium.bin`, new Uint8Array(100 * 1024).fill(98));
globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
// Files changed in the last two seconds are re-read on every hit (see StaticFiles): let them settle.
await new Promise((resolve) => setTimeout(resolve, 2100));

const settings = testSettings({ root });
const files = new StaticFiles({ maxFileSize: 1 << 20, totalBytes: 64 << 20 });
const streaming = new StaticFiles({ maxFileSize: 64 * 1024, totalBytes: 64 << 20 });
const smallPath = `${root}/small.txt`;
const mediumPath = `${root}/medium.bin`;
const get = testExchange("/small.txt", {
  host: "localhost",
  "user-agent": "wrk",
  accept: "*/*",
  "accept-encoding": "gzip, deflate, br",
});
const getMedium = testExchange("/medium.bin", { host: "localhost", accept: "*/*" });
const etag = asReply(files.serve(get, "/small.txt", smallPath, settings)).headers[5];
const revalidate = testExchange("/small.txt", {
  host: "localhost",
  "if-none-match": etag,
  "if-modified-since": asReply(files.serve(get, "/small.txt", smallPath, settings)).headers[3],
});
files.serve(getMedium, "/medium.bin", mediumPath, settings);

const plain = new Request("http://localhost/small.txt", {
  headers: { "user-agent": "wrk", accept: "*/*", "accept-encoding": "gzip, deflate, br" },
});
const first = await sendFromDirectory(plain, root, "small.txt");
const conditional = new Request("http://localhost/small.txt", {
  headers: {
    "if-none-match": first.headers.get("etag")!,
    "if-modified-since": first.headers.get("last-modified")!,
  },
});
await first.body?.cancel();
const plainMedium = new Request("http://localhost/medium.bin", { headers: { accept: "*/*" } });

Deno.bench("StaticFiles.serve() 1 KiB cached hit", { group: "1 KiB", baseline: true }, () => {
  files.serve(get, "/small.txt", smallPath, settings);
});

Deno.bench("Deno.statSync() alone (the hit's floor)", { group: "1 KiB" }, () => {
  Deno.statSync(smallPath);
});

Deno.bench("toolkit sendFromDirectory() 1 KiB, body consumed", { group: "1 KiB" }, async () => {
  await (await sendFromDirectory(plain, root, "small.txt")).bytes();
});

Deno.bench("StaticFiles.serve() 1 KiB 304", { group: "304", baseline: true }, () => {
  files.serve(revalidate, "/small.txt", smallPath, settings);
});

Deno.bench("toolkit sendFromDirectory() 1 KiB 304", { group: "304" }, async () => {
  await sendFromDirectory(conditional, root, "small.txt");
});

Deno.bench("StaticFiles.serve() 100 KiB cached hit", { group: "100 KiB", baseline: true }, () => {
  files.serve(getMedium, "/medium.bin", mediumPath, settings);
});

Deno.bench("StaticFiles.serve() 100 KiB as FileRange (open + close)", { group: "100 KiB" }, () => {
  const reply = asReply(streaming.serve(getMedium, "/medium.bin", mediumPath, settings));
  (reply.body as FileRange).file.close();
});

Deno.bench("toolkit sendFromDirectory() 100 KiB, body consumed", { group: "100 KiB" }, async () => {
  await (await sendFromDirectory(plainMedium, root, "medium.bin")).bytes();
});
