/**
 * nginx's mail module for SMTP: `[[mail.server]]` holds the client's dialogue (EHLO, STARTTLS,
 * AUTH), asks `auth_http` for a backend, introduces the client with XCLIENT and relays.
 *
 * @module
 */

export { startMailServer } from "./mail_server.ts";
