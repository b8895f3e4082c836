import { CsrfProtect } from "./csrf.ts";
import { SessionStore } from "./session_store.ts";

const options = { secretKey: "bench-secret-key-0123456789abcdef" };
const cached = new SessionStore(options);
const uncached = new SessionStore({ ...options, cacheSize: 0 });

const first = await cached.open(new Request("http://localhost/"));
first.set("user_id", 42);
first.set("name", "Ada Lovelace");
first.set("cart", [1, 2, 3]);
const headers = new Headers();
await cached.save(first, headers);
const request = new Request("http://localhost/", {
  headers: { cookie: `theme=dark; ${headers.getSetCookie()[0].split(";")[0]}` },
});

Deno.bench("open + read + save, unchanged (cookie remembered)", {
  group: "session",
  baseline: true,
}, async () => {
  const session = await cached.open(request);
  session.get("user_id");
  await cached.save(session, new Headers());
});

Deno.bench("open + read + save, unchanged (HMAC verify)", { group: "session" }, async () => {
  const session = await uncached.open(request);
  session.get("user_id");
  await uncached.save(session, new Headers());
});

Deno.bench("open + set + save (cookie remembered, HMAC sign)", { group: "session" }, async () => {
  const session = await cached.open(request);
  session.set("visits", 1);
  await cached.save(session, new Headers());
});

Deno.bench("open + set + save (HMAC verify + sign)", { group: "session" }, async () => {
  const session = await uncached.open(request);
  session.set("visits", 1);
  await uncached.save(session, new Headers());
});

const csrf = new CsrfProtect(options);
const csrfSession = await cached.open(request);
const token = await csrf.token(csrfSession);
const post = new Request("http://localhost/", {
  method: "POST",
  headers: { "x-csrftoken": token },
});

Deno.bench("CsrfProtect.check() of a valid header token", { group: "csrf" }, async () => {
  await csrf.check(post, csrfSession);
});
