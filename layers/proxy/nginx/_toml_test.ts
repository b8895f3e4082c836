import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { type Comments, type Table, tomlString, writeToml } from "./_toml.ts";

Deno.test("tomlString() writes regexes as literal strings and escapes the rest", () => {
  assert.equal(tomlString("/static/"), '"/static/"');
  assert.equal(tomlString("~* \\.png$"), "'~* \\.png$'");
  assert.equal(tomlString('say "hi"'), `'say "hi"'`);
  assert.equal(tomlString(`it's "x"`), `"it's \\"x\\""`);
  assert.equal(tomlString("a\nb\x7f\x01\\"), '"a\\nb\\u007f\\u0001\\\\"');
});

Deno.test("writeToml() keeps order, makes sections and arrays of tables, and parses back", () => {
  const location: Table = { match: "~ \\.php$", types: { "text/x": ["x"] } };
  const server: Table = { listen: ["80"], types: { "text/y": ["y"] }, location: [location] };
  const doc: Table = {
    workers: 2,
    gzip: true,
    log_format: { main: "$status", js: { format: '{"s":$status}', escape: "json" } },
    server: [server, {
      listen: ["81"],
      index: Array.from({ length: 9 }, (_, i) => `index${i}.html`),
    }],
  };
  const comments: Comments = new WeakMap([[location, ["nginx.conf:3"]]]);
  const toml = writeToml(doc, comments);
  assert.deepEqual(JSON.parse(JSON.stringify(parse(toml))), doc);
  assert.match(
    toml,
    /^workers = 2\ngzip = true\n\n\[log_format\]\nmain = "\$status"\njs = \{ format = /,
  );
  assert.match(toml, /\[\[server\]\]\nlisten = \["80"\]\n\n\[server\.types\]\n"text\/y" = \["y"\]/);
  assert.match(
    toml,
    /# nginx\.conf:3\n\[\[server\.location\]\]\nmatch = '~ \\\.php\$'\n\n\[server\.location\.types\]\n"text\/x" = \["x"\]/,
  );
  assert.match(toml, /index = \[\n {2}"index0\.html",\n/);
});
