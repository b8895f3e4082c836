import assert from "node:assert/strict";
import { BadRequest, ContentTooLarge } from "../exceptions.ts";
import { parseForm } from "./form_parser.ts";

const URL_ = "http://localhost/upload";
const CRLF = "\r\n";
const enc = new TextEncoder();

function post(body: BodyInit, headers?: HeadersInit): Request {
  return new Request(URL_, { method: "POST", body, headers });
}

/** A request whose body arrives as a stream (no Content-Length), in `chunkSize` pieces. */
function streamed(body: Uint8Array | string, contentType: string, chunkSize = 16 * 1024): Request {
  const bytes = typeof body === "string" ? enc.encode(body) : body;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
  return new Request(URL_, {
    method: "POST",
    body: stream,
    headers: { "content-type": contentType },
  });
}

const BOUNDARY = "----ngw2f-test";
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function part(name: string, value: string, filename?: string, type?: string): string {
  let head = `--${BOUNDARY}${CRLF}Content-Disposition: form-data; name="${name}"`;
  if (filename !== undefined) head += `; filename="${filename}"`;
  if (type) head += `${CRLF}Content-Type: ${type}`;
  return `${head}${CRLF}${CRLF}${value}${CRLF}`;
}
const END = `--${BOUNDARY}--${CRLF}`;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-form-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names;
}

