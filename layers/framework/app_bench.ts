// The framework's cost per request, in process: App.fetch() for a hello and for a route with a
// converted param among 50 routes, against Hono and a hand-written gateway handler.
// `deno bench layers/framework/app_bench.ts`.

import { Hono } from "hono";
import { testContext } from "../gateway/mod.ts";
import { App } from "./mod.ts";

const ctx = testContext();
const hello = new Request("http://localhost/");
const deep = new Request("http://localhost/r25/items/42");

const app = new App({ staticFolder: null }).get("/", function index() {
  return "Hello, World!";
});
for (let i = 0; i < 50; i++) {
  app.get(`/r${i}/items/<int:id>`, function item(c) {
    return `item ${c.params.id}`;
  }, { endpoint: `item${i}` });
}
const hono = new Hono().get("/", (c) => c.text("Hello, World!"));
for (let i = 0; i < 50; i++) {
  hono.get(`/r${i}/items/:id{[0-9]+}`, (c) => c.text(`item ${c.req.param("id")}`));
}
const raw = (request: Request) =>
  new URL(request.url).pathname === "/"
    ? new Response("Hello, World!", { headers: { "content-type": "text/plain" } })
    : new Response("item 42");

Deno.bench("framework App hello", { group: "hello", baseline: true }, async () => {
  await (await app.fetch(hello, ctx)).text();
});
Deno.bench("Hono hello", { group: "hello" }, async () => {
  await (await hono.fetch(hello)).text();
});
Deno.bench("raw gateway handler hello", { group: "hello" }, async () => {
  await raw(hello).text();
});
Deno.bench(
  "framework App, 1 of 50 routes with an int param",
  { group: "routes", baseline: true },
  async () => {
    await (await app.fetch(deep, ctx)).text();
  },
);
Deno.bench("Hono, 1 of 50 routes with a param", { group: "routes" }, async () => {
  await (await hono.fetch(deep)).text();
});
