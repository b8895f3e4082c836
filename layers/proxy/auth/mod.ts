/**
 * The proxy's `auth_basic`: htpasswd files ({@linkcode Htpasswd}: bcrypt, `{SHA}`, `{SSHA}`,
 * `$apr1$`, `{PLAIN}`) and the check a location runs ({@linkcode checkBasicAuth}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBasicAuth, Htpasswd } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/htpasswd`, "bob:{PLAIN}hunter2\n");
 * const verdict = await checkBasicAuth({
 *   method: "GET", target: "/admin", path: "/admin", query: "", version: "1.1",
 *   headers: ["authorization", `Basic ${btoa("bob:hunter2")}`], host: "", keepAlive: true,
 *   contentLength: 0,
 * }, new Htpasswd(`${dir}/htpasswd`), "Admin");
 * assert.equal(verdict, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { Htpasswd, type HtpasswdOptions } from "./htpasswd.ts";
export { checkBasicAuth, unauthorizedReply } from "./basic_auth.ts";
