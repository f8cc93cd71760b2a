/** The deploy gate on Kubernetes: verify.sh in a ConfigMap, run by a Job that depends on every workload. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type VerifyTargets, renderVerifyScript } from "../render/verifyScript";
import type { SelfHostedTopology } from "../topology/types";
import { names } from "./conventions";
import { verifyJobManifest, verifyScriptConfigMap } from "./manifests/verifyJob";

export interface VerificationJobArgs {
  topology: SelfHostedTopology;
  targets: VerifyTargets;
  /** Everything that must exist and be ready before verification starts. */
  waitFor: pulumi.Resource[];
  /** The image's postgres user when it is not the official image's (cloudnative-pg's images: 26). */
  runAsUser?: number;
  /** The Secret whose ca.crt the servers' and pools' certificates chain to: verify.sh checks them in full. */
  caSecret: string;
}

export class VerificationJob extends pulumi.ComponentResource {
  declare readonly job: k8s.batch.v1.Job;
  declare readonly script: string;

  constructor(name: string, args: VerificationJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:VerificationJob", name, {}, opts);
    const { topology, targets } = args;
    const jobName = names.verifyJob(topology, targets.region);
    this.script = renderVerifyScript(topology, targets);
    const script = new k8s.core.v1.ConfigMap(`${name}-script`, verifyScriptConfigMap(topology, jobName, this.script), {
      parent: this,
      dependsOn: args.waitFor,
    });
    this.job = new k8s.batch.v1.Job(
      name,
      verifyJobManifest(topology, targets.region, jobName, {
        ...(args.runAsUser !== undefined ? { uid: args.runAsUser } : {}),
        caSecret: args.caSecret,
      }),
      {
        parent: this,
        dependsOn: [...args.waitFor, script],
      },
    );
    this.registerOutputs({ job: this.job.metadata.name });
  }
}
