// Helpers for the TLS and HTTP/2 tests: a test CA and certificates made with openssl, a TLS
// server on port 0, HTTP clients pinned to HTTP/1.1 or HTTP/2. Every wait is bounded. Private to
// the HTTP core's tests.

import type { Completed, Handler } from "../types.ts";
import type { CoreOptions } from "./options.ts";
import type { CoreServer } from "./server.ts";
import { listenTls, type TlsKeyPair } from "./tls.ts";
import { serveTls } from "./tls_server.ts";

/** Whether openssl is on the PATH (the TLS tests need it to make certificates). */
export const hasOpenssl: boolean = (() => {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** A test CA and a certificate it signed for each name. */
export interface TestPki {
  /** The CA certificate (PEM), for `caCerts`. */
  ca: string;
  /** Each name's certificate and key. */
  pairs: Record<string, TlsKeyPair>;
}

let cached: Promise<TestPki> | undefined;

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

/** A CA and certificates for `localhost`, `a.test`, `b.test` (made once per test run). */
export function testPki(): Promise<TestPki> {
  return cached ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "ngw2f-pki-" });
    try {
      const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
      await openssl(
        dir,
        ...["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1"],
        ...["-subj", "/CN=ngw2f test CA"],
      );
      const pairs: Record<string, TlsKeyPair> = {};
      for (const name of ["localhost", "a.test", "b.test"]) {
        await openssl(
          dir,
          "req",
          ...ec,
          "-keyout",
          `${name}.key`,
          "-out",
          `${name}.csr`,
          "-subj",
          `/CN=${name}`,
        );
        await Deno.writeTextFile(`${dir}/${name}.cnf`, `subjectAltName=DNS:${name}\n`);
        await openssl(
          dir,
          ...["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key"],
          ...["-CAcreateserial", "-out", `${name}.pem`, "-days", "1", "-extfile", `${name}.cnf`],
        );
        pairs[name] = {
          cert: await Deno.readTextFile(`${dir}/${name}.pem`),
          key: await Deno.readTextFile(`${dir}/${name}.key`),
        };
      }
      return { ca: await Deno.readTextFile(`${dir}/ca.pem`), pairs };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
}

/** A TLS server on 127.0.0.1:0 (localhost's certificate, `h2` and `http/1.1` offered). */
export interface TestTls {
  server: CoreServer;
  port: number;
  pki: TestPki;
  completed: Completed[];
  errors: string[];
  /** A fetch client for `https://localhost:PORT` speaking only `version`. */
  client(version: "1.1" | "2"): Deno.HttpClient;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts {@linkcode serveTls} with short timeouts; `await using` drains it. */
export async function startTls(
  handler: Handler,
  options: Partial<CoreOptions> = {},
): Promise<TestTls> {
  const pki = await testPki();
  const listener = listenTls({
    hostname: "127.0.0.1",
    port: 0,
    certificates: [pki.pairs.localhost],
    alpnProtocols: ["h2", "http/1.1"],
  });
  const completed: Completed[] = [];
  const errors: string[] = [];
  const server = serveTls(listener, {
    handler,
    listen: "127.0.0.1:0",
    scheme: "https",
    headerTimeout: 1_000,
    idleTimeout: 1_000,
    bodyTimeout: 1_000,
    onCompleted: (done) => completed.push(done),
    log: {
      debug() {},
      info() {},
      warn: (message) => errors.push(message),
      error: (message) => errors.push(message),
    },
    ...options,
  });
  const clients: Deno.HttpClient[] = [];
  return {
    server,
    port: listener.addr.port,
    pki,
    completed,
    errors,
    client(version) {
      const client = Deno.createHttpClient({
        caCerts: [pki.ca],
        http1: version === "1.1",
        http2: version === "2",
      });
      clients.push(client);
      return client;
    },
    async [Symbol.asyncDispose]() {
      for (const client of clients) client.close();
      await server.drain(500);
    },
  };
}

/** Resolves once `check()` is true, or rejects after `ms`. */
export async function until(
  check: () => boolean,
  ms = 3_000,
  what = "the condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The subject line openssl s_client prints for the certificate served to SNI `name`. */
export async function subjectFor(port: number, name: string | null): Promise<string> {
  const child = new Deno.Command("openssl", {
    args: [
      ...["s_client", "-connect", `127.0.0.1:${port}`],
      ...(name === null ? ["-noservername"] : ["-servername", name]),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  const out = await child.output();
  clearTimeout(timer);
  return /subject=(.*)/.exec(new TextDecoder().decode(out.stdout))?.[1].trim() ?? "(none)";
}
