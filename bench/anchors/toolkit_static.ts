// The toolkit bench's static app (bench/toolkit.ts): `/static/<path>` from the directory in
// $STATIC_DIR through the toolkit's `sendFromDirectory` (ETag, Last-Modified, conditional
// requests, ranges), its 404 page for anything else. Run by `ngw2f serve` or deno_serve_app.ts.
import { isHttpError, NotFound } from "../../layers/toolkit/exceptions.ts";
import { sendFromDirectory } from "../../layers/toolkit/static_files.ts";

const root = Deno.env.get("STATIC_DIR") ?? Deno.cwd();
const PREFIX = "/static/";

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  try {
    if (!url.pathname.startsWith(PREFIX)) throw new NotFound();
    return await sendFromDirectory(
      request,
      root,
      decodeURIComponent(url.pathname.slice(PREFIX.length)),
    );
  } catch (error) {
    if (isHttpError(error)) return error.toResponse(request);
    throw error;
  }
}

export default { fetch: handle };
