// Runs an app module's default export (`{ fetch }`) under raw `Deno.serve`, as `deno serve`
// would but on a given port with no logging: the toolkit bench's "no master" rows.
//
//   deno run -A bench/anchors/deno_serve_app.ts PORT MODULE
const port = Number(Deno.args[0] ?? 8000);
const module = await import(new URL(Deno.args[1], `file://${Deno.cwd()}/`).href);
const app = module.default as {
  fetch: (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;
};
Deno.serve(
  { hostname: "127.0.0.1", port, onListen() {} },
  (request, info) => app.fetch(request, info),
);
