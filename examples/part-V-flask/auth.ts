/**
 * The `auth` blueprint (Flask tutorial's `auth.py`): sign up, log in, log out, plus the hooks
 * the rest of the app uses — {@linkcode loadLoggedInUser} (the tutorial's
 * `before_app_request`) and {@linkcode loginRequired} (its `login_required` decorator, here a
 * before hook of the blueprints that need a user).
 *
 * @module
 */

import { Blueprint } from "../../layers/framework/mod.ts";
import { redirect } from "../../layers/toolkit/mod.ts";
import { checkAccount, safeNext } from "./forms.ts";
import { dummyHash, hashPassword, verifyPassword } from "./passwords.ts";
import { getDb, type NotesContext, type NotesState } from "./state.ts";

/** The session key holding the logged-in user's id. */
export const USER_ID = "user_id";

/**
 * App-wide before hook: puts the logged-in user (or `null`) in `c.g.user`. A session naming a
 * user who no longer exists counts as logged out.
 */
export async function loadLoggedInUser(c: NotesContext): Promise<void> {
  if (c.endpoint === "static") return; // stylesheets need no user
  const id = (await c.session()).get(USER_ID);
  c.g.user = typeof id === "number" ? getDb(c).findUser(id) ?? null : null;
}

/**
 * Before hook of the pages that need a user: without one, a redirect to the login page with
 * `next` set to where the visitor was going (Flask-Login's `login_required`).
 */
export function loginRequired(c: NotesContext): Response | undefined {
  if (c.g.user) return undefined;
  const query = c.request.queryString;
  const next = c.request.rootPath + c.request.path + (query ? `?${query}` : "");
  return redirect(c.urlFor("auth.login", { next }), 302);
}

/** The blueprint: `/auth/signup`, `/auth/login`, `/auth/logout`. */
export const auth: Blueprint<NotesState> = new Blueprint<NotesState>("auth", {
  urlPrefix: "/auth",
});

auth.route("/signup", async function signup(c: NotesContext) {
  if (c.g.user) return redirect(c.urlFor("notes.index"), 302);
  if (c.request.method !== "POST") return await c.render("auth/signup.html");
  const form = await c.request.form();
  const checked = checkAccount(form.get("username"), form.get("password"));
  if (!checked.ok) return await refuse(c, "auth/signup.html", checked.error, form.get("username"));
  const { username, password } = checked.value;
  const user = getDb(c).createUser(username, await hashPassword(password));
  if (!user) {
    return await refuse(c, "auth/signup.html", `The username "${username}" is taken.`, username);
  }
  await c.flash(`Account created for ${user.username}. Log in to start writing.`, "success");
  return redirect(c.urlFor("auth.login", { username: user.username }), 303);
}, { methods: ["GET", "POST"] });

auth.route("/login", async function login(c: NotesContext) {
  const index = c.urlFor("notes.index");
  if (c.request.method !== "POST") {
    if (c.g.user) return redirect(safeNext(c.request.args.get("next"), index), 302);
    return await c.render("auth/login.html", {
      username: c.request.args.get("username") ?? "",
      next: c.request.args.get("next") ?? "",
    });
  }
  const form = await c.request.form();
  const username = (form.get("username") ?? "").trim();
  const next = form.get("next") ?? "";
  const found = getDb(c).findLogin(username);
  // Check a password even for an unknown name: both failures take as long.
  const matches = await verifyPassword(
    form.get("password") ?? "",
    found?.passwordHash ?? await dummyHash(),
  );
  if (!found || !matches) {
    return await refuse(c, "auth/login.html", "Incorrect username or password.", username, next);
  }
  const session = await c.session();
  session.clear(); // a fresh session at login: nothing carried over from before (fixation)
  session.set(USER_ID, found.id);
  await c.flash(`Logged in as ${found.username}.`, "success");
  return redirect(safeNext(next, index), 303);
}, { methods: ["GET", "POST"] });

auth.post("/logout", async function logout(c: NotesContext) {
  (await c.session()).clear();
  await c.flash("Logged out.", "info");
  return redirect(c.urlFor("auth.login"), 303);
});

/** The form again, with `error` flashed, as 422. */
async function refuse(
  c: NotesContext,
  template: string,
  error: string,
  username: unknown,
  next = "",
): Promise<[Response, number]> {
  await c.flash(error, "error");
  const vars = { username: typeof username === "string" ? username.trim() : "", next };
  return [await c.render(template, vars), 422];
}
