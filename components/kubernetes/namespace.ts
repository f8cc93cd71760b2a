/** The stack's namespace, when the stack creates it (kubernetes.createNamespace); both engines start from it. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { SelfHostedTopology } from "../topology/types";
import { baseLabels } from "./conventions";

/** The Namespace to depend on, or none when the stack deploys into an existing one. */
export function createNamespace(
  name: string,
  topology: SelfHostedTopology,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace[] {
  if (!topology.kubernetes.createNamespace) return [];
  const metadata = { name: topology.kubernetes.namespace, labels: baseLabels(topology, "postgresql") };
  return [new k8s.core.v1.Namespace(`${name}-ns`, { metadata }, opts)];
}
