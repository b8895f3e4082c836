import assert from "node:assert/strict";
import { type NginxDirective, parseNginxConfig, type ParseNginxOptions } from "./parse.ts";
import { NginxSyntaxError } from "./errors.ts";

/** A virtual file system: absolute path → text; folders are the paths' prefixes. */
function virtual(files: Record<string, string>): ParseNginxOptions {
  return {
    readFile: (path) => {
      if (!(path in files)) throw new Deno.errors.NotFound(`no ${path}`);
      return files[path];
    },
    readDir: (dir) => {
      const names = new Set(
        Object.keys(files).filter((p) => p.startsWith(`${dir.replace(/\/$/, "")}/`))
          .map((p) => p.slice(dir.replace(/\/$/, "").length + 1).split("/")[0]),
      );
      if (!names.size) throw new Deno.errors.NotFound(`no ${dir}`);
      return [...names];
    },
  };
}

/** Name and args of each directive, blocks nested, for compact comparisons. */
function shape(directives: NginxDirective[]): unknown[] {
  return directives.map((d) => d.block ? [d.name, ...d.args, shape(d.block)] : [d.name, ...d.args]);
}

function parse(text: string, options?: ParseNginxOptions) {
  return parseNginxConfig(text, "/etc/nginx/nginx.conf", options).directives;
}

function syntaxError(text: string, options?: ParseNginxOptions): NginxSyntaxError {
  try {
    parse(text, options);
  } catch (error) {
    assert.ok(error instanceof NginxSyntaxError, String(error));
    return error;
  }
  throw new Error("expected a syntax error");
}

Deno.test("parseNginxConfig() reads directives and nested blocks with their lines", () => {
  const directives = parse("user www;\n\nhttp {\n  server {\n    listen 80;\n  }\n}\n");
  assert.deepEqual(shape(directives), [["user", "www"], ["http", [["server", [[
    "listen",
    "80",
  ]]]]]]);
  const server = directives[1].block![0];
  assert.equal(server.line, 4);
  assert.equal(server.block![0].line, 5);
  assert.equal(server.file, "/etc/nginx/nginx.conf");
  assert.equal(directives[0].block, null);
});

Deno.test("parseNginxConfig() splits words on any blanks and takes ; and { right after a word", () => {
  assert.deepEqual(shape(parse("a\tb  c\r\n d;e{f;}g x;")), [
    ["a", "b", "c", "d"],
    ["e", [["f"]]],
    ["g", "x"],
  ]);
});

Deno.test("parseNginxConfig() drops comments at a word's start but keeps # inside a word", () => {
  const directives = parse("# top\nroot /srv; # trailing ; { }\nindex a#b; #last");
  assert.deepEqual(shape(directives), [["root", "/srv"], ["index", "a#b"]]);
  assert.equal(directives[1].line, 3);
});

Deno.test("parseNginxConfig() removes quotes and keeps what they hold, blanks and ; { } #", () => {
  assert.deepEqual(shape(parse(`add_header X "a b; {c} #d" 'it\\'s';`)), [
    ["add_header", "X", "a b; {c} #d", "it's"],
  ]);
  assert.equal(syntaxError(`add_header X 'it''s';`).why, `unexpected "'"`);
  assert.deepEqual(shape(parse(`return 200 "";`)), [["return", "200", ""]]);
  assert.deepEqual(shape(parse(`log_format x 'one'\n  'two';`)), [[
    "log_format",
    "x",
    "one",
    "two",
  ]]);
});

Deno.test("parseNginxConfig() decodes \\\" \\' \\\\ \\t \\r \\n and keeps other escapes (regexes)", () => {
  const [directive] = parse(String.raw`a "q\"d" 'q\'s' "b\\s" "t\tr\rn\n" \d\.x "\w+";`);
  assert.deepEqual(directive.args, [`q"d`, "q's", "b\\s", "t\tr\rn\n", "\\d\\.x", "\\w+"]);
});

Deno.test("parseNginxConfig() keeps $var and ${var} verbatim, a ${ not opening a block", () => {
  const [directive] = parse("return 301 https://${host}$request_uri;");
  assert.deepEqual(directive.args, ["301", "https://${host}$request_uri"]);
  assert.deepEqual(parse("set ${a}b 1;")[0].args, ["${a}b", "1"]);
});

Deno.test("parseNginxConfig() reads regexes with braces when quoted", () => {
  const [location] = parse('location ~ "^/a{2}$" { return 204; }');
  assert.deepEqual(location.args, ["~", "^/a{2}$"]);
  assert.deepEqual(shape(location.block!), [["return", "204"]]);
  // nginx itself: an unquoted `{` ends the directive there.
  assert.equal(
    syntaxError("rewrite ^/(\\d{4})$ /y/$1;").message,
    'Cannot parse /etc/nginx/nginx.conf:1: directive "rewrite" is not terminated by ";"',
  );
});

Deno.test("parseNginxConfig() closes quotes before ; { ) only, as nginx does", () => {
  assert.deepEqual(shape(parse('if ($a = "x") { return 403; }')), [
    ["if", "($a", "=", "x", ")", [["return", "403"]]],
  ]);
  assert.deepEqual(shape(parse('root "/srv";')), [["root", "/srv"]]);
  assert.equal(syntaxError('root "/srv"x;').why, 'unexpected "x"');
});

