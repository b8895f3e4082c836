import assert from "node:assert/strict";
import { join } from "node:path";
import {
  markSafe,
  TemplateError,
  TemplateNotFound,
  Templates,
  type TemplatesOptions,
} from "./mod.ts";

type Files = Record<string, string>;

interface Fixture {
  /** The app's templates folder. */
  app: string;
  /** A blueprint's templates folder, searched after the app's. */
  blueprint: string;
  templates: (options?: Partial<TemplatesOptions>) => Templates;
  write: (folder: string, name: string, text: string) => Promise<void>;
}

async function writeFiles(folder: string, files: Files): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const file = join(folder, name);
    await Deno.mkdir(join(file, ".."), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
}

/** Two temp folders (app, blueprint) holding `app` and `blueprint` files. */
async function withTemplates(
  files: { app?: Files; blueprint?: Files },
  run: (fixture: Fixture) => Promise<void>,
): Promise<void> {
  const app = await Deno.makeTempDir({ prefix: "ngw2f_templates_app_" });
  const blueprint = await Deno.makeTempDir({ prefix: "ngw2f_templates_bp_" });
  try {
    await writeFiles(app, files.app ?? {});
    await writeFiles(blueprint, files.blueprint ?? {});
    await run({
      app,
      blueprint,
      templates: (options = {}) => new Templates({ folders: [app, blueprint], ...options }),
      write: (folder, name, text) => writeFiles(folder, { [name]: text }),
    });
  } finally {
    await Deno.remove(app, { recursive: true });
    await Deno.remove(blueprint, { recursive: true });
  }
}

/** The error `promise` rejects with, checked to be an instance of `type`. */
async function rejection<T extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    return error;
  }
  throw new assert.AssertionError({ message: `expected a rejection with ${type.name}` });
}

const LAYOUT = "<title>{% block title %}Site{% endblock %}</title>" +
  "<main>{% block content %}{% endblock %}</main>";

Deno.test("render() fills a layout's blocks from a child, with super()", async () => {
  await withTemplates({
    app: {
      "layout.html": LAYOUT,
      "section.html":
        '{% extends "layout.html" %}{% block title %}Docs · {{ super() }}{% endblock %}',
      "page.html": '{% extends "section.html" %}' +
        "{% block title %}{{ page }} · {{ super() }}{% endblock %}" +
        "{% block content %}<p>{{ page }}</p>{% endblock %}",
    },
  }, async ({ templates }) => {
    assert.equal(
      await templates().render("page.html", { page: "Intro" }),
      "<title>Intro · Docs · Site</title><main><p>Intro</p></main>",
    );
  });
});

Deno.test("render() includes a template with the same variables; ignore missing renders nothing", async () => {
  await withTemplates({
    app: {
      "page.html": '<nav>{% include "nav.html" %}</nav>{% include "gone.html" ignore missing %}.',
      "nav.html": "{% for item in menu %}<a>{{ item }}</a>{% endfor %}",
    },
  }, async ({ templates }) => {
    assert.equal(
      await templates().render("page.html", { menu: ["Home", "About"] }),
      "<nav><a>Home</a><a>About</a></nav>.",
    );
  });
});

Deno.test("render() calls macros imported from another file, with context when asked", async () => {
  await withTemplates({
    app: {
      "forms.html": '{% macro field(name, type="text") %}' +
        '<input name="{{ name }}" type="{{ type }}">{{ caller() if caller }}{% endmacro %}' +
        '{% macro back() %}<a href="{{ urlFor("index") }}">back</a>{% endmacro %}',
      "import.html": '{% import "forms.html" as forms %}' +
        '{{ forms.field("user") }}{{ forms.field("pw", type="password") }}',
      "from.html": '{% from "forms.html" import field, back with context %}' +
        '{% call field("q") %}<b>!</b>{% endcall %}{{ back() }}',
    },
  }, async ({ templates }) => {
    const env = templates();
    assert.equal(
      await env.render("import.html"),
      '<input name="user" type="text"><input name="pw" type="password">',
    );
    assert.equal(
      await env.render("from.html", { urlFor: (endpoint: string) => `/${endpoint}/` }),
      '<input name="q" type="text"><b>!</b><a href="/index/">back</a>',
    );
  });
});

