// The page of ENGINES.md's comparison (layout + child + imported macro + 100-item loop, every
// value autoescaped) through Templates, next to bare Nunjucks (its own runtime: Templates runs
// compiled templates with the faster one of _runtime.ts, so it should come out ahead).
import nunjucks from "nunjucks";
import { Templates } from "./templates.ts";

const folder = await Deno.makeTempDir({ prefix: "ngw2f_templates_bench_" });
globalThis.addEventListener("unload", () => Deno.removeSync(folder, { recursive: true }));
await Deno.writeTextFile(
  `${folder}/layout.html`,
  "<!doctype html>\n<html><head><title>{% block title %}Site{% endblock %}</title></head>\n" +
    "<body><nav>{{ user }}</nav>\n{% block content %}{% endblock %}\n" +
    "<footer>{{ footer }}</footer></body></html>\n",
);
await Deno.writeTextFile(
  `${folder}/macros.html`,
  '{% macro row(item) %}<li class="{{ item.kind }}">{{ item.name }} &mdash; {{ item.price }}</li>' +
    "{% endmacro %}\n",
);
await Deno.writeTextFile(
  `${folder}/child.html`,
  '{% extends "layout.html" %}\n{% from "macros.html" import row %}\n' +
    "{% block title %}Items for {{ user }}{% endblock %}\n" +
    "{% block content %}<ul>\n{% for item in items %}{{ row(item) }}\n{% endfor %}</ul>" +
    "{% endblock %}\n",
);

const items = Array.from({ length: 100 }, (_, i) => ({
  name: `Item <${i}> & "friends"`,
  kind: i % 2 ? "odd" : "even",
  price: (i * 1.5).toFixed(2),
}));
const vars = { user: "<admin>", footer: "© 'us'", items };

const templates = new Templates({ folders: [folder] });
const reloading = new Templates({ folders: [folder], autoReload: true });
const bare = new nunjucks.Environment(new nunjucks.FileSystemLoader(folder), { autoescape: true });
const expected = await templates.render("child.html", vars);
if (bare.render("child.html", vars) !== expected) throw new Error("Cannot bench: outputs differ");

Deno.bench("Templates.render() page", { group: "page", baseline: true }, async () => {
  await templates.render("child.html", vars);
});

Deno.bench("Templates.render() page, autoReload (3 stats)", { group: "page" }, async () => {
  await reloading.render("child.html", vars);
});

Deno.bench("Templates.stream() page, read to the end", { group: "page" }, async () => {
  await new Response(templates.stream("child.html", vars)).arrayBuffer();
});

Deno.bench("bare Nunjucks env.render() page (stock runtime)", { group: "page" }, () => {
  bare.render("child.html", vars);
});

Deno.bench("Templates.renderString() small, compiled each call", { group: "string" }, async () => {
  await templates.renderString(
    "<p>{{ user }}</p>{% for i in items %}{{ i.name }}{% endfor %}",
    vars,
  );
});
