import assert from "node:assert/strict";
import {
  formatContentRange,
  frameByteranges,
  parseContentRange,
  parseIfRange,
  parseRange,
  parseRangeSpecs,
} from "./range.ts";

Deno.test("parseRangeSpecs() reads every spec form when the unit is bytes", () => {
  assert.deepEqual(parseRangeSpecs("bytes=0-0,5-,-1"), [
    { start: 0, end: 0 },
    { start: 5 },
    { suffix: 1 },
  ]);
  assert.deepEqual(parseRangeSpecs("Bytes = 1 - 2 , , 3-4"), [
    { start: 1, end: 2 },
    { start: 3, end: 4 },
  ]);
});

Deno.test("parseRangeSpecs() returns null when the syntax is invalid", () => {
  for (
    const value of [
      null,
      "",
      "bytes",
      "bytes=",
      "bytes=,",
      "bytes=-",
      "bytes=a-b",
      "bytes=1",
      "bytes=1-2-3",
      "bytes=5-4",
      "bytes=-1-2",
      "bytes=0x10-",
      "bytes=1.5-2",
      "bytes=+1-2",
      "bytes=0-1,garbage",
      "items=0-1",
      "=0-1",
      "bytes 0-1",
    ]
  ) {
    assert.equal(parseRangeSpecs(value), null, JSON.stringify(value));
  }
});

Deno.test("parseRangeSpecs() refuses a header when it holds more than 256 specs", () => {
  const many = "bytes=" + Array.from({ length: 257 }, (_, i) => `${i}-${i}`).join(",");
  assert.equal(parseRangeSpecs(many), null);
  assert.equal(parseRangeSpecs(many.slice(0, many.lastIndexOf(",")))?.length, 256);
});

Deno.test("parseRange() resolves closed, open and suffix ranges when given a size", () => {
  assert.deepEqual(parseRange("bytes=0-499", 1000), [{ start: 0, end: 499 }]);
  assert.deepEqual(parseRange("bytes=500-", 1000), [{ start: 500, end: 999 }]);
  assert.deepEqual(parseRange("bytes=-300", 1000), [{ start: 700, end: 999 }]);
  assert.deepEqual(parseRange("bytes=900-5000", 1000), [{ start: 900, end: 999 }]);
  assert.deepEqual(parseRange("bytes=-5000", 1000), [{ start: 0, end: 999 }]);
  assert.deepEqual(parseRange("bytes=999-999", 1000), [{ start: 999, end: 999 }]);
  assert.deepEqual(parseRange("bytes=0-99999999999999999999999", 10), [{ start: 0, end: 9 }]);
});

Deno.test("parseRange() returns unsatisfiable when no range overlaps the representation", () => {
  assert.equal(parseRange("bytes=1000-", 1000), "unsatisfiable");
  assert.equal(parseRange("bytes=1000-2000, 3000-", 1000), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 1000), "unsatisfiable");
  assert.equal(parseRange("bytes=0-", 0), "unsatisfiable");
  assert.equal(parseRange("bytes=99999999999999999999-", 10), "unsatisfiable");
  assert.deepEqual(parseRange("bytes=1000-, 0-0", 1000), [{ start: 0, end: 0 }]);
});

Deno.test("parseRange() returns null when an empty representation is asked for a suffix", () => {
  assert.equal(parseRange("bytes=-5", 0), null);
});

Deno.test("parseRange() returns null when the header is invalid or missing", () => {
  assert.equal(parseRange(null, 10), null);
  assert.equal(parseRange("bytes=3-1", 10), null);
  assert.equal(parseRange("pages=1-2", 10), null);
});

Deno.test("parseRange() merges overlapping and adjacent ranges when coalescing", () => {
  assert.deepEqual(parseRange("bytes=0-10, 5-20, 21-30", 100), [{ start: 0, end: 30 }]);
  assert.deepEqual(parseRange("bytes=50-60, 0-1, 55-70, 2-3", 100), [
    { start: 50, end: 70 },
    { start: 0, end: 3 },
  ]);
  assert.deepEqual(parseRange("bytes=0-0, 2-2", 100), [{ start: 0, end: 0 }, { start: 2, end: 2 }]);
  assert.deepEqual(parseRange("bytes=0-, -10", 100), [{ start: 0, end: 99 }]);
  assert.deepEqual(parseRange("bytes=20-29, 0-9, 25-", 100), [
    { start: 20, end: 99 },
    { start: 0, end: 9 },
  ]);
  assert.deepEqual(parseRange("bytes=0-10, 5-20", 100, { coalesce: false }), [
    { start: 0, end: 10 },
    { start: 5, end: 20 },
  ]);
});

