/**
 * `preview reap` against a fake AWS that behaves as the account does: the Tagging API lists tagged resources per
 * region (a global cluster in its primary region only), RDS refuses to delete a cluster that still has instances or a
 * global cluster that still has members, and a global cluster's writer leaves only after its secondaries.
 */
import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { EXPIRES_LABEL, expiryLabelValue } from "../../components/config/labels";
import {
  DELETION_ORDER,
  type ReapApi,
  type ReapTarget,
  type TaggedResource,
  reapPlan,
  reapPreviews,
} from "../../components/preview/reap";
import { previewCommands, templateRegions } from "../../cli/preview";

const NOW = new Date("2026-12-06T12:00:00Z");
const HOUR = 3_600_000;
const A = "arn:aws:rds:us-east-1:111122223333";
const E = "arn:aws:rds:eu-west-1:111122223333";
const expired = {
  [EXPIRES_LABEL]: expiryLabelValue(new Date(NOW.getTime() - 10 * HOUR)),
  "pg-read-replicas/change": "42",
};

function preview(): TaggedResource[] {
  const r = (arn: string, region = arn.split(":")[3]!): TaggedResource => ({ arn, region, tags: expired });
  return [
    r(`${A}:subgrp:pg-subnets`),
    r(`${A}:cluster-pg:pg-cluster-params`),
    r(`arn:aws:rds::111122223333:global-cluster:pg-aurora-pr-42`, "us-east-1"),
    r(`${A}:cluster:pg-aurora-pr-42`),
    r(`${E}:cluster:pg-aurora-pr-42-eu-west-1`),
    r(`${A}:db:pg-primary-0`),
    r(`${E}:db:pg-eu-west-1-0`),
    r(`${A}:db-proxy:prx-0123`),
    r(`arn:aws:cloudwatch:us-east-1:111122223333:alarm:pg-replica-lag`),
    r(`arn:aws:iam::111122223333:role/pg-proxy-role`, "us-east-1"),
    { arn: `${A}:db:someone-elses`, region: "us-east-1", tags: { owner: "prod" } },
  ];
}

/**
 * RDS as it refuses (for the preview's own resources, named pg-…): a cluster with instances, a global cluster with
 * members, the writer before its secondaries.
 */
function fakeAws(resources: TaggedResource[]): ReapApi & { deleted: string[] } {
  const alive = new Set(resources.map((r) => r.arn));
  const deleted: string[] = [];
  const has = (kind: string, region?: string) =>
    [...alive].some((arn) => arn.includes(`:${kind}:pg-`) && (region === undefined || arn.split(":")[3] === region));
  return {
    deleted,
    async listTagged(region, key) {
      return resources.filter((r) => r.region === region && alive.has(r.arn) && key in r.tags);
    },
    async delete(target: ReapTarget) {
      if (target.kind === "cluster" && has("db", target.region))
        throw new Error("InvalidDBClusterStateFault: has instances");
      if (target.kind === "cluster" && target.region === "us-east-1" && has("cluster", "eu-west-1"))
        throw new Error("the writer leaves the global cluster after its secondaries");
      if (target.kind === "global-cluster" && has("cluster"))
        throw new Error("InvalidGlobalClusterStateFault: has members");
      alive.delete(target.arn);
      deleted.push(target.arn);
    },
  };
}

const REGIONS = ["us-east-1", "eu-west-1"];
const run = (api: ReapApi, del = true, olderThanMs = HOUR) =>
  reapPreviews(api, { regions: REGIONS, now: NOW, olderThanMs, delete: del, log: () => {} });

/** The CLI as a user runs it, against the fake account; what it wrote to stderr. */
async function reapCli(api: ReapApi, ...args: string[]): Promise<string> {
  const root = new Command().exitOverride();
  previewCommands(root, undefined, api);
  const written: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
  try {
    await root.parseAsync(["node", "cli", "preview", "reap", "--older-than", "1h", "--region", ...REGIONS, ...args]);
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
  return written.join("");
}

describe("preview reap", () => {
  it("deletes an expired preview in dependency order, the writer's cluster after its secondary's", async () => {
    const api = fakeAws(preview());
    const report = await run(api);
    expect(report.failed, JSON.stringify(report.failed)).toEqual([]);
    const kinds = api.deleted.map((arn) => arn.split(":")[5]);
    expect(kinds).toEqual(
      [...kinds].sort((a, b) => DELETION_ORDER.indexOf(a as never) - DELETION_ORDER.indexOf(b as never)),
    );
    expect(api.deleted.indexOf(`${E}:cluster:pg-aurora-pr-42-eu-west-1`)).toBeLessThan(
      api.deleted.indexOf(`${A}:cluster:pg-aurora-pr-42`),
    );
    expect(api.deleted).toContain("arn:aws:rds::111122223333:global-cluster:pg-aurora-pr-42");
    expect(report.byHand.map((r) => r.arn)).toEqual(["arn:aws:iam::111122223333:role/pg-proxy-role"]);
  });

  it("refuses anything without the expiry tag, even when the listing returns it", () => {
    const plan = reapPlan(preview(), NOW, 0);
    expect(plan.refused.map((r) => r.arn)).toEqual([`${A}:db:someone-elses`]);
    expect(plan.remove.map((r) => r.arn)).not.toContain(`${A}:db:someone-elses`);
  });

  it("keeps a preview not yet expired for --older-than, and deletes nothing unless asked to", async () => {
    expect(reapPlan(preview(), NOW, 11 * HOUR)).toMatchObject({ remove: [], kept: 10 });
    const api = fakeAws(preview());
    const report = await run(api, false);
    expect(api.deleted).toEqual([]);
    expect(report.remove.length).toBe(9);
    const unstated = await reapPreviews(api, { regions: REGIONS, now: NOW, olderThanMs: HOUR, log: () => {} });
    expect(api.deleted).toEqual([]);
    expect(unstated.remove.length).toBe(9);
  });

  it("lists by default on the command line and deletes only with --delete", async () => {
    const api = fakeAws(preview());
    const listed = await reapCli(api);
    expect(api.deleted).toEqual([]);
    expect(listed).toContain(`would delete ${A}:cluster:pg-aurora-pr-42`);
    expect(listed).toContain("Would delete (run again with --delete to delete) 9");
    const acted = await reapCli(api, "--delete");
    expect(api.deleted.length).toBe(9);
    expect(acted).toContain("Deleted 9, failed 0");
  });

  it("searches the Aurora preview template's regions by default", () => {
    expect(templateRegions("stacks", "aurora-pr")).toEqual(["us-east-1", "eu-west-1"]);
  });
});
