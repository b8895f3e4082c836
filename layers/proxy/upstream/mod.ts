/**
 * Reverse proxying: `proxy_pass` to upstream groups — the pooled HTTP/1.1 client, the
 * balancers and the peers' shared state, active health checks, tunnels for upgrades.
 *
 * @module
 */

export {
  type PassFailure,
  type PassRequest,
  ReverseProxy,
  type ReverseProxyOptions,
} from "./proxy_pass.ts";
export {
  parseAddress,
  singleServerGroup,
  UpstreamGroup,
  type UpstreamState,
  upstreamStateBuffer,
} from "./group.ts";
export {
  type Balancer,
  type BalancerName,
  type BalancerOptions,
  type BalancingMethod,
  createBalancer,
} from "./balance.ts";
export {
  type PeerConfig,
  type PeerOptions,
  type PeerSnapshot,
  type PeerState,
  peerStateBuffer,
  peerStateByteLength,
  PeerTable,
  resolvePeerConfig,
} from "./peers.ts";
export {
  type PoolOptions,
  type UpstreamAddress,
  UpstreamError,
  type UpstreamErrorKind,
  UpstreamPool,
  type UpstreamRequestOptions,
  type UpstreamResponse,
} from "./client.ts";
export { HealthChecker } from "./health.ts";
export { closeOnce, tunnel, type TunnelEnd } from "./tunnel.ts";
