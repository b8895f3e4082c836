// Private to the session folder: itsdangerous-style timed signing with WebCrypto.
//
// A token is `payload.timestamp.signature`, each part base64url without padding: the payload
// is the value as UTF-8 JSON, the timestamp the signing time in whole seconds (big-endian
// bytes, leading zeros dropped), the signature HMAC-SHA256 over `payload.timestamp`. The
// signing key is derived per purpose as itsdangerous's "hmac" derivation does:
// HMAC-SHA256(secret, salt). Keys are derived and imported once per serializer.

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const HMAC = { name: "HMAC", hash: "SHA-256" } as const;
const SIGNATURE_CHARS = 43; // 32 bytes, base64url without padding
const BASE64URL = { alphabet: "base64url", omitPadding: true } as const;
const STRICT = { alphabet: "base64url", lastChunkHandling: "strict" } as const;
const PADDING = ["", "===", "==", "="] as const;

/** Base64url without padding. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64(BASE64URL);
}

/** Decodes canonical base64url without padding; `null` for anything else. */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (text.includes("=")) return null;
  const padding = PADDING[text.length % 4];
  try {
    return Uint8Array.fromBase64(text + padding, STRICT);
  } catch {
    return null;
  }
}

function encodeTimestamp(seconds: number): string {
  const bytes: number[] = [];
  for (let rest = seconds; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return encodeBase64Url(Uint8Array.from(bytes));
}

function decodeTimestamp(text: string): number | null {
  const bytes = decodeBase64Url(text);
  if (bytes === null || bytes.length > 6) return null;
  let seconds = 0;
  for (const byte of bytes) seconds = seconds * 256 + byte;
  return seconds;
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function deriveKey(secret: string, salt: string): Promise<CryptoKey> {
  const master = await crypto.subtle.importKey("raw", ENCODER.encode(secret), HMAC, false, [
    "sign",
  ]);
  const derived = await crypto.subtle.sign("HMAC", master, ENCODER.encode(salt));
  return await crypto.subtle.importKey("raw", derived, HMAC, false, ["sign", "verify"]);
}

/** What {@linkcode TimedSerializer.loads} found. */
export type Loaded =
  | { ok: true; value: unknown; timestamp: number }
  | { ok: false; reason: "invalid" | "expired" };

const INVALID: Loaded = { ok: false, reason: "invalid" };
const EXPIRED: Loaded = { ok: false, reason: "expired" };

/** How far in the future (seconds) a timestamp may be, for clocks of several hosts. */
export const CLOCK_SKEW = 60;

interface Verified {
  timestamp: number;
  json: string;
}

/**
 * Signs JSON values with a timestamp and loads them back, verifying with the current key or
 * any fallback key. Remembers up to `cacheSize` tokens it verified or made (with their
 * decoded JSON), so a repeated token skips the HMAC and the decoding; only tokens whose
 * signature was good are remembered, and their age is still checked on every load.
 */
export class TimedSerializer {
  #secrets: readonly string[];
  #salt: string;
  #keys: Promise<CryptoKey[]> | undefined;
  #cacheSize: number;
  #verified = new Map<string, Verified>();

  constructor(secrets: readonly string[], salt: string, cacheSize = 0) {
    this.#secrets = secrets;
    this.#salt = salt;
    this.#cacheSize = cacheSize;
  }

  #getKeys(): Promise<CryptoKey[]> {
    return this.#keys ??= Promise.all(this.#secrets.map((secret) => deriveKey(secret, this.#salt)));
  }

  #remember(token: string, verified: Verified): void {
    if (this.#cacheSize <= 0) return;
    const cache = this.#verified;
    if (cache.size >= this.#cacheSize) cache.delete(cache.keys().next().value!);
    cache.set(token, verified);
  }

  async #verify(token: string): Promise<Verified | null> {
    const split = token.lastIndexOf(".");
    const dot = token.lastIndexOf(".", split - 1);
    if (dot <= 0) return null;
    const signature = token.slice(split + 1);
    const bytes = signature.length === SIGNATURE_CHARS ? decodeBase64Url(signature) : null;
    const timestamp = decodeTimestamp(token.slice(dot + 1, split));
    if (bytes === null || timestamp === null) return null;
    const data = ENCODER.encode(token.slice(0, split));
    let good = false;
    for (const key of await this.#getKeys()) {
      if (await crypto.subtle.verify("HMAC", key, bytes, data)) {
        good = true;
        break;
      }
    }
    const payload = good ? decodeBase64Url(token.slice(0, dot)) : null;
    if (payload === null) return null;
    try {
      return { timestamp, json: DECODER.decode(payload) };
    } catch {
      return null;
    }
  }

  /** Signs `value` (JSON-serializable) at `nowSeconds`. */
  async dumps(value: unknown, nowSeconds: number): Promise<string> {
    const [key] = await this.#getKeys();
    const json = JSON.stringify(value);
    const timestamp = Math.floor(nowSeconds);
    const signed = `${encodeBase64Url(ENCODER.encode(json))}.${encodeTimestamp(timestamp)}`;
    const signature = await crypto.subtle.sign("HMAC", key, ENCODER.encode(signed));
    const token = `${signed}.${encodeBase64Url(new Uint8Array(signature))}`;
    this.#remember(token, { timestamp, json });
    return token;
  }

  /**
   * Verifies `token`, then its age against `maxAge` seconds (`null`: no limit), then parses
   * its payload. Never throws.
   */
  async loads(token: string, maxAge: number | null, nowSeconds: number): Promise<Loaded> {
    let verified = this.#verified.get(token);
    if (verified === undefined) {
      const checked = await this.#verify(token);
      if (checked === null) return INVALID;
      this.#remember(token, checked);
      verified = checked;
    }
    const age = nowSeconds - verified.timestamp;
    if (age < -CLOCK_SKEW || (maxAge !== null && age > maxAge)) return EXPIRED;
    try {
      return { ok: true, value: JSON.parse(verified.json), timestamp: verified.timestamp };
    } catch {
      return INVALID;
    }
  }
}
