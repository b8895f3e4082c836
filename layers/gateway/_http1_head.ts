// Parsing an HTTP/1.x request head. Private to the gateway's reference server.

import { latin1, ProtocolError } from "./_conn_reader.ts";
import type { HttpProtocol } from "./types.ts";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/;
/** A control char (HTAB aside) or DEL: never valid in a field value (RFC 9110 §5.5). */
// deno-lint-ignore no-control-regex
const FIELD_CTL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Host = uri-host [ ":" port ] (RFC 9110 §7.2): an IP literal or a reg-name, no path or userinfo. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;

/** What the head parser needs to know. */
export interface HeadLimits {
  maxHeaders: number;
  /** The longest request line (414 past it). */
  maxRequestLine: number;
  /** The longest header line, name and value (431 past it). */
  maxFieldSize: number;
  /** The largest request body, 0 for no limit (413 past it). */
  maxBodySize: number;
  scheme: "http" | "https";
  /** The authority used when a request has no Host (HTTP/1.0). */
  defaultHost: string;
}

/** A parsed request head. */
export interface Head {
  method: string;
  target: string;
  protocol: HttpProtocol;
  headers: [string, string][];
  host: string | undefined;
  contentLength: number | undefined;
  chunked: boolean;
  keepAlive: boolean;
  expectContinue: boolean;
}

/** Parses a request head; malformed input is a {@linkcode ProtocolError} with its status. */
export function parseHead(bytes: Uint8Array, options: HeadLimits): Head {
  const lines = latin1(bytes).split("\n");
  const first = lines[0].endsWith("\r") ? lines[0].slice(0, -1) : lines[0];
  if (first.length > options.maxRequestLine) {
    throw new ProtocolError(414, `the request line is longer than ${options.maxRequestLine} bytes`);
  }
  const match = REQUEST_LINE.exec(first);
  if (!match) throw new ProtocolError(400, "the request line is not METHOD TARGET HTTP/x.y");
  const [, method, target, major, minor] = match;
  if (major !== "1") throw new ProtocolError(505, `HTTP/${major}.${minor} is not supported`);
  // A control char, DEL or non-ASCII byte is no URI char (RFC 3986); a URL parser would
  // percent-encode it (raw UTF-8 read as latin-1 becomes mojibake) and the app would see a
  // request that was never sent.
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f-\xff]/.test(target)) {
    throw new ProtocolError(400, "the request target has a control char or a non-ASCII byte");
  }
  const protocol: HttpProtocol = minor === "0" ? "HTTP/1.0" : "HTTP/1.1";
  const headers: [string, string][] = [];
  let host: string | undefined;
  let contentLength: number | undefined;
  let transferEncoding: string | undefined;
  let connection = "";
  let expectContinue = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (line === "") break;
    if (line[0] === " " || line[0] === "\t") {
      throw new ProtocolError(400, "obsolete line folding in a header");
    }
    if (line.length > options.maxFieldSize) {
      throw new ProtocolError(431, `a header line is longer than ${options.maxFieldSize} bytes`);
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) throw new ProtocolError(400, "a header line has no valid name");
    if (headers.length >= options.maxHeaders) {
      throw new ProtocolError(431, `more than ${options.maxHeaders} header fields`);
    }
    // Only SP and HTAB are whitespace around a value: trim() would also eat a bare CR, a
    // vertical tab or a 0xA0 byte (obs-text).
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (FIELD_CTL.test(value)) {
      throw new ProtocolError(400, `header "${name}" contains a control char or a bare CR`);
    }
    headers.push([name, value]);
    switch (name.toLowerCase()) {
      case "host":
        if (host !== undefined) throw new ProtocolError(400, "more than one Host header");
        if (!HOST.test(value)) throw new ProtocolError(400, `invalid Host "${value}"`);
        host = value;
        break;
      case "content-length": {
        const values = value.split(",").map((v) => v.trim());
        if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) {
          throw new ProtocolError(400, `invalid Content-Length "${value}"`);
        }
        const length = Number(values[0]);
        if (contentLength !== undefined && contentLength !== length) {
          throw new ProtocolError(400, "conflicting Content-Length headers");
        }
        contentLength = length;
        break;
      }
      case "transfer-encoding":
        transferEncoding = transferEncoding ? `${transferEncoding}, ${value}` : value;
        break;
      case "connection":
        connection += "," + value.toLowerCase();
        break;
      case "expect":
        if (value.toLowerCase() !== "100-continue") {
          throw new ProtocolError(417, `cannot meet the expectation "${value}"`);
        }
        expectContinue = protocol === "HTTP/1.1";
    }
  }
  let chunked = false;
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) {
      throw new ProtocolError(400, "both Content-Length and Transfer-Encoding");
    }
    const codings = transferEncoding.split(",").map((c) => c.trim().toLowerCase());
    if (codings.includes("chunked") && codings.indexOf("chunked") !== codings.length - 1) {
      // Chunked not last, or twice: the length cannot be known (RFC 9112 §6.3: MUST 400).
      throw new ProtocolError(
        400,
        `Transfer-Encoding "${transferEncoding}" is not a valid framing`,
      );
    }
    if (codings.length !== 1 || codings[0] !== "chunked") {
      throw new ProtocolError(501, `Transfer-Encoding "${transferEncoding}" is not supported`);
    }
    if (protocol === "HTTP/1.0") {
      throw new ProtocolError(400, "Transfer-Encoding in an HTTP/1.0 request");
    }
    chunked = true;
  }
  if (options.maxBodySize > 0 && (contentLength ?? 0) > options.maxBodySize) {
    throw new ProtocolError(413, `the body is larger than ${options.maxBodySize} bytes`);
  }
  if (protocol === "HTTP/1.1" && host === undefined) {
    throw new ProtocolError(400, "an HTTP/1.1 request without a Host header");
  }
  const tokens = connection.split(",").map((t) => t.trim());
  const keepAlive = protocol === "HTTP/1.1"
    ? !tokens.includes("close")
    : tokens.includes("keep-alive");
  return {
    method,
    target,
    protocol,
    headers,
    host,
    contentLength,
    chunked,
    keepAlive,
    expectContinue,
  };
}

/** The absolute URL of the request: from its target, its Host or the listen address. */
export function requestUrl(head: Head, options: HeadLimits): string {
  const { target } = head;
  let url: string;
  if (target[0] === "/") {
    url = `${options.scheme}://${head.host || options.defaultHost}${target}`;
  } else if (target === "*" && head.method === "OPTIONS") {
    url = `${options.scheme}://${head.host || options.defaultHost}/`;
  } else if (/^https?:\/\//i.test(target)) {
    url = target;
  } else {
    throw new ProtocolError(400, `the request target "${target}" is not a path or a URL`);
  }
  try {
    return new URL(url).href;
  } catch {
    throw new ProtocolError(400, `the Host "${head.host}" or target is not valid`);
  }
}
