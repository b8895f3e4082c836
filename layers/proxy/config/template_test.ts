import assert from "node:assert/strict";
import { compileTemplate, isKnownVariable, splitTemplate, templateProblem } from "./template.ts";

const VARS: Record<string, string> = {
  uri: "/a b",
  args: "x=1",
  host: "example.com",
  remote_addr: "10.0.0.1",
  scheme: "https",
  request_uri: "/a%20b?x=1",
  request_method: "GET",
  server_port: "8443",
  http_user_agent: "curl/8",
  "1": "one",
  "9": "nine",
};
const lookup = (name: string) => VARS[name] ?? "";

Deno.test("compileTemplate() fills nginx variables, braces and captures", () => {
  const render = (text: string) => compileTemplate(text)(lookup);
  assert.equal(
    render("$scheme://$host:$server_port$request_uri"),
    "https://example.com:8443/a%20b?x=1",
  );
  assert.equal(render("${host}name"), "example.comname");
  assert.equal(render("/new/$1/$9"), "/new/one/nine");
  assert.equal(render("$10"), "one0", "captures are one digit, as in nginx");
  assert.equal(
    render("$request_method $uri?$args by $http_user_agent from $remote_addr"),
    "GET /a b?x=1 by curl/8 from 10.0.0.1",
  );
  assert.equal(render("plain text"), "plain text");
  assert.equal(render("$uri"), "/a b");
  assert.equal(render("costs $ 5 and $"), "costs $ 5 and $", "a lone $ stays");
});

Deno.test("compileTemplate() throws on an unknown variable", () => {
  assert.throws(
    () => compileTemplate("$nope"),
    /Cannot compile template: unknown variable "\$nope"/,
  );
  assert.throws(() => compileTemplate("$status"), /unknown variable "\$status"/);
  assert.equal(
    compileTemplate("$status $body_bytes_sent", "log")((n) => n),
    "status body_bytes_sent",
  );
});

Deno.test("templateProblem() reports unknown variables and unclosed braces", () => {
  assert.equal(templateProblem("$host$request_uri"), null);
  assert.equal(templateProblem("$hots"), 'unknown variable "$hots"');
  assert.equal(templateProblem("${host"), 'unclosed "${" in "${host"');
  assert.equal(templateProblem("$time_local", "log"), null);
  assert.equal(templateProblem("$sent_http_content_type", "log"), null);
  assert.equal(
    templateProblem("$sent_http_content_type"),
    'unknown variable "$sent_http_content_type"',
  );
});

Deno.test("isKnownVariable() knows $http_<name> in both kinds and $1 only at request time", () => {
  assert.ok(isKnownVariable("http_x_forwarded_for"));
  assert.ok(isKnownVariable("http_referer", "log"));
  assert.ok(isKnownVariable("1"));
  assert.ok(!isKnownVariable("1", "log"));
  assert.ok(!isKnownVariable("0"));
});

Deno.test("splitTemplate() alternates literal text and variable names", () => {
  assert.deepEqual(splitTemplate("a$b${c}d$1"), ["a", "b", "", "c", "d", "1", ""]);
  assert.deepEqual(splitTemplate("none"), ["none"]);
});
