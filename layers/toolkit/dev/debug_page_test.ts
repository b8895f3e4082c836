import assert from "node:assert/strict";
import { acceptsHtml, renderDebugHtml, renderDebugText } from "./debug_page.ts";
import { describeRequest } from "./request_info.ts";
import type { ErrorInfo, StackFrame } from "./stack_trace.ts";

const userFrame = (line: number, fn = "handler"): StackFrame => ({
  fn,
  url: "file:///srv/app.ts",
  file: "/srv/app.ts",
  line,
  column: 5,
  library: false,
  source: {
    first: line - 2,
    lines: ["const a = 1;", "if (a < 2) {", "  throw new Error(\"<bad> & 'quoted'\");", "}", ""],
  },
});
const libraryFrame = (n: number): StackFrame => ({
  fn: `lib${n}`,
  url: `file:///srv/node_modules/x/${n}.js`,
  file: `/srv/node_modules/x/${n}.js`,
  line: n,
  column: 1,
  library: true,
});

const ERROR: ErrorInfo = {
  name: "Error",
  message: "<bad> & 'quoted'",
  stack: "",
  frames: [
    userFrame(12),
    libraryFrame(1),
    libraryFrame(2),
    userFrame(40, "route"),
    libraryFrame(3),
  ],
  cause: {
    name: "RangeError",
    message: "inner <cause>",
    stack: "",
    frames: [],
    cause: { name: "Non-error value", message: "'root'", stack: "", frames: [] },
  },
};

// The URL as a RequestInfo may carry it (a Request would percent-encode the brackets).
const REQUEST = {
  ...describeRequest(
    new Request("http://localhost:8000/a?<q>=1", {
      headers: {
        accept: "text/html",
        authorization: "Bearer abc.def",
        cookie: "sid=xyz; csrftoken=123",
        "x-note": "<script>alert(1)</script>",
      },
    }),
    {
      remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
      rootPath: "/api",
      protocol: "HTTP/1.1",
    },
  ),
  url: "http://localhost:8000/a?<q>=1",
};

Deno.test("renderDebugHtml() escapes the message, the source, the URL and the headers", () => {
  const html = renderDebugHtml(ERROR, REQUEST);
  assert.match(html, /<pre class="message">&lt;bad&gt; &amp; &#39;quoted&#39;<\/pre>/);
  assert.match(html, /throw new Error\(&quot;&lt;bad&gt; &amp; &#39;quoted&#39;&quot;\)/);
  assert.match(html, /http:\/\/localhost:8000\/a\?&lt;q&gt;=1/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /<bad>/);
  assert.match(html, /<title>Error: &lt;bad&gt; &amp; &#39;quoted&#39; · ngw2f debug<\/title>/);
});

Deno.test("renderDebugHtml() masks credentials and shows the request's details", () => {
  const html = renderDebugHtml(ERROR, REQUEST);
  assert.match(html, /Bearer \[masked\]/);
  assert.match(html, /sid=\[masked\]; csrftoken=\[masked\]/);
  assert.doesNotMatch(html, /abc\.def|xyz|123/);
  assert.match(html, /127\.0\.0\.1:40000/);
  assert.match(html, /&quot;\/api&quot;/);
  assert.match(html, /HTTP\/1\.1/);
});

Deno.test("renderDebugHtml() highlights each frame's line and collapses library frames", () => {
  const html = renderDebugHtml(ERROR, REQUEST);
  assert.match(html, /<span class="hl"><span class="no">12<\/span> {2}throw new Error/);
  assert.match(html, /<span class="hl"><span class="no">40<\/span> {2}throw new Error/);
  assert.match(html, /<span><span class="no">11<\/span>if \(a &lt; 2\) \{<\/span>/);
  assert.match(html, /<summary>2 library frames<\/summary>/);
  assert.match(html, /<summary>1 library frame<\/summary>/);
  assert.doesNotMatch(html, /node_modules\/x\/1\.js:1:1<\/code><\/p>/, "no source box for them");
  assert.match(html, /at <code>handler \(\/srv\/app\.ts:12:5\)<\/code>/);
});

Deno.test("renderDebugHtml() shows the whole cause chain and a plain-text traceback", () => {
  const html = renderDebugHtml(ERROR, REQUEST);
  assert.match(html, /Caused by: RangeError<\/h2><pre class="message">inner &lt;cause&gt;/);
  assert.match(html, /Caused by: Non-error value/);
  const textarea = /<textarea[^>]*>([^<]*)<\/textarea>/.exec(html)?.[1] ?? "";
  assert.match(textarea, /^Error: &lt;bad&gt;/);
  assert.match(textarea, /at lib1 \(\/srv\/node_modules\/x\/1\.js:1:1\)/);
  assert.match(textarea, /Caused by: RangeError: inner &lt;cause&gt;/);
  assert.match(html, /no interactive/);
});

Deno.test("renderDebugText() lists frames with two lines of context, causes and the request", () => {
  const text = renderDebugText(ERROR, REQUEST);
  assert.match(
    text,
    /^500 Internal Server Error: Error in GET http:\/\/localhost:8000\/a\?<q>=1\n/,
  );
  assert.match(text, /\nError: <bad> & 'quoted'\n {2}at handler \(\/srv\/app\.ts:12:5\)\n/);
  assert.match(text, / {6}10 \| const a = 1;\n {6}11 \| if \(a < 2\) \{\n {4}> 12 \| {3}throw/);
  assert.match(text, / {2}\.\.\. 2 library frames\n/);
  assert.match(text, /\nCaused by: RangeError: inner <cause>\n/);
  assert.match(text, /authorization: Bearer \[masked\]/);
  assert.match(text, /cookie: sid=\[masked\]; csrftoken=\[masked\]/);
  assert.match(text, /Remote address: 127\.0\.0\.1:40000/);
  assert.match(text, /Root path \(ctx\.rootPath\): "\/api"/);
  assert.match(text, /\nTraceback:\nError: <bad>/);
  assert.doesNotMatch(text, /abc\.def/);
});

Deno.test("renderDebugText() copes with an error without frames or headers", () => {
  const text = renderDebugText(
    { name: "Non-error value", message: "42", stack: "", frames: [] },
    { method: "GET", url: "http://x/", headers: [] },
  );
  assert.match(text, /Non-error value: 42/);
  assert.match(text, / {2}Headers:\n\nTraceback:/);
});

Deno.test("acceptsHtml() is true for browsers and false for curl, JSON clients and q=0", () => {
  assert.equal(acceptsHtml("text/html"), true);
  assert.equal(acceptsHtml("application/xhtml+xml;q=0.5"), true);
  assert.equal(acceptsHtml("TEXT/HTML"), true);
  assert.equal(acceptsHtml("*/*"), false);
  assert.equal(acceptsHtml("application/json"), false);
  assert.equal(acceptsHtml("text/html;q=0, */*"), false);
  assert.equal(acceptsHtml("text/html;level=1;q=0.0"), false);
  assert.equal(acceptsHtml(""), false);
  assert.equal(acceptsHtml(",,;"), false);
});
