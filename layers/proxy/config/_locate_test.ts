import assert from "node:assert/strict";
import { keyLines, parentPath, Source } from "./_locate.ts";

const TEXT = `# comment
workers = 2
[log_format]
main = """
[[server]]
not = "a key"
"""
[[server]]
listen = "80"
  root = "x"

[[server.location]]
match = "/"
[[server.location]]
match = "/b/"
[server.location.add_header]
X-A = "1"

[[server]]
"server_name" = "b"
[[server.location]]
a.b = 1
`;

Deno.test("keyLines() maps table headers and keys to lines, with 1-based array indexes", () => {
  assert.deepEqual(Object.fromEntries(keyLines(TEXT)), {
    workers: 2,
    log_format: 3,
    "log_format.main": 4,
    "server[1]": 8,
    "server[1].listen": 9,
    "server[1].root": 10,
    "server[1].location[1]": 12,
    "server[1].location[1].match": 13,
    "server[1].location[2]": 14,
    "server[1].location[2].match": 15,
    "server[1].location[2].add_header": 16,
    "server[1].location[2].add_header.X-A": 17,
    "server[2]": 19,
    "server[2].server_name": 20,
    "server[2].location[1]": 21,
    "server[2].location[1].a.b": 22,
  });
});

Deno.test("parentPath() climbs one key or index at a time", () => {
  assert.equal(parentPath("server[2].location[1].try_files"), "server[2].location[1]");
  assert.equal(parentPath("server[2].location[1]"), "server[2].location");
  assert.equal(parentPath("server[2]"), "server");
  assert.equal(parentPath("server"), "");
});

Deno.test("Source.where() falls back to the enclosing table's line and blames -g keys on -g", () => {
  const source = new Source("f.toml", TEXT, 'workers = 4\n\nerror_log = "-"');
  assert.deepEqual(source.where("server[1].location[2].try_files[2]"), {
    file: "f.toml",
    line: 14,
    key: "server[1].location[2].try_files[2]",
  });
  assert.deepEqual(source.where("workers"), { file: "-g", line: 1, key: "workers" });
  assert.deepEqual(source.where("error_log"), { file: "-g", line: 3, key: "error_log" });
  assert.deepEqual(source.where("server"), { file: "f.toml", key: "server" });
});
