/** ConfigMaps: rendered files and scripts, and where other regions reach the primary. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "../../outputs";
import { renderBootstrapSql } from "../../render/bootstrapSql";
import { renderSeedReplicaScript } from "../../render/seedReplicaScript";
import type { NodeGroup, Pool, SelfHostedTopology } from "../../topology/types";
import { baseLabels, names } from "../conventions";
import type { GroupFiles } from "../files";

type Component = Parameters<typeof baseLabels>[1];

function metadata(topology: SelfHostedTopology, name: string, component: Component = "postgresql") {
  return { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, component) };
}

export function groupConfigMap(topology: SelfHostedTopology, group: NodeGroup, files: GroupFiles): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, names.groupConfig(group)), data: files };
}

export function seedScriptConfigMap(topology: SelfHostedTopology): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, names.scripts(topology)), data: { "seed-replica.sh": renderSeedReplicaScript(topology) } };
}

export function bootstrapConfigMap(topology: SelfHostedTopology): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, names.bootstrap(topology)), data: { "bootstrap.sql": renderBootstrapSql(topology) } };
}

/** Other regions only: the exposed primary's address, read by their seed containers. */
export function primaryEndpointConfigMap(topology: SelfHostedTopology, endpoint: pulumi.Output<Endpoint>): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, names.primaryEndpoint(topology)), data: { host: endpoint.host, port: endpoint.port.apply(String) } };
}

export function poolConfigMap(topology: SelfHostedTopology, pool: Pool, ini: string): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, names.poolConfig(pool), "pgbouncer"), data: { "pgbouncer.ini": ini } };
}

export function verifyScriptConfigMap(topology: SelfHostedTopology, name: string, script: string): k8s.core.v1.ConfigMapArgs {
  return { metadata: metadata(topology, name, "verify"), data: { "verify.sh": script } };
}
