/**
 * A tiny `auth_http` service for the SMTP proxy demo, speaking nginx's protocol: the proxy asks
 * with a GET whose header fields carry the attempt (Auth-Method, Auth-User, Auth-Pass, Auth-Salt,
 * Client-IP, Auth-SMTP-From/To ...); the answer's header fields say OK and which backend to use
 * (Auth-Status, Auth-Server, Auth-Port), or refuse (Auth-Status, Auth-Wait, Auth-Error-Code).
 * Any auth service written for nginx works the same way.
 *
 * Run it with: deno run --allow-net examples/part-I-nginx/mail/auth.ts
 * [--listen 127.0.0.1:9000] [--backend 127.0.0.1:2526]
 *
 * @module
 */

import { createHmac, timingSafeEqual } from "node:crypto";

/** The demo's users and their passwords (kept in clear: CRAM-MD5 needs them). */
const USERS: Record<string, string> = { alice: "secret", bob: "hunter2" };

/** With `smtp_auth = "none"`: the domain whose recipients the backend takes. */
const LOCAL_DOMAIN = "example.com";

/** Wrong passwords are answered after this many seconds, twice; the third one ends the session. */
const WAIT_SECONDS = 3;
const MAX_ATTEMPTS = 3;

const encoder = new TextEncoder();

function log(line: string): void {
  Deno.stdout.writeSync(encoder.encode(`auth: ${line}\n`));
}

function same(a: string, b: string): boolean {
  const [x, y] = [encoder.encode(a), encoder.encode(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether the attempt's credentials are right (Auth-Pass is the CRAM-MD5 digest for cram-md5). */
function verify(method: string, user: string, pass: string, salt: string): boolean {
  const password = USERS[user];
  if (password === undefined) return false;
  if (method === "cram-md5") {
    return same(pass, createHmac("md5", password).update(salt).digest("hex"));
  }
  return method === "plain" && same(pass, password);
}

/** Answers one auth_http request: the backend for a right attempt, a refusal for a wrong one. */
function answer(req: Request, backend: { host: string; port: number }): Response {
  const h = req.headers;
  const method = h.get("auth-method") ?? "";
  const attempt = Number(h.get("auth-login-attempt") ?? "1");
  const client = h.get("client-ip") ?? "?";
  const ok = new Response(null, {
    headers: {
      "Auth-Status": "OK",
      "Auth-Server": backend.host,
      "Auth-Port": `${backend.port}`,
    },
  });
  if (method === "none") {
    // smtp_auth = "none": the envelope decides (an MX takes mail for its own domain only).
    const to = /<([^>]*)>/.exec(h.get("auth-smtp-to") ?? "")?.[1] ?? "";
    const local = to.toLowerCase().endsWith(`@${LOCAL_DOMAIN}`);
    log(
      `none ${h.get("auth-smtp-from")} ${h.get("auth-smtp-to")} from ${client}: ${
        local ? "OK" : "refused"
      }`,
    );
    if (local) return ok;
    return new Response(null, {
      headers: { "Auth-Status": "Recipient unknown", "Auth-Error-Code": "550 5.1.1" },
    });
  }
  const user = decodeURIComponent(h.get("auth-user") ?? "");
  const pass = decodeURIComponent(h.get("auth-pass") ?? "");
  const good = verify(method, user, pass, h.get("auth-salt") ?? "");
  log(
    `${method} ${user} from ${client} (attempt ${attempt}): ${
      good ? `OK -> ${backend.host}:${backend.port}` : "refused"
    }`,
  );
  if (good) return ok;
  const headers: Record<string, string> = { "Auth-Status": "Invalid login or password" };
  // Slow down password guessing; after the last attempt the proxy closes the session.
  if (attempt < MAX_ATTEMPTS) headers["Auth-Wait"] = `${WAIT_SECONDS}`;
  return new Response(null, { headers });
}

function hostPort(value: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(value);
  if (!match) throw new Error(`Cannot use "${value}": expected HOST:PORT`);
  return { host: match[1], port: Number(match[2]) };
}

if (import.meta.main) {
  const option = (name: string, fallback: string) => {
    const i = Deno.args.indexOf(name);
    return i === -1 ? fallback : Deno.args[i + 1] ?? fallback;
  };
  const listen = hostPort(option("--listen", "127.0.0.1:9000"));
  const backend = hostPort(option("--backend", "127.0.0.1:2526"));
  Deno.serve({
    hostname: listen.host,
    port: listen.port,
    onListen: ({ hostname, port }) =>
      log(`listening at http://${hostname}:${port}/auth, backend ${backend.host}:${backend.port}`),
  }, (req) => answer(req, backend));
}
