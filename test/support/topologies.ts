/**
 * Topologies for tests, built through the product's one pipeline: from a config, narrowed to the
 * backend a test expects, from an example stack's file; and a group's settings read back.
 */
import { ConfigError } from "../../components/config/errors";
import { readStackConfig } from "../../components/config/stackFile";
import {
  type BuiltTopology,
  topologyFromConfig,
  topologyFromPulumiConfig,
} from "../../components/pipeline/loadTopology";
import { allGroups } from "../../components/topology/queries";
import type { NodeGroup, Topology } from "../../components/topology/types";
import { type Raw, cnpgConfig, patched, selfHostedBase, withAurora } from "./configs";

export type TopologyOf<B extends Topology["backend"]> = Extract<Topology, { backend: B }>;

/** The Topology a stack config builds; a refused config throws its ConfigError. */
export function build(config: Raw): Topology {
  return topologyFromConfig(config).topology;
}

function narrowed<B extends Topology["backend"]>(topology: Topology, backend: B): TopologyOf<B> {
  if (topology.backend !== backend)
    throw new Error(`expected a ${backend} topology, the config built a ${topology.backend} one`);
  return topology as TopologyOf<B>;
}

/** The topology of a config that must build one of `backend`. */
export function buildAs<B extends Topology["backend"]>(backend: B, config: Raw): TopologyOf<B> {
  return narrowed(build(config), backend);
}

/** An example stack's topology, from its file in stacks/. */
export function stackTopology<B extends Topology["backend"]>(name: string, backend: B): TopologyOf<B> {
  return narrowed(topologyFromPulumiConfig(readStackConfig("stacks", name), name).topology, backend);
}

/** selfHostedBase() with `patch`, on the statefulset engine unless the patch says otherwise. */
export const selfHostedTopology = (patch: Raw = {}) => buildAs("selfHosted", patched(selfHostedBase(), patch));

/** selfHostedBase() on the cloudnative-pg engine, with `patch`. */
export const cnpgTopology = (patch: Raw = {}) => buildAs("selfHosted", cnpgConfig(patch));

/** auroraBase() with `patch`, and `block` merged into its aurora block. */
export const auroraTopology = (patch: Raw = {}, block: Raw = {}) => buildAs("aurora", withAurora(block, patch));

/** What the pipeline builds of a config, or undefined when it refuses it (ConfigError); any other failure is a bug. */
export function accepted(config: Raw): BuiltTopology | undefined {
  try {
    return topologyFromConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

/** A group of the topology by name; a name the topology lacks fails the test, naming the groups it has. */
export function groupNamed(topology: Topology, name: string): NodeGroup {
  const groups = allGroups(topology);
  const group = groups.find((g) => g.name === name);
  if (!group) throw new Error(`no group ${name} in the topology (it has ${groups.map((g) => g.name).join(", ")})`);
  return group;
}

/** A setting's value in a group (given, or named), or undefined when the group does not set it. */
export function setting(topology: Topology, group: string | NodeGroup, name: string): string | undefined {
  const found = typeof group === "string" ? groupNamed(topology, group) : group;
  return found.settings.find((s) => s.name === name)?.value;
}
