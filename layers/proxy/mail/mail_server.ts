// PLACEHOLDER: the mail helper replaces this file.
import type { MailServerConfig } from "../config/mod.ts";
import type { TcpServerContext, TcpService } from "../stream/mod.ts";

/** Starts one `[[mail.server]]` in this worker. */
export function startMailServer(
  _server: MailServerConfig,
  _context: TcpServerContext,
): Promise<TcpService> {
  throw new Error("not yet");
}
