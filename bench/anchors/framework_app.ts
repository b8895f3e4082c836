// The framework bench's app (bench/framework.ts): the talk's hello at `/` and 50 more routes
// `/r0/items/<int:id>` … `/r49/items/<int:id>`, on the framework's App. `ngw2f serve` runs it;
// so does bench/anchors/deno_serve_app.ts (raw `Deno.serve`).
import { App } from "../../layers/framework/mod.ts";

const app = new App({ staticFolder: null }).get("/", function hello() {
  return ["Hello, World!\n", 200, { "content-type": "text/plain; charset=utf-8" }];
});
for (let i = 0; i < 50; i++) {
  app.get(`/r${i}/items/<int:id>`, function item(c) {
    return { route: i, id: c.params.id };
  }, { endpoint: `item${i}` });
}
app.urls.prepare();

export default app;
