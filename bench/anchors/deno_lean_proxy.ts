// Anchor: a lean reverse-proxy hot path in Deno, to measure what `ngw2f proxy`'s could cost. It
// does a proxy's per-request work for a GET: the request head parsed (ngw2f's parser), rebuilt for
// the upstream (Host, X-Forwarded-For, X-Forwarded-Proto; hop-by-hop fields dropped), sent on a
// keep-alive connection from a LIFO pool, the response head parsed and rewritten as nginx does
// (its Server, Date and hop-by-hop fields replaced), head and body sent back in one write. It
// leaves out what a real proxy also needs: request bodies, chunked or streamed responses,
// timeouts, retries, locations, logging, limits. Not a proxy: a measure for bench/proxy_pass.ts.
// N Web Workers listen with reusePort, as `ngw2f proxy`'s do. Needs --unstable-net. With `raw`,
// the same proxy runs on libc's sockets through FFI (bench/anchors/_raw_sockets.ts: epoll, recv,
// send) instead of Deno's socket ops: what those ops cost (Linux x86-64 only).
//
//   deno run -A --unstable-net bench/anchors/deno_lean_proxy.ts PORT UPSTREAM_PORT [N] [raw]

import { latin1, parseRequestHead } from "../../layers/proxy/http/mod.ts";

const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !==
  "undefined";

const LIMITS = { maxRequestLine: 8192, maxHeaderBytes: 32768, maxHeaders: 100 };
const DROPPED = new Set(["connection", "keep-alive", "proxy-connection", "te", "host", "upgrade"]);
const HIDDEN = new Set(["server", "date", "connection", "keep-alive", "transfer-encoding"]);
const encoder = new TextEncoder();
let date = new Date().toUTCString();

/** What the proxy needs of a socket: Deno's TcpConn and _raw_sockets.ts's RawConn both fit. */
interface Socket {
  read(buf: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}
/** Opens an upstream connection (TCP_NODELAY on). */
let connectUpstream: () => Promise<Socket>;

interface Link {
  conn: Socket;
  buf: Uint8Array;
  end: number;
}
const idle: Link[] = [];
let upstreamPort = 0;

/** Where the head in `buf[0, end)` ends (past its empty line), or -1. */
function headEnd(buf: Uint8Array, end: number): number {
  for (let i = buf.indexOf(10); i !== -1 && i < end; i = buf.indexOf(10, i + 1)) {
    if (buf[i - 2] === 10) return i + 1;
  }
  return -1;
}

async function proxy(client: Socket, remote: string): Promise<void> {
  const buf = new Uint8Array(16384);
  const out = new Uint8Array(65536);
  let end = 0;
  while (true) {
    let at = headEnd(buf, end);
    while (at === -1) {
      const n = await client.read(end === 0 ? buf : buf.subarray(end));
      if (n === null) return;
      end += n;
      at = headEnd(buf, end);
    }
    const head = parseRequestHead(buf.subarray(0, at), LIMITS);
    buf.copyWithin(0, at, end);
    end -= at;
    let text = `${head.method} ${head.target} HTTP/1.1\r\nHost: ${head.host}\r\n`;
    const fields = head.headers;
    for (let i = 0; i < fields.length; i += 2) {
      if (!DROPPED.has(fields[i])) text += `${fields[i]}: ${fields[i + 1]}\r\n`;
    }
    text += `X-Forwarded-For: ${remote}\r\nX-Forwarded-Proto: http\r\n\r\n`;
    let link = idle.pop();
    if (link === undefined) {
      link = { conn: await connectUpstream(), buf: new Uint8Array(65536), end: 0 };
    }
    await link.conn.write(out.subarray(0, encoder.encodeInto(text, out).written));
    let upAt = -1;
    while (upAt === -1) {
      const n = await link.conn.read(link.end === 0 ? link.buf : link.buf.subarray(link.end));
      if (n === null) throw new Error("The upstream closed the connection");
      link.end += n;
      upAt = headEnd(link.buf, link.end);
    }
    const lines = latin1(link.buf.subarray(0, upAt)).split("\r\n");
    let reply = `${lines[0]}\r\nServer: ngw2f\r\nDate: ${date}\r\n`;
    let length = 0;
    for (let i = 1; i < lines.length - 2; i++) {
      const colon = lines[i].indexOf(":");
      const name = lines[i].slice(0, colon).toLowerCase();
      if (name === "content-length") length = Number(lines[i].slice(colon + 1));
      if (!HIDDEN.has(name)) reply += `${lines[i]}\r\n`;
    }
    reply += head.keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    let size = encoder.encodeInto(reply, out).written;
    while (link.end - upAt < length) {
      const n = await link.conn.read(link.buf.subarray(link.end));
      if (n === null) throw new Error("The upstream closed the connection");
      link.end += n;
    }
    out.set(link.buf.subarray(upAt, upAt + length), size);
    size += length;
    link.end = 0;
    idle.push(link);
    await client.write(out.subarray(0, size));
    if (!head.keepAlive) return;
  }
}

if (inWorker) {
  // PORT:UPSTREAM_PORT, then ":raw" for libc's sockets.
  const [port, upstream, raw] = (self as unknown as { name: string }).name.split(":");
  upstreamPort = Number(upstream);
  setInterval(() => date = new Date().toUTCString(), 1000);
  if (raw === "raw") {
    const sockets = await import("./_raw_sockets.ts");
    connectUpstream = () => sockets.connect("127.0.0.1", upstreamPort);
    const listener = new sockets.RawListener("127.0.0.1", Number(port));
    sockets.run();
    while (true) {
      const conn = await listener.accept();
      proxy(conn, listener.peer()).catch(() => {}).finally(() => conn.close());
    }
  }
  connectUpstream = async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
    conn.setNoDelay(true);
    return conn;
  };
  const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(port), reusePort: true });
  for await (const conn of listener) {
    conn.setNoDelay(true);
    proxy(conn, conn.remoteAddr.hostname).catch(() => {}).finally(() => conn.close());
  }
} else {
  const [port, upstream] = [Number(Deno.args[0]), Number(Deno.args[1])];
  const count = Math.max(1, Number(Deno.args[2] ?? 1));
  const raw = Deno.args[3] === "raw" ? ":raw" : "";
  for (let i = 0; i < count; i++) {
    new Worker(import.meta.url, { type: "module", name: `${port}:${upstream}${raw}` });
  }
}
