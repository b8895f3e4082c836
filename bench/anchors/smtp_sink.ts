// Anchor backend for bench/stream_mail.ts: a minimal SMTP sink (faster than aiosmtpd). It
// greets 220, answers EHLO (PIPELINING, 8BITMIME, AUTH PLAIN), HELO, AUTH (235: anyone may log
// in, so a client can talk to it directly), MAIL, RCPT, RSET, NOOP (250), DATA (354, then 250
// once the lone "." line arrives; the message is dropped) and QUIT (221, then it closes).
// Commands sent together get their replies in one write.
//
//   deno run -A bench/anchors/smtp_sink.ts PORT

const port = Number(Deno.args[0] ?? 2525);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const LF = 0x0a;
const MAX_LINE = 4096;

const EHLO = "250-sink.bench.local\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n";

/** The reply to one command line, and whether the session ends after it. */
function answer(line: string): { reply: string; data?: true; quit?: true } {
  const verb = line.slice(0, 4).toUpperCase();
  switch (verb) {
    case "EHLO":
      return { reply: EHLO };
    case "HELO":
      return { reply: "250 sink.bench.local\r\n" };
    case "AUTH":
      return { reply: "235 2.7.0 Authentication successful\r\n" };
    case "MAIL":
    case "RCPT":
    case "RSET":
    case "NOOP":
      return { reply: "250 2.0.0 OK\r\n" };
    case "DATA":
      return { reply: "354 End data with <CR><LF>.<CR><LF>\r\n", data: true };
    case "QUIT":
      return { reply: "221 2.0.0 Bye\r\n", quit: true };
    default:
      return { reply: "500 5.5.1 Invalid command\r\n" };
  }
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

async function session(conn: Deno.TcpConn): Promise<void> {
  const chunk = new Uint8Array(16 * 1024);
  let buf = new Uint8Array(0);
  let inData = false;
  try {
    conn.setNoDelay(true);
    await writeAll(conn, encoder.encode("220 sink.bench.local ESMTP\r\n"));
    while (true) {
      const n = await conn.read(chunk);
      if (n === null) return;
      const joined = new Uint8Array(buf.length + n);
      joined.set(buf);
      joined.set(chunk.subarray(0, n), buf.length);
      buf = joined;
      let out = "";
      let quit = false;
      for (let lf = buf.indexOf(LF); lf >= 0 && !quit; lf = buf.indexOf(LF)) {
        const line = decoder.decode(buf.subarray(0, lf)).replace(/\r$/, "");
        buf = buf.subarray(lf + 1);
        if (inData) {
          if (line === ".") {
            inData = false;
            out += "250 2.0.0 Queued\r\n";
          }
          continue;
        }
        const next = answer(line);
        out += next.reply;
        inData = next.data === true;
        quit = next.quit === true;
      }
      if (out) await writeAll(conn, encoder.encode(out));
      if (quit || buf.length > MAX_LINE) return;
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
for await (const conn of listener) session(conn);
