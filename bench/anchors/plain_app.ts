// The toolkit bench's app with no toolkit at all (bench/toolkit.ts): the same answers as
// toolkit_app.ts from a hand-written split, one regex and `JSON.stringify`, so the difference
// between the two under raw `Deno.serve` is the toolkit's own cost per request.
const USER = /^\/users\/(\d+)$/;
const NOT_FOUND = "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n" +
  "<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL " +
  "manually please check your spelling and try again.</p>\n";

function handle(request: Request): Response {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const q = url.indexOf("?", start);
  const path = q === -1 ? url.slice(start) : url.slice(start, q);
  const match = USER.exec(path);
  if (match === null || request.method !== "GET") {
    return new Response(NOT_FOUND, {
      status: 404,
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  }
  const fields = q === -1 ? null : new URLSearchParams(url.slice(q + 1)).get("fields");
  return new Response(JSON.stringify({ id: Number(match[1]), fields }), {
    headers: { "content-type": "application/json" },
  });
}

export default { fetch: handle };
