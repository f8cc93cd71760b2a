/**
 * `pg-read-replicas kubernetes backup` on cloudnative-pg: the Backup it creates (method plugin, the main Cluster)
 * passes the operator's schema, and it waits for the operator's phase: completed returns, failed and a timeout are
 * errors that name the Backup. kubectl is a fake that answers with the phases given.
 */
import { describe, expect, it } from "vitest";
import { Backup } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Backup";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { BARMAN_PLUGIN } from "../../components/facts/backup";
import type { SelfHostedTopology } from "../../components/topology/types";
import { type BackupKubectl, takeCnpgBackup } from "../../components/kubernetes/cnpg/onDemandBackup";
import { cnpgConfig } from "../support/configs";

const withBackup = cnpgConfig({
  backup: { enabled: true, repository: "s3://acme-pg/prod/orders", s3: { secretName: "pg-backup-keys" } },
});
const topology = topologyFromConfig(withBackup).topology as SelfHostedTopology;
const target = { context: "prod-us-east-1", namespace: "pg-test" };
const now = new Date("2026-12-06T05:40:07Z");

function fakeKubectl(phases: string[]): { kubectl: BackupKubectl; calls: Array<{ args: string[]; stdin?: string }> } {
  const calls: Array<{ args: string[]; stdin?: string }> = [];
  const kubectl: BackupKubectl = async (args, stdin) => {
    calls.push({ args: [...args], ...(stdin !== undefined ? { stdin } : {}) });
    if (args.includes("create")) return `backup.postgresql.cnpg.io/${topology.name}-manual-20261206054007\n`;
    return phases.shift() ?? "";
  };
  return { kubectl, calls };
}

const options = { now, timeoutS: 10, pollMs: 1000, sleep: async () => {} };

describe("kubernetes backup on cloudnative-pg", () => {
  it("creates a Backup by the plugin of the main Cluster and returns once the operator says completed", async () => {
    const { kubectl, calls } = fakeKubectl(["running\n", "running\n", "completed\n"]);
    const result = await takeCnpgBackup(topology, kubectl, target, options);
    expect(result).toEqual({ name: `${topology.name}-manual-20261206054007`, phase: "completed" });
    const create = calls[0]!;
    expect(create.args).toEqual([
      "--context",
      "prod-us-east-1",
      "--namespace",
      "pg-test",
      "create",
      "-f",
      "-",
      "-o",
      "name",
    ]);
    const manifest = JSON.parse(create.stdin!);
    expect(manifest.spec).toEqual({
      cluster: { name: topology.name },
      method: "plugin",
      pluginConfiguration: { name: BARMAN_PLUGIN.name.value },
      target: "prefer-standby",
    });
    expect(() => new Backup(manifest).validate()).not.toThrow();
    expect(calls.slice(1).map((c) => c.args.at(-3))).toEqual(
      Array(3).fill(`backups.postgresql.cnpg.io/${result.name}`),
    );
  });

  it("a failed Backup is an error with the operator's message", async () => {
    const { kubectl } = fakeKubectl(["running\n", "failed\ncan't upload: AccessDenied"]);
    await expect(takeCnpgBackup(topology, kubectl, target, options)).rejects.toThrow(
      /Backup pg-manual-20261206054007 failed: can't upload: AccessDenied/,
    );
  });

  it("a Backup still running at the timeout is an error naming it (it goes on in the cluster)", async () => {
    const { kubectl, calls } = fakeKubectl(Array(20).fill("running\n"));
    await expect(takeCnpgBackup(topology, kubectl, target, options)).rejects.toThrow(/still running after 10s/);
    expect(calls).toHaveLength(1 + 10);
  });

  it("refuses a stack without backup, before creating anything", async () => {
    const plain = topologyFromConfig(cnpgConfig()).topology as SelfHostedTopology;
    const { kubectl, calls } = fakeKubectl([]);
    await expect(takeCnpgBackup(plain, kubectl, target, options)).rejects.toThrow(/has no backup on cloudnative-pg/);
    expect(calls).toHaveLength(0);
  });
});
