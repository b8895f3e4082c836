/**
 * One `[[mail.server]]` in one proxy worker: its listeners (plain, or TLS from the first byte
 * for `listen … ssl`), the connection limits, and an SMTP session per client with the real
 * `auth_http` client and backend.
 *
 * @module
 */

import type { MailServerConfig } from "../config/mod.ts";
import type { TlsKeyPair } from "../http/tls.ts";
import { type TcpServerContext, TcpService } from "../stream/mod.ts";
import { askAuthHttp } from "./auth_http.ts";
import { openBackend } from "./smtp_backend.ts";
import { refuseSmtp, serveSmtp, type SmtpSessionOptions } from "./smtp_session.ts";

/**
 * Starts one `[[mail.server]]` in this worker: listens on its addresses and holds an SMTP
 * dialogue with each client (see {@linkcode serveSmtp}). Drain it with `drain(graceMs)`.
 *
 * @example
 * ```ts ignore
 * import { loadProxyConfig } from "../config/mod.ts";
 * import { startMailServer } from "./mail_server.ts";
 *
 * const config = await loadProxyConfig("ngw2f.toml");
 * const service = await startMailServer(config.mailServers[0], { config, log, workerId: 1 });
 * await service.drain(5_000);
 * ```
 */
export async function startMailServer(
  server: MailServerConfig,
  context: TcpServerContext,
): Promise<TcpService> {
  const tls = server.ssl ? await readKeyPair(server.ssl) : null;
  const options: SmtpSessionOptions = {
    server,
    tls,
    deps: { auth: askAuthHttp, connect: openBackend },
    log: context.log,
  };
  return await TcpService.start({
    listen: server.listen,
    tls,
    maxConnections: context.config.workerConnections,
    limitConn: server.limitConn,
    limitReq: server.limitReq,
    zones: { conn: context.config.limitConnZones, req: context.config.limitReqZones },
    ...(context.limitBuffers ? { buffers: context.limitBuffers } : {}),
    handle: (session) => serveSmtp(session, options),
    refuse: (conn) => refuseSmtp(conn, server),
    log: context.log,
  });
}

async function readKeyPair(files: { certificate: string; key: string }): Promise<TlsKeyPair> {
  const read = async (path: string, what: string) => {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      throw new Error(
        `Cannot read the mail server's ${what} "${path}": ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  };
  return {
    cert: await read(files.certificate, "ssl_certificate"),
    key: await read(files.key, "ssl_certificate_key"),
  };
}
