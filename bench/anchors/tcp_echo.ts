// Anchor backend for bench/stream_mail.ts: a TCP echo server. With `--proxy-protocol` it first
// reads and drops one PROXY protocol v1 line (`PROXY TCP4 … \r\n`, at most 107 bytes), then
// echoes the rest; a connection whose first line is not one is closed.
//
//   deno run -A bench/anchors/tcp_echo.ts PORT [--proxy-protocol]

const port = Number(Deno.args[0] ?? 7000);
const proxyProtocol = Deno.args.includes("--proxy-protocol");
const MAX_V1 = 107;
const LF = 0x0a;

/** Writes all of `bytes`. */
async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** Reads the PROXY line; gives the bytes after it, or null when there is no valid one. */
async function skipHeader(conn: Deno.TcpConn, buf: Uint8Array): Promise<Uint8Array | null> {
  let have = 0;
  while (have < buf.length) {
    const n = await conn.read(buf.subarray(have));
    if (n === null) return null;
    have += n;
    const lf = buf.subarray(0, Math.min(have, MAX_V1)).indexOf(LF);
    if (lf >= 0) {
      const head = new TextDecoder().decode(buf.subarray(0, 6));
      return head === "PROXY " && buf[lf - 1] === 0x0d ? buf.slice(lf + 1, have) : null;
    }
    if (have >= MAX_V1) return null;
  }
  return null;
}

async function echo(conn: Deno.TcpConn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    conn.setNoDelay(true);
    if (proxyProtocol) {
      const rest = await skipHeader(conn, buf);
      if (rest === null) return;
      if (rest.length) await writeAll(conn, rest);
    }
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      await writeAll(conn, buf.subarray(0, n));
    }
  } catch {
    /* reset by the peer */
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

const listener = Deno.listen({ hostname: "127.0.0.1", port });
for await (const conn of listener) echo(conn);
