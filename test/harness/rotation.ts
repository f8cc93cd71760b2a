/**
 * A password rotation as `pulumi up` writes it into the credentials Secret: the passwords and, for the roles the
 * writer sets, their SCRAM verifiers (manifests/secrets.ts), which refresh.sh and bootstrap.sql apply.
 */
import { verifierData } from "../../components/kubernetes/manifests/secrets";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import type { SelfHostedTopology } from "../../components/topology/types";
import type { BootedStack } from "./boot";

export function rotatedCredentials(
  stack: BootedStack,
  pulumiStack: string,
  rotated: { app: string; replication: string },
): Record<string, string> {
  const topology = topologyFromPulumiConfig(stack.config, pulumiStack).topology as SelfHostedTopology;
  return {
    "app-password": rotated.app,
    "replication-password": rotated.replication,
    ...verifierData(topology, rotated),
  };
}
