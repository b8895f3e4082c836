/**
 * The talk's part V: a small real application on the framework layer — a notes app with
 * accounts (scrypt-hashed passwords), per-user notes behind HTML forms (CSRF-protected,
 * flashed messages, a Jinja layout), and the same notes as a JSON API on a `MethodView`. It is
 * Flask's tutorial app ("flaskr") in shape: an application factory, `auth` and `notes`
 * blueprints, SQLite, `g.user`, `login_required`.
 *
 * ```sh
 * APP_SECRET_KEY=$(openssl rand -hex 32) ngw2f serve -w 2 -b 127.0.0.1:8080 examples/part-V-flask/app.ts
 * ```
 *
 * Config (`app.config`, from `APP_*` environment variables): `SECRET_KEY` (required, 16+
 * characters), `DATABASE` (default `notes.db` beside this file), `ALLOW_DEV_SECRET_KEY` (a
 * development key kept in the database, on loopback addresses only). See the README.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { ConfigError, type LifespanContext } from "../../layers/gateway/mod.ts";
import { App, CsrfError } from "../../layers/framework/mod.ts";
import {
  HttpError,
  InternalServerError,
  isHttpError,
  isLoopbackBind,
} from "../../layers/toolkit/mod.ts";
import { api, jsonError } from "./api.ts";
import { auth, loadLoggedInUser } from "./auth.ts";
import { NotesDb } from "./db.ts";
import { notes } from "./notes.ts";
import type { NotesContext, NotesState } from "./state.ts";

/** Where the notes live unless `DATABASE` says otherwise: `notes.db` beside this file. */
export const DEFAULT_DATABASE: string = fileURLToPath(new URL("./notes.db", import.meta.url));

/** The shortest `SECRET_KEY` accepted. */
export const MIN_SECRET_LENGTH = 16;

/** The notes app: the framework's `App` with a database opened by each worker at start-up. */
export class NotesApp extends App<NotesState> {
  #db: NotesDb | null = null;

  /** This worker's database connection (open after {@linkcode NotesApp.startup}). */
  get db(): NotesDb {
    if (!this.#db) throw new Error("Cannot use the database before startup() opened it");
    return this.#db;
  }

  /**
   * Each worker's start-up (the gateway's lifespan hook): opens the database (creating the
   * schema), settles `SECRET_KEY` (refusing to start without one), then runs the framework's
   * own checks. A throw here stops the server before it accepts a connection.
   */
  override async startup(ctx?: LifespanContext): Promise<void> {
    this.#db ??= NotesDb.open(this.config.getString("DATABASE", DEFAULT_DATABASE));
    const key = this.config.getString("SECRET_KEY", "");
    if (key === "") this.#useDevSecretKey(ctx);
    else if (key.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        `too short (${key.length} characters): use ${MIN_SECRET_LENGTH} or more, e.g. ` +
          "`openssl rand -hex 32`",
        { file: this.config.sourceOf("SECRET_KEY") ?? "config", key: "SECRET_KEY" },
      );
    }
    await super.startup(ctx);
  }

  /** Each worker's shutdown: closes its connection. */
  override async shutdown(): Promise<void> {
    await super.shutdown();
    this.#db?.close();
    this.#db = null;
  }

  /**
   * No `SECRET_KEY`: refuse to start, unless `ALLOW_DEV_SECRET_KEY` is on and the server
   * listens on loopback addresses only; then use a random key made once and kept in the
   * database, so that every worker and every restart signs with the same one.
   */
  #useDevSecretKey(ctx: LifespanContext | undefined): void {
    const how = "set APP_SECRET_KEY to a long random string (`openssl rand -hex 32`), or for " +
      "local development only, APP_ALLOW_DEV_SECRET_KEY=1";
    if (!this.config.getBoolean("ALLOW_DEV_SECRET_KEY", false)) {
      throw new ConfigError(`not set: sessions and CSRF tokens are signed with it; ${how}`, {
        file: "APP_SECRET_KEY",
        key: "SECRET_KEY",
      });
    }
    const exposed = (ctx?.serverAddrs ?? []).filter((addr) => !isLoopbackAddr(addr));
    if (exposed.length > 0) {
      throw new ConfigError(
        `not set, and the development key is for loopback addresses only (listening on ` +
          `${exposed.map(describeAddr).join(", ")}); ${how}`,
        { file: "APP_SECRET_KEY", key: "SECRET_KEY" },
      );
    }
    const key = this.db.secret("dev_secret_key", () => crypto.randomUUID() + crypto.randomUUID());
    this.config.set("SECRET_KEY", key, "the development key in DATABASE");
    if (ctx?.workerId === undefined || ctx.workerId === 1) {
      this.log.warn(
        "Using the development SECRET_KEY kept in the database (APP_ALLOW_DEV_SECRET_KEY): " +
          "never in production",
      );
    }
  }
}

