import { evaluatePreconditions } from "./http/conditional.ts";
import { formatHttpDate, parseHttpDate } from "./http/dates.ts";
import { parseRange } from "./http/range.ts";
import { sendFile } from "./static_files.ts";

const root = await Deno.makeTempDir({ prefix: "ngw2f_static_bench_" });
const small = `${root}/small.txt`;
const medium = `${root}/medium.bin`;
await Deno.writeFile(small, new Uint8Array(1024).fill(97));
await Deno.writeFile(medium, new Uint8Array(100 * 1024).fill(98));
globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));

const plain = new Request("http://x/");
const modified = Date.UTC(2024, 0, 1);
const validators = { etag: '"65920080-400"', lastModified: modified };
const revalidate = new Request("http://x/", {
  headers: { "if-none-match": '"65920080-400"', "if-modified-since": formatHttpDate(modified) },
});
const ranged = new Request("http://x/", { headers: { range: "bytes=0-99,200-299" } });

Deno.bench("sendFile() 1 KiB, body consumed", { group: "send", baseline: true }, async () => {
  await (await sendFile(plain, small)).bytes();
});

Deno.bench("sendFile() 100 KiB (streamed), body consumed", { group: "send" }, async () => {
  await (await sendFile(plain, medium)).bytes();
});

Deno.bench("sendFile() 1 KiB revalidated (304)", { group: "send" }, async () => {
  await sendFile(revalidate, small);
});

Deno.bench("sendFile() 1 KiB, two ranges", { group: "send" }, async () => {
  await (await sendFile(ranged, small)).bytes();
});

Deno.bench("Deno.readFile() 1 KiB (floor)", { group: "send" }, async () => {
  await Deno.readFile(small);
});

Deno.bench("evaluatePreconditions() without conditions", { group: "conditions" }, () => {
  evaluatePreconditions(plain, validators);
});

Deno.bench(
  "evaluatePreconditions() If-None-Match + If-Modified-Since",
  { group: "conditions" },
  () => {
    evaluatePreconditions(revalidate, validators);
  },
);

Deno.bench("formatHttpDate() now", { group: "dates" }, () => {
  formatHttpDate(Date.now());
});

Deno.bench("parseHttpDate() IMF-fixdate", { group: "dates" }, () => {
  parseHttpDate("Mon, 01 Jan 2024 00:00:00 GMT");
});

Deno.bench("parseRange() two ranges", { group: "dates" }, () => {
  parseRange("bytes=0-99,200-299", 1024);
});

Deno.bench("sendFile() 1 KiB, async I/O, body consumed", { group: "send" }, async () => {
  await (await sendFile(plain, small, { syncIo: false })).bytes();
});
