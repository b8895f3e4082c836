// A corpus of raw HTTP/1.x requests, malformed and valid-but-unusual, and a runner that sends
// each on a fresh TCP connection to a server that runs tests/fixtures/inspect_app.ts.
//
// The corpus is data: each entry is `{ name, bytes, expect }` (plus optional `send` options for
// how the bytes go out). The runner is independent of the server under test, so the same corpus
// checks `ngw2f dev` (the reference HTTP/1 core), `ngw2f serve` in its two cores, or a plain
// `Deno.serve`:
//
//   const report = await runCorpus(port);
//   console.log(formatReport(report));
//
// Rules:
// - A malformed entry must be answered with a 4xx (a few entries also allow the 501 or 505 that
//   RFC 9110/9112 prescribe for them; never any other 5xx, never a 2xx). The connection may be
//   closed or kept open, but nothing sent after the bad bytes may be served as a request. After
//   every malformed entry the runner checks, on a new connection, that the server still answers.
// - A valid entry must reach the app exactly: for each request in it, the inspect app's report
//   (method, URL, header list, body bytes) must equal the expected one.
//
// Line endings (a decision the corpus encodes):
// - A lone LF ends a line of the head (request line and fields): RFC 9112 §2.2 allows it, and
//   nginx, gunicorn and hyper accept it. Empty lines (CRLF or LF) before the request line are
//   skipped (§2.2).
// - A lone LF does not end a line of chunked framing (chunk-size line, the CRLF after chunk
//   data): §2.2's leniency is for the start-line and fields only, §7.1 says CRLF, hyper
//   refuses it, and lenient chunk-line terminators are a known request-smuggling vector when
//   the proxy in front parses them differently.
// - A bare CR (a CR not followed by LF: "\r\r\n", "\n\r", a CR inside a line) is always
//   rejected: §2.2, "a recipient of such a bare CR MUST consider that element to be invalid".
// - A line starting with whitespace is rejected: obs-fold (§5.2) or whitespace between the
//   request line and the first field (§2.2).

/** Bytes to send: a string of latin-1 chars (one char per byte) or the bytes themselves. */
export type Bytes = string | Uint8Array;

/** How the runner writes an entry's bytes. */
export interface SendOptions {
  /** Close our sending side after the bytes (the server sees end of stream). */
  halfClose?: boolean;
  /** Write in pieces of this many bytes, pausing `pauseMs` between them. */
  pieceSize?: number;
  /** The pause between pieces; default 1 ms. */
  pauseMs?: number;
  /** Write the first head, wait for `100 Continue` (bounded), then write the rest. */
  waitForContinue?: boolean;
  /** The longest wait for the answers, in ms; default the runner's timeout. */
  timeoutMs?: number;
}

/** What the app must see for one request of a valid entry. */
export interface ExpectedRequest {
  method: string;
  /**
   * The request URL: a full URL, or a path with its query (starting with "/") compared with
   * the URL after its origin (for requests without a Host, whose origin is server-specific).
   * Both sides are compared as a URL parser reads them (`new URL(url).href`): what an app gets
   * from `new URL(request.url)`. A list allows any of its URLs.
   */
  url: string | string[];
  /**
   * The header fields as sent, in order. Compared as the app sees them: through `Headers`
   * (lower-case names, sorted, repeated fields joined by ", ", values trimmed of SP/HTAB).
   */
  headers: [string, string][];
  /** The body bytes; default none. */
  body?: Bytes;
}

/** The answer a malformed entry must get. */
export interface RejectExpectation {
  kind: "reject";
  /** 5xx statuses also accepted (501 for an unknown transfer coding, 505 for HTTP/2.0). */
  also?: number[];
  /** Why the bytes are malformed, for the report. */
  why: string;
}

/** What a valid entry must deliver to the app. */
export interface AcceptExpectation {
  kind: "accept";
  /** One per request in the bytes (more than one when pipelined), in order. */
  requests: ExpectedRequest[];
  /** The server must close the connection after the last answer. */
  close?: boolean;
}

/** One raw request (or several pipelined) and what must come of it. */
export interface CorpusEntry {
  name: string;
  bytes: Bytes;
  expect: RejectExpectation | AcceptExpectation;
  send?: SendOptions;
}

/** The outcome of one entry. */
export interface EntryResult {
  name: string;
  kind: "malformed" | "valid";
  ok: boolean;
  /** What went wrong; empty when ok. */
  problems: string[];
  /** The final statuses received, in order. */
  statuses: number[];
  /** How the connection ended: closed by the server, reset, or still open when we gave up. */
  connection: "closed" | "reset" | "open";
  /** A short description of what happened: "400 closed", "200 200 open". */
  outcome: string;
}

/** The outcome of a corpus run. */
export interface CorpusReport {
  malformed: EntryResult[];
  valid: EntryResult[];
  /** Every entry that is not ok. */
  failures: EntryResult[];
  /** How many times the runner checked that the server still answers a plain GET. */
  aliveChecks: number;
}

/** Options for {@linkcode runCorpus}. */
export interface RunOptions {
  hostname?: string;
  /** Which halves to run; default both. */
  kinds?: ("malformed" | "valid")[];
  /** Run only the entries whose name passes. */
  filter?: (name: string) => boolean;
  /** The longest wait for one entry's answers, in ms; default 5000. */
  timeoutMs?: number;
  /** The entries to run; default {@linkcode MALFORMED} and {@linkcode VALID}. */
  malformed?: CorpusEntry[];
  valid?: CorpusEntry[];
}

// ---------------------------------------------------------------------------------------------
// Building entries

const HOST = "corpus.test";
const ORIGIN = `http://${HOST}`;
const HOST_LINE = `Host: ${HOST}\r\n`;

function reject(
  name: string,
  why: string,
  bytes: Bytes,
  options: { also?: number[]; send?: SendOptions } = {},
): CorpusEntry {
  const expect: RejectExpectation = { kind: "reject", why };
  if (options.also) expect.also = options.also;
  const entry: CorpusEntry = { name, bytes, expect };
  if (options.send) entry.send = options.send;
  return entry;
}

function accept(
  name: string,
  bytes: Bytes,
  requests: ExpectedRequest[],
  options: { close?: boolean; send?: SendOptions } = {},
): CorpusEntry {
  const expect: AcceptExpectation = { kind: "accept", requests };
  if (options.close) expect.close = true;
  const entry: CorpusEntry = { name, bytes, expect };
  if (options.send) entry.send = options.send;
  return entry;
}

function req(
  method: string,
  url: string | string[],
  headers: [string, string][],
  body?: Bytes,
): ExpectedRequest {
  const full = (u: string) => u.startsWith("/") ? ORIGIN + u : u;
  const expected: ExpectedRequest = {
    method,
    url: typeof url === "string" ? full(url) : url.map(full),
    headers,
  };
  if (body !== undefined) expected.body = body;
  return expected;
}

/** An expected request whose URL is compared without its origin (no Host was sent). */
function reqNoHost(
  method: string,
  pathAndQuery: string,
  headers: [string, string][],
  body?: Bytes,
): ExpectedRequest {
  const expected: ExpectedRequest = { method, url: pathAndQuery, headers };
  if (body !== undefined) expected.body = body;
  return expected;
}

const hostHeader: [string, string] = ["Host", HOST];

/** A GET with Host and the given extra header lines. */
function get(path: string, extra = ""): string {
  return `GET ${path} HTTP/1.1\r\n${HOST_LINE}${extra}\r\n`;
}

/** A POST with Host, the given framing header lines and the raw body bytes. */
function post(framing: string, body: string, path = "/"): string {
  return `POST ${path} HTTP/1.1\r\n${HOST_LINE}${framing}\r\n${body}`;
}

