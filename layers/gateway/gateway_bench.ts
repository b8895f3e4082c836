// Hot paths of the gateway: what each request pays for the contract's pieces.
import { formatCombined } from "./access_log.ts";
import { classic } from "./classic.ts";
import { compose } from "./compose.ts";
import { createContext } from "./context.ts";
import { silentLogger } from "./logger.ts";
import { testContext } from "./_test_context.ts";
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

const serverAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 8000 };
const remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 50000 };
const signal = new AbortController().signal;
const completed = Promise.resolve();
const waitUntil = () => {};

Deno.bench("createContext()", { group: "per request" }, () => {
  createContext({
    remoteAddr,
    serverAddr,
    scheme: "http",
    protocol: "HTTP/1.1",
    serverName: "localhost",
    rootPath: "",
    workerId: 1,
    workerCount: 1,
    signal,
    completed,
    log: silentLogger,
    waitUntil,
  });
});

Deno.bench("formatCombined()", { group: "per request" }, () => {
  formatCombined({ remoteAddr, request, protocol: "HTTP/1.1", status: 200, bytes: 14 });
});
