/**
 * What the forms and the API accept (the checks a Flask app would write in its views or with
 * WTForms validators): each check returns the cleaned value or the message to show.
 *
 * @module
 */

import type { NoteInput } from "./db.ts";

/** A check's outcome: the cleaned value, or why it was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** Longest title and body a note may have, in characters. */
export const LIMITS = { title: 200, body: 20_000 } as const;

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

/**
 * A sign-up's name and password: a name of 3 to 32 letters, digits, `_`, `.` or `-`, and a
 * password of 8 to 1024 characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAccount } from "./forms.ts";
 *
 * assert.deepEqual(checkAccount(" ada ", "analytical"), {
 *   ok: true,
 *   value: { username: "ada", password: "analytical" },
 * });
 * assert.deepEqual(checkAccount("ada", "short"), {
 *   ok: false,
 *   error: "Choose a password of at least 8 characters.",
 * });
 * ```
 */
export function checkAccount(
  username: unknown,
  password: unknown,
): Checked<{ username: string; password: string }> {
  const name = typeof username === "string" ? username.trim() : "";
  const secret = typeof password === "string" ? password : "";
  if (!USERNAME.test(name)) {
    return {
      ok: false,
      error: "Choose a username of 3 to 32 letters, digits, dots, dashes or underscores.",
    };
  }
  if (secret.length < 8) return { ok: false, error: "Choose a password of at least 8 characters." };
  if (secret.length > 1024) return { ok: false, error: "Choose a shorter password." };
  return { ok: true, value: { username: name, password: secret } };
}

/**
 * A note's title and body, from a form or a JSON object: the title is trimmed and required,
 * line endings become `\n`, and both have a maximum length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkNote } from "./forms.ts";
 *
 * assert.deepEqual(checkNote({ title: " Shopping ", body: "eggs\r\nflour" }), {
 *   ok: true,
 *   value: { title: "Shopping", body: "eggs\nflour" },
 * });
 * assert.deepEqual(checkNote({ body: "no title" }), { ok: false, error: "A note needs a title." });
 * ```
 */
export function checkNote(fields: { title?: unknown; body?: unknown }): Checked<NoteInput> {
  const { title, body = "" } = fields;
  if (typeof title !== "string" || typeof body !== "string") {
    if (title === undefined || title === null) return { ok: false, error: "A note needs a title." };
    return { ok: false, error: "A note's title and body must be text." };
  }
  const clean = { title: title.trim(), body: body.replace(/\r\n?/g, "\n") };
  if (clean.title === "") return { ok: false, error: "A note needs a title." };
  if (clean.title.length > LIMITS.title) {
    return { ok: false, error: `Keep the title under ${LIMITS.title} characters.` };
  }
  if (clean.body.length > LIMITS.body) {
    return { ok: false, error: `Keep the note under ${LIMITS.body} characters.` };
  }
  return { ok: true, value: clean };
}

/**
 * Where to go after logging in: `next` when it is a path on this site, else `fallback`. A
 * `next` of `//evil.example`, `/\evil.example` or `https://evil.example` would make the login
 * page an open redirect: `next` is resolved the way a browser would and must stay on this
 * origin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeNext } from "./forms.ts";
 *
 * assert.equal(safeNext("/3/edit?x=1", "/"), "/3/edit?x=1");
 * assert.equal(safeNext("//evil.example/", "/"), "/");
 * assert.equal(safeNext("/\\evil.example/", "/"), "/");
 * assert.equal(safeNext("/\t/evil.example/", "/"), "/");
 * assert.equal(safeNext("https://evil.example/", "/"), "/");
 * ```
 */
export function safeNext(next: unknown, fallback: string): string {
  if (typeof next !== "string" || !next.startsWith("/")) return fallback;
  const here = "http://notes.invalid";
  let url: URL;
  try {
    url = new URL(next, here);
  } catch {
    return fallback;
  }
  return url.origin === here ? url.pathname + url.search + url.hash : fallback;
}