/** The chunked encoding of `body` in chunks of `size` bytes. */
function chunked(body: string, size: number): string {
  let out = "";
  for (let i = 0; i < body.length; i += size) {
    const piece = body.slice(i, i + size);
    out += `${piece.length.toString(16)}\r\n${piece}\r\n`;
  }
  return out + "0\r\n\r\n";
}

/** `length` bytes of varied printable text. */
function filler(length: number, seed = 0): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[(i * 7 + seed + (i >> 6)) % alphabet.length];
  return out;
}

const ALL_BYTES = (() => {
  let s = "";
  for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
  return s;
})();

const TLS_CLIENT_HELLO = "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + filler(32) +
  "\x00\x00\x20\xc0\x2b\xc0\x2f\r\n\r\n";

// ---------------------------------------------------------------------------------------------
// Malformed requests: each must be answered with a 4xx and never reach the app.

const UNKNOWN_CODING = [501];
const UNSUPPORTED_VERSION = [505];
const BIG = 512 * 1024;

/** Malformed requests: a 4xx (or the listed 501/505), never a 2xx or another 5xx. */
export const MALFORMED: CorpusEntry[] = [
  // Content-Length and Transfer-Encoding framing
  reject(
    "CL.TE: Content-Length and Transfer-Encoding chunked (smuggling)",
    "RFC 9112 §6.3: both framings present; a front end may use the other one",
    post(
      "Content-Length: 44\r\nTransfer-Encoding: chunked\r\n",
      `0\r\n\r\nGET /smuggled HTTP/1.1\r\n${HOST_LINE}\r\n`,
    ),
  ),
  reject(
    "TE.CL: Transfer-Encoding chunked then Content-Length (smuggling)",
    "RFC 9112 §6.3: both framings present",
    post(
      "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
      `2c\r\nGET /smuggled HTTP/1.1\r\n${HOST_LINE}\r\n\r\n0\r\n\r\n`,
    ),
  ),
  reject(
    "two different Content-Length headers",
    "RFC 9110 §8.6: differing Content-Length values",
    post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"),
  ),
  reject(
    "Content-Length list with different values",
    "RFC 9110 §8.6: a list of differing lengths",
    post("Content-Length: 5, 6\r\n", "hello!"),
  ),
  reject(
    "negative Content-Length",
    "Content-Length = 1*DIGIT",
    post("Content-Length: -1\r\n", "x"),
  ),
  reject(
    "plus-signed Content-Length",
    "Content-Length = 1*DIGIT",
    post("Content-Length: +5\r\n", "hello"),
  ),
  reject(
    "hex Content-Length",
    "Content-Length = 1*DIGIT",
    post("Content-Length: 0x5\r\n", "hello"),
  ),
  reject(
    "huge Content-Length (20 digits)",
    "past any integer the server can hold",
    post("Content-Length: 99999999999999999999\r\n", "hello"),
  ),
  reject("empty Content-Length", "Content-Length = 1*DIGIT", post("Content-Length:\r\n", "")),
  reject(
    "Content-Length with letters",
    "Content-Length = 1*DIGIT",
    post("Content-Length: 5a\r\n", "hello"),
  ),
  reject(
    "Content-Length with a space inside",
    "Content-Length = 1*DIGIT",
    post("Content-Length: 5 5\r\n", "hello"),
  ),
  reject(
    "decimal Content-Length",
    "Content-Length = 1*DIGIT",
    post("Content-Length: 5.0\r\n", "hello"),
  ),
  reject(
    "Content-Length ending in a bare CR",
    "RFC 9112 §2.2: a bare CR is invalid",
    post("Content-Length: 5\r\r\n", "hello"),
  ),
  reject(
    "Content-Length after a vertical tab",
    "a CTL in a field value; not OWS",
    post("Content-Length: \x0b5\r\n", "hello"),
  ),
  reject(
    "Content-Length body cut short by end of stream",
    "RFC 9112 §8: the connection closed before the declared length",
    post("Content-Length: 10\r\n", "abc"),
    { send: { halfClose: true } },
  ),
  reject(
    "Transfer-Encoding gzip",
    "RFC 9112 §6.1: a transfer coding the server does not implement (501 allowed)",
    post("Transfer-Encoding: gzip\r\n", "5\r\nhello\r\n0\r\n\r\n"),
    { also: UNKNOWN_CODING },
  ),
  reject(
    'Transfer-Encoding "chunked, chunked"',
    "RFC 9112 §6.1: chunked applied more than once",
    post("Transfer-Encoding: chunked, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
    { also: UNKNOWN_CODING },
  ),
  reject(
    "Transfer-Encoding identity",
    "identity is no transfer coding (removed in RFC 7230)",
    post("Transfer-Encoding: identity\r\n", "hello"),
    { also: UNKNOWN_CODING },
  ),
  reject(
    'Transfer-Encoding "chunked, gzip" (chunked not last)',
    "RFC 9112 §6.3: chunked not final in a request: MUST answer 400",
    post("Transfer-Encoding: chunked, gzip\r\n", "5\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    'Transfer-Encoding "gzip, chunked"',
    "RFC 9112 §6.1: gzip is not implemented (501 allowed)",
    post("Transfer-Encoding: gzip, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
    { also: UNKNOWN_CODING },
  ),
  reject(
    "Transfer-Encoding in an HTTP/1.0 request",
    "RFC 9112 §6.1: HTTP/1.0 framing with Transfer-Encoding is faulty",
    `POST / HTTP/1.0\r\n${HOST_LINE}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  ),
  reject(
    "Transfer-Encoding chunked on two lines",
    "RFC 9112 §6.1: chunked applied twice (the lines combine to a list)",
    post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
    { also: UNKNOWN_CODING },
  ),
  reject(
    "empty Transfer-Encoding",
    "Transfer-Encoding = #transfer-coding with no coding",
    post("Transfer-Encoding:\r\n", "5\r\nhello\r\n0\r\n\r\n"),
    { also: UNKNOWN_CODING },
  ),
  reject(
    'Transfer-Encoding "xchunked"',
    "an unknown coding that contains chunked",
    post("Transfer-Encoding: xchunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
    { also: UNKNOWN_CODING },
  ),
  reject(
    "Transfer-Encoding folded onto a continuation line",
    "RFC 9112 §5.2: obs-fold in a request",
    post("Transfer-Encoding:\r\n chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "Transfer-Encoding with a space before the colon, and Content-Length",
    "RFC 9112 §5.1: no whitespace between name and colon",
    post("Transfer-Encoding : chunked\r\nContent-Length: 3\r\n", "0\r\n\r\n"),
  ),

  // Chunked bodies
  reject(
    "chunk size not hex",
    "chunk-size = 1*HEXDIG",
    post("Transfer-Encoding: chunked\r\n", "zz\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "negative chunk size",
    "chunk-size = 1*HEXDIG",
    post("Transfer-Encoding: chunked\r\n", "-5\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "chunk size with 0x",
    "chunk-size = 1*HEXDIG",
    post("Transfer-Encoding: chunked\r\n", "0x5\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "plus-signed chunk size",
    "chunk-size = 1*HEXDIG",
    post("Transfer-Encoding: chunked\r\n", "+5\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "chunk size overflowing 64 bits",
    "a size no server can hold",
    post("Transfer-Encoding: chunked\r\n", "10000000000000005\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "empty chunk size line",
    "chunk-size = 1*HEXDIG",
    post("Transfer-Encoding: chunked\r\n", "\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "chunk data longer than its size",
    "RFC 9112 §7.1: chunk-data must be followed by CRLF",
    post("Transfer-Encoding: chunked\r\n", "5\r\nhello world\r\n0\r\n\r\n"),
  ),
  reject(
    "chunk data shorter than its size",
    "the declared size swallows the next chunk line",
    post("Transfer-Encoding: chunked\r\n", "5\r\nabc\r\n0\r\n\r\n"),
  ),
  reject(
    "chunk data without its CRLF, then end of stream",
    "RFC 9112 §7.1: incomplete chunked body",
    post("Transfer-Encoding: chunked\r\n", "5\r\nhello"),
    { send: { halfClose: true } },
  ),
  reject(
    "chunked body without its last chunk, then end of stream",
    "RFC 9112 §7.1: incomplete chunked body",
    post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n"),
    { send: { halfClose: true } },
  ),
  reject(
    "chunk size after whitespace",
    "chunk = chunk-size [ chunk-ext ] CRLF: no leading whitespace",
    post("Transfer-Encoding: chunked\r\n", " 5\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "chunk size line ending in a bare CR",
    "RFC 9112 §2.2: a bare CR is invalid",
    post("Transfer-Encoding: chunked\r\n", "5\r\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "bare CR inside a chunk extension",
    "RFC 9112 §2.2: a bare CR is invalid",
    post("Transfer-Encoding: chunked\r\n", "5;a\rb\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "NUL inside a chunk extension",
    "chunk-ext-name is a token; NUL is never valid",
    post("Transfer-Encoding: chunked\r\n", "5;a\x00b\r\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "chunk size line ended by a bare LF",
    "RFC 9112 §7.1: chunk lines end in CRLF; the lone-LF leniency (§2.2) is for the head only",
    post("Transfer-Encoding: chunked\r\n", "5\nhello\r\n0\r\n\r\n"),
  ),
  reject(
    "chunk data followed by a bare LF",
    "RFC 9112 §7.1: chunk-data CRLF; a lenient terminator is a smuggling vector",
    post("Transfer-Encoding: chunked\r\n", "5\r\nhello\n0\r\n\r\n"),
  ),
  reject(
    "trailer line without a colon",
    "RFC 9112 §7.1.2: trailer-section = *( field-line CRLF )",
    post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\nnot a trailer\r\n\r\n"),
  ),

  // The request line
  reject("empty method", "method = token", `/ HTTP/1.1\r\n${HOST_LINE}\r\n`),
  reject("method with a space inside", "method = token", `GE T / HTTP/1.1\r\n${HOST_LINE}\r\n`),
  reject("method with a non-token char", "method = token", `GE(T / HTTP/1.1\r\n${HOST_LINE}\r\n`),
  reject(
    "method with a non-ASCII byte",
    "method = token",
    `G\xc9T / HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "lower-case http/1.1",
    'HTTP-name = %s"HTTP" (case-sensitive)',
    `GET / http/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "version HTTP/1",
    "HTTP-version = HTTP-name / DIGIT . DIGIT",
    `GET / HTTP/1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "version HTTP/1.1.1",
    "HTTP-version = HTTP-name / DIGIT . DIGIT",
    `GET / HTTP/1.1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "version HTTP/01.1",
    "HTTP-version = HTTP-name / DIGIT . DIGIT",
    `GET / HTTP/01.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "version HTTP/2.0 on an HTTP/1 connection",
    "RFC 9110 §15.6.6: an unsupported major version (505 allowed)",
    `GET / HTTP/2.0\r\n${HOST_LINE}\r\n`,
    { also: UNSUPPORTED_VERSION },
  ),
  reject(
    "version HTTP/0.9",
    "RFC 9110 §15.6.6: an unsupported major version (505 allowed)",
    `GET / HTTP/0.9\r\n${HOST_LINE}\r\n`,
    { also: UNSUPPORTED_VERSION },
  ),
  reject(
    "no version (an HTTP/0.9 simple request)",
    "HTTP/0.9 requests are not served",
    "GET /\r\n\r\n",
  ),
  reject("a lone method", "request-line = method SP request-target SP HTTP-version", "GET\r\n\r\n"),
  reject(
    "two spaces after the method",
    "RFC 9112 §3: exactly one SP between the parts",
    `GET  / HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "a space after the version",
    "RFC 9112 §3: nothing after the version",
    `GET / HTTP/1.1 \r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "tabs between the parts",
    "RFC 9112 §3: SP, not HTAB",
    `GET\t/\tHTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "a space inside the target",
    "request-target has no whitespace",
    `GET /a b HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "bare CR inside the target",
    "RFC 9112 §2.2: a bare CR is invalid",
    `GET /a\rb HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "request line ended by a bare CR",
    "RFC 9112 §2.2: CR is not a line terminator on its own",
    `GET / HTTP/1.1\r${HOST_LINE}\r\n`,
  ),
  reject("NUL inside the target", "not a URI char", `GET /a\x00b HTTP/1.1\r\n${HOST_LINE}\r\n`),
  reject(
    "control char inside the target",
    "not a URI char (a C0 control)",
    `GET /a\x01b HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject("DEL inside the target", "not a URI char", `GET /a\x7fb HTTP/1.1\r\n${HOST_LINE}\r\n`),
  reject(
    "raw UTF-8 bytes in the target",
    "RFC 3986: non-ASCII must be percent-encoded in a request-target",
    `GET /caf\xc3\xa9 HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "target that is neither a path nor a URL",
    "RFC 9112 §3.2: not origin-form, absolute-form or asterisk-form",
    `GET foo HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "request line over the size limit",
    "a 512 KiB target: 414 or 431",
    `GET /${"a".repeat(BIG)} HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "a TLS ClientHello on the plain-HTTP port",
    "not HTTP at all",
    TLS_CLIENT_HELLO,
  ),

  // Header fields
  reject(
    "space before the colon",
    "RFC 9112 §5.1: no whitespace between field name and colon: MUST answer 400",
    `GET / HTTP/1.1\r\nHost : ${HOST}\r\n\r\n`,
  ),
  reject(
    "tab before the colon",
    "RFC 9112 §5.1: no whitespace between field name and colon",
    `GET / HTTP/1.1\r\n${HOST_LINE}X-A\t: 1\r\n\r\n`,
  ),
  reject(
    "header line without a colon",
    "field-line = field-name : field-value",
    get("/", "nonsense\r\n"),
  ),
  reject("empty header name", "field-name = token", get("/", ": value\r\n")),
  reject("non-token char in a header name", "field-name = token", get("/", "X(A): 1\r\n")),
  reject("non-ASCII byte in a header name", "field-name = token", get("/", "X-\xe9: 1\r\n")),
  reject(
    "NUL in a header value",
    "RFC 9110 §5.5: NUL is invalid and dangerous",
    get("/", "X-A: a\x00b\r\n"),
  ),
  reject(
    "control char in a header value",
    "RFC 9110 §5.5: field-content excludes CTLs other than HTAB",
    get("/", "X-A: a\x01b\r\n"),
  ),
  reject(
    "DEL in a header value",
    "RFC 9110 §5.5: DEL is a CTL",
    get("/", "X-A: a\x7fb\r\n"),
  ),
  reject(
    "bare CR in a header value",
    "RFC 9112 §2.2 / RFC 9110 §5.5: CR is invalid and dangerous",
    get("/", "X-A: a\rb\r\n"),
  ),
  reject(
    "header line ending in CR CR LF",
    "RFC 9112 §2.2: the first CR is a bare CR",
    get("/", "X-A: a\r\r\n"),
  ),
  reject("bare CR in a header name", "field-name = token", get("/", "X\rA: 1\r\n")),
  reject(
    "obs-fold continuation line",
    "RFC 9112 §5.2: obs-fold in a request: reject (or replace with SP)",
    get("/", "X-A: a\r\n  b\r\n"),
  ),
  reject(
    "whitespace before the first header",
    "RFC 9112 §2.2: whitespace between start-line and the first field",
    `GET / HTTP/1.1\r\n ${HOST_LINE}\r\n`,
  ),
  reject(
    "lines ended by LF CR (reversed)",
    "RFC 9112 §2.2: the CR after LF is a bare CR",
    `GET / HTTP/1.1\n\rHost: ${HOST}\n\r\n`,
  ),
  reject(
    "a CR CR line before the end of the head",
    "RFC 9112 §2.2: bare CRs are not an empty line",
    `GET / HTTP/1.1\r\n${HOST_LINE}\r\r\n\r\n`,
  ),
  reject(
    "header value over the size limit",
    "a 512 KiB field: 431",
    get("/", `X-Big: ${"b".repeat(BIG)}\r\n`),
  ),
  reject(
    "too many header fields",
    "1000 fields: 431",
    get("/", Array.from({ length: 1000 }, (_, i) => `X-F${i}: ${i}\r\n`).join("")),
  ),
  reject(
    "head cut short by end of stream",
    "the connection closed in the middle of a head",
    `GET / HTTP/1.1\r\n${HOST_LINE}X-A: 1\r\n`,
    { send: { halfClose: true } },
  ),

  // Host and the target's authority
  reject(
    "HTTP/1.1 without Host",
    "RFC 9112 §3.2: MUST answer 400",
    "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
  ),
  reject(
    "two Host headers",
    "RFC 9112 §3.2: MUST answer 400",
    `GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n`,
  ),
  reject(
    "two Host headers with the same value",
    "RFC 9112 §3.2: more than one Host field line: MUST answer 400",
    `GET / HTTP/1.1\r\n${HOST_LINE}${HOST_LINE}\r\n`,
  ),
  reject("Host with a space", "Host = uri-host [ : port ]", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
  reject(
    "Host with a slash",
    "Host = uri-host [ : port ]; a path in Host",
    "GET / HTTP/1.1\r\nHost: a.test/evil\r\n\r\n",
  ),
  reject(
    "Host with userinfo",
    "Host = uri-host [ : port ]; no userinfo",
    "GET / HTTP/1.1\r\nHost: user@a.test\r\n\r\n",
  ),
  reject(
    "Host with a question mark",
    "Host = uri-host [ : port ]",
    "GET / HTTP/1.1\r\nHost: a.test?x=1\r\n\r\n",
  ),
  reject(
    "Host with a letter in the port",
    "port = *DIGIT",
    "GET / HTTP/1.1\r\nHost: a.test:8o\r\n\r\n",
  ),
  reject(
    "Host with a port out of range",
    "port beyond 65535",
    "GET / HTTP/1.1\r\nHost: a.test:65536\r\n\r\n",
  ),
  reject(
    "Host with an unclosed IPv6 bracket",
    "IP-literal = [ ... ]",
    "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
  ),
  reject(
    "absolute-form with a bad port",
    "RFC 3986: port = *DIGIT",
    `GET http://a.test:bad/ HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "absolute-form with an empty host",
    "RFC 9110 §4.2.1: an http URI has a non-empty host",
    `GET http:/// HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "absolute-form with a non-http scheme",
    "RFC 9112 §3.2.2: not an http(s) URI",
    `GET ftp://a.test/file HTTP/1.1\r\n${HOST_LINE}\r\n`,
  ),
  reject(
    "unknown Expect",
    "RFC 9110 §10.1.1: an expectation the server cannot meet: 417",
    get("/", "Expect: the-unexpected\r\n"),
  ),
];

// ---------------------------------------------------------------------------------------------
// Valid but unusual requests: each must reach the app exactly.

const BODY_64K = filler(64 * 1024, 3);
const BODY_100K = filler(100 * 1024, 5);
const LONG_VALUE = filler(8000, 11);
const BIG_FIELDS: [string, string][] = Array.from(
  { length: 7 },
  (_, i) => [`X-Big-${i}`, filler(8000, i)] as [string, string],
);
const FAKE_REQUEST = `\r\n\r\nGET /not-a-request HTTP/1.1\r\n${HOST_LINE}\r\n`;
const LONG_PATH = "/" + filler(4000, 13);
const MANY_HEADERS: [string, string][] = Array.from(
  { length: 90 },
  (_, i) => [`X-Field-${i}`, `value ${i}`] as [string, string],
);
const TOKEN_CHARS = "!#$%&'*+-.^_`|~09AZaz";

/** Valid-but-unusual requests: each must reach the app exactly as expected. */
export const VALID: CorpusEntry[] = [
  // Pipelining and keep-alive
  accept(
    "three pipelined GETs",
    get("/one") + get("/two?x=2") + get("/three"),
    [
      req("GET", "/one", [hostHeader]),
      req("GET", "/two?x=2", [hostHeader]),
      req("GET", "/three", [hostHeader]),
    ],
  ),
  accept(
    "pipelined GET, Content-Length POST and chunked POST",
    get("/a") + post("Content-Length: 5\r\n", "hello", "/b") +
      post("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n", "/c"),
    [
      req("GET", "/a", [hostHeader]),
      req("POST", "/b", [hostHeader, ["Content-Length", "5"]], "hello"),
      req("POST", "/c", [hostHeader, ["Transfer-Encoding", "chunked"]], "abc"),
    ],
  ),
  accept(
    "pipelined HEAD then GET",
    `HEAD /h HTTP/1.1\r\n${HOST_LINE}\r\n` + get("/g"),
    [req("HEAD", "/h", [hostHeader]), req("GET", "/g", [hostHeader])],
  ),
  accept(
    "HTTP/1.0 with Connection: keep-alive, twice on one connection",
    `GET /k1 HTTP/1.0\r\n${HOST_LINE}Connection: keep-alive\r\n\r\n` +
      `GET /k2 HTTP/1.0\r\n${HOST_LINE}Connection: keep-alive\r\n\r\n`,
    [
      req("GET", "/k1", [hostHeader, ["Connection", "keep-alive"]]),
      req("GET", "/k2", [hostHeader, ["Connection", "keep-alive"]]),
    ],
  ),
  accept(
    "HTTP/1.0 without Host",
    "GET /no-host?q=1 HTTP/1.0\r\n\r\n",
    [reqNoHost("GET", "/no-host?q=1", [])],
    { close: true },
  ),
  accept(
    "HTTP/1.0 POST with Content-Length",
    `POST /p10 HTTP/1.0\r\n${HOST_LINE}Content-Length: 4\r\n\r\nabcd`,
    [req("POST", "/p10", [hostHeader, ["Content-Length", "4"]], "abcd")],
    { close: true },
  ),
  accept(
    "HTTP/1.1 with Connection: close",
    get("/bye", "Connection: close\r\n"),
    [req("GET", "/bye", [hostHeader, ["Connection", "close"]])],
    { close: true },
  ),

  // Chunked bodies
  accept(
    "chunked with extensions",
    post(
      "Transfer-Encoding: chunked\r\n",
      "5;foo=bar\r\nhello\r\n6;a;b=c\r\n world\r\n0;last\r\n\r\n",
    ),
    [req("POST", "/", [hostHeader, ["Transfer-Encoding", "chunked"]], "hello world")],
  ),
  accept(
    "chunked with a quoted-string extension",
    post("Transfer-Encoding: chunked\r\n", '5;name="a;b \\"c\\""\r\nhello\r\n0\r\n\r\n'),
    [req("POST", "/", [hostHeader, ["Transfer-Encoding", "chunked"]], "hello")],
  ),
  accept(
    "chunked with whitespace before an extension",
    post("Transfer-Encoding: chunked\r\n", "5 ;ext=1\r\nhello\r\n0\r\n\r\n"),
    [req("POST", "/", [hostHeader, ["Transfer-Encoding", "chunked"]], "hello")],
  ),
  accept(
    "chunked with trailer fields",
    post(
      "Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n",
      "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n",
    ),
    [
      req(
        "POST",
        "/",
        [hostHeader, ["Transfer-Encoding", "chunked"], ["Trailer", "X-Checksum"]],
        "hello",
      ),
    ],
  ),
  accept(
    "chunked with upper-case hex sizes",
    post(
      "Transfer-Encoding: chunked\r\n",
      `A\r\n${"x".repeat(10)}\r\n1F\r\n${"y".repeat(31)}\r\n0\r\n\r\n`,
    ),
    [
      req(
        "POST",
        "/",
        [hostHeader, ["Transfer-Encoding", "chunked"]],
        "x".repeat(10) + "y".repeat(31),
      ),
    ],
  ),
  accept(
    "chunk sizes with leading zeros",
    post("Transfer-Encoding: chunked\r\n", "0005\r\nhello\r\n000\r\n\r\n"),
    [req("POST", "/", [hostHeader, ["Transfer-Encoding", "chunked"]], "hello")],
  ),
  accept(
    "Transfer-Encoding: Chunked in mixed case",
    post("Transfer-Encoding: ChUnKeD\r\n", "5\r\nhello\r\n0\r\n\r\n"),
    [req("POST", "/", [hostHeader, ["Transfer-Encoding", "ChUnKeD"]], "hello")],
  ),
  accept(
    "large body in 1024 chunks of 64 bytes, written in small pieces",
    post("Transfer-Encoding: chunked\r\n", chunked(BODY_64K, 64)),
    [req("POST", "/", [hostHeader, ["Transfer-Encoding", "chunked"]], BODY_64K)],
    { send: { pieceSize: 1500, timeoutMs: 15_000 } },
  ),
  accept(
    "100 KiB Content-Length body written in small pieces",
    post("Content-Length: 102400\r\n", BODY_100K),
    [req("POST", "/", [hostHeader, ["Content-Length", "102400"]], BODY_100K)],
    { send: { pieceSize: 997, timeoutMs: 15_000 } },
  ),

  // Targets
  accept(
    "percent-encoded slash in the path",
    get("/a%2Fb/c%2f"),
    [req("GET", "/a%2Fb/c%2f", [hostHeader])],
  ),
  accept(
    "percent-encoded UTF-8 in the path",
    get("/caf%C3%A9/%E2%82%AC?q=%F0%9F%98%80"),
    [req("GET", "/caf%C3%A9/%E2%82%AC?q=%F0%9F%98%80", [hostHeader])],
  ),
  accept(
    "percent-encoded space, plus and percent in the path",
    get("/a%20b+c%25d"),
    [req("GET", "/a%20b+c%25d", [hostHeader])],
  ),
  accept(
    "query with odd but legal chars",
    get("/search?q=a+b&x=%20&y=:/?@!$&(*),;=&z=~-._&e=&&"),
    [req("GET", "/search?q=a+b&x=%20&y=:/?@!$&(*),;=&z=~-._&e=&&", [hostHeader])],
  ),
  accept(
    "query with a single quote (the URL parser encodes it)",
    get("/q?name='x'"),
    // The WHATWG URL parser percent-encodes ' in the query of an http URL: the reference
    // core's request.url is already parsed ("%27"); Deno.serve's is the raw target ("'").
    [req("GET", "/q?name=%27x%27", [hostHeader])],
  ),
  accept("empty query", get("/?"), [req("GET", "/?", [hostHeader])]),
  accept("double slashes in the path", get("//a//b/"), [req("GET", "//a//b/", [hostHeader])]),
  accept(
    "4000-char path (under the 4094-byte request line limit of gunicorn and ngw2f serve)",
    get(LONG_PATH),
    [req("GET", LONG_PATH, [hostHeader])],
  ),
  accept(
    "absolute-form target",
    `GET http://other.test/abs?x=1 HTTP/1.1\r\n${HOST_LINE}\r\n`,
    [req("GET", "http://other.test/abs?x=1", [hostHeader])],
  ),
  accept(
    "absolute-form target with a port",
    `GET http://other.test:8080/p HTTP/1.1\r\nHost: other.test:8080\r\n\r\n`,
    [req("GET", "http://other.test:8080/p", [["Host", "other.test:8080"]])],
  ),
  accept(
    "OPTIONS *",
    `OPTIONS * HTTP/1.1\r\n${HOST_LINE}\r\n`,
    // A URL cannot hold "*": the reference core shows the origin's root, Deno.serve "/*".
    [req("OPTIONS", ["/", "/*"], [hostHeader])],
  ),

  // Header fields
  accept(
    "8000-byte header value (under the usual 8 KiB field limit)",
    get("/", `X-Long: ${LONG_VALUE}\r\n`),
    [req("GET", "/", [hostHeader, ["X-Long", LONG_VALUE]])],
  ),
  accept(
    "56 KiB head in seven 8000-byte fields (under the 64 KiB head limit)",
    get("/", BIG_FIELDS.map(([n, v]) => `${n}: ${v}\r\n`).join("")),
    [req("GET", "/", [hostHeader, ...BIG_FIELDS])],
  ),
  accept(
    "90 header fields (under the count limit)",
    get("/", MANY_HEADERS.map(([n, v]) => `${n}: ${v}\r\n`).join("")),
    [req("GET", "/", [hostHeader, ...MANY_HEADERS])],
  ),
  accept(
    "empty header values",
    get("/", "X-Empty:\r\nX-Blank:   \r\n"),
    [req("GET", "/", [hostHeader, ["X-Empty", ""], ["X-Blank", ""]])],
  ),
  accept(
    "repeated header fields",
    get("/", "X-Rep: 1\r\nX-Other: o\r\nX-Rep: 2\r\nx-rep: 3\r\n"),
    [req("GET", "/", [hostHeader, ["X-Rep", "1"], ["X-Other", "o"], ["X-Rep", "2"], [
      "x-rep",
      "3",
    ]])],
  ),
  accept(
    "tabs inside a header value",
    get("/", "X-Tabs: a\tb\t\tc d\r\n"),
    [req("GET", "/", [hostHeader, ["X-Tabs", "a\tb\t\tc d"]])],
  ),
  accept(
    "spaces and tabs around a header value",
    get("/", "X-Ows: \t v a l \t \r\n"),
    [req("GET", "/", [hostHeader, ["X-Ows", "v a l"]])],
  ),
  accept(
    "obs-text bytes in a header value",
    get("/", "X-Latin: caf\xc3\xa9 \xff\x80\r\n"),
    [req("GET", "/", [hostHeader, ["X-Latin", "caf\xc3\xa9 \xff\x80"]])],
  ),
  accept(
    "header value starting and ending with a 0xA0 byte",
    get("/", "X-Nbsp: \xa0x\xa0\r\n"),
    // 0xA0 is obs-text, not whitespace: it stays (a JS trim() would drop it).
    [req("GET", "/", [hostHeader, ["X-Nbsp", "\xa0x\xa0"]])],
  ),
  accept(
    "header name made of every token char",
    get("/", `X-${TOKEN_CHARS}: t\r\n`),
    [req("GET", "/", [hostHeader, [`X-${TOKEN_CHARS}`, "t"]])],
  ),
  accept(
    "header names in odd case",
    `GET / HTTP/1.1\r\nhOsT: ${HOST}\r\nx-MiXeD-cAsE: v\r\n\r\n`,
    [req("GET", "/", [["hOsT", HOST], ["x-MiXeD-cAsE", "v"]])],
  ),
  accept(
    "Host with a port",
    "GET /port HTTP/1.1\r\nHost: corpus.test:8080\r\n\r\n",
    [req("GET", "http://corpus.test:8080/port", [["Host", "corpus.test:8080"]])],
  ),
  accept(
    "Host in upper case",
    "GET / HTTP/1.1\r\nHost: CORPUS.Test\r\n\r\n",
    [req("GET", "http://corpus.test/", [["Host", "CORPUS.Test"]])],
  ),
  accept(
    "IPv6 literal Host",
    "GET /v6 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    [req("GET", "http://[::1]:8080/v6", [["Host", "[::1]:8080"]])],
  ),
  accept(
    "empty Host on HTTP/1.1",
    "GET /empty-host HTTP/1.1\r\nHost:\r\n\r\n",
    [reqNoHost("GET", "/empty-host", [["Host", ""]])],
  ),

  // Line endings
  accept(
    "empty lines before the request line",
    "\r\n\r\n" + get("/after-blank"),
    [req("GET", "/after-blank", [hostHeader])],
  ),
  accept(
    "LF-only empty lines before the request line",
    "\n\n" + get("/after-lf"),
    [req("GET", "/after-lf", [hostHeader])],
  ),
  accept(
    "LF-only line endings",
    `GET /lf HTTP/1.1\nHost: ${HOST}\nX-A: 1\n\n`,
    [req("GET", "/lf", [hostHeader, ["X-A", "1"]])],
  ),
  accept(
    "mixed CRLF and LF line endings",
    `GET /mixed HTTP/1.1\r\nHost: ${HOST}\nX-A: 1\r\nX-B: 2\n\r\n`,
    [req("GET", "/mixed", [hostHeader, ["X-A", "1"], ["X-B", "2"]])],
  ),

  // Methods
  accept(
    "PATCH with a body",
    `PATCH /item HTTP/1.1\r\n${HOST_LINE}Content-Length: 2\r\n\r\n{}`,
    [req("PATCH", "/item", [hostHeader, ["Content-Length", "2"]], "{}")],
  ),
  accept(
    "PURGE",
    `PURGE /cache HTTP/1.1\r\n${HOST_LINE}\r\n`,
    [req("PURGE", "/cache", [hostHeader])],
  ),
  accept(
    "method made of every token char",
    `${TOKEN_CHARS} / HTTP/1.1\r\n${HOST_LINE}\r\n`,
    [req(TOKEN_CHARS, "/", [hostHeader])],
  ),
  accept(
    "DELETE with a body",
    `DELETE /thing HTTP/1.1\r\n${HOST_LINE}Content-Length: 3\r\n\r\nyes`,
    [req("DELETE", "/thing", [hostHeader, ["Content-Length", "3"]], "yes")],
  ),
  accept(
    "GET with a Content-Length body (dropped), then a pipelined GET",
    get("/with-body", "Content-Length: 5\r\n") + "hello" + get("/next"),
    // A GET Request cannot carry a body: the app sees none, and the framing holds.
    [
      req("GET", "/with-body", [hostHeader, ["Content-Length", "5"]]),
      req("GET", "/next", [hostHeader]),
    ],
  ),

  // Bodies and their framing
  accept(
    "Expect: 100-continue, body sent after the 100",
    post("Expect: 100-continue\r\nContent-Length: 5\r\n", "hello"),
    [req("POST", "/", [hostHeader, ["Expect", "100-continue"], ["Content-Length", "5"]], "hello")],
    { send: { waitForContinue: true } },
  ),
  accept(
    "Expect: 100-continue, body sent at once",
    post("Expect: 100-Continue\r\nContent-Length: 5\r\n", "hello"),
    [req("POST", "/", [hostHeader, ["Expect", "100-Continue"], ["Content-Length", "5"]], "hello")],
  ),
  accept(
    "zero-length POST",
    post("Content-Length: 0\r\n", ""),
    [req("POST", "/", [hostHeader, ["Content-Length", "0"]])],
  ),
  accept(
    "POST without Content-Length or Transfer-Encoding",
    post("", ""),
    [req("POST", "/", [hostHeader])],
  ),
  accept(
    "Content-Length sent twice with the same value",
    post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
    [req("POST", "/", [hostHeader, ["Content-Length", "5"], ["Content-Length", "5"]], "hello")],
  ),
  accept(
    "Content-Length with leading zeros",
    post("Content-Length: 0005\r\n", "hello"),
    [req("POST", "/", [hostHeader, ["Content-Length", "0005"]], "hello")],
  ),
  accept(
    "body with every byte value",
    post("Content-Length: 256\r\n", ALL_BYTES),
    [req("POST", "/", [hostHeader, ["Content-Length", "256"]], ALL_BYTES)],
  ),
  accept(
    "body that looks like a request",
    post(`Content-Length: ${FAKE_REQUEST.length}\r\n`, FAKE_REQUEST),
    [req("POST", "/", [hostHeader, ["Content-Length", String(FAKE_REQUEST.length)]], FAKE_REQUEST)],
  ),
];

// ---------------------------------------------------------------------------------------------
// The runner

/** Latin-1 chars to bytes (one byte per char). */
export function toBytes(bytes: Bytes): Uint8Array {
  if (typeof bytes !== "string") return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes.charCodeAt(i);
    if (code > 0xff) throw new Error(`not a latin-1 char at ${i}: ${bytes[i]}`);
    out[i] = code;
  }
  return out;
}

/** One response as read off the wire. */
export interface WireResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

function headerOf(response: WireResponse, name: string): string | undefined {
  return response.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function indexOfSeq(buf: Uint8Array, seq: number[], from: number): number {
  outer: for (let i = from; i <= buf.length - seq.length; i++) {
    for (let j = 0; j < seq.length; j++) if (buf[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}

const CRLF = [13, 10];
const CRLFCRLF = [13, 10, 13, 10];
const latin1 = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return s;
};

type Parsed = { response: WireResponse; end: number } | "incomplete" | { error: string };

/** Parses one response at `start`; `method` is its request's, `eof` whether the stream ended. */
function parseResponse(buf: Uint8Array, start: number, method: string, eof: boolean): Parsed {
  const headEnd = indexOfSeq(buf, CRLFCRLF, start);
  if (headEnd === -1) {
    return eof && start < buf.length ? { error: "a truncated head" } : "incomplete";
  }
  const [statusLine, ...lines] = latin1(buf.subarray(start, headEnd)).split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
  if (!match) return { error: `not a status line: ${JSON.stringify(statusLine.slice(0, 80))}` };
  const status = Number(match[1]);
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const response: WireResponse = { status, headers, body: new Uint8Array(0) };
  let at = headEnd + 4;
  if (status < 200 || status === 204 || status === 304 || method === "HEAD") {
    return { response, end: at };
  }
  const te = headerOf(response, "transfer-encoding");
  const cl = headerOf(response, "content-length");
  if (te !== undefined && /chunked/i.test(te)) {
    const parts: Uint8Array[] = [];
    while (true) {
      const lineEnd = indexOfSeq(buf, CRLF, at);
      if (lineEnd === -1) return eof ? { error: "a truncated chunked body" } : "incomplete";
      const size = parseInt(latin1(buf.subarray(at, lineEnd)).split(";")[0], 16);
      if (!Number.isFinite(size)) return { error: "a bad chunk size in the response" };
      at = lineEnd + 2;
      if (size === 0) {
        // Trailers, up to an empty line.
        while (true) {
          const end = indexOfSeq(buf, CRLF, at);
          if (end === -1) return eof ? { error: "a truncated chunked body" } : "incomplete";
          const empty = end === at;
          at = end + 2;
          if (empty) break;
        }
        break;
      }
      if (at + size + 2 > buf.length) return eof ? { error: "a truncated chunk" } : "incomplete";
      parts.push(buf.subarray(at, at + size));
      at += size + 2;
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const body = new Uint8Array(total);
    let off = 0;
    for (const part of parts) body.set(part, (off += part.length) - part.length);
    response.body = body;
    return { response, end: at };
  }
  if (cl !== undefined) {
    const length = Number(cl);
    if (at + length > buf.length) return eof ? { error: "a truncated body" } : "incomplete";
    response.body = buf.slice(at, at + length);
    return { response, end: at + length };
  }
  if (!eof) return "incomplete";
  response.body = buf.slice(at);
  return { response, end: buf.length };
}

interface Exchange {
  interim: WireResponse[];
  finals: WireResponse[];
  connection: "closed" | "reset" | "open";
  parseError?: string;
  writeError?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends `bytes` on a new connection and collects the answers: until the server closes, or
 * `wanted` final answers arrived (then up to `graceMs` more), or `timeoutMs` passed.
 * `methods` are the requests' methods, in order (a HEAD answer has no body).
 */
async function exchange(
  port: number,
  hostname: string,
  bytes: Uint8Array,
  send: SendOptions,
  wanted: number,
  methods: string[],
  timeoutMs: number,
  graceMs: (last: WireResponse) => number,
): Promise<Exchange> {
  const conn = await Deno.connect({ hostname, port });
  let data = new Uint8Array(0);
  let ended: "closed" | "reset" | undefined;
  let closing = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const pump = (async () => {
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) {
          ended = "closed";
          break;
        }
        const next = new Uint8Array(data.length + n);
        next.set(data);
        next.set(buf.subarray(0, n), data.length);
        data = next;
        notify();
      }
    } catch {
      // A reset (or any read error we did not cause by closing).
      if (!closing) ended = "reset";
    }
    notify();
  })();
  /** Resolves on new data, end of stream, or after `ms`. */
  const waitChange = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, Math.max(0, ms));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  let writeError: string | undefined;
  const writeAll = async (chunk: Uint8Array) => {
    let off = 0;
    while (off < chunk.length && !closing) off += await conn.write(chunk.subarray(off));
  };
  const writer = (async () => {
    try {
      let rest = bytes;
      if (send.waitForContinue) {
        const end = indexOfSeq(bytes, CRLFCRLF, 0) + 4;
        await writeAll(bytes.subarray(0, end));
        rest = bytes.subarray(end);
        const until = Date.now() + 3000;
        while (!closing && ended === undefined && Date.now() < until) {
          if (indexOfSeq(data, [...toBytes("HTTP/1.1 ")], 0) !== -1) break;
          await sleep(5);
        }
      }
      if (send.pieceSize) {
        for (let i = 0; i < rest.length && !closing; i += send.pieceSize) {
          await writeAll(rest.subarray(i, i + send.pieceSize));
          await sleep(send.pauseMs ?? 1);
        }
      } else {
        await writeAll(rest);
      }
      if (send.halfClose && !closing) await conn.closeWrite();
    } catch (error) {
      if (!closing) writeError = (error as Error).name;
    }
  })();

  const deadline = Date.now() + timeoutMs;
  let graceUntil = Infinity;
  let result: { interim: WireResponse[]; finals: WireResponse[]; error?: string };
  while (true) {
    const eof = ended !== undefined;
    result = parseAll(data, methods, eof);
    if (eof || result.error) break;
    if (result.finals.length >= wanted && graceUntil === Infinity) {
      graceUntil = Date.now() + graceMs(result.finals[result.finals.length - 1]);
    }
    const until = Math.min(deadline, graceUntil);
    if (Date.now() >= until) break;
    await waitChange(until - Date.now());
  }
  closing = true;
  try {
    conn.close();
  } catch { /* already closed */ }
  await pump;
  await writer;
  const out: Exchange = {
    interim: result.interim,
    finals: result.finals,
    connection: ended ?? "open",
  };
  if (result.error) out.parseError = result.error;
  if (writeError) out.writeError = writeError;
  return out;
}

function parseAll(
  data: Uint8Array,
  methods: string[],
  eof: boolean,
): { interim: WireResponse[]; finals: WireResponse[]; error?: string } {
  const interim: WireResponse[] = [];
  const finals: WireResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const parsed = parseResponse(data, at, methods[finals.length] ?? "GET", eof);
    if (parsed === "incomplete") break;
    if ("error" in parsed) return { interim, finals, error: parsed.error };
    (parsed.response.status < 200 ? interim : finals).push(parsed.response);
    at = parsed.end;
  }
  return { interim, finals };
}

const decoder = new TextDecoder();

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return toBytes(binary);
}

function show(value: string, max = 120): string {
  const json = JSON.stringify(value);
  return json.length > max ? `${json.slice(0, max)}…(${value.length} chars)` : json;
}

/** What the app reported for one answer, or why it cannot be read. */
function inspection(
  response: WireResponse,
  method: string,
):
  | { method: string; url: string; headers: [string, string][]; length: number; body: string }
  | string {
  if (headerOf(response, "x-inspected") !== "1") return "the answer did not come from the app";
  try {
    const json = method === "HEAD"
      ? decoder.decode(fromBase64(headerOf(response, "x-inspect-json") ?? ""))
      : decoder.decode(response.body);
    return JSON.parse(json);
  } catch (error) {
    return `the app's report is unreadable: ${(error as Error).message}`;
  }
}

/** A URL as a parser reads it; without its origin when `pathOnly`. */
function parsedUrl(url: string, pathOnly: boolean): string {
  try {
    const parsed = new URL(url, "http://no-host.invalid");
    return pathOnly ? parsed.href.slice(parsed.origin.length) : parsed.href;
  } catch {
    return url;
  }
}

function compareRequest(
  expected: ExpectedRequest,
  response: WireResponse,
  index: number,
): string[] {
  const at = `request ${index + 1}`;
  if (response.status !== 200) return [`${at}: status ${response.status}, not the app's 200`];
  const seen = inspection(response, expected.method);
  if (typeof seen === "string") return [`${at}: ${seen}`];
  const problems: string[] = [];
  if (seen.method !== expected.method) {
    problems.push(`${at}: method ${show(seen.method)}, expected ${show(expected.method)}`);
  }
  const wanted = typeof expected.url === "string" ? [expected.url] : expected.url;
  const pathOnly = wanted[0].startsWith("/");
  const url = parsedUrl(seen.url, pathOnly);
  if (!wanted.some((u) => parsedUrl(u, pathOnly) === url)) {
    problems.push(
      `${at}: url ${show(seen.url)}, expected ${wanted.map((u) => show(u)).join(" or ")}`,
    );
  }
  const want = [...new Headers(expected.headers)];
  const got = seen.headers;
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    const key = ([n, v]: [string, string]) => `${n}: ${v}`;
    const wantKeys = new Set(want.map(key));
    const gotKeys = new Set(got.map(key));
    const missing = want.filter((h) => !gotKeys.has(key(h))).map((h) => show(key(h), 80));
    const extra = got.filter((h) => !wantKeys.has(key(h))).map((h) => show(key(h), 80));
    problems.push(
      `${at}: headers differ (missing ${missing.join(", ") || "none"}; ` +
        `unexpected ${extra.join(", ") || "none"})`,
    );
  }
  const body = toBytes(expected.body ?? "");
  const gotBody = fromBase64(seen.body);
  if (seen.length !== body.length || latin1(gotBody) !== latin1(body)) {
    problems.push(
      `${at}: body of ${gotBody.length} bytes ${show(latin1(gotBody), 60)}, ` +
        `expected ${body.length} bytes ${show(latin1(body), 60)}`,
    );
  }
  return problems;
}

function describe(ex: Exchange): string {
  const parts = ex.finals.map((r) => String(r.status));
  if (ex.interim.length) parts.unshift(...ex.interim.map((r) => `(${r.status})`));
  if (parts.length === 0) parts.push("no answer");
  parts.push(ex.connection);
  if (ex.parseError) parts.push(`[${ex.parseError}]`);
  return parts.join(" ");
}

async function runMalformed(
  entry: CorpusEntry,
  expect: RejectExpectation,
  port: number,
  hostname: string,
  timeoutMs: number,
): Promise<EntryResult> {
  const ex = await exchange(
    port,
    hostname,
    toBytes(entry.bytes),
    entry.send ?? {},
    1,
    [],
    entry.send?.timeoutMs ?? timeoutMs,
    // A server that says it closes gets a moment to close; one that keeps the connection gets
    // a moment to (wrongly) answer what followed the bad bytes.
    (last) => /close/i.test(headerOf(last, "connection") ?? "") ? 1000 : 250,
  );
  const problems: string[] = [];
  const first = ex.finals[0];
  if (!first) {
    problems.push(
      ex.connection === "open"
        ? `no answer within ${entry.send?.timeoutMs ?? timeoutMs} ms`
        : `the connection was ${ex.connection} without an answer`,
    );
  } else {
    const allowed = (first.status >= 400 && first.status < 500) ||
      (expect.also ?? []).includes(first.status);
    if (first.status < 300) problems.push(`answered ${first.status}: it reached the app`);
    else if (!allowed) problems.push(`answered ${first.status}, not a 4xx`);
    if (headerOf(first, "x-inspected") !== undefined) problems.push("the app answered it");
    ex.finals.slice(1).forEach((later, i) => {
      if (later.status < 300 || later.status >= 500) {
        problems.push(
          `answer ${i + 2} on the same connection is ${later.status}: the bytes after the ` +
            "malformed part were served",
        );
      }
    });
  }
  if (ex.parseError) problems.push(`unreadable answer: ${ex.parseError}`);
  return {
    name: entry.name,
    kind: "malformed",
    ok: problems.length === 0,
    problems,
    statuses: ex.finals.map((r) => r.status),
    connection: ex.connection,
    outcome: describe(ex),
  };
}

async function runValid(
  entry: CorpusEntry,
  expect: AcceptExpectation,
  port: number,
  hostname: string,
  timeoutMs: number,
): Promise<EntryResult> {
  const methods = expect.requests.map((r) => r.method);
  const ex = await exchange(
    port,
    hostname,
    toBytes(entry.bytes),
    entry.send ?? {},
    expect.requests.length,
    methods,
    entry.send?.timeoutMs ?? timeoutMs,
    () => expect.close ? 2000 : 0,
  );
  const problems: string[] = [];
  if (ex.finals.length < expect.requests.length) {
    problems.push(
      `${ex.finals.length} answers for ${expect.requests.length} requests (${describe(ex)})`,
    );
  }
  expect.requests.forEach((expected, i) => {
    const response = ex.finals[i];
    if (response) problems.push(...compareRequest(expected, response, i));
  });
  if (ex.finals.length > expect.requests.length) {
    problems.push(`${ex.finals.length} answers for ${expect.requests.length} requests`);
  }
  if (expect.close && ex.connection !== "closed") {
    problems.push(`the server did not close the connection (${ex.connection})`);
  }
  if (ex.parseError) problems.push(`unreadable answer: ${ex.parseError}`);
  return {
    name: entry.name,
    kind: "valid",
    ok: problems.length === 0,
    problems,
    statuses: ex.finals.map((r) => r.status),
    connection: ex.connection,
    outcome: describe(ex),
  };
}

/** Checks on a new connection that the server answers a plain GET through the app. */
async function stillServing(port: number, hostname: string): Promise<string | undefined> {
  const path = "/__corpus_alive";
  const ex = await exchange(
    port,
    hostname,
    toBytes(get(path, "Connection: close\r\n")),
    {},
    1,
    ["GET"],
    5000,
    () => 0,
  );
  const response = ex.finals[0];
  if (!response) return `the server no longer answers a plain GET (${describe(ex)})`;
  const problems = compareRequest(
    req("GET", path, [hostHeader, ["Connection", "close"]]),
    response,
    0,
  );
  return problems.length ? `the server no longer serves a plain GET: ${problems[0]}` : undefined;
}

/**
 * Runs the corpus against a server on `port` that serves tests/fixtures/inspect_app.ts.
 * Every entry uses a new connection; after every malformed entry (and any failed valid one) the
 * server must still answer a plain GET on another new connection.
 */
export async function runCorpus(port: number, options: RunOptions = {}): Promise<CorpusReport> {
  const hostname = options.hostname ?? "127.0.0.1";
  const timeoutMs = options.timeoutMs ?? 5000;
  const kinds = options.kinds ?? ["malformed", "valid"];
  const keep = (entries: CorpusEntry[]) => entries.filter((e) => options.filter?.(e.name) ?? true);
  const report: CorpusReport = { malformed: [], valid: [], failures: [], aliveChecks: 0 };
  const check = async (result: EntryResult) => {
    report.aliveChecks++;
    const down = await stillServing(port, hostname);
    if (down) {
      result.ok = false;
      result.problems.push(`afterwards: ${down}`);
    }
  };
  if (kinds.includes("malformed")) {
    for (const entry of keep(options.malformed ?? MALFORMED)) {
      if (entry.expect.kind !== "reject") throw new Error(`${entry.name}: not a reject entry`);
      const result = await runMalformed(entry, entry.expect, port, hostname, timeoutMs);
      await check(result);
      report.malformed.push(result);
    }
  }
  if (kinds.includes("valid")) {
    for (const entry of keep(options.valid ?? VALID)) {
      if (entry.expect.kind !== "accept") throw new Error(`${entry.name}: not an accept entry`);
      const result = await runValid(entry, entry.expect, port, hostname, timeoutMs);
      if (!result.ok) await check(result);
      report.valid.push(result);
    }
    const last = report.valid[report.valid.length - 1];
    if (last?.ok) await check(last);
  }
  report.failures = [...report.malformed, ...report.valid].filter((r) => !r.ok);
  return report;
}

/** A readable table of a report: one line per entry, failures with their problems. */
export function formatReport(report: CorpusReport, all = false): string {
  const lines: string[] = [];
  for (
    const [title, results] of [["malformed", report.malformed], ["valid", report.valid]] as const
  ) {
    if (!results.length) continue;
    const failed = results.filter((r) => !r.ok).length;
    lines.push(`${title}: ${results.length - failed}/${results.length} ok`);
    for (const r of results) {
      if (r.ok && !all) continue;
      lines.push(`  ${r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.outcome}`);
      for (const p of r.problems) lines.push(`         - ${p}`);
    }
  }
  lines.push(`alive checks: ${report.aliveChecks}`);
  return lines.join("\n");
}
