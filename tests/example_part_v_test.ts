// End-to-end: the part V notes app (examples/part-V-flask/) under the real CLI with two workers,
// over real sockets: the talk's `GET / HTTP/1.0`, sign-up and login, notes through the forms
// (CSRF tokens scraped from the pages), the JSON API, one user's notes hidden from another, and
// one session cookie honoured by both workers.

import assert from "node:assert/strict";
import { parseResponse, rawExchange, runCli, startCli } from "./_cli.ts";

const APP = "examples/part-V-flask/app.ts";
const SECRET = "e2e-secret-key-0123456789abcdef";

/** One visitor: a cookie jar (the session cookie) over fetch, redirects not followed. */
class Visitor {
  cookie = "";
  constructor(readonly base: string) {}

  async request(
    method: string,
    path: string,
    init: {
      form?: Record<string, string>;
      json?: unknown;
      body?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set("cookie", this.cookie);
    let body: BodyInit | undefined = init.body;
    if (init.form) body = new URLSearchParams(init.form);
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    const response = await fetch(this.base + path, { method, headers, body, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      if (!pair.startsWith("session=")) continue;
      const gone = attributes.some((a) => /^\s*max-age=0$/i.test(a)) || pair === "session=";
      this.cookie = gone ? "" : pair;
    }
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  get(path: string) {
    return this.request("GET", path);
  }

  /** The CSRF token of the form on `path`. */
  async token(path: string): Promise<string> {
    const page = await this.get(path);
    assert.equal(page.status, 200, `GET ${path}: ${page.text.slice(0, 300)}`);
    const found = /name="csrf_token" value="([^"]+)"/.exec(page.text);
    assert.ok(found, `no CSRF token on ${path}`);
    return found[1];
  }

  /** Posts a form with the token of the form on `formPath`. */
  async submit(formPath: string, action: string, fields: Record<string, string> = {}) {
    const csrf_token = await this.token(formPath);
    return await this.request("POST", action, { form: { ...fields, csrf_token } });
  }

  async signUpAndLogIn(username: string, password: string): Promise<void> {
    const created = await this.submit("/auth/signup", "/auth/signup", { username, password });
    assert.equal(created.status, 303, created.text);
    const loggedIn = await this.submit("/auth/login", "/auth/login", { username, password });
    assert.equal(loggedIn.status, 303, loggedIn.text);
  }
}

const flash = (category: string, message: string) =>
  new RegExp(`class="flash flash-${category}"[^>]*>${message.replace(/[.()]/g, "\\$&")}</p>`);

function env(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { APP_SECRET_KEY: SECRET, APP_DATABASE: `${dir}/notes.db`, ...extra };
}

Deno.test("part V notes app under serve -w 2: forms with CSRF, flashes, the JSON API, owners, shared sessions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-part-v-" });
  try {
    await using cli = await startCli(["serve", "-w", "2", "-b", "127.0.0.1:0", APP], {
      env: env(dir),
    });
    const base = `http://127.0.0.1:${cli.port}`;

    // The talk's ending: telnet, GET / HTTP/1.0, and the app answers — a redirect to log in.
    const talk = await rawExchange(cli.port, "GET / HTTP/1.0\r\n\r\n");
    assert.ok(talk.closedByServer, "an HTTP/1.0 answer ends with the connection");
    const hello = parseResponse(talk.text);
    assert.match(hello.statusLine, /^HTTP\/1\.[01] 302 Found$/);
    assert.equal(hello.headers.get("location"), "/auth/login?next=%2F");
    assert.equal(hello.headers.get("vary"), "Cookie");

    // Sign up (a name is taken once, in any case), then log in (a wrong password is refused).
    const ada = new Visitor(base);
    const signup = await ada.submit("/auth/signup", "/auth/signup", {
      username: "ada",
      password: "analytical engine",
    });
    assert.equal(signup.status, 303);
    assert.equal(signup.headers.get("location"), "/auth/login?username=ada");
    const taken = await ada.submit("/auth/signup", "/auth/signup", {
      username: "ADA",
      password: "whatever123",
    });
    assert.equal(taken.status, 422);
    assert.match(taken.text, flash("error", "The username &quot;ADA&quot; is taken."));
    const short = await ada.submit("/auth/signup", "/auth/signup", {
      username: "bo",
      password: "x",
    });
    assert.equal(short.status, 422);
    const wrong = await ada.submit("/auth/login", "/auth/login", {
      username: "ada",
      password: "difference engine",
    });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, flash("error", "Incorrect username or password."));
    const unknown = await ada.submit("/auth/login", "/auth/login", {
      username: "nobody",
      password: "difference engine",
    });
    assert.equal(unknown.status, 422);
    assert.match(unknown.text, flash("error", "Incorrect username or password."));

    const login = await ada.submit("/auth/login?next=%2F", "/auth/login", {
      username: "ada",
      password: "analytical engine",
      next: "/",
    });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get("location"), "/");
    const home = await ada.get("/");
    assert.equal(home.status, 200);
    assert.match(home.text, flash("success", "Logged in as ada."));
    assert.match(home.text, /<span class="who">ada<\/span>/);
    assert.match(home.text, /No notes yet/);
    const again = await ada.get("/");
    assert.doesNotMatch(again.text, /Logged in as ada/, "a flash is shown once");

    // A form post without the CSRF token is refused, with the reason.
    const forged = await ada.request("POST", "/new", { form: { title: "forged" } });
    assert.equal(forged.status, 400);
    assert.match(forged.text, /The CSRF token is missing\./);
    const stale = await ada.request("POST", "/new", {
      form: { title: "forged", csrf_token: "not-a-token" },
    });
    assert.equal(stale.status, 400);

    // Create, edit (an invalid edit keeps what was typed), delete — through the forms.
    const created = await ada.submit("/new", "/new", {
      title: "Notes on the Engine",
      body: "It weaves algebraic patterns\r\njust as the loom weaves flowers.",
    });
    assert.equal(created.status, 303);
    assert.equal(created.headers.get("location"), "/");
    let list = await ada.get("/");
    assert.match(list.text, flash("success", "Note saved."));
    const id = Number(/id="note-(\d+)"/.exec(list.text)?.[1]);
    assert.ok(id > 0, list.text);
    assert.match(list.text, /<h2>Notes on the Engine<\/h2>/);
    assert.match(list.text, /algebraic patterns\njust as the loom/);

    const form = await ada.get(`/${id}/edit`);
    assert.equal(form.status, 200);
    assert.match(form.text, /value="Notes on the Engine"/);
    const blank = await ada.submit(`/${id}/edit`, `/${id}/edit`, { title: "  ", body: "kept" });
    assert.equal(blank.status, 422);
    assert.match(blank.text, flash("error", "A note needs a title."));
    assert.match(blank.text, />kept<\/textarea>/);
    const edited = await ada.submit(`/${id}/edit`, `/${id}/edit`, {
      title: "Note G <Bernoulli>",
      body: "The first program.",
    });
    assert.equal(edited.status, 303);
    list = await ada.get("/");
    assert.match(list.text, flash("success", "Note saved."));
    assert.match(list.text, /<h2>Note G &lt;Bernoulli&gt;<\/h2>/, "escaped by the template");
    assert.doesNotMatch(list.text, /Notes on the Engine/);

    // The JSON API, authenticated by the same session cookie.
    const anonymous = await fetch(`${base}/api/notes`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Cookie realm="notes"/);
    assert.equal((await anonymous.json()).error.status, 401);

    const listed = await ada.get("/api/notes");
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get("content-type"), "application/json");
    const notes = JSON.parse(listed.text).notes;
    assert.equal(notes.length, 1);
    assert.equal(notes[0].id, id);
    assert.equal(notes[0].title, "Note G <Bernoulli>");
    assert.equal(notes[0].url, `/api/notes/${id}`);
    assert.match(notes[0].updated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const posted = await ada.request("POST", "/api/notes", {
      json: { title: "From the API", body: "json" },
    });
    assert.equal(posted.status, 201);
    const apiNote = JSON.parse(posted.text);
    assert.equal(posted.headers.get("location"), `/api/notes/${apiNote.id}`);
    assert.deepEqual([apiNote.title, apiNote.body], ["From the API", "json"]);

    const notJson = await ada.request("POST", "/api/notes", { form: { title: "cross-site" } });
    assert.equal(notJson.status, 400, "a form-encoded POST could come from any site");
    assert.match(JSON.parse(notJson.text).error.description, /X-Requested-With/);
    const noTitle = await ada.request("POST", "/api/notes", { json: { body: "untitled" } });
    assert.equal(noTitle.status, 422);
    assert.equal(JSON.parse(noTitle.text).error.description, "A note needs a title.");
    const badJson = await ada.request("POST", "/api/notes", {
      headers: { "content-type": "application/json" },
      body: '{"title": ',
    });
    assert.equal(badJson.status, 400);

    const fetched = await ada.get(`/api/notes/${apiNote.id}`);
    assert.deepEqual(JSON.parse(fetched.text), apiNote);
    const put = await ada.request("PUT", `/api/notes/${apiNote.id}`, {
      json: { title: "Renamed", body: "by PUT" },
    });
    assert.equal(put.status, 200);
    assert.deepEqual([JSON.parse(put.text).title, JSON.parse(put.text).body], [
      "Renamed",
      "by PUT",
    ]);
    const patch = await ada.request("PATCH", `/api/notes/${apiNote.id}`, { json: {} });
    assert.equal(patch.status, 405);
    assert.equal(patch.headers.get("allow"), "DELETE, GET, HEAD, OPTIONS, PUT");
    const deleted = await ada.request("DELETE", `/api/notes/${apiNote.id}`, {
      headers: { "x-requested-with": "fetch" },
    });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, "");
    const gone = await ada.get(`/api/notes/${apiNote.id}`);
    assert.equal(gone.status, 404);
    assert.equal(JSON.parse(gone.text).error.status, 404);
    const unrouted = await ada.get("/api/nothing-here");
    assert.equal(unrouted.status, 404);
    assert.equal(JSON.parse(unrouted.text).error.status, 404);

    // Someone else's note does not exist for bob: 404 in the API and in the pages.
    const bob = new Visitor(base);
    await bob.signUpAndLogIn("bob", "babbage's friend");
    for (const method of ["GET", "PUT", "DELETE"]) {
      const answer = await bob.request(method, `/api/notes/${id}`, {
        json: method === "PUT" ? { title: "mine now" } : undefined,
        headers: { "x-requested-with": "fetch" },
      });
      assert.equal(answer.status, 404, `${method} /api/notes/${id} as bob`);
    }
    assert.deepEqual(JSON.parse((await bob.get("/api/notes")).text).notes, []);
    assert.equal((await bob.get(`/${id}/edit`)).status, 404);
    const steal = await bob.submit("/", `/${id}/delete`);
    assert.equal(steal.status, 404);
    assert.match((await ada.get("/")).text, /Note G &lt;Bernoulli&gt;/, "still there");

    // Both workers honour one session cookie: fresh connections, spread by the kernel.
    const workers = new Set<string>();
    for (let i = 0; i < 60 && workers.size < 2; i++) {
      const { text } = await rawExchange(
        cli.port,
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${ada.cookie}\r\nConnection: close\r\n\r\n`,
      );
      const page = parseResponse(text);
      assert.match(page.statusLine, /^HTTP\/1\.1 200 OK$/, text.slice(0, 300));
      assert.match(page.body, /<span class="who">ada<\/span>/);
      workers.add(/served by worker (\d) of 2/.exec(page.body)?.[1] ?? "?");
    }
    assert.deepEqual([...workers].sort(), ["1", "2"]);

    // The talk's ending once more, now with the session: the page itself.
    const withSession = await rawExchange(
      cli.port,
      `GET / HTTP/1.0\r\nCookie: ${ada.cookie}\r\n\r\n`,
    );
    assert.ok(withSession.closedByServer);
    const page = parseResponse(withSession.text);
    assert.match(page.statusLine, /^HTTP\/1\.[01] 200 OK$/);
    assert.match(page.body, /<title>Your notes · Notes<\/title>/);

    // Delete through the form, then log out.
    const removed = await ada.submit("/", `/${id}/delete`);
    assert.equal(removed.status, 303);
    list = await ada.get("/");
    assert.match(list.text, flash("info", "Note deleted."));
    assert.match(list.text, /No notes yet/);
    const logout = await ada.submit("/", "/auth/logout");
    assert.equal(logout.status, 303);
    assert.equal(logout.headers.get("location"), "/auth/login");
    assert.match((await ada.get("/auth/login")).text, flash("info", "Logged out."));
    assert.equal((await ada.get("/")).status, 302);
    assert.equal((await ada.get("/api/notes")).status, 401);

    // Static files come from the example's folder.
    const css = await fetch(`${base}/static/style.css`);
    assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
    assert.match(await css.text(), /\.flash-success/);

    assert.equal(await cli.stop("SIGTERM"), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("part V notes app refuses to start without APP_SECRET_KEY; the dev key is for loopback only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-part-v-" });
  try {
    const args = (bind: string) => ["serve", "-w", "2", "-b", bind, APP];
    const missing = await runCli(args("127.0.0.1:0"), { env: env(dir, { APP_SECRET_KEY: "" }) });
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /APP_SECRET_KEY: SECRET_KEY: not set/);
    const weak = await runCli(args("127.0.0.1:0"), { env: env(dir, { APP_SECRET_KEY: "dev" }) });
    assert.equal(weak.code, 3, weak.stderr);
    assert.match(weak.stderr, /SECRET_KEY: too short/);
    const exposed = await runCli(args("0.0.0.0:0"), {
      env: env(dir, { APP_SECRET_KEY: "", APP_ALLOW_DEV_SECRET_KEY: "1" }),
    });
    assert.equal(exposed.code, 3, exposed.stderr);
    assert.match(exposed.stderr, /for loopback addresses only/);

    // On loopback with the dev key allowed: one key for both workers (kept in the database).
    await using cli = await startCli(args("127.0.0.1:0"), {
      env: env(dir, { APP_SECRET_KEY: "", APP_ALLOW_DEV_SECRET_KEY: "1" }),
    });
    await cli.waitFor("Using the development SECRET_KEY");
    const ada = new Visitor(`http://127.0.0.1:${cli.port}`);
    await ada.signUpAndLogIn("ada", "analytical engine");
    const workers = new Set<string>();
    for (let i = 0; i < 60 && workers.size < 2; i++) {
      const { text } = await rawExchange(
        cli.port,
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${ada.cookie}\r\nConnection: close\r\n\r\n`,
      );
      const page = parseResponse(text);
      assert.match(page.body, /<span class="who">ada<\/span>/);
      workers.add(/served by worker (\d) of 2/.exec(page.body)?.[1] ?? "?");
    }
    assert.deepEqual([...workers].sort(), ["1", "2"]);
    assert.equal(await cli.stop("SIGTERM"), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
