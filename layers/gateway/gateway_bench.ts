// Hot paths of the gateway: what each request pays for the contract's pieces.
import { formatCombined } from "./access_log.ts";
import { classic } from "./classic.ts";
import { compose } from "./compose.ts";
import { createContext } from "./context.ts";
import { testContext, testContextInit } from "./test_context.ts";
import type { Middleware } from "./types.ts";

const ctx = testContext();
const request = new Request("http://localhost:8000/hello?x=1", {
  headers: { "user-agent": "wrk", accept: "*/*" },
});
const hello = () => new Response("Hello, World!\n", { headers: { "content-type": "text/plain" } });
const classicHello = classic((_environ, startResponse) => {
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return ["Hello, World!\n"];
});
const header: Middleware = (app) => async (req, c) => {
  const response = await app.fetch(req, c);
  response.headers.set("x-powered-by", "ngw2f");
  return response;
};
const chained = compose(header, header, header)(hello);

Deno.bench("modern hello app, body read", { group: "app", baseline: true }, async () => {
  await hello().arrayBuffer();
});

Deno.bench("classic() hello app, body read", { group: "app" }, async () => {
  await (await classicHello.fetch(request, ctx)).arrayBuffer();
});

Deno.bench("compose() of 3 header middleware, body read", { group: "app" }, async () => {
  await (await chained.fetch(request, ctx)).arrayBuffer();
});

const init = testContextInit();
const remoteAddr = init.remoteAddr;

Deno.bench("createContext()", { group: "per request" }, () => {
  createContext(init);
});

Deno.bench("formatCombined()", { group: "per request" }, () => {
  formatCombined({ remoteAddr, request, protocol: "HTTP/1.1", status: 200, bytes: 14 });
});
