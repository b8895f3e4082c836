// The core's own error pages (400, 408, 414, 431, 500, 501, 505), nginx's shape. Private to
// the HTTP core.

import { STATUS_TEXT } from "../../gateway/mod.ts";

const encoder = new TextEncoder();

/** nginx's page for `status`, signed with `server`. */
export function errorPage(status: number, server: string): Uint8Array {
  const title = `${status} ${(STATUS_TEXT as Record<number, string>)[status] ?? "Unknown"}`;
  return encoder.encode(
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
      `<center><h1>${title}</h1></center>\r\n<hr><center>${server}</center>\r\n` +
      `</body>\r\n</html>\r\n`,
  );
}