Deno.test("parseNginxConfig() includes files in place, relative to the main file's folder", () => {
  const options = virtual({
    "/etc/nginx/mime.types": "types {\n  text/html html;\n}\n",
    "/etc/nginx/sites/a.conf": "server {\n  include snippets/ssl.conf;\n}\n",
    "/etc/nginx/snippets/ssl.conf": "\n\nssl_certificate a.pem;\n",
  });
  const directives = parse("http {\n  include mime.types;\n  include sites/a.conf;\n}\n", options);
  const [types, server] = directives[0].block!;
  assert.deepEqual([types.name, types.file, types.line], ["types", "/etc/nginx/mime.types", 1]);
  assert.deepEqual(shape(server.block!), [["ssl_certificate", "a.pem"]]);
  assert.equal(server.block![0].file, "/etc/nginx/snippets/ssl.conf");
  assert.equal(server.block![0].line, 3);
});

Deno.test("parseNginxConfig() expands glob includes in sorted order and skips dot-files", () => {
  const options = virtual({
    "/etc/nginx/conf.d/b.conf": "b;",
    "/etc/nginx/conf.d/a.conf": "a;",
    "/etc/nginx/conf.d/.hidden.conf": "hidden;",
    "/etc/nginx/conf.d/notes.txt": "txt;",
    "/etc/nginx/sites-enabled/x": "x;",
    "/etc/nginx/sites-enabled/y": "y;",
    "/srv/one/1.conf": "one;",
    "/srv/two/2.conf": "two;",
  });
  assert.deepEqual(shape(parse("include conf.d/*.conf;", options)), [["a"], ["b"]]);
  assert.deepEqual(shape(parse("include /etc/nginx/sites-enabled/*;", options)), [["x"], ["y"]]);
  assert.deepEqual(shape(parse("include /srv/*/?.conf;", options)), [["one"], ["two"]]);
  assert.deepEqual(shape(parse("include conf.d/[!a]*.conf;", options)), [["b"]]);
  // A glob that matches nothing is fine, as in nginx.
  assert.deepEqual(parse("include /nowhere/*.conf;", options), []);
});

Deno.test("parseNginxConfig() resolves includes against options.prefix when given", () => {
  const options = { ...virtual({ "/opt/conf/x.conf": "x;" }), prefix: "/opt/conf" };
  assert.deepEqual(shape(parse("include x.conf;", options)), [["x"]]);
});

Deno.test("parseNginxConfig() names the including file and line when an include fails", () => {
  const options = virtual({
    "/etc/nginx/loop.conf": "include nginx.conf;",
    "/etc/nginx/bad.conf": "\nserver {\n",
  });
  const missing = syntaxError("\ninclude missing.conf;", options);
  assert.equal(
    missing.message,
    'Cannot parse /etc/nginx/nginx.conf:2: cannot include "/etc/nginx/missing.conf": no such file',
  );
  assert.ok(missing.cause instanceof Deno.errors.NotFound);
  assert.match(syntaxError("include loop.conf;", options).why, /includes itself/);
  assert.equal(
    syntaxError("include bad.conf;", options).message,
    'Cannot parse /etc/nginx/bad.conf:3: unexpected end of file, expecting "}"',
  );
  assert.equal(
    syntaxError("include a b;").why,
    'invalid number of arguments in "include" directive',
  );
});

Deno.test("parseNginxConfig() reports each syntax error with file:line as nginx does", () => {
  const cases: [string, number, string][] = [
    ["http {\n}\n}\n", 3, 'unexpected "}"'],
    ["root /srv", 1, 'unexpected end of file, expecting ";" or "}"'],
    ["http {\n  server {\n  }\n", 4, 'unexpected end of file, expecting "}"'],
    ["http {\n  root /srv }\n", 2, 'unexpected "}"'],
    ["\n;", 2, 'unexpected ";"'],
    ["{ }", 1, 'unexpected "{"'],
    // nginx says 'expecting ";" or "}"' here; naming the quote helps more.
    ["root 'unclosed;\n", 2, "unexpected end of file, expecting closing '"],
    ['root "unclosed;', 1, 'unexpected end of file, expecting closing "'],
    ["http;", 1, 'directive "http" has no opening "{"'],
    ["\n\nlocation /;", 3, 'directive "location" has no opening "{"'],
    ["root /srv {\n}", 1, 'directive "root" is not terminated by ";"'],
    ['root "/a""/b";', 1, 'unexpected """'],
  ];
  for (const [text, line, why] of cases) {
    const error = syntaxError(text);
    assert.equal(error.message, `Cannot parse /etc/nginx/nginx.conf:${line}: ${why}`, text);
    assert.equal(error.line, line);
    assert.equal(error.file, "/etc/nginx/nginx.conf");
  }
});

Deno.test("parseNginxConfig() accepts an unknown directive with or without a block", () => {
  assert.deepEqual(shape(parse("my_module on;\nmy_block x { a; }")), [
    ["my_module", "on"],
    ["my_block", "x", [["a"]]],
  ]);
});

Deno.test("parseNginxConfig() reads Debian's nginx.conf from disk when it is installed", async () => {
  const path = "/etc/nginx/nginx.conf";
  const text = await Deno.readTextFile(path).catch(() => null);
  if (text === null) return;
  const directives = parseNginxConfig(text, path).directives;
  const http = directives.find((d) => d.name === "http")!;
  assert.ok(http.block!.some((d) => d.name === "types" && d.file === "/etc/nginx/mime.types"));
});

Deno.test("parseNginxConfig() knows server is simple in upstream and types/map hold data", () => {
  const options = virtual({ "/etc/nginx/more.types": "text/x-a a;" });
  const directives = parse(
    "upstream app { server 127.0.0.1:9000; }\nmap $uri $x { http 1; server 2; }\ntypes { include more.types; text/x-b b; }",
    options,
  );
  assert.deepEqual(shape(directives), [
    ["upstream", "app", [["server", "127.0.0.1:9000"]]],
    ["map", "$uri", "$x", [["http", "1"], ["server", "2"]]],
    ["types", [["text/x-a", "a"], ["text/x-b", "b"]]],
  ]);
});
