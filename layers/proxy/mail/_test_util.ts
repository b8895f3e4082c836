// Helpers for the SMTP session tests: a config, a session served by a TcpService on port 0
// with fake auth_http and backend (the stream tests' echo backend), an SMTP test client that
// reads whole replies, a scripted tunnel end; the HTTP core tests' certificates. Every wait is
// bounded. Private to the mail module's tests.

import type { Logger } from "../../gateway/mod.ts";
import type { MailServerConfig } from "../config/mod.ts";
import type { TlsKeyPair } from "../http/tls.ts";
import { TcpService } from "../stream/mod.ts";
import { startBackend } from "../stream/_test_util.ts";
import type { TunnelEnd } from "../upstream/mod.ts";
import type { AuthAnswer, AuthRequest } from "./auth_http.ts";
import type { BackendIntro, BackendSession } from "./smtp_backend.ts";
import { LineReader } from "./_lines.ts";
import { serveSmtp, type SmtpDeps } from "./smtp_session.ts";

/** How long any single wait in these tests may take before it fails. */
export const WAIT = 5_000;

export { hasOpenssl, testPki } from "../http/_tls_test_util.ts";

/** A `[[mail.server]]` for tests: short timeouts, PLAIN/LOGIN/CRAM-MD5, no TLS. */
export function mailServer(overrides: Partial<MailServerConfig> = {}): MailServerConfig {
  return {
    line: 1,
    listen: [{ address: "127.0.0.1:0", ssl: false }],
    protocol: "smtp",
    serverName: "mx.test",
    authHttp: "http://127.0.0.1:9/auth",
    authHttpHeaders: [],
    authHttpTimeout: 1_000,
    smtpAuth: ["plain", "login", "cram-md5"],
    smtpCapabilities: ["PIPELINING", "8BITMIME"],
    starttls: "off",
    ssl: null,
    xclient: true,
    proxySmtpAuth: false,
    smtpGreetingDelay: 0,
    smtpClientBuffer: 512,
    timeout: WAIT,
    proxyTimeout: WAIT,
    maxErrors: 10,
    limitConn: [],
    limitReq: [],
    ...overrides,
  };
}

/** The EHLO reply of {@linkcode mailServer}'s defaults, once AUTH may be offered. */
export const EHLO_AUTH = "250-mx.test\n250-PIPELINING\n250-8BITMIME\n250 AUTH PLAIN LOGIN CRAM-MD5";

/** A log that keeps its lines (`level message`). */
export function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => void lines.push(`debug ${m}`),
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
  };
}

/** A running session server with its fakes' records. */
export interface TestSmtp {
  port: number;
  /** Each auth_http request, in order. */
  auths: AuthRequest[];
  /** Each backend opened: where, and the intro. */
  backends: { address: { hostname: string; port: number }; intro: BackendIntro }[];
  log: Logger & { lines: string[] };
  service: TcpService;
  [Symbol.asyncDispose](): Promise<void>;
}

/** What {@linkcode startSmtp} takes. */
export interface TestSmtpOptions {
  server?: Partial<MailServerConfig>;
  tls?: TlsKeyPair | null;
  /** The auth service's answer; default OK to 127.0.0.1:25. */
  answer?: (request: AuthRequest) => AuthAnswer | Promise<AuthAnswer>;
  /** The backend; default a connection to an echo server replying `235 2.0.0 OK`. */
  connect?: SmtpDeps["connect"];
  /** The reply the default backend gives. */
  backendReply?: string;
}

