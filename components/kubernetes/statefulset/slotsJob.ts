/**
 * Slots follow the declared standbys: after every StatefulSet of every region has scaled, a Job named by the declared
 * slot set drops the writer's slots that no declared standby uses (render/dropSlotsScript.ts). A change that keeps the
 * set keeps the Job, so it runs once per change of the set.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { declaredSlots, renderDropSlotsScript } from "../../render/dropSlotsScript";
import { allGroups } from "../../topology/queries";
import type { SelfHostedTopology } from "../../topology/types";
import { CREDENTIAL_KEYS, names } from "../conventions";
import { maintenanceConfigMap, maintenanceJobManifest, secretEnv, writerEnv } from "../manifests/maintenanceJob";
import { contentHash } from "./hash";
import { shutdownGraceSeconds } from "./manifests/databasePod";

const SCRIPT = "drop-slots.sh";

/** Long enough for a removed pod's fast shutdown (its WAL sender holds the slot until then), and a margin. */
export function slotWaitSeconds(topology: SelfHostedTopology): number {
  return Math.max(...allGroups(topology).map(shutdownGraceSeconds)) + 60;
}

export function slotsJobName(topology: SelfHostedTopology): string {
  return names.slotsJob(topology, contentHash(...declaredSlots(topology)));
}

export interface SlotsJobArgs {
  topology: SelfHostedTopology;
  /** Every database StatefulSet of every region: removed replicas are gone (or going) when it runs. */
  waitFor: pulumi.Resource[];
}

export class SlotsJob extends pulumi.ComponentResource {
  declare readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: SlotsJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:SlotsJob", name, {}, opts);
    const { topology } = args;
    const jobName = slotsJobName(topology);
    const waitSeconds = slotWaitSeconds(topology);
    const script = new k8s.core.v1.ConfigMap(
      `${name}-script`,
      maintenanceConfigMap(topology, jobName, { [SCRIPT]: renderDropSlotsScript(topology, waitSeconds) }),
      { parent: this, dependsOn: args.waitFor },
    );
    const env = [
      ...writerEnv(topology),
      { name: "PGUSER", value: topology.user },
      { name: "PGDATABASE", value: topology.database },
      secretEnv(topology, "PGPASSWORD", CREDENTIAL_KEYS.app),
      secretEnv(topology, "REPLICATION_PASSWORD", CREDENTIAL_KEYS.replication),
    ];
    this.job = new k8s.batch.v1.Job(
      name,
      maintenanceJobManifest(topology, { name: jobName, script: SCRIPT, env, timeoutS: waitSeconds }),
      { parent: this, dependsOn: [...args.waitFor, script] },
    );
    this.registerOutputs({ job: this.job.metadata.name });
  }
}
