// Anchor: the framework bench's app (bench/anchors/framework_app.ts) written with Hono, the
// Deno framework people would otherwise reach for.
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.text("Hello, World!\n"));
for (let i = 0; i < 50; i++) {
  app.get(`/r${i}/items/:id{[0-9]+}`, (c) => c.json({ route: i, id: Number(c.req.param("id")) }));
}

export default app;
