/**
 * The notes output states what RDS Proxy costs (per vCPU of every instance, readers it never routes to included:
 * the pricing fact) and what a global major upgrade does to parameter groups (the ModifyGlobalCluster fact).
 */
import { describe, expect, it } from "vitest";
import { auroraNotes } from "../../components/aurora/notes";
import { GLOBAL_MAJOR_UPGRADE, PROXY_BILLING } from "../../components/facts/aws";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import type { AuroraTopology } from "../../components/topology/types";
import { auroraSecondary, withAurora } from "../support/configs";

const R6G = { writer: "db.r6g.large", olap: "db.r6g.xlarge" };
const notesOf = (raw: Record<string, unknown>) => auroraNotes(topologyFromConfig(raw).topology as AuroraTopology);

describe("Aurora notes on money and upgrades", () => {
  it("bill the proxy per vCPU of every instance, the OLAP reader included though no read goes through it", () => {
    expect(PROXY_BILLING.perVcpuOfEveryInstance.value).toBe(true);
    const note = notesOf(withAurora({ instanceClass: R6G })).find((n) => n.startsWith("RDS Proxy is billed"));
    expect(note).toContain("per vCPU-hour of every instance in the cluster (minimum 2 vCPUs)");
    expect(note).toContain("the OLAP reader (db.r6g.xlarge)");
    expect(note).toContain("although no read goes through the proxy here");
    const without = notesOf(withAurora({ instanceClass: R6G, proxy: { enabled: false } }));
    expect(without.some((n) => n.startsWith("RDS Proxy is billed"))).toBe(false);
  });

  it("say a global major upgrade runs on default parameter groups until they are applied again", () => {
    expect(GLOBAL_MAJOR_UPGRADE.resetsToDefaultParameterGroups.value).toBe(true);
    const global = notesOf(withAurora({ instanceClass: R6G }, { crossRegion: [auroraSecondary] }));
    expect(global.join("\n")).toMatch(
      /default parameter groups: rds\.force_ssl, max_connections and the OLAP settings are off/,
    );
    expect(notesOf(withAurora({ instanceClass: R6G })).join("\n")).not.toContain("default parameter groups");
  });
});
