import assert from "node:assert/strict";
import { ContentTooLarge } from "../exceptions.ts";
import { receiveUpload, UploadedFile } from "./file_storage.ts";

const enc = new TextEncoder();

async function* chunksOf(...parts: (string | number)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    yield typeof part === "string" ? enc.encode(part) : new Uint8Array(part).fill(120);
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

Deno.test("UploadedFile() defaults filename, contentType and builds headers", () => {
  const file = new UploadedFile({ name: 'we"ird' });
  assert.equal(file.filename, "");
  assert.equal(file.contentType, "application/octet-stream");
  assert.equal(file.size, 0);
  assert.equal(file.headers.get("content-disposition"), 'form-data; name="we%22ird"');
  const named = new UploadedFile({
    name: "a",
    filename: "x.txt",
    contentType: "Text/Plain; charset=utf-8",
  });
  assert.equal(named.mimetype, "text/plain");
  assert.equal(named.headers.get("content-disposition"), 'form-data; name="a"; filename="x.txt"');
  const custom = new UploadedFile({ name: "a", headers: { "x-part": "1" } });
  assert.equal(custom.headers.get("x-part"), "1");
});

Deno.test("UploadedFile.stream() gives a fresh copy of in-memory content per call", async () => {
  const content = enc.encode("abc");
  const file = new UploadedFile({ name: "a", content });
  assert.equal(await readAll(file.stream()), "abc");
  assert.equal(await readAll(file.stream()), "abc");
  assert.equal(await readAll(new UploadedFile({ name: "e" }).stream()), "");
});

Deno.test("receiveUpload() keeps content under spoolThreshold in memory", async () => {
  const file = await receiveUpload(chunksOf("he", "llo"), { name: "f", filename: "h.txt" }, {
    spoolThreshold: 5,
  });
  assert.equal(file.path, undefined);
  assert.equal(file.size, 5);
  assert.equal(await file.text(), "hello");
  await file.cleanup();
  assert.equal(await file.text(), "hello");
});

Deno.test("receiveUpload() spools past spoolThreshold and every reader sees the content", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = await receiveUpload(chunksOf("ab", "cd", "ef"), { name: "f" }, {
      spoolThreshold: 3,
      tempDir: dir,
    });
    assert.ok(file.path?.startsWith(dir));
    assert.equal(file.size, 6);
    assert.equal(await file.text(), "abcdef");
    assert.equal(await readAll(file.stream()), "abcdef");
    await file.saveTo(`${dir}/copy`);
    assert.equal(await Deno.readTextFile(`${dir}/copy`), "abcdef");
    const path = file.path!;
    await file.cleanup();
    await file.cleanup();
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    assert.equal(file.path, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UploadedFile.saveTo() writes in-memory content", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await new UploadedFile({ name: "a", content: enc.encode("mem") }).saveTo(`${dir}/m`);
    assert.equal(await Deno.readTextFile(`${dir}/m`), "mem");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UploadedFile supports await using to remove its temp file", async () => {
  let path: string | undefined;
  {
    await using file = await receiveUpload(chunksOf(100), { name: "f" }, { spoolThreshold: 10 });
    path = file.path;
    assert.ok(path);
  }
  await assert.rejects(Deno.stat(path!), Deno.errors.NotFound);
});

Deno.test("receiveUpload() throws 413 past maxFileSize and removes the temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      receiveUpload(chunksOf(50, 50, 50), { name: "f", filename: "big.bin" }, {
        spoolThreshold: 60,
        maxFileSize: 120,
        tempDir: dir,
      }),
      (error: unknown) =>
        error instanceof ContentTooLarge &&
        error.message ===
          'Cannot parse the form: the file "big.bin" exceeds maxFileSize (120 bytes).',
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("receiveUpload() removes the temp file when the source fails", async () => {
  const dir = await Deno.makeTempDir();
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(100);
    throw new Error("source broke");
  }
  try {
    await assert.rejects(
      receiveUpload(failing(), { name: "f" }, { spoolThreshold: 10, tempDir: dir }),
      /source broke/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