/** Serves {@linkcode serveSmtp} on 127.0.0.1:0 with fake deps; `await using` drains it. */
export async function startSmtp(options: TestSmtpOptions = {}): Promise<TestSmtp> {
  const server = mailServer(options.server);
  const auths: AuthRequest[] = [];
  const backends: TestSmtp["backends"] = [];
  const log = memoryLog();
  const echo = startBackend("echo", { greet: false });
  const deps: SmtpDeps = {
    auth: (_server, request) => {
      auths.push(request);
      return Promise.resolve(
        options.answer?.(request) ?? { kind: "ok", server: "127.0.0.1", port: 25 },
      );
    },
    connect: async (address, intro): Promise<BackendSession> => {
      backends.push({ address, intro });
      if (options.connect) return await options.connect(address, intro);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: echo.port });
      return { conn, early: new Uint8Array(), reply: options.backendReply ?? "235 2.0.0 OK\r\n" };
    },
  };
  const service = await TcpService.start({
    listen: server.listen,
    tls: options.tls ?? null,
    maxConnections: 100,
    log,
    handle: (session) => serveSmtp(session, { server, tls: options.tls ?? null, deps, log }),
  });
  return {
    port: service.addresses[0].port,
    auths,
    backends,
    log,
    service,
    async [Symbol.asyncDispose]() {
      await service.drain(500);
      await echo.close();
    },
  };
}

/** An SMTP client for tests: whole replies, bounded waits, STARTTLS. */
export class SmtpTestClient {
  #conn: TunnelEnd & { close(): void };
  #lines: LineReader;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
    this.#lines = new LineReader(conn, { maxLine: 1 << 20 });
  }

  /** Connects to 127.0.0.1:`port` (over TLS with `caCert`). */
  static async connect(port: number, caCert?: string): Promise<SmtpTestClient> {
    const conn = caCert
      ? await Deno.connectTls({ hostname: "localhost", port, caCerts: [caCert] })
      : await Deno.connect({ hostname: "127.0.0.1", port });
    return new SmtpTestClient(conn);
  }

  /** Sends `text` as it is, in one write. */
  async send(text: string): Promise<void> {
    const bytes = new TextEncoder().encode(text);
    let off = 0;
    while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
  }

  /** The next whole reply (its lines joined with `\n`); throws on the end or after WAIT. */
  async reply(): Promise<string> {
    const lines: string[] = [];
    while (true) {
      const result = await this.#lines.next(WAIT);
      if (result.kind !== "line") {
        throw new Error(`Cannot read a reply: ${result.kind} after ${JSON.stringify(lines)}`);
      }
      lines.push(result.text);
      if (!/^\d{3}-/.test(result.text)) return lines.join("\n");
    }
  }

  /** Sends `line` with CRLF and reads the reply. */
  async command(line: string): Promise<string> {
    await this.send(`${line}\r\n`);
    return await this.reply();
  }

  /** Whether the server closes the connection (within WAIT) without sending more. */
  async closed(): Promise<boolean> {
    return (await this.#lines.next(WAIT)).kind === "end";
  }

  /** Bytes buffered past the last reply read. */
  rest(): Uint8Array {
    return this.#lines.rest();
  }

  /** Starts TLS (after `220 2.0.0 Start TLS`) trusting `caCert`. */
  async startTls(caCert: string): Promise<void> {
    const tls = await Deno.startTls(this.#conn as Deno.TcpConn, {
      hostname: "localhost",
      caCerts: [caCert],
    });
    await tls.handshake();
    this.#conn = tls;
    this.#lines = new LineReader(tls, { maxLine: 1 << 20 });
  }

  /** The next line as it is (relayed bytes); null at the end or after WAIT. */
  async line(): Promise<string | null> {
    const result = await this.#lines.next(WAIT);
    return result.kind === "line" ? result.text : null;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch { /* closed */ }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** base64 of a string's UTF-8 bytes. */
export function b64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/** A tunnel end that gives `chunks` one read each, then the end; writes are dropped. */
export function scripted(...chunks: (string | Uint8Array)[]): TunnelEnd {
  const queue = chunks.map((c) => typeof c === "string" ? new TextEncoder().encode(c) : c);
  return {
    read(p) {
      const chunk = queue.shift();
      if (!chunk) return Promise.resolve(null);
      p.set(chunk);
      return Promise.resolve(chunk.length);
    },
    write: (p) => Promise.resolve(p.length),
    closeWrite: () => Promise.resolve(),
    close() {},
  };
}
