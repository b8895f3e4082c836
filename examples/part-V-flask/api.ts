/**
 * The `api` blueprint: the same notes as JSON, with two `MethodView` classes as in Flask's
 * "Method Dispatching and APIs" pattern — one for the collection (`GET`/`POST /api/notes`), one
 * for an item (`GET`/`PUT`/`DELETE /api/notes/<id>`).
 *
 * Authentication is the session cookie the login form set, so a browser script on the site
 * and `curl -b cookies.txt` both work. The form CSRF token is not asked for (`{ csrf: false }`)
 * because a cross-site page cannot make these requests anyway: every unsafe call must carry
 * `Content-Type: application/json` or an `X-Requested-With` header, which a cross-site form
 * cannot send and a cross-site `fetch` can only send after a CORS preflight this app never
 * approves. The cookie's `SameSite=Lax` keeps it off cross-site POSTs besides.
 *
 * @module
 */

import { Blueprint, MethodView } from "../../layers/framework/mod.ts";
import {
  BadRequest,
  HttpError,
  InternalServerError,
  isHttpError,
  NotFound,
  Unauthorized,
  UnprocessableContent,
} from "../../layers/toolkit/mod.ts";
import type { Note, NoteInput } from "./db.ts";
import { checkNote } from "./forms.ts";
import { getDb, type NotesContext, type NotesState, requireUser } from "./state.ts";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The `WWW-Authenticate` challenge of a 401: log in with the form, get the session cookie. */
export const CHALLENGE = 'Cookie realm="notes", form-action="/auth/login", cookie-name="session"';

/** A note as the API shows it: its fields and its URL. */
export interface NoteJson extends Note {
  /** `/api/notes/<id>`. */
  readonly url: string;
}

function noteJson(c: NotesContext, note: Note): NoteJson {
  const { id, title, body, created, updated } = note;
  return { id, title, body, created, updated, url: c.urlFor("api.note", { id }) };
}

/** The JSON body of a create or replace, checked; a 422 says what is wrong. */
async function noteInput(c: NotesContext): Promise<NoteInput> {
  const body = await c.request.json<unknown>();
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new UnprocessableContent('Send a JSON object: {"title": "…", "body": "…"}.');
  }
  const checked = checkNote(body as { title?: unknown; body?: unknown });
  if (!checked.ok) throw new UnprocessableContent(checked.error);
  return checked.value;
}

/** `/api/notes`: the user's notes, and new ones. */
export class NoteListApi extends MethodView {
  /** The list, last saved first. */
  get(c: NotesContext): { notes: NoteJson[] } {
    return { notes: getDb(c).listNotes(requireUser(c).id).map((note) => noteJson(c, note)) };
  }

  /** Creates a note: 201 with its URL in `Location`. */
  async post(c: NotesContext): Promise<[NoteJson, number, HeadersInit]> {
    const note = noteJson(c, getDb(c).createNote(requireUser(c).id, await noteInput(c)));
    return [note, 201, { location: note.url }];
  }
}

/** `/api/notes/<id>`: one of the user's notes (another user's is a 404). */
export class NoteApi extends MethodView {
  /** The note. */
  get(c: NotesContext): NoteJson {
    const note = getDb(c).getNote(requireUser(c).id, c.params.id as number);
    if (!note) throw new NotFound("You have no note with this number.");
    return noteJson(c, note);
  }

  /** Replaces its title and body. */
  async put(c: NotesContext): Promise<NoteJson> {
    const input = await noteInput(c);
    const note = getDb(c).updateNote(requireUser(c).id, c.params.id as number, input);
    if (!note) throw new NotFound("You have no note with this number.");
    return noteJson(c, note);
  }

  /** Deletes it: 204. */
  delete(c: NotesContext): Response {
    if (!getDb(c).deleteNote(requireUser(c).id, c.params.id as number)) {
      throw new NotFound("You have no note with this number.");
    }
    return new Response(null, { status: 204 });
  }
}

/**
 * Before hook of the API: a logged-in user (else 401), and on unsafe methods a header no
 * cross-site form can send (else 400).
 */
export function apiGuard(c: NotesContext): void {
  if (!c.g.user) {
    throw new Unauthorized("Log in first: the API uses the session cookie of the login form.", {
      wwwAuthenticate: CHALLENGE,
    });
  }
  const request = c.request;
  if (UNSAFE.has(request.method) && !request.isJson && !request.headers.has("x-requested-with")) {
    throw new BadRequest(
      "Cannot accept this request: send Content-Type: application/json or an " +
        "X-Requested-With header (the API's protection against cross-site requests).",
    );
  }
}

/** Every error of the API as JSON: `{"error": {"status", "title", "description"}}`. */
export function jsonError(
  _c: NotesContext,
  error: unknown,
): [Record<string, unknown>, number, Headers] {
  const http = isHttpError(error) ? error : new InternalServerError();
  const headers = new Headers(http.headers);
  const json = { error: { status: http.status, title: http.title, description: http.description } };
  return [json, http.status, headers];
}

/** The blueprint, mounted at `/api`. */
export const api: Blueprint<NotesState> = new Blueprint<NotesState>("api", { urlPrefix: "/api" })
  .before(apiGuard)
  .errorHandler(HttpError, jsonError)
  .route("/notes", NoteListApi.asView("notes"), { csrf: false })
  .route("/notes/<int:id>", NoteApi.asView("note"), { csrf: false });
