import assert from "node:assert/strict";
import { join } from "node:path";
import nunjucksModule from "nunjucks";
import { fastRuntime } from "./_runtime.ts";
import { markSafe, Templates } from "./mod.ts";

interface StockNunjucks {
  lib: { escape(text: string): string };
  runtime: { suppressValue(value: unknown, autoescape: boolean): unknown };
  Environment: new (loader: unknown, options: { autoescape: boolean }) => {
    render(name: string, vars: object, callback: (error: unknown, text?: string) => void): void;
  };
  FileSystemLoader: new (folder: string) => unknown;
}
const stock = nunjucksModule as unknown as StockNunjucks;

/** Strings over an alphabet heavy in characters that need escaping, from a fixed seed. */
function* samples(count: number): Generator<string> {
  const alphabet = ["&", '"', "'", "<", ">", "\\", "a", "Z", " ", "é", "€", "😀", "\n", "0"];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < count; i++) {
    let text = "";
    const length = next() % 24;
    for (let j = 0; j < length; j++) text += alphabet[next() % alphabet.length];
    yield text;
  }
}

Deno.test("fastRuntime.suppressValue() escapes every string as Nunjucks does, and returns one with nothing to escape as it is", () => {
  for (const text of ["", "plain", `<a href="x">'&'</a>`, "C:\\path", ...samples(3000)]) {
    assert.equal(
      fastRuntime.suppressValue(text, true),
      stock.lib.escape(text),
      JSON.stringify(text),
    );
  }
  const plain = "nothing to escape here";
  assert.equal(fastRuntime.suppressValue(plain, true), plain);
});

Deno.test("fastRuntime.suppressValue() gives Nunjucks' result for every kind of value", () => {
  const values: unknown[] = [
    undefined,
    null,
    "",
    "a < b",
    0,
    -1.5e-7,
    NaN,
    Infinity,
    12n,
    true,
    false,
    ["<a>", 1],
    { toString: () => "<obj & more>" },
    new Date(0),
    markSafe("<b>safe</b>"),
  ];
  for (const value of values) {
    for (const autoescape of [true, false]) {
      assert.deepEqual(
        fastRuntime.suppressValue(value, autoescape),
        stock.runtime.suppressValue(value, autoescape),
        `${String(value)} (autoescape ${autoescape})`,
      );
    }
  }
});

// Templates exercising frames (loops, set in and out of loops, macros, caller, include, import,
// extends and super) and output (numbers, safe strings, null, objects): Templates (our runtime)
// must render them exactly as stock Nunjucks does.
const FILES: Record<string, string> = {
  "layout.html": "<title>{% block title %}T{% endblock %}</title>{{ site }}" +
    "{% block body %}base{% endblock %}|{{ items | length }}",
  "page.html": `{% extends "layout.html" %}{% import "macros.html" as m %}
{% block title %}{{ super() }} & {{ title }}{% endblock %}
{% block body %}{% set total = 0 %}{% set seen = "" %}
{% for item in items %}{% set total = total + item.price %}{% set seen = seen + item.name %}
<tr class="{{ 'even' if loop.index % 2 == 0 else 'odd' }}" data-n="{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.length }}">
{% if loop.first %}first{% endif %}{% if loop.last %}last{% endif %}
{{ m.cell(item.name) }}{{ item.note }}{{ item.price }}{{ item.missing }}{{ item.html | safe }}
{% for tag in item.tags %}[{{ loop.index }}:{{ tag }}]{% else %}none{% endfor %}
{% endfor %}total={{ total }} seen={{ seen }}
{% call m.wrap("<w>") %}inside {{ title }}{% endcall %}
{% include "part.html" %}{% set a = { "b": 1 } %}{{ a.b }}{{ nothing }}{{ obj }}{{ flag }}
{% endblock %}`,
  "macros.html": `{% macro cell(v, cls="c&") %}<td class="{{ cls }}">{{ v }}</td>{% endmacro %}
{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}`,
  "part.html": "{% for k, v in pairs %}{{ k }}={{ v }};{% endfor %}{{ loop }}",
  "plain.txt": "{% for item in items %}{{ item.name }} {{ loop.index }}\n{% endfor %}",
  // A template that replaces `loop` itself, and one loop's bindings kept past an inner loop.
  "shadow.txt": `{% for x in [1, 2, 3] %}{% if loop.index == 2 %}{% set loop = { "index": 9,
"mine": "m" } %}{% endif %}{{ loop.index }}{{ loop.mine }}{{ loop.last }};{% endfor %}
{% for y in [1, 2] %}{% set outer = loop %}{% for z in [1, 2] %}{{ outer.index }}/{{ loop.index }}
{{ outer.revindex }}{% endfor %}{% endfor %}{% set loop = "text" %}{{ loop }}`,
};

const VARS = {
  site: "Stack & <bench>",
  title: `"Fish" & 'chips'`,
  items: Array.from({ length: 7 }, (_, i) => ({
    name: `Item ${i} <${i % 2 ? "b" : "i"}>`,
    note: i === 3 ? null : `"n" & 'm' \\ ${i}`,
    price: 100 + i * 7.5,
    html: i % 3 === 0 ? "<em>raw</em>" : undefined,
    tags: i % 2 ? ["a&", "<b>"] : [],
  })),
  pairs: { one: 1, "<two>": "2&" },
  obj: { toString: () => "<obj>" },
  flag: false,
};

async function stockRender(folder: string, name: string, autoescape: boolean): Promise<string> {
  const env = new stock.Environment(new stock.FileSystemLoader(folder), { autoescape });
  return await new Promise((resolve, reject) => {
    env.render(name, VARS, (error, text) => error ? reject(error) : resolve(text!));
  });
}

Deno.test("Templates renders loops, sets, macros, includes and inheritance exactly as stock Nunjucks", async () => {
  const folder = await Deno.makeTempDir({ prefix: "ngw2f_runtime_" });
  try {
    for (const [name, text] of Object.entries(FILES)) {
      await Deno.writeTextFile(join(folder, name), text);
    }
    const templates = new Templates({ folders: [folder] });
    const page = await templates.render("page.html", VARS);
    assert.equal(page, await stockRender(folder, "page.html", true));
    // The frames really were written through: loop variables, sets in the loop, macro args.
    assert.match(page, /data-n="6\/1\/0\/7"/);
    assert.match(page, /total=857\.5 seen=Item 0 &lt;i&gt;Item 1 &lt;b&gt;/);
    assert.match(page, /<td class="c&amp;">Item 1 &lt;b&gt;<\/td>/);
    assert.match(page, /<&lt;w&gt;>inside &quot;Fish&quot;/);
    assert.equal(
      await templates.render("plain.txt", VARS),
      await stockRender(folder, "plain.txt", false),
    );
    const shadow = await templates.render("shadow.txt", VARS);
    assert.equal(shadow, await stockRender(folder, "shadow.txt", false));
    // The user's object took the later bindings, as in Nunjucks.
    assert.match(shadow, /^1false;9m;3mtrue;/);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
