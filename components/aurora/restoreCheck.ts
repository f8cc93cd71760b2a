/**
 * The restore's gate as a resource: the CLI's aurora-restore-check, run before the restored cluster is created
 * (check/checkRestore.ts), so a source AWS would refuse, or one the stack would never verify against, fails
 * `pulumi up` with the fix before anything holding data is made. A stack without a restore has none.
 */
import * as command from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import type { AuroraTopology, Restore } from "../topology/types";
import { type RestoreExpectation, restoreCheckCommand } from "./check/handover";
import { restoreKeeper, sourceForm, utcRestoreTime } from "./restore";

function sourceOf(restore: Exclude<Restore, { source: "repository" }>): RestoreExpectation["source"] {
  if (restore.source === "auroraSnapshot") return { kind: "snapshot", id: restore.snapshot };
  return sourceForm(restore.cluster) === "resourceId"
    ? { kind: "retainedBackups", resourceId: restore.cluster }
    : { kind: "cluster", id: restore.cluster };
}

/** What the restore check reads, from the Topology. Pure. */
export function restoreExpectation(topology: AuroraTopology): RestoreExpectation | undefined {
  const restore = topology.restore;
  if (restore === undefined || restore.source === "repository") return undefined;
  const target: RestoreExpectation["target"] =
    restore.source === "auroraSnapshot"
      ? "snapshot"
      : restore.target.type === "time"
        ? { at: utcRestoreTime(restore.target.at) }
        : "latest";
  return {
    region: topology.region,
    source: sourceOf(restore),
    target,
    postgresVersion: topology.postgresVersion,
    user: topology.user,
    kmsKeyGiven: topology.aurora.kmsKeyId !== undefined,
  };
}

export function createRestoreCheck(
  name: string,
  args: { cli: string; topology: AuroraTopology },
  opts: pulumi.CustomResourceOptions,
): command.local.Command | undefined {
  const expectation = restoreExpectation(args.topology);
  if (!expectation) return undefined;
  const check = restoreCheckCommand(args.cli);
  return new command.local.Command(
    `${name}-restore-check`,
    {
      create: check.create,
      environment: check.environment(expectation),
      // Runs again whenever the restore changes (which replaces the cluster), not on every up.
      triggers: [restoreKeeper(args.topology.restore) ?? ""],
    },
    // A source gone after the restore must not fail later ups: a changed user or major does not re-run it.
    { ...opts, ignoreChanges: ["environment"] },
  );
}
