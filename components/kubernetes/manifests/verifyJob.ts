/** The verification Job: runs verify.sh with psql; its failure fails `pulumi up`. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type { SelfHostedTopology } from "../../topology/types";
import { jobTls } from "./jobTls";
import { CREDENTIAL_KEYS, NO_API_TOKEN, PATHS, POSTGRES_UID, baseLabels, names, ownLabels } from "../conventions";

/** Extra time the provider waits beyond the script's own timeout (image pull, scheduling). */
export const JOB_AWAIT_MARGIN_S = 300;

/** verify.sh, which the Job mounts. */
export function verifyScriptConfigMap(
  topology: SelfHostedTopology,
  name: string,
  script: string,
): k8s.core.v1.ConfigMapArgs {
  return {
    metadata: { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "verify") },
    data: { "verify.sh": script },
  };
}

export interface VerifyJobOptions {
  /** The image's postgres user when it is not the official image's. */
  uid?: number;
  /** The Secret holding the CA (`ca.crt`) the servers' and pools' certificates chain to (manifests/jobTls.ts). */
  caSecret: string;
}

export function verifyJobManifest(
  topology: SelfHostedTopology,
  region: string,
  scriptConfigMap: string,
  { uid = POSTGRES_UID, caSecret }: VerifyJobOptions,
): k8s.batch.v1.JobArgs {
  const tls = jobTls(topology, caSecret);
  const namespace = topology.kubernetes.namespace;
  const timeoutS = Math.ceil(topology.verification.timeoutMs / 1000);
  return {
    metadata: {
      // Named by the topology hash: a Job runs only when created, so every change re-verifies.
      name: names.verifyJob(topology, region),
      namespace,
      labels: baseLabels(topology, "verify"),
      // @pulumi/kubernetes awaits a Job until Complete (failing the update on Failed); default 10 min.
      annotations: {
        "pulumi.com/timeoutSeconds": String(timeoutS + JOB_AWAIT_MARGIN_S),
        // A Job that failed stays Failed; without this the next `up` would re-await the old verdict
        // instead of verifying again.
        "pulumi.com/replaceUnready": "true",
      },
    },
    spec: {
      // The script polls and retries itself; a second pod would only repeat its verdict.
      backoffLimit: 0,
      activeDeadlineSeconds: timeoutS + 120,
      template: {
        metadata: { labels: ownLabels(topology, "verify") },
        spec: {
          restartPolicy: "Never",
          ...NO_API_TOKEN,
          securityContext: {
            runAsUser: uid,
            runAsGroup: uid,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "verify",
              image: topology.kubernetes.images.postgres,
              command: ["bash", `${PATHS.scriptsDir}/verify.sh`],
              env: [
                { name: "PGUSER", value: topology.user },
                { name: "PGDATABASE", value: topology.database },
                {
                  name: "PGPASSWORD",
                  valueFrom: { secretKeyRef: { name: names.credentials(topology), key: CREDENTIAL_KEYS.app } },
                },
                {
                  name: "HEARTBEAT_TOKEN",
                  valueFrom: {
                    secretKeyRef: { name: names.credentials(topology), key: CREDENTIAL_KEYS.heartbeatToken },
                  },
                },
                ...tls.env,
              ],
              resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
              volumeMounts: [{ name: "script", mountPath: PATHS.scriptsDir }, ...tls.volumeMounts],
            },
          ],
          volumes: [{ name: "script", configMap: { name: scriptConfigMap, defaultMode: 0o555 } }, ...tls.volumes],
        },
      },
    },
  };
}
