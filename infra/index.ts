/**
 * The Pulumi program: stack config → Topology → one backend → stack outputs.
 * Every config problem is reported before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../components/config/errors";
import { STACK_OUTPUT_KEYS, type StackOutputKey } from "../components/contract/stackOutputs";
import { PgReadReplicas } from "../components/pgReadReplicas";
import { topologyFromPulumiConfig } from "../components/pipeline/loadTopology";

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

// Exactly the contract's keys, in its order: `pulumi stack output --json --show-secrets` is then a
// StackOutputs file (password and connectionUrls are secrets). Assigned to CommonJS `exports`,
// which is what the Pulumi runtime reads, because named exports cannot be derived from a list.
for (const key of STACK_OUTPUT_KEYS) (exports as Record<StackOutputKey, unknown>)[key] = deployment.outputs[key];
