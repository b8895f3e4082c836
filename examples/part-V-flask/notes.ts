/**
 * The `notes` blueprint (Flask tutorial's `blog.py`): the logged-in user's notes as HTML pages
 * with forms to create, edit and delete them. Every route needs a user: the blueprint's before
 * hook is {@linkcode loginRequired}. CSRF protection is the app's (`{{ csrf_token() }}` in each
 * form); a note someone else owns is a 404, as if it did not exist.
 *
 * @module
 */

import { Blueprint } from "../../layers/framework/mod.ts";
import { NotFound, redirect } from "../../layers/toolkit/mod.ts";
import { loginRequired } from "./auth.ts";
import type { Note } from "./db.ts";
import { checkNote, LIMITS } from "./forms.ts";
import { getDb, type NotesContext, type NotesState, requireUser } from "./state.ts";

/** The blueprint: `/`, `/new`, `/<id>/edit`, `/<id>/delete`. */
export const notes: Blueprint<NotesState> = new Blueprint<NotesState>("notes")
  .before(loginRequired);

/** The user's note `id` from the URL, or a 404. */
function ownNote(c: NotesContext): Note {
  const note = getDb(c).getNote(requireUser(c).id, c.params.id as number);
  if (!note) throw new NotFound("You have no note with this number.");
  return note;
}

notes.get("/", async function index(c: NotesContext) {
  return await c.render("notes/index.html", {
    notes: getDb(c).listNotes(requireUser(c).id),
  });
});

notes.route("/new", async function create(c: NotesContext) {
  if (c.request.method !== "POST") {
    return await c.render("notes/form.html", { note: { title: "", body: "" }, limits: LIMITS });
  }
  const form = await c.request.form();
  const checked = checkNote({ title: form.get("title"), body: form.get("body") });
  if (!checked.ok) return await invalid(c, checked.error, form);
  getDb(c).createNote(requireUser(c).id, checked.value);
  await c.flash("Note saved.", "success");
  return redirect(c.urlFor("notes.index"), 303);
}, { methods: ["GET", "POST"] });

notes.route("/<int:id>/edit", async function edit(c: NotesContext) {
  const note = ownNote(c);
  if (c.request.method !== "POST") {
    return await c.render("notes/form.html", { note, limits: LIMITS });
  }
  const form = await c.request.form();
  const checked = checkNote({ title: form.get("title"), body: form.get("body") });
  if (!checked.ok) return await invalid(c, checked.error, form, note);
  getDb(c).updateNote(requireUser(c).id, note.id, checked.value);
  await c.flash("Note saved.", "success");
  return redirect(c.urlFor("notes.index"), 303);
}, { methods: ["GET", "POST"] });

notes.post("/<int:id>/delete", async function remove(c: NotesContext) {
  const note = ownNote(c);
  getDb(c).deleteNote(requireUser(c).id, note.id);
  await c.flash("Note deleted.", "info");
  return redirect(c.urlFor("notes.index"), 303);
}, { endpoint: "delete" });

/** The form again with what was typed and `error` flashed, as 422. */
async function invalid(
  c: NotesContext,
  error: string,
  form: { get(name: string): string | undefined },
  note?: Note,
): Promise<[Response, number]> {
  await c.flash(error, "error");
  const typed = { ...note, title: form.get("title") ?? "", body: form.get("body") ?? "" };
  return [await c.render("notes/form.html", { note: typed, limits: LIMITS }), 422];
}
