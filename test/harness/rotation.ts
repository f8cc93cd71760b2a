/**
 * A password rotation as `pulumi up` writes it into the credentials Secret: the passwords and, for the roles the
 * writer sets, their SCRAM verifiers (manifests/secrets.ts), which refresh.sh and bootstrap.sql apply.
 */
import { PROBE_USER } from "../../components/kubernetes/conventions";
import { verifierData } from "../../components/kubernetes/manifests/secrets";
import { renderUserlist } from "../../components/render/pgbouncerIni";
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

/** The pools' userlist after the app's password rotated, as poolAuthSecret renders it (probe, exporter kept). */
export function rotatedUserlist(credentials: Record<string, string>, app: string): Record<string, string> {
  return {
    "userlist.txt": renderUserlist(
      "app",
      app,
      [PROBE_USER, credentials["probe-password"]!],
      ["pgrr_monitor", credentials["monitor-password"]!],
    ),
  };
}
