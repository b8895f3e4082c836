// The SASL exchanges of SMTP AUTH (RFC 4954): PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195),
// their base64, challenges and answers, and the client's `*` to cancel. Private to the mail
// module.

/** An AUTH mechanism the proxy speaks. */
export type SaslMethod = "plain" | "login" | "cram-md5";

/** What an exchange yields: the method told to auth_http, the user, the password or digest. */
export interface Credentials {
  /** `plain` for PLAIN and LOGIN (as nginx tells auth_http), or `cram-md5`. */
  method: "plain" | "cram-md5";
  /** The user name. */
  user: string;
  /** The password, or the CRAM-MD5 hex digest. */
  pass: string;
  /** The CRAM-MD5 challenge, as sent (not base64). */
  salt?: string;
}

/** How an exchange talks to the client. */
export interface SaslIo {
  /** The host name in the CRAM-MD5 challenge. */
  serverName: string;
  /** Sends `334 <challenge>` and reads the answer line; null when there is none (replied). */
  ask(challenge: string): Promise<string | null>;
  /** Replies an error (a 501). */
  fail(line: string): void;
}

/**
 * Runs the `method` exchange, starting from the AUTH command's `initial` response if any;
 * null (the error replied through `io`) when cancelled, malformed or cut short.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCredentials } from "./_sasl.ts";
 *
 * const answers = [btoa("bob"), btoa("secret")];
 * const io = { serverName: "mx", ask: () => Promise.resolve(answers.shift() ?? null), fail() {} };
 * const credentials = await readCredentials("login", undefined, io);
 * assert.deepEqual(credentials, { method: "plain", user: "bob", pass: "secret" });
 * ```
 */
export async function readCredentials(
  method: SaslMethod,
  initial: string | undefined,
  io: SaslIo,
): Promise<Credentials | null> {
  const fail = (line: string): null => {
    io.fail(line);
    return null;
  };
  const ask = async (challenge: string) => {
    const answer = await io.ask(challenge);
    if (answer === "*") return fail("501 5.7.0 Authentication cancelled");
    return answer;
  };
  const decode = (answer: string | null) => {
    if (answer === null) return null;
    const text = decodeBase64Text(answer.trim());
    return text === null ? fail("501 5.5.2 Cannot decode the response") : text;
  };
  if (method === "plain") {
    const message = decode(initial ?? await ask(""));
    if (message === null) return null;
    const parsed = parsePlain(message);
    return parsed ? { method: "plain", ...parsed } : fail("501 5.5.2 Invalid PLAIN message");
  }
  if (method === "login") {
    const user = decode(initial ?? await ask("VXNlcm5hbWU6"));
    if (user === null) return null;
    if (!user) return fail("501 5.5.2 Empty user name");
    const pass = decode(await ask("UGFzc3dvcmQ6"));
    // nginx tells auth_http "plain" for LOGIN too: the same user name and password.
    return pass === null ? null : { method: "plain", user, pass };
  }
  if (initial !== undefined) return fail("501 5.5.4 Invalid argument");
  const salt = cramMd5Challenge(io.serverName);
  const answer = decode(await ask(encodeBase64Text(salt)));
  if (answer === null) return null;
  const parsed = parseCramMd5(answer);
  return parsed
    ? { method: "cram-md5", user: parsed.user, pass: parsed.digest, salt }
    : fail("501 5.5.2 Invalid CRAM-MD5 answer");
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a client's base64 answer to UTF-8 text; `=` (RFC 4954's empty initial response)
 * is the empty string. Null when it is not strict base64 or not UTF-8.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBase64Text } from "./_sasl.ts";
 *
 * assert.equal(decodeBase64Text("Ym9i"), "bob");
 * assert.equal(decodeBase64Text("Ym9i="), null);
 * ```
 */
export function decodeBase64Text(text: string): string | null {
  if (text === "=") return "";
  if (!BASE64.test(text)) return null;
  try {
    const binary = atob(text);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Base64 of the UTF-8 bytes of `text`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBase64Text } from "./_sasl.ts";
 *
 * assert.equal(encodeBase64Text("Username:"), "VXNlcm5hbWU6");
 * ```
 */
export function encodeBase64Text(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The user and password of a PLAIN message (`authzid NUL user NUL pass`), or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePlain } from "./_sasl.ts";
 *
 * assert.deepEqual(parsePlain("\0bob\0secret"), { user: "bob", pass: "secret" });
 * ```
 */
export function parsePlain(message: string): { user: string; pass: string } | null {
  const parts = message.split("\0");
  if (parts.length !== 3 || parts[1] === "") return null;
  return { user: parts[1], pass: parts[2] };
}

/**
 * The user and hex digest of a CRAM-MD5 answer (`user SP 32-hex-digits`), or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCramMd5 } from "./_sasl.ts";
 *
 * const answer = parseCramMd5("joe 3dbc88f0624776a737b39093f6eb6427");
 * assert.equal(answer?.user, "joe");
 * ```
 */
export function parseCramMd5(answer: string): { user: string; digest: string } | null {
  const space = answer.lastIndexOf(" ");
  if (space <= 0) return null;
  const digest = answer.slice(space + 1);
  if (!/^[0-9a-fA-F]{32}$/.test(digest)) return null;
  return { user: answer.slice(0, space), digest: digest.toLowerCase() };
}

/**
 * A CRAM-MD5 challenge as nginx makes it: `<random.unixtime@server_name>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cramMd5Challenge } from "./_sasl.ts";
 *
 * assert.match(cramMd5Challenge("mx.example.com"), /^<\d+\.\d+@mx\.example\.com>$/);
 * ```
 */
export function cramMd5Challenge(serverName: string, now = Date.now()): string {
  const [random] = crypto.getRandomValues(new Uint32Array(1));
  return `<${random}.${Math.floor(now / 1000)}@${serverName}>`;
}
