// Apps for the test client's own tests.
import type { Context } from "../../gateway/mod.ts";

/** What the echo app reports about a request. */
export interface Echo {
  method: string;
  url: string;
  path: string;
  search: string;
  query: [string, string][];
  headers: Record<string, string>;
  body: unknown;
  ctx: {
    remoteAddr: string;
    scheme: string;
    protocol: string;
    serverName: string;
    serverAddr: string;
    rootPath: string;
    workerId: number;
    workerCount: number;
  };
}

async function readBody(request: Request): Promise<unknown> {
  if (request.body === null) return null;
  const type = request.headers.get("content-type") ?? "";
  if (
    type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded")
  ) {
    const form = await request.formData();
    const out: [string, unknown][] = [];
    for (const [name, value] of form) {
      out.push([
        name,
        typeof value === "string"
          ? value
          : { file: value.name, type: value.type, size: value.size, text: await value.text() },
      ]);
    }
    return { form: out };
  }
  if (type.startsWith("application/json")) return { json: await request.json() };
  return { text: await request.text() };
}

function addr(value: Deno.Addr): string {
  return "hostname" in value ? `${value.hostname}:${value.port}` : value.transport;
}

/** Answers with a JSON description of the request and its context. */
export async function echoApp(request: Request, ctx: Context): Promise<Response> {
  const url = new URL(request.url);
  const echo: Echo = {
    method: request.method,
    url: request.url,
    path: url.pathname,
    search: url.search,
    query: [...url.searchParams],
    headers: Object.fromEntries(request.headers),
    body: await readBody(request),
    ctx: {
      remoteAddr: addr(ctx.remoteAddr),
      scheme: ctx.scheme,
      protocol: ctx.protocol,
      serverName: ctx.serverName,
      serverAddr: addr(ctx.serverAddr),
      rootPath: ctx.rootPath,
      workerId: ctx.workerId,
      workerCount: ctx.workerCount,
    },
  };
  return Response.json(echo, { headers: { "x-echo": "1" } });
}

/** A body that yields `chunks` one by one, waiting for `gate()` before each after the first. */
export function slowStream(
  chunks: string[],
  gate: () => Promise<void>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let index = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index > 0) await gate();
      if (index === chunks.length) controller.close();
      else controller.enqueue(encoder.encode(chunks[index++]));
    },
  }, { highWaterMark: 0 });
}
