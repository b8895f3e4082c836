// Test-only, private to the toolkit: reading a multipart/byteranges response back into parts.
import assert from "node:assert/strict";

/** One part of a multipart/byteranges body. */
export interface BoundedPart {
  /** The part's Content-Type, if it had one. */
  type: string | undefined;
  /** The part's Content-Range. */
  range: string | undefined;
  /** The part's bytes. */
  body: Uint8Array;
}

/**
 * Reads a 206 multipart/byteranges response into its parts, checking its framing strictly and
 * that its Content-Length matches the body.
 */
export async function readByteranges(response: Response): Promise<BoundedPart[]> {
  assert.equal(response.status, 206);
  const contentType = response.headers.get("content-type") ?? "";
  const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(contentType)?.[1];
  assert.ok(boundary, `not multipart/byteranges: "${contentType}"`);
  const bytes = await response.bytes();
  assert.equal(Number(response.headers.get("content-length")), bytes.length);
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  const delimiter = `--${boundary}`;
  assert.ok(text.startsWith(`${delimiter}\r\n`));
  const parts: BoundedPart[] = [];
  let position = delimiter.length + 2;
  while (true) {
    const headEnd = text.indexOf("\r\n\r\n", position);
    const headers = new Map<string, string>();
    for (const line of text.slice(position, headEnd).split("\r\n")) {
      const colon = line.indexOf(":");
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const next = text.indexOf(`\r\n${delimiter}`, headEnd + 4);
    parts.push({
      type: headers.get("content-type"),
      range: headers.get("content-range"),
      body: bytes.subarray(headEnd + 4, next),
    });
    position = next + 2 + delimiter.length;
    if (text.startsWith("--\r\n", position)) {
      assert.equal(position + 4, text.length);
      return parts;
    }
    assert.ok(text.startsWith("\r\n", position));
    position += 2;
  }
}
