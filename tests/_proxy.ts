// End-to-end helpers for `ngw2f proxy`: a temp prefix with a config and a site, the real CLI on
// it, and raw HTTP/1.1 exchanges (fetch would normalise the paths the tests must send as is).

import { parseResponse, rawExchange, type RunningCli, startCli } from "./_cli.ts";

/** A file tree: path → text, or `{ link }` for a symlink. */
export type Tree = Record<string, string | Uint8Array | { link: string }>;

/** Writes `tree` under `dir`. */
export async function writeTree(dir: string, tree: Tree): Promise<void> {
  for (const [path, content] of Object.entries(tree)) {
    const full = `${dir}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    if (typeof content === "object" && "link" in content) await Deno.symlink(content.link, full);
    else if (typeof content === "string") await Deno.writeTextFile(full, content);
    else await Deno.writeFile(full, content);
  }
}

/** A running proxy on a temp prefix. */
export interface RunningProxy extends AsyncDisposable {
  cli: RunningCli;
  dir: string;
  port: number;
}

/** Starts `ngw2f proxy -p DIR -c DIR/ngw2f.toml` with `toml` and `tree` in a temp dir. */
export async function startProxy(
  toml: string,
  tree: Tree = {},
  args: string[] = [],
): Promise<RunningProxy> {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-proxy-test-" });
  await writeTree(dir, tree);
  await Deno.writeTextFile(`${dir}/ngw2f.toml`, toml);
  const cli = await startCli(["proxy", "-p", dir, "-c", `${dir}/ngw2f.toml`, ...args]);
  return {
    cli,
    dir,
    port: cli.port,
    async [Symbol.asyncDispose]() {
      await cli.stop("SIGKILL");
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** A parsed raw answer. */
export interface RawResponse {
  status: number;
  statusLine: string;
  headers: Map<string, string>;
  body: string;
}

/**
 * Sends one request on a fresh connection (`Connection: close`) with the target exactly as
 * given, and parses the answer.
 */
export async function request(
  port: number,
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; host?: string } = {},
): Promise<RawResponse> {
  const headers = { host: options.host ?? "localhost", connection: "close", ...options.headers };
  let text = `${options.method ?? "GET"} ${target} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  if (options.body !== undefined) text += `content-length: ${options.body.length}\r\n`;
  text += `\r\n${options.body ?? ""}`;
  const { text: answer } = await rawExchange(port, text);
  const parsed = parseResponse(answer);
  return { ...parsed, status: Number(parsed.statusLine.split(" ")[1]) };
}
