/**
 * The notes output states what RDS Proxy costs (per vCPU of every instance, readers it never routes to included:
 * the pricing fact) and what a global major upgrade does to parameter groups (the ModifyGlobalCluster fact).
 */
import { readFileSync } from "node:fs";
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

  it("say a global major upgrade is done first, by ModifyGlobalCluster, and how long the defaults run", () => {
    expect(GLOBAL_MAJOR_UPGRADE.resetsToDefaultParameterGroups.value).toBe(true);
    const global = notesOf(withAurora({ instanceClass: R6G }, { crossRegion: [auroraSecondary] })).join("\n");
    expect(global).toContain("cannot go through one pulumi up");
    expect(global).toContain("aws rds modify-global-cluster");
    expect(global).toMatch(/rds\.force_ssl, max_connections and the OLAP settings are off/);
    expect(global).toContain("pulumi up --refresh");
    expect(global).toContain("off from the upgrade until those reboots");
    expect(notesOf(withAurora({ instanceClass: R6G })).join("\n")).not.toContain("modify-global-cluster");
  });

  it("hold the ModifyGlobalCluster facts to the SDK's request shape: no field names a parameter group", () => {
    const models = readFileSync("node_modules/@aws-sdk/client-rds/dist-types/models/models_1.d.ts", "utf8");
    const body = /export interface ModifyGlobalClusterMessage \{([\s\S]*?)\n\}/.exec(models)?.[1] ?? "";
    const fields = [...body.matchAll(/^\s{4}(\w+)\??:/gm)].map((m) => m[1]);
    expect(fields).toEqual([...GLOBAL_MAJOR_UPGRADE.requestFields.value]);
    expect(fields.filter((f) => /ParameterGroup/.test(f!))).toEqual([]);
    expect(GLOBAL_MAJOR_UPGRADE.providerSends.value.filter((f) => /ParameterGroup/.test(f))).toEqual([]);
    expect(GLOBAL_MAJOR_UPGRADE.groupMustMatchRunningFamily.value).toBe(true);
    expect(GLOBAL_MAJOR_UPGRADE.attachedGroupAppliesOnReboot.value).toBe(true);
  });
});
