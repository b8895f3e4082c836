/**
 * nginx's mail module for SMTP: `[[mail.server]]` holds the client's dialogue (EHLO, STARTTLS,
 * AUTH), asks `auth_http` for a backend, introduces the client with XCLIENT and relays.
 *
 * @example
 * ```ts ignore
 * import { startMailServer } from "./mod.ts";
 *
 * const service = await startMailServer(config.mailServers[0], { config, log, workerId: 1 });
 * await service.drain(5_000);
 * ```
 *
 * @module
 */

export { startMailServer } from "./mail_server.ts";
export {
  refuseSmtp,
  serveSmtp,
  type SmtpClient,
  type SmtpDeps,
  type SmtpSessionOptions,
} from "./smtp_session.ts";
export { askAuthHttp, type AuthAnswer, type AuthRequest } from "./auth_http.ts";
export {
  BackendError,
  type BackendIntro,
  type BackendSession,
  openBackend,
} from "./smtp_backend.ts";
