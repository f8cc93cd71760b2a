/**
 * The Pulumi program: stack config → Topology → one backend → stack outputs.
 * Every config problem is reported before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../components/config/errors";
import { PgReadReplicas } from "../components/pgReadReplicas";
import { topologyFromPulumiConfig } from "../components/topology/load";

function loadTopology() {
  try {
    return topologyFromPulumiConfig(pulumi.runtime.allConfig(), `stack ${pulumi.getStack()} config`);
  } catch (error) {
    // RunError: Pulumi prints the message alone, without a JavaScript stack trace.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const { topology, warnings } = loadTopology();
for (const warning of warnings) pulumi.log.warn(warning);

const deployment = new PgReadReplicas(topology.name, { topology });

// password and connectionUrls are secrets; `pulumi stack output --json --show-secrets` gives the file every tool here reads.
export const { backend, database, user, password, writer, readerEndpoint, readers, pools, regions, topologyHash, capacity, verification, notes, tls, connectionUrls } =
  deployment.outputs;
