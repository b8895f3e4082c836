// The layers depend downward only (STYLE.md): read the real module graph with `deno info --json`
// and check every edge between files under layers/.

import assert from "node:assert/strict";
import { root } from "./_cli.ts";

/** Which layers each layer may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  gateway: [],
  toolkit: ["gateway"],
  framework: ["toolkit", "gateway"],
  master: ["gateway"],
  proxy: ["gateway", "toolkit", "master"],
};

interface GraphModule {
  specifier: string;
  dependencies?: {
    specifier: string;
    code?: { specifier: string };
    type?: { specifier: string };
  }[];
}

async function graph(entry: string): Promise<GraphModule[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout)).modules;
}

function layerOf(specifier: string): { layer: string; file: string } | undefined {
  const match = new RegExp(`^file://${root}/layers/([^/]+)/(.+)$`).exec(specifier);
  return match ? { layer: match[1], file: match[2] } : undefined;
}

Deno.test("layers import only the layers below them, and no other layer's private files", async () => {
  const entries = ["main.ts", "mod.ts"];
  for await (const entry of Deno.readDir(`${root}/layers`)) {
    if (entry.isDirectory) entries.push(`layers/${entry.name}/mod.ts`);
  }
  const problems = new Set<string>();
  let edges = 0;
  for (const entry of entries) {
    for (const module of await graph(entry)) {
      const from = layerOf(module.specifier);
      if (!from) continue;
      assert.ok(from.layer in ALLOWED, `unknown layer folder "${from.layer}"`);
      for (const dependency of module.dependencies ?? []) {
        const target = dependency.code?.specifier ?? dependency.type?.specifier;
        const to = target ? layerOf(target) : undefined;
        if (!to) continue;
        edges++;
        if (to.layer === from.layer) continue;
        if (!ALLOWED[from.layer].includes(to.layer)) {
          problems.add(`${from.layer}/${from.file} imports ${to.layer}/${to.file}`);
        }
        if (to.file.split("/").some((part) => part.startsWith("_"))) {
          problems.add(`${from.layer}/${from.file} imports private ${to.layer}/${to.file}`);
        }
      }
    }
  }
  assert.ok(edges > 10, `the graph looks empty (${edges} edges between layer files)`);
  assert.deepEqual([...problems], []);
});

Deno.test("every layer folder has a mod.ts that opens with @module documentation", async () => {
  for await (const entry of Deno.readDir(`${root}/layers`)) {
    if (!entry.isDirectory) continue;
    const text = await Deno.readTextFile(`${root}/layers/${entry.name}/mod.ts`);
    assert.match(text, /@module/, `layers/${entry.name}/mod.ts has no @module doc`);
  }
});
