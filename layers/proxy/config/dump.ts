/**
 * `ngw2f proxy -T`: the config as nginx -T shows it, the file's text under a
 * `# configuration file PATH:` header.
 *
 * @module
 */

import { BUILT_IN, builtInText } from "./load.ts";
import type { ProxyConfig } from "./types.ts";

/**
 * The text `ngw2f proxy -T` prints for `config`: each config file (one, for now) under
 * nginx's `# configuration file PATH:` header; the built-in config prints as TOML too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpConfig } from "./dump.ts";
 * import { loadProxyConfig } from "./load.ts";
 *
 * const text = dumpConfig(await loadProxyConfig(null, { prefix: "/srv" }));
 * assert.match(text, /^# configuration file \(built-in\):\n/);
 * assert.match(text, /listen = "127\.0\.0\.1:8080 default_server"/);
 * ```
 */
export function dumpConfig(config: ProxyConfig): string {
  const text = config.file === BUILT_IN
    ? builtInText(config.prefix)
    : Deno.readTextFileSync(config.file);
  return `# configuration file ${config.file}:\n${text}${text.endsWith("\n") ? "" : "\n"}`;
}
