// PLACEHOLDER: the stream helper replaces this file.
import type { StreamServerConfig } from "../config/mod.ts";
import type { TcpServerContext, TcpService } from "./tcp_service.ts";

/** Starts one `[[stream.server]]` in this worker. */
export function startStreamServer(
  _server: StreamServerConfig,
  _context: TcpServerContext,
): Promise<TcpService> {
  throw new Error("not yet");
}
