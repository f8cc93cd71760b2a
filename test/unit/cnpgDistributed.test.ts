/**
 * The distributed topology of the cloudnative-pg engine (components/kubernetes/cnpg/distributed.ts), over generated
 * region sets and primary choices: whichever region is the primary, exactly one Cluster renders as the primary, every
 * member names the same primary and can reach every other, and no Cluster that may be promoted carries
 * default_transaction_read_only.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clusterParameters } from "../../components/kubernetes/cnpg/parameters";
import { isDistributed, members, replicaStanza } from "../../components/kubernetes/cnpg/distributed";
import { watchedClusters } from "../../components/kubernetes/cnpg/monitoring";
import { clusterPlans } from "../../components/kubernetes/cnpg/plan";
import { cnpgAlertRules } from "../../components/monitoring/cnpgRules";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import type { SelfHostedTopology } from "../../components/topology/types";
import { cnpgConfig, patched } from "../support/configs";

const REGIONS = ["eu-west-1", "ap-south-1", "us-west-2"];

function topologyWith(remote: string[], primaryRegion: string | undefined): SelfHostedTopology {
  const crossRegion = remote.map((region, i) => ({
    region,
    replicas: 1 + (i % 2),
    context: region,
    cidrs: [`10.${20 + i}.0.0/16`],
  }));
  const base = cnpgConfig({ crossRegion });
  const regionHosts = Object.fromEntries(remote.map((r) => [r, `pg-${r}.lb.example.com`]));
  const kubernetes = {
    ...(base.kubernetes as object),
    cloudnativePg: { regionHosts, ...(primaryRegion !== undefined ? { primaryRegion } : {}) },
  };
  return topologyFromConfig(patched(base, { kubernetes })).topology as SelfHostedTopology;
}

const cases = fc
  .subarray(REGIONS, { minLength: 1 })
  .chain((remote) =>
    fc.tuple(fc.constant(remote), fc.option(fc.constantFrom("us-east-1", ...remote), { nil: undefined })),
  );

describe("the distributed topology", () => {
  it("renders exactly one primary Cluster, the one primaryRegion names, and every member can reach every other", () => {
    fc.assert(
      fc.property(cases, ([remote, primaryRegion]) => {
        const topology = topologyWith(remote, primaryRegion);
        expect(isDistributed(topology)).toBe(true);
        const all = members(topology);
        expect(all.map((m) => m.region)).toEqual([topology.region, ...remote]);
        const stanzas = all.map((m) => ({ member: m, replica: replicaStanza(topology, m.cluster) }));
        const primaries = stanzas.filter(({ member, replica }) => replica.primary === member.cluster);
        expect(primaries.map((p) => p.member.region)).toEqual([primaryRegion ?? topology.region]);
        for (const { member, replica } of stanzas) {
          expect(replica.primary).toBe(primaries[0]!.member.cluster);
          // A replica streams from the primary; the primary names another member to follow once demoted.
          if (replica.primary !== member.cluster) expect(replica.source).toBe(replica.primary);
          else expect(replica.source).not.toBe(member.cluster);
          expect(all.map((m) => m.cluster)).toContain(replica.source);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("sends default_transaction_read_only to no OLTP Cluster, so a promoted one takes writes", () => {
    fc.assert(
      fc.property(cases, ([remote, primaryRegion]) => {
        const topology = topologyWith(remote, primaryRegion);
        for (const region of topology.regions)
          for (const plan of clusterPlans(topology, region)) {
            if (plan.kind === "replica" && plan.role === "olap") continue;
            expect(clusterParameters(plan).parameters, plan.name).not.toHaveProperty("default_transaction_read_only");
          }
      }),
      { numRuns: 20 },
    );
  });

  it("alerts on the Cluster that holds the writer as the writer's, wherever the promotion put it", () => {
    fc.assert(
      fc.property(cases, ([remote, primaryRegion]) => {
        const topology = topologyWith(remote, primaryRegion);
        const writer = members(topology).find((m) => m.region === (primaryRegion ?? topology.region))!.cluster;
        const watched = topology.regions.map((region) => ({ region, clusters: watchedClusters(topology, region) }));
        const all = watched.flatMap((w) => w.clusters);
        expect(all.filter((c) => c.kind === "writer").map((c) => c.name)).toEqual([writer]);
        // Every instance but the writer streams from exactly one WAL sender, so the declared senders add up to that.
        const instances = topology.regions
          .flatMap((r) => clusterPlans(topology, r))
          .reduce((n, p) => n + p.instances, 0);
        expect(all.reduce((n, c) => n + c.walSenders, 0)).toBe(instances - 1);
        for (const { region, clusters } of watched) {
          const rules = cnpgAlertRules(topology, region.name, clusters).flatMap((g) => g.rules);
          // A promoted replica cluster is the writer by the stack's own config: no "accepts writes" alert for it;
          // every other Cluster of the region is a replica that must stay in recovery.
          const notInRecovery = rules.find((r) => "alert" in r && r.alert === "PgReplicaNotInRecovery")?.expr ?? "";
          const selected = notInRecovery.match(/cnpg_cluster=~"([^"]*)"/)?.[1]?.split("|") ?? [];
          expect(selected.sort()).toEqual(
            clusters
              .filter((c) => c.kind !== "writer")
              .map((c) => c.name)
              .sort(),
          );
        }
      }),
      { numRuns: 30 },
    );
  });
});
