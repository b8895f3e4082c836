/**
 * The talk's part IV wrapped app: "Shortly", the URL shortener of Werkzeug's own tutorial, built
 * from the toolkit's pieces — the router (`RouteMap`, with typed params, 405 + Allow and
 * canonical-URL redirects), the request wrapper (args, form, JSON, Accept), the response helpers,
 * the HTTP errors (HTML or JSON by Accept) — and wrapped in middleware: request ids, static files
 * under `/static` (ETag, ranges, 304) and compression.
 *
 * Run it with `ngw2f serve examples/part-IV-werkzeug/app.ts` (the README has the whole demo).
 *
 * @module
 */

import { compose, type Context } from "../../layers/gateway/mod.ts";
import {
  BadRequest,
  compression,
  html,
  isHttpError,
  json,
  NotFound,
  redirect,
  requestId,
  RequestWrapper,
  resultError,
  RouteMap,
  sharedData,
} from "../../layers/toolkit/mod.ts";

/** The URL map: endpoint names are the view names below. */
export const urls = new RouteMap()
  .add("/", "newUrl", { methods: ["GET", "POST"] })
  .add("/<shortId>", "follow")
  .add("/<shortId>+", "details")
  .add("/api/links", "apiLinks", { methods: ["GET", "POST"] })
  .add("/api/links/<shortId>", "apiLink");

interface Link {
  readonly url: string;
  hits: number;
}

/** The links, in memory (Werkzeug's tutorial keeps them in Redis). */
const links = new Map<string, Link>();

function shorten(url: string): string {
  for (const [id, link] of links) if (link.url === url) return id;
  const id = (links.size + 1).toString(36);
  links.set(id, { url, hits: 0 });
  return id;
}

function checkUrl(value: unknown): string {
  if (typeof value !== "string") throw new BadRequest("Cannot shorten: give a url");
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new BadRequest(`Cannot shorten "${value}": not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new BadRequest(`Cannot shorten "${value}": only http and https URLs`);
  }
  return parsed.href;
}

function findLink(shortId: string): Link {
  const link = links.get(shortId);
  if (!link) throw new NotFound(`No short link "${shortId}"`);
  return link;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): Response {
  return html(
    `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)} — Shortly</title>` +
      `<link rel="stylesheet" href="static/style.css"></head><body><h1>${escape(title)}</h1>` +
      `${body}</body></html>\n`,
  );
}

function linkJson(req: RequestWrapper, shortId: string, link: Link) {
  const base = `${req.scheme}://${req.host}${req.rootPath}`;
  return {
    id: shortId,
    url: link.url,
    hits: link.hits,
    short: `${base}${urls.build("follow", { shortId })}`,
  };
}

async function view(req: RequestWrapper, endpoint: string, params: { shortId?: string }) {
  const shortId = params.shortId ?? "";
  switch (endpoint) {
    case "newUrl": {
      if (req.method === "POST") {
        const id = shorten(checkUrl((await req.form()).get("url")));
        return redirect(req.rootPath + urls.build("details", { shortId: id }), 303);
      }
      return page(
        "Shorten a URL",
        `<form method="post"><input type="url" name="url" placeholder="https://…" required> ` +
          `<button>Shorten</button></form><p class="hint">${links.size} links so far</p>`,
      );
    }
    case "follow": {
      const link = findLink(shortId);
      link.hits++;
      return redirect(link.url, 302);
    }
    case "details": {
      const link = findLink(shortId);
      const short = req.rootPath + urls.build("follow", { shortId });
      return page(
        "Short link",
        `<p><a href="${escape(short)}">${escape(short)}</a> → ${escape(link.url)}</p>` +
          `<p>${link.hits} hit${link.hits === 1 ? "" : "s"}</p>`,
      );
    }
    case "apiLinks": {
      if (req.method === "POST") {
        const body = await req.json<{ url?: unknown }>();
        const id = shorten(checkUrl(body?.url));
        return json(linkJson(req, id, links.get(id)!), { status: 201 });
      }
      return json([...links].map(([id, link]) => linkJson(req, id, link)));
    }
    case "apiLink":
      return json(linkJson(req, shortId, findLink(shortId)));
  }
  throw new NotFound();
}

/** The app: match, dispatch to a view, turn HTTP errors into responses. */
export async function shortly(request: Request, ctx: Context): Promise<Response> {
  const req = new RequestWrapper(request, ctx);
  try {
    const result = urls.match(req.method, req.path, {
      query: req.queryString,
      rootPath: req.rootPath,
    });
    if (result.kind === "match") return await view(req, result.endpoint, result.params);
    if (result.kind === "options") {
      return new Response(null, { status: 204, headers: { allow: result.allowed.join(", ") } });
    }
    throw resultError(result);
  } catch (error) {
    if (!isHttpError(error)) throw error;
    return error.toResponse(request);
  }
}

/** Shortly wrapped in middleware, as Werkzeug apps are: the module's app. */
export default compose(
  requestId(),
  sharedData({ "/static": new URL("./static", import.meta.url).pathname }),
  compression(),
)(shortly);
