// The stack bench's framework app (bench/stack/stack.ts), for `ngw2f serve`: the talk's hello at
// `/` and a rendered page at `/items` (stack_templates/stack_items.html through Nunjucks: a layout,
// a loop over 20 items, autoescaped values). bench/anchors/stack_flask.py is the same app on Flask.
import { App } from "../../layers/framework/mod.ts";

const items = Array.from({ length: 20 }, (_, index) => {
  const i = index + 1;
  return {
    id: i,
    name: `Item ${i} <${i % 2 ? "b" : "i"}>`,
    note: `"Fish & chips" for ${i} 'friends'`,
    price: 100 + i * 7,
  };
});

const app = new App({ root: new URL(".", import.meta.url), staticFolder: null })
  .addTemplateFolder("stack_templates")
  .get("/", function hello() {
    return ["Hello, World!\n", 200, { "content-type": "text/plain; charset=utf-8" }];
  })
  .get("/items", async function itemsPage(c) {
    return await c.render("stack_items.html", { site: "Stack & <bench>", items });
  });
app.urls.prepare();

export default app;
