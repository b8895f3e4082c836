// Private to the static file engine: `autoindex`, nginx's directory listings (HTML as its
// `ngx_http_autoindex_module` writes it, or `autoindex_format json`).

import type { Settings } from "../config/types.ts";
import { formatHttpDate } from "../../toolkit/http/dates.ts";
import type { ErrorStatus, Reply } from "../types.ts";
import { statusOf, withCharset } from "./_entry.ts";
import { symlinksAllowed } from "./_symlinks.ts";

/** One listed entry. */
interface Listed {
  name: string;
  dir: boolean;
  mtime: number;
  size: number;
}

const NAME_WIDTH = 50;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const HTML_SPECIAL = /[&<>"]/g;
const HTML_ENTITY: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
};
const encoder = new TextEncoder();

function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL, (char) => HTML_ENTITY[char]);
}

/**
 * The listing of directory `dirPath` (ending in `/`) for `uri`: dot-entries hidden unless
 * `hidden_files`, symlinks judged by `disable_symlinks`, unreadable entries skipped,
 * directories first, then by name.
 */
export function autoindex(dirPath: string, uri: string, settings: Settings): Reply | ErrorStatus {
  const listed: Listed[] = [];
  try {
    for (const item of Deno.readDirSync(dirPath)) {
      const name = item.name;
      if (name.charCodeAt(0) === 46 && !settings.hiddenFiles) continue;
      const path = dirPath + name;
      if (item.isSymlink && !symlinksAllowed(path, settings)) continue;
      let info: Deno.FileInfo;
      try {
        info = Deno.statSync(path);
      } catch {
        continue;
      }
      if (!info.isFile && !info.isDirectory) continue;
      listed.push({
        name,
        dir: info.isDirectory,
        mtime: info.mtime?.getTime() ?? 0,
        size: info.size,
      });
    }
  } catch (error) {
    return statusOf(error);
  }
  listed.sort((a, b) => a.dir !== b.dir ? (a.dir ? -1 : 1) : a.name < b.name ? -1 : 1);
  if (settings.autoindexFormat === "json") {
    return {
      status: 200,
      headers: ["Content-Type", withCharset("application/json", settings.charset)],
      body: encoder.encode(json(listed)),
    };
  }
  return {
    status: 200,
    headers: ["Content-Type", withCharset("text/html", settings.charset)],
    body: encoder.encode(html(listed, uri)),
  };
}

function json(listed: Listed[]): string {
  const lines = listed.map((entry) => {
    const common = `{ "name":${JSON.stringify(entry.name)}, "type":"${
      entry.dir ? "directory" : "file"
    }", "mtime":"${formatHttpDate(entry.mtime)}"`;
    return entry.dir ? `${common} }` : `${common}, "size":${entry.size} }`;
  });
  return `[\n${lines.join(",\n")}\n]\n`;
}

function html(listed: Listed[], uri: string): string {
  const title = escapeHtml(uri);
  let out = `<html>\r\n<head><title>Index of ${title}</title></head>\r\n<body>\r\n` +
    `<h1>Index of ${title}</h1><hr><pre><a href="../">../</a>\r\n`;
  for (const entry of listed) {
    const href = encodeURIComponent(entry.name) + (entry.dir ? "/" : "");
    const shown = [...entry.name];
    let text: string;
    let width: number;
    if (shown.length + (entry.dir ? 1 : 0) > NAME_WIDTH) {
      text = escapeHtml(shown.slice(0, NAME_WIDTH - 3).join("")) + "..&gt;";
      width = NAME_WIDTH;
    } else {
      text = escapeHtml(entry.name) + (entry.dir ? "/" : "");
      width = shown.length + (entry.dir ? 1 : 0);
    }
    const size = entry.dir ? "-" : String(entry.size);
    out += `<a href="${href}">${text}</a>${" ".repeat(NAME_WIDTH - width)} ` +
      `${listingDate(entry.mtime)} ${size.padStart(19)}\r\n`;
  }
  return out + "</pre><hr></body>\r\n</html>\r\n";
}

/** `26-Nov-2026 10:00`, in GMT, as nginx lists modification times. */
function listingDate(mtime: number): string {
  const date = new Date(mtime);
  const two = (value: number) => String(value).padStart(2, "0");
  return `${two(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}`;
}
