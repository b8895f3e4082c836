/**
 * `auth_basic`: answer 401 with a `WWW-Authenticate` challenge unless the request carries
 * Basic credentials that an htpasswd file accepts.
 *
 * @module
 */

import { headerOf, type Reply, type RequestHead } from "../types.ts";
import type { Htpasswd } from "./htpasswd.ts";

const PAGE = new TextEncoder().encode(
  "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n" +
    "<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>ngw2f</center>\r\n" +
    "</body>\r\n</html>\r\n",
);

/**
 * The 401 reply for `realm`: `WWW-Authenticate: Basic realm="…"` and nginx's page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unauthorizedReply } from "./basic_auth.ts";
 *
 * const reply = unauthorizedReply('Staff "only"');
 * assert.equal(reply.status, 401);
 * assert.equal(reply.headers[1], 'Basic realm="Staff \\"only\\""');
 * ```
 */
export function unauthorizedReply(realm: string): Reply {
  const quoted = realm.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
  return {
    status: 401,
    headers: ["WWW-Authenticate", `Basic realm="${quoted}"`, "Content-Type", "text/html"],
    body: PAGE,
  };
}

/**
 * Checks a request's Basic credentials against `file`: `true` when they are valid, else the
 * 401 reply for `realm` (missing header, another scheme, bad base64, unknown user, wrong
 * password). Successful checks are cached by the file, so bcrypt runs once per credential.
 *
 * @throws {Error} when the file cannot be reloaded (answer 500: nobody gets in).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBasicAuth } from "./basic_auth.ts";
 * import { Htpasswd } from "./htpasswd.ts";
 * import type { RequestHead } from "../types.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/htpasswd`, "alice:{PLAIN}secret\n");
 * const file = new Htpasswd(`${dir}/htpasswd`);
 * const head = (headers: string[]): RequestHead => ({
 *   method: "GET", target: "/", path: "/", query: "", version: "1.1", headers,
 *   host: "localhost", keepAlive: true, contentLength: 0,
 * });
 * const denied = await checkBasicAuth(head([]), file, "Staff");
 * assert.equal(denied !== true && denied.status, 401);
 * const ok = await checkBasicAuth(head(["authorization", `Basic ${btoa("alice:secret")}`]), file, "Staff");
 * assert.equal(ok, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkBasicAuth(
  head: RequestHead,
  file: Htpasswd,
  realm: string,
): Promise<true | Reply> {
  const authorization = headerOf(head, "authorization");
  if (authorization !== null && await file.check(authorization) !== null) return true;
  return unauthorizedReply(realm);
}
