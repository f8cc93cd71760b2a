/**
 * The statefulset engine's WAL archive and base backups around the writer (issue 22): the RBAC the Jobs exec with,
 * stanza-create and check once the writer is ready (a Job per pgbackrest.conf, like the verification Job gating the
 * deploy), and the CronJob taking base backups on backup.schedule. The primary's region only.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pgbackrestBackup } from "../../render/pgbackrestConf";
import type { SelfHostedTopology } from "../../topology/types";
import { names } from "../conventions";
import { STANZA_WAIT_S, backupFiles } from "./backupFiles";
import { contentHash } from "./hash";
import {
  backupCronJobManifest,
  backupRole,
  backupRoleBinding,
  backupServiceAccount,
  stanzaJobManifest,
} from "./manifests/backupJobs";

export interface BackupJobsArgs {
  topology: SelfHostedTopology;
  /** The namespace, the scripts ConfigMap and the fence. */
  base: pulumi.Resource[];
  /** The writer's StatefulSet: stanza-create needs the server up. */
  writer: pulumi.Resource[];
}

export function stanzaJobName(topology: SelfHostedTopology): string {
  return names.stanzaJob(topology, contentHash(backupFiles(topology)["pgbackrest.conf"] ?? ""));
}

export class BackupJobs extends pulumi.ComponentResource {
  declare readonly stanza: k8s.batch.v1.Job;
  declare readonly cronJob: k8s.batch.v1.CronJob;

  constructor(name: string, args: BackupJobsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:BackupJobs", name, {}, opts);
    const { topology } = args;
    const backup = pgbackrestBackup(topology);
    if (!backup) throw new Error("BackupJobs: the topology has no pgBackRest backup");
    const child = (dependsOn: pulumi.Resource[]) => ({ parent: this, dependsOn });
    const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, backupServiceAccount(topology), child(args.base));
    const role = new k8s.rbac.v1.Role(`${name}-role`, backupRole(topology), child(args.base));
    const binding = new k8s.rbac.v1.RoleBinding(`${name}-rb`, backupRoleBinding(topology), child([account, role]));
    const access = [...args.base, account, role, binding];
    this.stanza = new k8s.batch.v1.Job(
      `${name}-stanza`,
      stanzaJobManifest(topology, stanzaJobName(topology), STANZA_WAIT_S),
      child([...access, ...args.writer]),
    );
    this.cronJob = new k8s.batch.v1.CronJob(
      name,
      backupCronJobManifest(topology, backup),
      child([...access, this.stanza]),
    );
    this.registerOutputs({ cronJob: this.cronJob.metadata.name });
  }
}