Deno.test("render() applies built-in filters and custom ones from options and addFilter()", async () => {
  await withTemplates({
    app: {
      "filters.txt": "{{ name | upper }} {{ tags | join(', ') }} {{ missing | default('none') }} " +
        "{{ tags | length }} {{ price | money('€') }} {{ name | reverse }}",
    },
  }, async ({ templates }) => {
    const env = templates({
      filters: { money: (value: number, sign: string) => `${value.toFixed(2)} ${sign}` },
    });
    env.addFilter("reverse", (value: string) => [...value].reverse().join(""));
    assert.equal(
      await env.render("filters.txt", { name: "ada", tags: ["a", "b"], price: 3 }),
      "ADA a, b none 2 3.00 € ada",
    );
  });
});

Deno.test("render() autoescapes .html but not .txt; an included part keeps its own setting", async () => {
  await withTemplates({
    app: {
      "page.html": "<p>{{ text }}</p>[{% include 'part.txt' %}]",
      "part.txt": "{{ text }}",
      "page.svg": "<text>{{ text }}</text>",
      "mail.txt": "Hi {{ text }}",
    },
  }, async ({ templates }) => {
    const env = templates();
    const text = `<b>"Tom" & 'Jerry'</b>`;
    assert.equal(
      await env.render("page.html", { text }),
      `<p>&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>[${text}]`,
    );
    assert.equal(await env.render("page.svg", { text: "<" }), "<text>&lt;</text>");
    assert.equal(await env.render("mail.txt", { text }), `Hi ${text}`);
    const custom = templates({ autoescape: (name) => name.endsWith(".txt") });
    assert.equal(await custom.render("mail.txt", { text: "<" }), "Hi &lt;");
    assert.equal(await custom.render("page.svg", { text: "<" }), "<text><</text>");
  });
});

Deno.test("render() leaves |safe and markSafe() values unescaped; |escape still escapes in .txt", async () => {
  await withTemplates({
    app: {
      "safe.html": "{{ html | safe }} {{ marked }} {{ html }}",
      "escape.txt": "{{ html | escape }}",
    },
  }, async ({ templates }) => {
    const env = templates();
    assert.equal(
      await env.render("safe.html", { html: "<i>x</i>", marked: markSafe("<b>y</b>") }),
      "<i>x</i> <b>y</b> &lt;i&gt;x&lt;/i&gt;",
    );
    assert.equal(await env.render("escape.txt", { html: "<i>" }), "&lt;i&gt;");
  });
});

Deno.test("render() has Flask's tojson filter: HTML-safe JSON, not escaped again", async () => {
  await withTemplates({
    app: {
      "data.html": "<script>const data = {{ data | tojson }};</script>{{ data | tojson(1) }}",
    },
  }, async ({ templates }) => {
    const data = { html: "</script><b>'&'" };
    const rendered = await templates().render("data.html", { data });
    assert.equal(
      rendered,
      '<script>const data = {"html":"\\u003c/script\\u003e\\u003cb\\u003e\\u0027\\u0026\\u0027"};</script>' +
        '{\n "html": "\\u003c/script\\u003e\\u003cb\\u003e\\u0027\\u0026\\u0027"\n}',
    );
    const json = rendered.slice("<script>const data = ".length, rendered.indexOf(";</script>"));
    assert.deepEqual(JSON.parse(json), data);
  });
});

Deno.test("render() searches folders in order: the app's template overrides the blueprint's", async () => {
  await withTemplates({
    app: { "layout.html": LAYOUT, "shared/card.html": "app card" },
    blueprint: {
      "shared/card.html": "blueprint card",
      "admin/index.html": '{% extends "layout.html" %}' +
        '{% block content %}{% include "shared/card.html" %}{% endblock %}',
    },
  }, async ({ templates }) => {
    const env = templates();
    assert.equal(await env.render("shared/card.html"), "app card");
    assert.equal(await env.render("./shared//card.html"), "app card");
    assert.equal(
      await env.render("admin/index.html"),
      "<title>Site</title><main>app card</main>",
    );
  });
});

