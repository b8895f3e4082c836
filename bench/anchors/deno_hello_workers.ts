// Anchor: raw Deno.serve with N workers — the fair counterpart of `ngw2f serve -w N`. The main
// thread only spawns N Web Workers; each calls Deno.serve with reusePort on the same port, so the
// kernel spreads connections over them. Needs --unstable-net (reusePort).
//
//   deno run -A --unstable-net bench/anchors/deno_hello_workers.ts PORT [N]

// A worker sees the same Deno.args and import.meta.main as the main thread; tell them apart by
// the worker-only global.
const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !==
  "undefined";

if (inWorker) {
  const port = Number((self as unknown as { name: string }).name);
  Deno.serve(
    { hostname: "127.0.0.1", port, reusePort: true, onListen() {} },
    () =>
      new Response("Hello, World!\n", {
        headers: { "content-type": "text/plain; charset=utf-8" },
      }),
  );
} else {
  const port = Number(Deno.args[0] ?? 8000);
  const count = Math.max(1, Number(Deno.args[1] ?? 1));
  for (let i = 0; i < count; i++) {
    new Worker(import.meta.url, { type: "module", name: String(port) });
  }
}