async function rejectsWith(
  promise: Promise<unknown>,
  type: typeof BadRequest | typeof ContentTooLarge,
  message: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("parseForm() reads urlencoded fields with repeats, + and percent escapes", async () => {
  const { form, files } = await parseForm(
    post("a=1&b=x+y&a=2&c=%C3%A9&bad=%zz&empty=&novalue", {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    }),
  );
  assert.deepEqual(form.getAll("a"), ["1", "2"]);
  assert.equal(form.get("b"), "x y");
  assert.equal(form.get("c"), "é");
  assert.equal(form.get("bad"), "%zz");
  assert.equal(form.get("empty"), "");
  assert.equal(form.get("novalue"), "");
  assert.equal(files.size, 0);
  assert.ok(form.frozen && files.frozen);
});

Deno.test("parseForm() gives an empty form for an empty urlencoded body", async () => {
  const { form } = await parseForm(
    post("", { "content-type": "application/x-www-form-urlencoded" }),
  );
  assert.equal(form.size, 0);
});

Deno.test("parseForm() gives an empty form for other content types and bodiless requests", async () => {
  for (
    const request of [
      post('{"a":1}', { "content-type": "application/json" }),
      post("a=1", { "content-type": "text/plain" }),
      post("a=1", { "content-type": "" }),
      new Request(URL_),
    ]
  ) {
    const { form, files } = await parseForm(request);
    assert.equal(form.size + files.size, 0);
  }
});

Deno.test("parseForm() reads multipart fields and files built with FormData", async () => {
  const body = new FormData();
  body.append("name", "Ada");
  body.append("tag", "a");
  body.append("tag", "ü");
  body.append("doc", new File(["hello"], "hello.txt", { type: "text/plain" }));
  body.append("doc", new File([new Uint8Array([0, 1, 2])], "b.bin"));
  body.append("blob", new Blob(["x"]));
  const { form, files } = await parseForm(post(body));
  assert.equal(form.get("name"), "Ada");
  assert.deepEqual(form.getAll("tag"), ["a", "ü"]);
  const [text, bin] = files.getAll("doc");
  assert.equal(text!.name, "doc");
  assert.equal(text!.filename, "hello.txt");
  assert.equal(text!.contentType, "text/plain");
  assert.equal(text!.size, 5);
  assert.equal(await text!.text(), "hello");
  assert.equal(text!.path, undefined);
  assert.deepEqual(await bin!.bytes(), new Uint8Array([0, 1, 2]));
  assert.equal(bin!.contentType, "application/octet-stream");
  assert.equal(files.get("blob")!.filename, "blob");
  assert.match(text!.headers.get("content-disposition")!, /filename="hello.txt"/);
});

Deno.test("parseForm() keeps a filename-less octet-stream part as a field, like Werkzeug", async () => {
  const raw = part("data", "plain", undefined, "application/octet-stream") + END;
  const { form, files } = await parseForm(post(raw, { "content-type": MULTIPART }));
  assert.equal(form.get("data"), "plain");
  assert.equal(files.size, 0);
});

Deno.test("parseForm() strips directories from filenames and skips nameless parts", async () => {
  const raw = part("f", "x", "../../etc/passwd") +
    `--${BOUNDARY}${CRLF}Content-Disposition: form-data${CRLF}${CRLF}anon${CRLF}` + END;
  const { form, files } = await parseForm(post(raw, { "content-type": MULTIPART }));
  assert.equal(files.get("f")!.filename, "passwd");
  assert.equal(form.size, 0);
});

Deno.test("parseForm() spools a 2 MiB file to disk and cleanup() removes it", async () => {
  await withTempDir(async (tempDir) => {
    const big = new Uint8Array(2 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
    const body = new FormData();
    body.append("small", new File(["tiny"], "s.txt"));
    body.append("big", new File([big], "big.bin"));
    const { files } = await parseForm(post(body), { tempDir });
    const file = files.get("big")!;
    assert.equal(file.size, big.length);
    assert.ok(file.path?.startsWith(tempDir));
    assert.equal((await Deno.stat(file.path!)).size, big.length);
    assert.deepEqual(await file.bytes(), big);
    assert.equal(files.get("small")!.path, undefined);
    const saved = `${tempDir}/saved.bin`;
    await file.saveTo(saved);
    assert.equal((await Deno.stat(saved)).size, big.length);
    const path = file.path!;
    await file.cleanup();
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    assert.deepEqual(await listDir(tempDir), ["saved.bin"]);
  });
});

Deno.test("parseForm() streams a body fed in small chunks", async () => {
  const payload = "z".repeat(300_000);
  const raw = part("a", "1") + part("f", payload, "f.txt") + part("b", "2") + END;
  const { form, files } = await parseForm(streamed(raw, MULTIPART, 1000), {
    spoolThreshold: 10_000,
  });
  assert.deepEqual(form.toObject(), { a: "1", b: "2" });
  const file = files.get("f")!;
  assert.ok(file.path);
  assert.equal(await file.text(), payload);
  await file.cleanup();
});

Deno.test("parseForm() throws 413 naming maxContentLength from Content-Length up front", async () => {
  const request = post("a=1234567890", {
    "content-type": "application/x-www-form-urlencoded",
    "content-length": "12",
  });
  await rejectsWith(
    parseForm(request, { maxContentLength: 5 }),
    ContentTooLarge,
    /maxContentLength \(5 bytes\)/,
  );
  assert.equal(request.bodyUsed, false);
});

Deno.test("parseForm() throws 413 naming maxContentLength for a streamed body", async () => {
  await withTempDir(async (tempDir) => {
    const raw = part("f", "y".repeat(50_000), "f.bin") + END;
    await rejectsWith(
      parseForm(streamed(raw, MULTIPART, 1000), {
        maxContentLength: 20_000,
        spoolThreshold: 1000,
        tempDir,
      }),
      ContentTooLarge,
      /the body exceeds maxContentLength \(20000 bytes\)/,
    );
    assert.deepEqual(await listDir(tempDir), []);
  });
  await rejectsWith(
    parseForm(streamed("a=" + "b".repeat(100), "application/x-www-form-urlencoded", 10), {
      maxContentLength: 50,
    }),
    ContentTooLarge,
    /maxContentLength \(50 bytes\)/,
  );
});

Deno.test("parseForm() throws 413 naming maxFormMemorySize for a large field", async () => {
  const raw = part("a", "x".repeat(100)) + END;
  await rejectsWith(
    parseForm(post(raw, { "content-type": MULTIPART }), { maxFormMemorySize: 10 }),
    ContentTooLarge,
    /a field exceeds maxFormMemorySize \(10 bytes\)/,
  );
  await rejectsWith(
    parseForm(streamed("a=" + "x".repeat(100), "application/x-www-form-urlencoded"), {
      maxFormMemorySize: 10,
    }),
    ContentTooLarge,
    /maxFormMemorySize \(10 bytes\)/,
  );
  const ok = await parseForm(post(raw, { "content-type": MULTIPART }), { maxFormMemorySize: 100 });
  assert.equal(ok.form.get("a")!.length, 100);
});

Deno.test("parseForm() applies the default maxFormMemorySize of 500000 bytes", async () => {
  const raw = part("a", "x".repeat(500_001)) + END;
  await rejectsWith(
    parseForm(post(raw, { "content-type": MULTIPART })),
    ContentTooLarge,
    /maxFormMemorySize \(500000 bytes\)/,
  );
  const big = await parseForm(post(raw, { "content-type": MULTIPART }), {
    maxFormMemorySize: null,
  });
  assert.equal(big.form.get("a")!.length, 500_001);
});

Deno.test("parseForm() throws 413 naming maxFormParts", async () => {
  await withTempDir(async (tempDir) => {
    const raw = part("f", "x".repeat(5000), "f.bin") + part("a", "1") + part("b", "2") + END;
    await rejectsWith(
      parseForm(post(raw, { "content-type": MULTIPART }), {
        maxFormParts: 2,
        spoolThreshold: 100,
        tempDir,
      }),
      ContentTooLarge,
      /the number of parts exceeds maxFormParts \(2\)/,
    );
    assert.deepEqual(await listDir(tempDir), []);
  });
  await rejectsWith(
    parseForm(post("a=1&b=2&c=3", { "content-type": "application/x-www-form-urlencoded" }), {
      maxFormParts: 2,
    }),
    ContentTooLarge,
    /maxFormParts \(2\)/,
  );
});

Deno.test("parseForm() applies the default maxFormParts of 1000", async () => {
  const raw = Array.from({ length: 1001 }, (_, i) => part(`f${i}`, "v")).join("") + END;
  await rejectsWith(
    parseForm(post(raw, { "content-type": MULTIPART })),
    ContentTooLarge,
    /maxFormParts \(1000\)/,
  );
});

Deno.test("parseForm() throws 413 naming maxFileSize and removes the spooled file", async () => {
  await withTempDir(async (tempDir) => {
    const raw = part("ok", "small", "ok.txt") + part("f", "x".repeat(10_000), "big.bin") + END;
    await rejectsWith(
      parseForm(streamed(raw, MULTIPART, 500), {
        maxFileSize: 8000,
        spoolThreshold: 10,
        tempDir,
      }),
      ContentTooLarge,
      /the file "big.bin" exceeds maxFileSize \(8000 bytes\)/,
    );
    assert.deepEqual(await listDir(tempDir), []);
  });
});

Deno.test("parseForm() throws 400 when the multipart Content-Type has no boundary", async () => {
  await rejectsWith(
    parseForm(post("x", { "content-type": "multipart/form-data" })),
    BadRequest,
    /the multipart Content-Type has no boundary/,
  );
});

Deno.test("parseForm() throws 400 and removes temp files for a truncated multipart body", async () => {
  await withTempDir(async (tempDir) => {
    const raw = part("a", "1") +
      `--${BOUNDARY}${CRLF}Content-Disposition: form-data; name="f"; filename="f.bin"` +
      `${CRLF}${CRLF}${"x".repeat(5000)}`;
    await rejectsWith(
      parseForm(streamed(raw, MULTIPART, 700), { spoolThreshold: 100, tempDir }),
      BadRequest,
      /the multipart body ended before its closing boundary/,
    );
    assert.deepEqual(await listDir(tempDir), []);
  });
  await rejectsWith(
    parseForm(post(part("a", "1").slice(0, -2), { "content-type": MULTIPART })),
    BadRequest,
    /ended before its closing boundary/,
  );
});

Deno.test("parseForm() never leaks raw errors on malformed multipart input", async () => {
  const cases: [string, string | Uint8Array<ArrayBuffer>][] = [
    [MULTIPART, "garbage without any boundary"],
    [MULTIPART, `--${BOUNDARY}${CRLF}`],
    [MULTIPART, `--${BOUNDARY}${CRLF}${"X-Long: " + "h".repeat(100_000)}${CRLF}${CRLF}v${CRLF}`],
    ["multipart/form-data; boundary=", "--\r\n\r\n"],
    ['multipart/form-data; boundary="unterminated', "x"],
    ["multipart/form-data; boundary=a; boundary=b", "--a--"],
    [MULTIPART, new Uint8Array([0xff, 0xfe, 0x00, 0x0d, 0x0a])],
  ];
  for (const [contentType, body] of cases) {
    try {
      const { files } = await parseForm(post(body, { "content-type": contentType }));
      for (const [, file] of files) await file.cleanup();
    } catch (error) {
      assert.ok(
        error instanceof BadRequest || error instanceof ContentTooLarge,
        `${contentType}: ${String(error)}`,
      );
      assert.match(error.message, /^Cannot parse the form: /);
    }
  }
});

Deno.test("parseForm() gives an empty form for an empty multipart body", async () => {
  const { form, files } = await parseForm(post("", { "content-type": MULTIPART }));
  assert.equal(form.size + files.size, 0);
});

Deno.test("parseForm() ignores a preamble and an epilogue", async () => {
  const raw = `preamble${CRLF}` + part("a", "1") + END + "epilogue";
  const { form } = await parseForm(post(raw, { "content-type": MULTIPART }));
  assert.equal(form.get("a"), "1");
});

Deno.test("parseForm() throws 400 when the body stream fails", async () => {
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.error(new Error("connection reset"));
      sent = true;
      controller.enqueue(enc.encode(part("a", "1")));
    },
  });
  const request = new Request(URL_, {
    method: "POST",
    body: stream,
    headers: { "content-type": MULTIPART },
  });
  await rejectsWith(parseForm(request), BadRequest, /the request body could not be read/);
});

Deno.test("parseForm() throws a clear error when the body was already read", async () => {
  const request = post("a=1", { "content-type": "application/x-www-form-urlencoded" });
  await request.text();
  await assert.rejects(parseForm(request), /body has already been read/);
});
