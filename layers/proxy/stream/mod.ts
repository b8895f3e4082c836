/**
 * nginx's stream module: `[[stream.server]]` relays TCP connections to an upstream group with
 * the HTTP proxy's balancers and passive health, optionally after a PROXY protocol header.
 *
 * @module
 */

export {
  type ConnectionInfo,
  connectionVariable,
  type TcpRefusal,
  type TcpServerContext,
  TcpService,
  type TcpServiceOptions,
  type TcpServiceStats,
  type TcpSession,
} from "./tcp_service.ts";
export { startStreamServer } from "./stream_server.ts";
export {
  PROXY_V2_SIGNATURE,
  type ProxyProtocolEnds,
  proxyProtocolHeader,
  proxyProtocolV1,
  proxyProtocolV2,
} from "./proxy_protocol.ts";
