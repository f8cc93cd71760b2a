/**
 * `backend: local` in the Pulumi program: the local runner driven through
 * @pulumi/command, so `pulumi up -s local` brings the topology up on this
 * machine (verified) and `pulumi destroy` takes it down.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { parseOutputs } from "../contract/outputsFile";
import { SECRET_OUTPUT_KEYS, STACK_OUTPUT_KEYS, type StackOutputs } from "../contract/stackOutputs";
import { type StackOutputInputs, type StackOutputValues, toOutputValues } from "../outputs/pulumiOutputs";
import type { Topology } from "../topology/types";
import { localCommands } from "./commands";
import { CLI_ENTRY } from "../ground/paths";

export interface LocalDeploymentArgs {
  /** Plain: handed to the CLI whole, so the runner realises exactly what the program computed. */
  topology: Topology;
  stateDir: pulumi.Input<string>;
}

export class LocalDeployment extends pulumi.ComponentResource {
  declare readonly outputs: StackOutputValues;

  constructor(name: string, args: LocalDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:local:LocalDeployment", name, {}, opts);
    const stack = pulumi.getStack();
    const commands = pulumi
      .output(args.stateDir)
      .apply((stateDir) => localCommands(args.topology, stack, stateDir, CLI_ENTRY));
    const up = new command.local.Command(
      `${name}-up`,
      {
        create: commands.create,
        delete: commands.delete,
        environment: commands.environment,
        // A changed topology is torn down and brought up again (local data is scratch).
        triggers: [args.topology.hash],
      },
      // stdout holds the password; the old state must be gone before the new one comes up.
      { parent: this, additionalSecretOutputs: ["stdout"], deleteBeforeReplace: true },
    );
    // Read through the contract, as verify --outputs reads the file local up writes.
    const plain = up.stdout.apply((stdout) => parseOutputs(JSON.parse(stdout), "local up's outputs"));
    this.outputs = toOutputValues(
      eachKey(plain),
      plain.apply((o) => o.password),
    );
    this.registerOutputs({ topologyHash: this.outputs.topologyHash });
  }
}

/**
 * Each contract key as its own Output. stdout is secret as a whole (it carries the
 * password); every other key is unsecreted so endpoints show in `pulumi stack output`.
 */
function eachKey(plain: pulumi.Output<StackOutputs>): StackOutputInputs {
  const plainKeys = STACK_OUTPUT_KEYS.filter((key) => !(SECRET_OUTPUT_KEYS as readonly string[]).includes(key));
  return Object.fromEntries(
    plainKeys.map((key) => [key, pulumi.unsecret(plain.apply((outputs) => outputs[key]))]),
  ) as StackOutputInputs;
}
