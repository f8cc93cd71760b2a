/**
 * Where RDS Proxy and the cluster send connections: the proxy's default endpoint is read/write (the writer), a
 * READ_ONLY proxy endpoint is a separate resource that balances over the readers like the cluster's reader endpoint,
 * and neither can leave a reader out (only a custom endpoint can). Which endpoints exist does not change the bill:
 * PROXY_BILLING (clusterOptions.ts) is per vCPU of every instance.
 */
import { type Fact, cite, fact } from "../fact";

export const PROXY_ENDPOINTS = {
  /** The default endpoint is read/write: writes need no extra endpoint (aurora.proxy.mode writeOnly). */
  defaultEndpointReadWrite: fact(
    true,
    cite("rdsProxyEndpoints", "Overview of proxy endpoints", "the default endpoint of a proxy is read/write"),
  ),
  /** Reads through the proxy need a ProxyEndpoint of targetRole READ_ONLY. */
  readOnlyIsSeparateEndpoint: fact(
    "READ_ONLY" as const,
    cite("rdsProxyEndpoints", "Using reader endpoints with Aurora clusters"),
    cite("pulumiProxyEndpoint", "targetRole", "READ_WRITE | READ_ONLY; default READ_WRITE"),
  ),
  /** A READ_ONLY proxy endpoint balances like the cluster's reader endpoint: every reader, the OLAP one included. */
  readOnlyReachesEveryReader: fact(
    true,
    cite(
      "auroraReaderEndpoint",
      "Tip",
      "these endpoints perform the same kind of connection balancing as the Aurora reader endpoint",
    ),
  ),
  /** The cluster's reader endpoint balances each connection over every Aurora Replica. */
  clusterReaderEndpointReachesEveryReader: fact(
    true,
    cite("auroraReaderEndpoint", undefined, "balances each connection request among the Aurora Replicas"),
  ),
} as const satisfies Record<string, Fact<unknown>>;