Deno.test("render() rejects with TemplateNotFound naming the template and the folders searched", async () => {
  await withTemplates({
    app: { "page.html": '{% include "partials/nope.html" %}' },
  }, async ({ app, blueprint, templates }) => {
    const env = templates();
    const error = await rejection(env.render("missing.html"), TemplateNotFound);
    assert.equal(
      error.message,
      `Cannot find template "missing.html": searched "${app}", "${blueprint}"`,
    );
    assert.deepEqual(error.searched, [app, blueprint]);
    const included = await rejection(env.render("page.html"), TemplateNotFound);
    assert.equal(included.templateName, "partials/nope.html");
    await assert.rejects(env.render("../outside.html"), TemplateNotFound);
    await assert.rejects(
      new Templates({ folders: [] }).render("x.html"),
      /Cannot find template "x.html": no template folders are configured/,
    );
  });
});

Deno.test("render() rejects a syntax error with a TemplateError naming the file and line", async () => {
  await withTemplates({
    app: {
      "layout.html": "<h1>\n{% block title %}\n{% if %}\n{% endblock %}",
      "child.html": '{% extends "layout.html" %}',
      "open.html": "one\ntwo\n{% for x in xs %}",
    },
  }, async ({ app, templates }) => {
    const env = templates();
    for (const name of ["layout.html", "child.html"]) {
      const error = await rejection(env.render(name), TemplateError);
      assert.equal(error.file, join(app, "layout.html"));
      assert.equal(error.templateName, "layout.html");
      assert.equal(error.line, 3);
      assert.match(
        error.message,
        /^Cannot compile template "layout\.html" \(.*layout\.html:3:\d+\): /,
      );
    }
    const open = await rejection(env.render("open.html"), TemplateError);
    assert.equal(open.line, 3);
    assert.match(open.message, /end of file/);
    const inline = await rejection(env.renderString("a\n{{ }"), TemplateError);
    assert.equal(inline.file, "<string>");
    assert.equal(inline.line, 2);
  });
});

Deno.test("render() rejects a render error with the file and line of the template that failed", async () => {
  await withTemplates({
    app: {
      "layout.html":
        "<h1>{{ header() }}</h1>\n{% block content %}{% endblock %}\n{{ footer() }}</main>",
      "child.html":
        '{% extends "layout.html" %}\n{% block content %}\nok\n{{ nope() }}{% endblock %}',
      "page.html": "<p>\n{% include 'part.html' %}\n{{ after() }}</p>",
      "part.html": "\n\n{{ inside() }}",
      "filter.html": "\n{{ 1 | boom }}",
    },
  }, async ({ app, templates }) => {
    const env = templates({
      filters: {
        boom: () => {
          throw new RangeError("boom");
        },
      },
    });
    const ok = () => "";
    const inChild = await rejection(env.render("child.html", { header: ok }), TemplateError);
    assert.equal(inChild.file, join(app, "child.html"));
    assert.equal(inChild.line, 4);
    assert.match(inChild.message, /Cannot render template "child\.html" .*Unable to call `nope`/);

    const inLayout = await rejection(env.render("child.html"), TemplateError);
    assert.equal(inLayout.file, join(app, "layout.html"));
    assert.equal(inLayout.line, 1);

    // Code after a block or include runs inside the engine's callback: file known, line not.
    const afterBlock = await rejection(
      env.render("child.html", { header: ok, nope: ok }),
      TemplateError,
    );
    assert.equal(afterBlock.file, join(app, "layout.html"));
    assert.equal(afterBlock.line, undefined);
    assert.match(afterBlock.message, /Unable to call `footer`/);

    const inPart = await rejection(env.render("page.html"), TemplateError);
    assert.equal(inPart.file, join(app, "part.html"));
    assert.equal(inPart.line, 3);
    const afterInclude = await rejection(env.render("page.html", { inside: ok }), TemplateError);
    assert.equal(afterInclude.file, join(app, "page.html"));

    // What a filter throws is kept as the cause; Nunjucks records positions only at calls.
    const thrown = await rejection(env.render("filter.html"), TemplateError);
    assert.equal(thrown.file, join(app, "filter.html"));
    assert.equal(thrown.line, undefined);
    assert.ok(thrown.cause instanceof RangeError);
    assert.match(thrown.message, /: boom$/);
  });
});

