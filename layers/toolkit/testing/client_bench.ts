// The test client's overhead: requests per second through Client against calling the app directly.
// Run: deno bench -A layers/toolkit/testing/client_bench.ts
import { testContext } from "../../gateway/mod.ts";
import { Client } from "./client.ts";

const hello = () => new Response("Hello, World!\n");
const echo = async (request: Request) => new Response(await request.text());

const plain = new Client(hello);
const withCookies = new Client(hello);
withCookies.cookies.set("session", "a".repeat(64)).set("theme", "dark").set("lang", "en");
const echoing = new Client(echo);
const following = new Client((request) => {
  const path = new URL(request.url).pathname;
  if (path === "/") return new Response(null, { status: 302, headers: { location: "/home" } });
  return new Response("home");
}, { followRedirects: true });

Deno.bench("app called directly (baseline)", { group: "hello", baseline: true }, async () => {
  const request = new Request("http://localhost/");
  const ctx = testContext();
  await (await hello()).text();
  void request, ctx;
});

Deno.bench("client.get()", { group: "hello" }, async () => {
  await (await plain.get("/")).text();
});

Deno.bench("client.get() with 3 cookies in the jar", { group: "hello" }, async () => {
  await (await withCookies.get("/")).text();
});

Deno.bench("client.post() with json", { group: "hello" }, async () => {
  await (await echoing.post("/", { json: { name: "pen", tags: ["a", "b"] } })).text();
});

Deno.bench("client.get() following one redirect", { group: "hello" }, async () => {
  await (await following.get("/")).text();
});
