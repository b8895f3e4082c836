// What an SMTP session costs the proxy apart from its sockets: the line reader over a
// pipelined batch, and a whole dialogue (greeting, EHLO, AUTH PLAIN, relay of MAIL/RCPT/DATA/
// QUIT) in memory, with an auth_http answer and a backend that cost nothing:
// `deno bench layers/proxy/mail/smtp_session_bench.ts`.

import type { AuthAnswer } from "./auth_http.ts";
import type { BackendSession } from "./smtp_backend.ts";
import { mailServer, memoryLog, scripted } from "./_test_util.ts";
import { LineReader } from "./_lines.ts";
import { serveSmtp, type SmtpDeps } from "./smtp_session.ts";

const encoder = new TextEncoder();

const PIPELINED = [
  encoder.encode(
    "EHLO client.example.org\r\nMAIL FROM:<joe@example.org>\r\nRCPT TO:<ann@example.com>\r\n" +
      "RCPT TO:<bob@example.com>\r\nNOOP\r\nQUIT\r\n",
  ),
];
Deno.bench("LineReader.next() 6 pipelined commands in one read", async () => {
  const lines = new LineReader(scripted(...PIPELINED), { maxLine: 4096 });
  for (let i = 0; i < 6; i++) await lines.next(1_000);
});

const DIALOGUE = [
  "EHLO client.example.org\r\n",
  `AUTH PLAIN ${btoa("\0joe\0secret")}\r\n`,
  "MAIL FROM:<joe@example.org>\r\n",
  "RCPT TO:<ann@example.com>\r\n",
  "DATA\r\n",
  "Subject: hi\r\n\r\nHello.\r\n.\r\n",
  "QUIT\r\n",
].map((line) => encoder.encode(line));
const server = mailServer({ smtpAuth: ["plain"], xclient: false });
const log = memoryLog();
const ok: AuthAnswer = { kind: "ok", server: "127.0.0.1", port: 25 };
const deps: SmtpDeps = {
  auth: () => Promise.resolve(ok),
  connect: () =>
    Promise.resolve(
      {
        conn: scripted() as unknown as Deno.Conn,
        early: new Uint8Array(0),
        reply: "235 2.0.0 OK\r\n",
      } satisfies BackendSession,
    ),
};
const info = {
  remoteAddr: "192.0.2.7",
  remotePort: 51000,
  serverAddr: "192.0.2.1",
  serverPort: 25,
  tls: false,
};
Deno.bench("serveSmtp() EHLO, AUTH PLAIN, relay of a small message, in memory", async () => {
  await serveSmtp({ conn: scripted(...DIALOGUE), info, adopt() {} }, {
    server,
    tls: null,
    deps,
    log,
  });
  log.lines.length = 0;
});
