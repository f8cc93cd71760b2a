/**
 * A maintenance Job: one rendered script from its own ConfigMap, run once by psql in the postgres image as its user,
 * against the writer through the rw Service. @pulumi/kubernetes awaits it (failing the update when it fails), so it
 * gates whatever depends on it. Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { SelfHostedTopology } from "../../topology/types";
import { NO_API_TOKEN, PATHS, POSTGRES_UID, baseLabels, names, ownLabels, serviceHost } from "../conventions";
import { jobTls } from "./jobTls";
import { JOB_AWAIT_MARGIN_S } from "./verifyJob";

type Env = k8s.types.input.core.v1.EnvVar;

export interface MaintenanceJob {
  /** The Job's and its ConfigMap's name (unique per change: a Job runs only when created). */
  name: pulumi.Input<string>;
  /** The script's file name in the ConfigMap. */
  script: string;
  /** The ConfigMap holding it, when not named as the Job. */
  configMap?: string;
  env: Env[];
  /** How long the script may run; the provider waits a margin longer. */
  timeoutS: number;
}

export function maintenanceConfigMap(
  topology: SelfHostedTopology,
  name: string,
  files: Record<string, string>,
): k8s.core.v1.ConfigMapArgs {
  return {
    metadata: { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "maintenance") },
    data: files,
  };
}

/** Where the writer is (its TLS: the Job's, verified as the verification Job's, manifests/jobTls.ts). */
export function writerEnv(topology: SelfHostedTopology): Env[] {
  return [
    { name: "WRITER_HOST", value: serviceHost(names.roleService(topology, "primary"), topology.kubernetes) },
    { name: "WRITER_PORT", value: String(topology.port) },
  ];
}

export function secretEnv(topology: SelfHostedTopology, name: string, key: string): Env {
  return { name, valueFrom: { secretKeyRef: { name: names.credentials(topology), key } } };
}

/** Maintenance Jobs run on the statefulset engine only: the CA is in the region's TLS Secret. */
export function maintenanceJobManifest(topology: SelfHostedTopology, job: MaintenanceJob): k8s.batch.v1.JobArgs {
  const tls = jobTls(topology, names.tls(topology));
  return {
    metadata: {
      name: job.name,
      namespace: topology.kubernetes.namespace,
      labels: baseLabels(topology, "maintenance"),
      annotations: {
        "pulumi.com/timeoutSeconds": String(job.timeoutS + JOB_AWAIT_MARGIN_S),
        "pulumi.com/replaceUnready": "true",
      },
    },
    spec: {
      // The script retries within its own deadline; a second pod would only repeat its verdict.
      backoffLimit: 0,
      activeDeadlineSeconds: job.timeoutS + 120,
      template: {
        metadata: { labels: ownLabels(topology, "maintenance") },
        spec: {
          restartPolicy: "Never",
          ...NO_API_TOKEN,
          securityContext: {
            runAsUser: POSTGRES_UID,
            runAsGroup: POSTGRES_UID,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "run",
              image: topology.kubernetes.images.postgres,
              command: ["bash", `${PATHS.scriptsDir}/${job.script}`],
              env: [...job.env, ...tls.env],
              resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
              volumeMounts: [{ name: "script", mountPath: PATHS.scriptsDir }, ...tls.volumeMounts],
            },
          ],
          volumes: [
            { name: "script", configMap: { name: job.configMap ?? job.name, defaultMode: 0o555 } },
            ...tls.volumes,
          ],
        },
      },
    },
  };
}
