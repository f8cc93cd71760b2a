/**
 * Password rotation reaches the roles before anything uses it: a Job named by the passwords' hash (a Job runs only
 * when created, so once per rotation) waits until the writer accepts the Secret's passwords
 * (render/awaitPasswordsScript.ts; the writer's refresher sets them), and the region's StatefulSets and pools
 * depend on it, so no pool restarts with a password the writer does not know yet.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderAwaitPasswordsScript } from "../../render/awaitPasswordsScript";
import type { SelfHostedTopology } from "../../topology/types";
import { CREDENTIAL_KEYS, names } from "../conventions";
import { maintenanceConfigMap, maintenanceJobManifest, secretEnv, writerEnv } from "../manifests/maintenanceJob";
import type { RegionCredentials } from "../manifests/secrets";
import { contentHash } from "./hash";

const SCRIPT = "await-passwords.sh";
/** The kubelet's sync period (1 min by default) plus its Secret cache's TTL, the refresher's round, and a margin. */
export const PASSWORD_WAIT_S = 300;

/** The passwords the refresher sets on the writer's roles; the hash is of random 32-character passwords. */
export function passwordsHash(credentials: RegionCredentials): pulumi.Output<string> {
  return pulumi
    .all([credentials.app, credentials.replication, credentials.monitor])
    .apply(([app, replication, monitor]) => contentHash(app, replication, monitor));
}

export interface PasswordsJobArgs {
  topology: SelfHostedTopology;
  credentials: RegionCredentials;
  /** The credentials Secret and whatever the Job needs to reach the writer (namespace, NetworkPolicies). */
  waitFor: pulumi.Resource[];
}

export class PasswordsJob extends pulumi.ComponentResource {
  declare readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: PasswordsJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:PasswordsJob", name, {}, opts);
    const { topology } = args;
    // Not a secret: a truncated SHA-256 of random passwords; as a name it must be plain for the API server.
    const jobName = pulumi
      .unsecret(passwordsHash(args.credentials))
      .apply((hash) => names.passwordsJob(topology, hash));
    const files = { [SCRIPT]: renderAwaitPasswordsScript(topology, PASSWORD_WAIT_S) };
    const script = new k8s.core.v1.ConfigMap(
      `${name}-script`,
      maintenanceConfigMap(topology, names.passwordsScript(topology), files),
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
      maintenanceJobManifest(topology, {
        name: jobName,
        script: SCRIPT,
        configMap: names.passwordsScript(topology),
        env,
        timeoutS: PASSWORD_WAIT_S,
      }),
      { parent: this, dependsOn: [...args.waitFor, script] },
    );
    this.registerOutputs({ job: this.job.metadata.name });
  }
}
