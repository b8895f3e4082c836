import assert from "node:assert/strict";
import { Client } from "./client.ts";
import { CookieJar } from "./cookie_jar.ts";
import { type Echo, echoApp } from "./_test_apps.ts";

// A small app with a session cookie: /login sets it, /me reads it, /logout deletes it.
function loginApp(request: Request): Response {
  const url = new URL(request.url);
  const cookies = new Map(
    (request.headers.get("cookie") ?? "").split("; ").filter(Boolean).map((pair) => {
      const eq = pair.indexOf("=");
      return [pair.slice(0, eq), pair.slice(eq + 1)] as const;
    }),
  );
  switch (url.pathname) {
    case "/login":
      return new Response("welcome", {
        headers: { "set-cookie": `session=${url.searchParams.get("user")}; Path=/; HttpOnly` },
      });
    case "/logout":
      return new Response("bye", { headers: { "set-cookie": "session=; Path=/; Max-Age=0" } });
    case "/admin/login":
      return new Response("admin", { headers: { "set-cookie": "admin=yes" } }); // default path /admin
    case "/secure":
      return new Response("s", { headers: { "set-cookie": "token=t; Secure; Path=/" } });
    case "/shared":
      return new Response("d", {
        headers: { "set-cookie": `wide=1; Domain=example.test; Path=/` },
      });
    default:
      return Response.json({
        session: cookies.get("session") ?? null,
        admin: cookies.get("admin") ?? null,
        token: cookies.get("token") ?? null,
        wide: cookies.get("wide") ?? null,
        header: request.headers.get("cookie"),
      });
  }
}

async function me(client: Client, path = "/me") {
  return await (await client.get(path)).json<Record<string, string | null>>();
}

Deno.test("Client keeps a session cookie from login to logout", async () => {
  await using client = new Client(loginApp);
  assert.equal((await me(client)).session, null);
  await (await client.post("/login", { query: { user: "ada" } })).text();
  assert.equal(client.cookies.get("session"), "ada");
  assert.equal(client.cookies.getCookie("session")?.httpOnly, true);
  assert.equal((await me(client)).session, "ada");
  await (await client.post("/logout")).text();
  assert.equal(client.cookies.get("session"), undefined);
  assert.equal((await me(client)).header, null);
});

Deno.test("Client sends a cookie only under its path", async () => {
  await using client = new Client(loginApp);
  await (await client.get("/admin/login")).text();
  assert.equal(client.cookies.getCookie("admin")?.path, "/admin");
  assert.equal((await me(client, "/admin/panel")).admin, "yes");
  assert.equal((await me(client, "/admin")).admin, "yes");
  assert.equal((await me(client, "/administrator")).admin, null);
  assert.equal((await me(client, "/")).admin, null);
});

Deno.test("Client scopes cookies by host, and by domain when Domain is set", async () => {
  await using client = new Client(loginApp);
  await (await client.get("http://a.example.test/login?user=a")).text();
  await (await client.get("http://a.example.test/shared")).text();
  assert.equal(client.cookies.get("session", { domain: "a.example.test" }), "a");
  assert.equal((await me(client, "http://a.example.test/me")).session, "a");
  const other = await me(client, "http://b.example.test/me");
  assert.equal(other.session, null, "a host-only cookie stays with its host");
  assert.equal(other.wide, "1", "a Domain cookie reaches the sibling host");
  const base = await me(client, "/me");
  assert.equal(base.session, null);
  assert.equal(base.wide, null);
});

Deno.test("Client drops a cookie when it expires", async () => {
  let now = Date.UTC(2030, 0, 1);
  const jar = new CookieJar({ now: () => now });
  const app = () => new Response("", { headers: { "set-cookie": "flash=hi; Max-Age=30" } });
  await using client = new Client(app, { cookies: jar });
  await (await client.get("/set")).text();
  assert.equal(client.cookies, jar);
  assert.equal(jar.get("flash"), "hi");
  now += 31_000;
  assert.equal(jar.get("flash"), undefined);
  assert.equal(jar.headerFor("http://localhost/"), undefined);
});

Deno.test("Client sends a Secure cookie only when baseUrl is https", async () => {
  await using plain = new Client(loginApp);
  await (await plain.get("/secure")).text();
  assert.equal(plain.cookies.getCookie("token")?.secure, true);
  assert.equal((await me(plain)).token, null);
  await using tls = new Client(loginApp, { baseUrl: "https://localhost" });
  await (await tls.get("/secure")).text();
  assert.equal((await me(tls)).token, "t");
});

Deno.test("cookies.set() reaches the app and cookies.get() reads what it set", async () => {
  await using client = new Client(echoApp);
  client.cookies.set("session", "signed.value=").set("theme", "dark mode");
  const seen = await (await client.get("/")).json<Echo>();
  assert.equal(seen.headers.cookie, "session=signed.value=; theme=dark%20mode");
  client.cookies.delete("theme");
  const again = await (await client.get("/")).json<Echo>();
  assert.equal(again.headers.cookie, "session=signed.value=");
});

Deno.test("get() sends extra cookies first, over the jar's of the same name", async () => {
  await using client = new Client(echoApp);
  client.cookies.set("a", "jar").set("b", "jar");
  const seen = await (await client.get("/", { cookies: { a: "mine", c: "x y" } })).json<Echo>();
  assert.equal(seen.headers.cookie, "a=mine; c=x%20y; b=jar");
  const explicit = await (await client.get("/", { headers: { cookie: "z=1" } })).json<Echo>();
  assert.equal(explicit.headers.cookie, "z=1; a=jar; b=jar");
});

Deno.test("Client with cookies: false neither stores nor sends cookies", async () => {
  await using client = new Client(loginApp, { cookies: false });
  await (await client.get("/login?user=ada")).text();
  assert.equal((await me(client)).session, null);
  assert.throws(() => client.cookies, /cookies: false/);
});