Deno.test("render() with autoReload re-reads an edited template; without it the cached one stays", async () => {
  await withTemplates({
    app: { "page.html": "v1 {% include 'part.html' %}", "part.html": "p1" },
  }, async ({ app, write, templates }) => {
    const reloading = templates({ autoReload: true });
    const cached = templates();
    assert.equal(await reloading.render("page.html"), "v1 p1");
    assert.equal(await cached.render("page.html"), "v1 p1");
    await write(app, "page.html", "version 2 {% include 'part.html' %}");
    await write(app, "part.html", "part 2");
    assert.equal(await reloading.render("page.html"), "version 2 part 2");
    assert.equal(await cached.render("page.html"), "v1 p1");
  });
});

Deno.test("render() with autoReload falls back to the blueprint's template when the app's is deleted", async () => {
  await withTemplates({
    app: { "card.html": "app" },
    blueprint: { "card.html": "blueprint" },
  }, async ({ app, templates }) => {
    const env = templates({ autoReload: true });
    assert.equal(await env.render("card.html"), "app");
    await Deno.remove(join(app, "card.html"));
    assert.equal(await env.render("card.html"), "blueprint");
  });
});

Deno.test("stream() yields the same text as render(); an error errors the stream", async () => {
  await withTemplates({
    app: {
      "layout.html": LAYOUT,
      "page.html": '{% extends "layout.html" %}{% block content %}é {{ n }}{% endblock %}',
    },
  }, async ({ templates }) => {
    const env = templates();
    const rendered = await env.render("page.html", { n: 1 });
    assert.equal(await new Response(env.stream("page.html", { n: 1 })).text(), rendered);
    await assert.rejects(new Response(env.stream("nope.html")).text(), TemplateNotFound);
  });
});

Deno.test("render() sees globals and per-render vars; vars win over globals", async () => {
  await withTemplates({
    app: { "page.html": "{{ site }} {{ user }} {{ csrfToken() }} {{ greet(user) }}" },
  }, async ({ templates }) => {
    const env = templates({ globals: { site: "ngw2f", user: "nobody" } });
    env.addGlobal("greet", (name: string) => `hi ${name}`);
    assert.equal(
      await env.render("page.html", { user: "ada", csrfToken: () => "tok" }),
      "ngw2f ada tok hi ada",
    );
    assert.equal(
      await env.render("page.html", { csrfToken: () => "t2" }),
      "ngw2f nobody t2 hi nobody",
    );
  });
});

Deno.test("renderString() autoescapes and can extend templates from the folders", async () => {
  await withTemplates({ app: { "layout.html": LAYOUT } }, async ({ templates }) => {
    const env = templates();
    assert.equal(await env.renderString("{{ x }}", { x: "<" }), "&lt;");
    assert.equal(
      await env.renderString('{% extends "layout.html" %}{% block title %}{{ t }}{% endblock %}', {
        t: "T",
      }),
      "<title>T</title><main></main>",
    );
  });
});

Deno.test("render() honours whitespace control", async () => {
  await withTemplates({
    app: {
      "list.txt": "<ul>\n  {%- for i in [1, 2] %}\n  <li>{{ i }}</li>\n  {%- endfor %}\n</ul>",
    },
  }, async ({ templates }) => {
    assert.equal(
      await templates().render("list.txt"),
      "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>",
    );
  });
});

Deno.test("Templates() rejects folders that are not an array of paths", () => {
  assert.throws(
    () => new Templates({ folders: "templates" as unknown as string[] }),
    /Cannot create templates: folders must be an array of paths/,
  );
  assert.throws(() => new Templates({ folders: [] }).addFilter("x", 1 as never), TypeError);
});
