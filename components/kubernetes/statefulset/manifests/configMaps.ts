/** ConfigMaps: rendered files and scripts, and where other regions reach the primary. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "../../../contract/stackOutputs";
import type { NodeGroup, Pool, SelfHostedTopology } from "../../../topology/types";
import { baseLabels, names } from "../../conventions";
import type { GroupFiles, Scripts } from "../files";

type Component = Parameters<typeof baseLabels>[1];

function metadata(topology: SelfHostedTopology, name: string, component: Component = "postgresql") {
  return { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, component) };
}

export function groupConfigMap(
  topology: SelfHostedTopology,
  group: NodeGroup,
  files: GroupFiles,
): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, names.groupConfig(group)), data: files };
}

export function scriptsConfigMap(topology: SelfHostedTopology, scripts: Scripts): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, names.scripts(topology)), data: { ...scripts } };
}

/**
 * Which pod may start as the writer. Created once with the configured writer; afterwards only
 * `pg-read-replicas kubernetes failover` changes it (the component ignores changes to its data),
 * so a `pulumi up` with a stale kubernetes.writer cannot let the old primary back in.
 */
export function fenceConfigMap(topology: SelfHostedTopology): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, names.fence(topology)), data: { writer: topology.kubernetes.writer } };
}

/** Other regions only: the exposed primary's address, read by their seed containers. */
export function primaryEndpointConfigMap(
  topology: SelfHostedTopology,
  endpoint: pulumi.Output<Endpoint>,
): k8s.core.v1.ConfigMapArgs {
  return {
    metadata: metadata(topology, names.primaryEndpoint(topology)),
    data: { host: endpoint.host, port: endpoint.port.apply(String) },
  };
}

export function poolConfigMap(topology: SelfHostedTopology, pool: Pool, ini: string): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, names.poolConfig(pool), "pgbouncer"), data: { "pgbouncer.ini": ini } };
}
