// The toolkit bench's app (bench/toolkit.ts): what a small Werkzeug app does, with the toolkit.
// `GET /users/42?fields=name` → `{"id":42,"fields":"name"}` through `RequestWrapper`, the
// `RouteMap` with an int converter and `json()`; any other path is the toolkit's 404 page.
// `ngw2f serve bench/anchors/toolkit_app.ts` runs it, and so does bench/anchors/deno_serve_app.ts
// (raw `Deno.serve`). A plain object, not `defineApp`, so raw `Deno.serve` adds nothing.
import type { Context } from "../../layers/gateway/mod.ts";
import { NotFound } from "../../layers/toolkit/exceptions.ts";
import { RequestWrapper } from "../../layers/toolkit/request.ts";
import { json } from "../../layers/toolkit/response.ts";
import { resultError } from "../../layers/toolkit/routing/match_result.ts";
import { RouteMap } from "../../layers/toolkit/routing/route_map.ts";

const routes = new RouteMap().add("/users/<int:id>", "user");

function handle(request: Request, ctx?: Context | Deno.ServeHandlerInfo): Response {
  const req = new RequestWrapper(request, ctx);
  const result = routes.match(req.method, req.path, { query: req.queryString });
  if (result.kind === "match") {
    return json({ id: result.params.id, fields: req.args.get("fields") });
  }
  return (resultError(result) ?? new NotFound()).toResponse(request);
}

export default { fetch: handle };
