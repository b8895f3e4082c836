/**
 * `ngw2f proxy -t`: checks the files a config names. A missing root or alias is a warning (it
 * may be made later); missing TLS files, htpasswd files and log folders are errors.
 *
 * @module
 */

import { dirname } from "node:path";
import { ConfigError } from "../../gateway/mod.ts";
import { keyLines } from "./_locate.ts";
import { BUILT_IN } from "./load.ts";
import type { ProxyConfig, Settings } from "./types.ts";

/** What `checkConfigFiles()` found; each entry names the file, line and key. */
export interface FileCheck {
  /** Problems that stop the proxy from starting. */
  errors: string[];
  /** Problems worth a word (a missing root folder). */
  warnings: string[];
}

/** How to check. */
export interface CheckOptions {
  /** The config's text, to name lines (default: read `config.file` again). */
  text?: string;
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

function kind(path: string): "file" | "dir" | null {
  try {
    const info = Deno.statSync(path);
    return info.isDirectory ? "dir" : "file";
  } catch {
    return null;
  }
}

function readable(path: string): string | null {
  try {
    Deno.openSync(path).close();
    return null;
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? "does not exist" : (error as Error).message;
  }
}

/**
 * Checks the files and folders `config` refers to: root and alias folders (warnings), TLS
 * certificates and keys, `auth_basic_user_file`s, and the folders of logs and the pid file
 * (errors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkConfigFiles } from "./check.ts";
 * import { parseProxyConfig } from "./load.ts";
 *
 * const text = '[[server]]\nroot = "/nowhere/at/all"\naccess_log = "off"\n';
 * const config = parseProxyConfig(text, "/srv/ngw2f.toml", { prefix: Deno.cwd() });
 * const { errors, warnings } = checkConfigFiles(config, { text });
 * assert.deepEqual(errors, []);
 * assert.equal(
 *   warnings[0],
 *   'Cannot use /srv/ngw2f.toml:2: server[1].root: directory "/nowhere/at/all" does not exist',
 * );
 * ```
 */
export function checkConfigFiles(
  config: ProxyConfig,
  options: CheckOptions = {},
): FileCheck {
  const text = options.text ??
    (config.file === BUILT_IN ? "" : readText(config.file));
  const lines = keyLines(text);
  const errors: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  /** Reports `why` once, at the innermost of `paths` the file sets (else the last one). */
  const report = (list: string[], paths: string[], why: string) => {
    const key = paths.find((p) => lines.has(p)) ?? paths.at(-1)!;
    const message = new ConfigError(why, { file: config.file, line: lines.get(key), key }).message;
    if (!seen.has(message)) list.push(message), seen.add(message);
  };
  /** The certificate and key files, blamed on the innermost of `scopes` that sets them. */
  const tlsChecks = (ssl: { certificate: string; key: string } | null, scopes: string[]) => {
    for (const [key, path] of Object.entries(ssl ?? {})) {
      const why = readable(path);
      const name = key === "key" ? "ssl_certificate_key" : "ssl_certificate";
      if (why) report(errors, scopes.map((scope) => `${scope}.${name}`), `"${path}" ${why}`);
    }
  };
  const settingsChecks = (settings: Settings, scopes: string[]) => {
    const at = (key: string) => scopes.map((s) => (s ? `${s}.${key}` : key));
    for (const key of ["root", "alias"] as const) {
      const path = settings[key];
      if (path && !path.includes("$") && (kind(path)) !== "dir") {
        report(warnings, at(key), `directory "${path}" does not exist`);
      }
    }
    if (settings.authBasic) {
      const why = readable(settings.authBasic.userFile);
      if (why) {
        report(errors, at("auth_basic_user_file"), `"${settings.authBasic.userFile}" ${why}`);
      }
    }
    for (const log of settings.accessLog) {
      if (log.path !== "-" && (kind(dirname(log.path))) !== "dir") {
        report(errors, at("access_log"), `directory "${dirname(log.path)}" does not exist`);
      }
    }
  };
  for (const [key, path] of [["error_log", config.errorLog.path], ["pid", config.pid]]) {
    if (path && path !== "-" && (kind(dirname(path))) !== "dir") {
      report(errors, [key!], `directory "${dirname(path)}" does not exist`);
    }
  }
  for (const [i, server] of config.servers.entries()) {
    const scope = `server[${i + 1}]`;
    tlsChecks(server.ssl, [scope]);
    settingsChecks(server.settings, [scope, ""]);
    for (const [j, location] of server.locations.entries()) {
      settingsChecks(location.settings, [`${scope}.location[${j + 1}]`, scope, ""]);
    }
  }
  for (const [i, server] of config.mailServers.entries()) {
    tlsChecks(server.ssl, [`mail.server[${i + 1}]`, "mail"]);
  }
  return { errors, warnings };
}
