/**
 * What each Aurora endpoint demands of a client, and which CA bundle verifies
 * its certificate: RDS Proxy refuses plain text when its requireTls is on and
 * serves an ACM certificate (Amazon Trust Services); the cluster's endpoints
 * refuse plain text under rds.force_ssl and serve RDS CA certificates.
 */
import type { EndpointTls, StackOutputs } from "../contract/stackOutputs";
import { PROXY_CA_BUNDLE, RDS_CA_BUNDLE } from "../facts/aws/tls";
import type { AuroraTopology } from "../topology/types";

export interface EndpointHosts {
  /** The cluster's endpoints: writer, reader, custom, instance, secondaries'. */
  cluster: readonly string[];
  /** The proxy's default (read/write) and READ_ONLY endpoints. */
  proxy: readonly string[];
  /** The hosts the pools name: the stack's `required` says whether any of them refuses plain text. */
  pools: readonly string[];
}

export function auroraTls(topology: AuroraTopology, hosts: EndpointHosts): NonNullable<StackOutputs["tls"]> {
  const entry = (host: string, required: boolean, proxy: boolean): EndpointTls => ({
    host,
    required,
    caBundle: { ...(proxy ? PROXY_CA_BUNDLE : RDS_CA_BUNDLE).value },
  });
  const endpoints = [
    ...hosts.cluster.map((h) => entry(h, topology.access.requireTls, false)),
    ...hosts.proxy.map((h) => entry(h, topology.aurora.proxy.requireTls, true)),
  ];
  const unique = [...new Map(endpoints.map((e) => [e.host, e])).values()];
  const required = unique.some((e) => e.required && hosts.pools.includes(e.host));
  return { required, endpoints: unique };
}