Deno.test("parseRange() ignores the header when there are too many ranges", () => {
  const header = "bytes=" + Array.from({ length: 17 }, (_, i) => `${i * 2}-${i * 2}`).join(",");
  assert.equal(parseRange(header, 1000), null);
  assert.equal((parseRange(header, 1000, { maxRanges: 17 }) as unknown[]).length, 17);
  const overlapping = "bytes=" + Array.from({ length: 200 }, () => "0-").join(",");
  assert.deepEqual(parseRange(overlapping, 1000), [{ start: 0, end: 999 }]);
  assert.equal(parseRange("bytes=0-0, 2-2", 10, { maxRanges: 1 }), null);
});

Deno.test("formatContentRange() writes ranges, unknown sizes and the unsatisfied form", () => {
  assert.equal(formatContentRange({ start: 0, end: 0 }, 1), "bytes 0-0/1");
  assert.equal(formatContentRange({ start: 10, end: 19 }, null), "bytes 10-19/*");
  assert.equal(formatContentRange(null, 0), "bytes */0");
});

Deno.test("parseContentRange() reads what formatContentRange() writes", () => {
  assert.deepEqual(parseContentRange("bytes 10-19/100"), {
    range: { start: 10, end: 19 },
    size: 100,
  });
  assert.deepEqual(parseContentRange("bytes 10-19/*"), {
    range: { start: 10, end: 19 },
    size: null,
  });
  assert.deepEqual(parseContentRange("bytes */100"), { range: null, size: 100 });
  assert.deepEqual(parseContentRange(" BYTES 0-0/1 "), { range: { start: 0, end: 0 }, size: 1 });
});

Deno.test("parseContentRange() returns null when the value is malformed", () => {
  for (
    const value of [
      null,
      "",
      "bytes",
      "bytes */*",
      "bytes 5-4/10",
      "bytes 0-10/10",
      "bytes 0-/10",
      "bytes -5/10",
      "bytes a-b/10",
      "bytes 0-1/x",
      "items 0-1/10",
      "bytes 0-1",
    ]
  ) {
    assert.equal(parseContentRange(value), null, JSON.stringify(value));
  }
});

Deno.test("parseIfRange() tells entity tags from dates and rejects the rest", () => {
  assert.deepEqual(parseIfRange('"abc"'), { etag: "abc", weak: false });
  assert.deepEqual(parseIfRange('W/"abc"'), { etag: "abc", weak: true });
  assert.deepEqual(parseIfRange("Sun, 06 Nov 1994 08:49:37 GMT"), {
    date: new Date(Date.UTC(1994, 10, 6, 8, 49, 37)),
  });
  for (const value of [null, "", "abc", '"abc', "Wednesday", 'W/"a b"']) {
    assert.equal(parseIfRange(value), null, JSON.stringify(value));
  }
});

Deno.test("frameByteranges() frames parts that parse back when filled in", async () => {
  const data = new TextEncoder().encode("abcdefghijklmnopqrstuvwxyz");
  const ranges = [{ start: 20, end: 25 }, { start: 0, end: 2 }, { start: 10, end: 10 }];
  const framed = frameByteranges(ranges, { size: data.length, contentType: "text/plain" });
  const boundary = framed.contentType.split("boundary=")[1];
  assert.match(boundary, /^[0-9a-f]{32}$/);
  const chunks = framed.parts.flatMap((
    p,
  ) => [p.head, data.subarray(p.range.start, p.range.end + 1)]);
  const text = await new Blob([...chunks, framed.tail]).text();
  assert.equal(new TextEncoder().encode(text).length, framed.contentLength);
  assert.equal(
    text,
    `--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 20-25/26\r\n\r\nuvwxyz` +
      `\r\n--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/26\r\n\r\nabc` +
      `\r\n--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-10/26\r\n\r\nk` +
      `\r\n--${boundary}--\r\n`,
  );
});

Deno.test("frameByteranges() leaves Content-Type out of the parts when there is none", () => {
  const framed = frameByteranges([{ start: 0, end: 0 }, { start: 2, end: 2 }], { size: 3 });
  assert.doesNotMatch(new TextDecoder().decode(framed.parts[0].head), /Content-Type/);
  const other = frameByteranges([{ start: 0, end: 0 }], { size: 3 });
  assert.notEqual(other.contentType, framed.contentType);
});