function isLoopbackAddr(addr: Deno.Addr): boolean {
  if (addr.transport !== "tcp" && addr.transport !== "udp") return true; // a unix socket
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return isLoopbackBind(`${host}:${addr.port}`);
}

function describeAddr(addr: Deno.Addr): string {
  return "hostname" in addr ? `${addr.hostname}:${addr.port}` : addr.transport;
}

/** Whether the response to `c` should be JSON rather than a page. */
function isApiRequest(c: NotesContext): boolean {
  const path = c.request.path;
  return path === "/api" || path.startsWith("/api/");
}

/** An error page in the layout: the status, its title and the description. */
async function errorPage(c: NotesContext, error: unknown, message?: string) {
  const http = isHttpError(error) ? error : new InternalServerError();
  if (isApiRequest(c)) return jsonError(c, http);
  if (c.g.db === undefined) {
    // The CSRF check runs before the hooks: load the user so the page's menu is right.
    c.g.db = (c.app as NotesApp).db;
    await loadLoggedInUser(c);
  }
  const page = await c.render("error.html", {
    status: http.status,
    title: http.title,
    description: message ?? http.description,
  });
  return [page, http.status, http.headers] as [Response, number, Headers];
}

/**
 * The application factory (Flask's `create_app`): Flask's defaults, then `APP_*` environment
 * variables, then `config` (tests pass theirs here). Nothing is opened until
 * {@linkcode NotesApp.startup}.
 *
 * @example Sign up, log in and write a note through the test client
 * ```ts
 * import assert from "node:assert/strict";
 * import { createApp } from "./app.ts";
 *
 * const app = createApp({ SECRET_KEY: "a-test-key-0123456789", DATABASE: ":memory:" });
 * await app.startup();
 * const client = app.testClient();
 * const token = async (path: string) =>
 *   /name="csrf_token" value="([^"]+)"/.exec(await (await client.get(path)).text())![1];
 *
 * assert.equal((await client.get("/")).headers.get("location"), "/auth/login?next=%2F");
 * const account = { username: "ada", password: "analytical engine" };
 * assert.equal((await client.post("/auth/signup", { form: { ...account, csrf_token: await token("/auth/signup") } })).status, 303);
 * assert.equal((await client.post("/auth/login", { form: { ...account, csrf_token: await token("/auth/login") } })).status, 303);
 * const saved = await client.post("/new", { form: { title: "Hello", body: "", csrf_token: await token("/new") } });
 * assert.equal(saved.headers.get("location"), "/");
 * assert.match(await (await client.get("/")).text(), /Note saved\.[\s\S]*Hello/);
 * const list = await (await client.get("/api/notes")).json() as { notes: { title: string }[] };
 * assert.deepEqual(list.notes.map((note) => note.title), ["Hello"]);
 * await app.shutdown();
 * ```
 */
export function createApp(config: Record<string, unknown> = {}): NotesApp {
  const app = new NotesApp({
    name: "notes",
    root: new URL(".", import.meta.url),
    csrf: true,
    config: { SESSION_COOKIE_SAMESITE: "Lax" },
    request: { maxContentLength: 1024 * 1024 },
  });
  app.config.fromPrefixedEnv("APP");
  app.config.fromObject(config, "createApp(config)");

  app.templates.addFilter(
    "when",
    (iso: unknown) =>
      typeof iso === "string" ? iso.replace("T", " ").replace(/:\d\dZ$/, " UTC") : "",
  );

  return app
    .before((c) => {
      c.g.db = app.db;
    })
    .before(loadLoggedInUser)
    .errorHandler(HttpError, errorPage)
    .errorHandler(CsrfError, (c, error) =>
      errorPage(
        c,
        error,
        `${error.description} The form was not sent from this site, or the page is too old: ` +
          "go back, reload it and try again.",
      ))
    .register(auth)
    .register(notes)
    .register(api);
}

/** The app `ngw2f serve examples/part-V-flask/app.ts` runs. */
const app: NotesApp = createApp();
export default app;
