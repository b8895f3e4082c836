// openBackend() against a fake SMTP backend on a real socket that records every line it gets.

import assert from "node:assert/strict";
import {
  BackendError,
  type BackendIntro,
  type BackendSession,
  openBackend,
  REPLY_CONNECTION,
  REPLY_INTERNAL,
  REPLY_UNREACHABLE,
} from "./smtp_backend.ts";

/** What the fake answers a line with: reply text (CRLF-terminated), or null to hang up. */
type Answer = (line: string) => string | null;

interface FakeBackend {
  port: number;
  /** Every line received, without CRLF. */
  lines: string[];
  stop(): Promise<void>;
}

/** One-connection SMTP server: greets (maybe late), then answers each line. */
function startFakeBackend(
  answer: Answer,
  options: { greeting?: string; greetingDelay?: number; byteByByte?: boolean } = {},
): FakeBackend {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const lines: string[] = [];
  let conn: Deno.Conn | null = null;
  let wake = () => {};
  let stopped = false;
  const encoder = new TextEncoder();
  const write = async (text: string) => {
    const bytes = encoder.encode(text);
    const step = options.byteByByte ? 1 : bytes.length;
    for (let sent = 0; sent < bytes.length;) {
      sent += await conn!.write(bytes.subarray(sent, sent + step));
    }
  };
  const served = (async () => {
    try {
      conn = await listener.accept();
    } catch {
      return; // stopped before anyone came
    }
    try {
      if (options.greetingDelay) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.greetingDelay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (stopped) return;
      }
      await write(options.greeting ?? "220 backend.test ESMTP\r\n");
      const buffer = new Uint8Array(4096);
      let pending = "";
      for (let reads = 0; reads < 1000; reads++) {
        const count = await conn.read(buffer);
        if (count === null) return;
        pending += new TextDecoder().decode(buffer.subarray(0, count));
        for (let end = pending.indexOf("\r\n"); end >= 0; end = pending.indexOf("\r\n")) {
          const line = pending.slice(0, end);
          pending = pending.slice(end + 2);
          lines.push(line);
          const reply = answer(line);
          if (reply === null) return;
          await write(reply);
        }
      }
    } catch {
      // The proxy side hung up.
    } finally {
      try {
        conn.close();
      } catch { /* closed by stop() */ }
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    lines,
    async stop() {
      stopped = true;
      wake();
      listener.close();
      try {
        conn?.close();
      } catch { /* already closed */ }
      await served;
    },
  };
}

/** Answers by command word (`EHLO`, `XCLIENT`, `MAIL`...), `250 2.0.0 OK` for the rest. */
function script(replies: Record<string, string | null>): Answer {
  return (line) => {
    const word = line.split(" ")[0].toUpperCase();
    return word in replies ? replies[word] : "250 2.0.0 OK\r\n";
  };
}

const EHLO_XCLIENT = "250-backend.test\r\n250-XCLIENT NAME ADDR PROTO HELO LOGIN\r\n" +
  "250 PIPELINING\r\n";
const EHLO_PLAIN = "250-backend.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n";

function intro(overrides: Partial<BackendIntro> = {}): BackendIntro {
  return {
    serverName: "mx.test",
    helo: "client.example",
    esmtp: true,
    clientIp: "192.0.2.7",
    login: "joe",
    xclient: true,
    timeout: 5_000,
    ...overrides,
  };
}

async function open(backend: FakeBackend, options: BackendIntro): Promise<BackendSession> {
  return await openBackend({ hostname: "127.0.0.1", port: backend.port }, options);
}

async function refused(backend: FakeBackend, options: BackendIntro): Promise<BackendError> {
  try {
    const session = await open(backend, options);
    session.conn.close();
  } catch (error) {
    assert.ok(error instanceof BackendError, String(error));
    return error;
  }
  assert.fail("expected a BackendError");
}

Deno.test("openBackend() sends EHLO, XCLIENT and the client's EHLO when the backend offers XCLIENT", async () => {
  const backend = startFakeBackend(
    script({ EHLO: EHLO_XCLIENT, XCLIENT: "220 backend.test ESMTP again\r\n" }),
    { greeting: "220-backend.test ESMTP\r\n220 multi-line greeting\r\n" },
  );
  try {
    const session = await open(backend, intro({ login: "joe+tag=x y" }));
    session.conn.close();
    assert.deepEqual(backend.lines, [
      "EHLO mx.test",
      "XCLIENT ADDR=192.0.2.7 LOGIN=joe+2Btag+3Dx+20y NAME=[UNAVAILABLE] HELO=client.example",
      "EHLO client.example",
    ]);
    assert.equal(session.reply, "235 2.0.0 OK\r\n");
    assert.equal(session.xclient, true);
    assert.deepEqual(session.early, new Uint8Array());
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() goes on without XCLIENT when the backend's EHLO does not offer it", async () => {
  const backend = startFakeBackend(script({ EHLO: EHLO_PLAIN }));
  try {
    const session = await open(backend, intro({ esmtp: false }));
    session.conn.close();
    assert.deepEqual(backend.lines, ["EHLO mx.test", "HELO client.example"]);
    assert.equal(session.xclient, false);
    assert.equal(session.reply, "235 2.0.0 OK\r\n");
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() goes on without XCLIENT when the backend knows no EHLO", async () => {
  const backend = startFakeBackend(
    (line) => line.startsWith("EHLO") ? "502 5.5.1 Unrecognized command\r\n" : "250 ok\r\n",
  );
  try {
    const session = await open(backend, intro({ esmtp: false }));
    session.conn.close();
    assert.deepEqual(backend.lines, ["EHLO mx.test", "HELO client.example"]);
    assert.equal(session.xclient, false);
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() sends an IPV6: address and only the attributes XCLIENT lists", async () => {
  const backend = startFakeBackend(script({
    EHLO: "250-backend.test\r\n250 XCLIENT ADDR NAME\r\n",
    XCLIENT: "220 backend.test ESMTP\r\n",
  }));
  try {
    const session = await open(backend, intro({ clientIp: "2001:db8::7" }));
    session.conn.close();
    assert.equal(backend.lines[1], "XCLIENT ADDR=IPV6:2001:db8::7 NAME=[UNAVAILABLE]");
    assert.equal(session.xclient, true);
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() sends an IPv4-mapped client address as IPv4", async () => {
  const backend = startFakeBackend(script({ EHLO: EHLO_XCLIENT, XCLIENT: "250 ok\r\n" }));
  try {
    const session = await open(backend, intro({ clientIp: "::ffff:192.0.2.9", login: undefined }));
    session.conn.close();
    assert.equal(backend.lines[1], "XCLIENT ADDR=192.0.2.9 NAME=[UNAVAILABLE] HELO=client.example");
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() says HELO directly and authenticates with AUTH PLAIN when xclient is off", async () => {
  const backend = startFakeBackend(script({ AUTH: "235 2.7.0 Authentication successful\r\n" }));
  try {
    const session = await open(
      backend,
      intro({ xclient: false, esmtp: false, proxyAuth: { user: "jöe", pass: "p w%" } }),
    );
    session.conn.close();
    assert.equal(backend.lines.length, 2);
    assert.equal(backend.lines[0], "HELO client.example");
    const [verb, mechanism, payload] = backend.lines[1].split(" ");
    assert.deepEqual([verb, mechanism], ["AUTH", "PLAIN"]);
    const bytes = Uint8Array.from(atob(payload), (char) => char.charCodeAt(0));
    assert.equal(new TextDecoder().decode(bytes), "\0jöe\0p w%");
    assert.equal(session.reply, "235 2.0.0 OK\r\n");
    assert.equal(session.xclient, false);
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() throws a 451 4.3.0 without the credentials when AUTH PLAIN is refused", async () => {
  const backend = startFakeBackend(script({ AUTH: "535 5.7.8 Authentication failed\r\n" }));
  try {
    const error = await refused(
      backend,
      intro({ xclient: false, proxyAuth: { user: "joe", pass: "hunter2" } }),
    );
    assert.equal(error.reply, REPLY_INTERNAL);
    assert.match(error.reply, /^451 4\.3\.0 /);
    assert.match(error.message, /AUTH PLAIN: the backend answered "535 5\.7\.8 Authentication/);
    const payload = btoa("\0joe\0hunter2");
    assert.ok(!error.message.includes("hunter2") && !error.message.includes(payload));
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() replays the envelope and returns the backend's RCPT reply", async () => {
  const backend = startFakeBackend(script({
    EHLO: EHLO_XCLIENT,
    XCLIENT: "220 backend.test ESMTP\r\n",
    RCPT: "550-5.1.1 No such user here\r\n550 5.1.1 <nobody@example.org>\r\n",
  }));
  try {
    const session = await open(
      backend,
      intro({
        login: undefined,
        envelope: {
          from: "MAIL FROM:<a@example.com> SIZE=100",
          to: "RCPT TO:<nobody@example.org>",
        },
      }),
    );
    session.conn.close();
    assert.deepEqual(backend.lines, [
      "EHLO mx.test",
      "XCLIENT ADDR=192.0.2.7 NAME=[UNAVAILABLE] HELO=client.example",
      "EHLO client.example",
      "MAIL FROM:<a@example.com> SIZE=100",
      "RCPT TO:<nobody@example.org>",
    ]);
    assert.equal(
      session.reply,
      "550-5.1.1 No such user here\r\n550 5.1.1 <nobody@example.org>\r\n",
    );
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() keeps the bytes that follow the last reply as early", async () => {
  const backend = startFakeBackend(script({ RCPT: "250 2.1.5 Ok\r\nEXTRA BYTES" }));
  try {
    const session = await open(
      backend,
      intro({
        xclient: false,
        envelope: { from: "MAIL FROM:<a@example.com>", to: "RCPT TO:<b@example.org>" },
      }),
    );
    try {
      assert.equal(session.reply, "250 2.1.5 Ok\r\n");
      let seen = new TextDecoder().decode(session.early);
      const buffer = new Uint8Array(64);
      for (let reads = 0; reads < 20 && seen.length < "EXTRA BYTES".length; reads++) {
        const count = await session.conn.read(buffer);
        if (count === null) break;
        seen += new TextDecoder().decode(buffer.subarray(0, count));
      }
      assert.equal(seen, "EXTRA BYTES");
    } finally {
      session.conn.close();
    }
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() throws a 451 4.3.0 when the backend refuses MAIL FROM", async () => {
  const backend = startFakeBackend(script({ MAIL: "553 5.7.1 Sender rejected\r\n" }));
  try {
    const error = await refused(
      backend,
      intro({
        xclient: false,
        envelope: { from: "MAIL FROM:<a@example.com>", to: "RCPT TO:<b@example.org>" },
      }),
    );
    assert.equal(error.reply, REPLY_INTERNAL);
    assert.match(error.message, /MAIL FROM:<a@example\.com>: the backend answered "553/);
    assert.ok(!backend.lines.some((line) => line.startsWith("RCPT")));
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() throws a 451 4.3.0 when XCLIENT is refused", async () => {
  const backend = startFakeBackend(script({
    EHLO: EHLO_XCLIENT,
    XCLIENT: "550 5.7.0 Insufficient authorization\r\n",
  }));
  try {
    const error = await refused(backend, intro());
    assert.equal(error.reply, REPLY_INTERNAL);
    assert.match(error.message, /XCLIENT: the backend answered "550 5\.7\.0/);
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() throws a 451 4.3.0 when the greeting is not 220", async () => {
  const backend = startFakeBackend(script({}), { greeting: "554 5.3.2 Not now\r\n" });
  try {
    const error = await refused(backend, intro());
    assert.equal(error.reply, REPLY_INTERNAL);
    assert.match(error.message, /the greeting: the backend answered "554 5\.3\.2 Not now"/);
    assert.deepEqual(backend.lines, []);
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() throws a 451 4.3.0 when a reply is not SMTP", async () => {
  const backend = startFakeBackend(script({ EHLO: "hello there\r\n" }));
  try {
    const error = await refused(backend, intro());
    assert.equal(error.reply, REPLY_INTERNAL);
    assert.match(error.message, /not an SMTP reply line: "hello there"/);
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() throws a 451 4.4.2 when the backend hangs up mid-handshake", async () => {
  const backend = startFakeBackend(script({ EHLO: null }));
  try {
    const error = await refused(backend, intro());
    assert.equal(error.reply, REPLY_CONNECTION);
    assert.match(error.reply, /^451 4\.4\.2 /);
    assert.match(error.message, /the connection broke/);
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() refuses to send a line that holds CR, LF or NUL", async () => {
  const cases: Partial<BackendIntro>[] = [
    { xclient: false, helo: "evil\r\nRCPT TO:<x@y>" },
    { xclient: false, envelope: { from: "MAIL FROM:<a@b>\nRCPT TO:<x@y>", to: "RCPT TO:<c@d>" } },
    { xclient: false, envelope: { from: "MAIL FROM:<a@b>", to: "RCPT TO:<c@d>\0" } },
  ];
  for (const overrides of cases) {
    const backend = startFakeBackend(script({}));
    try {
      const error = await refused(backend, intro(overrides));
      assert.equal(error.reply, REPLY_INTERNAL);
      assert.match(error.message, /holds CR, LF or NUL/);
      assert.ok(!backend.lines.some((line) => line.includes("x@y")), backend.lines.join("|"));
      assert.ok(!backend.lines.some((line) => line.startsWith("RCPT")), backend.lines.join("|"));
    } finally {
      await backend.stop();
    }
  }
});

Deno.test("openBackend() throws a 451 4.4.2 when the handshake outlasts the timeout", async () => {
  const backend = startFakeBackend(script({}), { greetingDelay: 30_000 });
  try {
    const started = performance.now();
    const error = await refused(backend, intro({ timeout: 200 }));
    const elapsed = performance.now() - started;
    assert.equal(error.reply, REPLY_CONNECTION);
    assert.match(error.message, /no complete handshake after 200 ms/);
    assert.ok(elapsed >= 199, `gave up after ${elapsed} ms`);
    assert.ok(elapsed < 10_000, `gave up after ${elapsed} ms`);
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() throws a 451 4.4.1 when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  try {
    await openBackend({ hostname: "127.0.0.1", port }, intro());
    assert.fail("expected a BackendError");
  } catch (error) {
    assert.ok(error instanceof BackendError, String(error));
    assert.equal(error.reply, REPLY_UNREACHABLE);
    assert.match(error.reply, /^451 4\.4\.1 /);
    assert.match(error.message, new RegExp(`Cannot connect to backend "127\\.0\\.0\\.1:${port}"`));
  }
});

Deno.test("openBackend() reads replies that arrive a byte at a time", async () => {
  const backend = startFakeBackend(
    script({ EHLO: EHLO_XCLIENT, XCLIENT: "220 backend.test ESMTP\r\n" }),
    { byteByByte: true },
  );
  try {
    const session = await open(backend, intro());
    session.conn.close();
    assert.equal(backend.lines.length, 3);
    assert.equal(session.xclient, true);
  } finally {
    await backend.stop();
  }
});

Deno.test("openBackend() throws a 451 4.3.0 when a reply line is too long", async () => {
  const backend = startFakeBackend(script({ EHLO: `250 ${"x".repeat(10_000)}\r\n` }));
  try {
    const error = await refused(backend, intro());
    assert.equal(error.reply, REPLY_INTERNAL);
    assert.match(error.message, /a reply line longer than 4096 bytes/);
  } finally {
    await backend.stop();
  }
});
