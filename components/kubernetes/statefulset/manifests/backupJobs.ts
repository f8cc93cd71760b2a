/**
 * The backup Jobs of the statefulset engine (issue 22), pure: pgBackRest needs the writer's data directory local
 * (pg1-path; remotely only over ssh, which the image has no server for, or its TLS server, which would need a
 * certificate pair per pod and a listening port), so a Job runs kubectl in its own pod and execs the rendered script in
 * the writer's postgres container (KUBECTL_IMAGE). The writer's pod name comes from the fence ConfigMap, which
 * `pg-read-replicas kubernetes failover` and `switchover` keep current. A ServiceAccount with a Role that may exec
 * into the pods that can be the writer, and nothing else.
 */
import type * as k8s from "@pulumi/kubernetes";
import { STATEFULSET_IMAGES } from "../../../facts/images";
import { KUBECTL_IMAGE } from "../../../facts/kubernetes";
import type { PgbackrestBackup, SelfHostedTopology } from "../../../topology/types";
import { PATHS, baseLabels, names, ownLabels } from "../../conventions";
import { JOB_AWAIT_MARGIN_S } from "../../manifests/verifyJob";
import { mayBeWriter } from "./databasePod";
import { API_CLIENT_LABEL } from "../../manifests/networkPolicies";

/** distroless' nonroot user, which the kubectl image runs as. */
const NONROOT_UID = 65532;

type Topology = SelfHostedTopology;

function metadata(topology: Topology, name: string) {
  return { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, "maintenance") };
}

/** The pods that may be the writer: the primary's, and the OLTP replicas of its region (failover targets). */
export function writerPods(topology: Topology): string[] {
  const region = topology.regions.find((r) => r.primary);
  return (region?.groups ?? []).filter(mayBeWriter).flatMap((group) => group.members.map((member) => member.name));
}

export function backupServiceAccount(topology: Topology): k8s.core.v1.ServiceAccountArgs {
  return { metadata: metadata(topology, names.backupAccount(topology)) };
}

export function backupRole(topology: Topology): k8s.rbac.v1.RoleArgs {
  const verbs = KUBECTL_IMAGE.execVerbs.value;
  const resourceNames = writerPods(topology);
  return {
    metadata: metadata(topology, names.backupAccount(topology)),
    rules: Object.entries(verbs).map(([resource, allowed]) => ({
      apiGroups: [""],
      resources: [resource],
      resourceNames,
      verbs: [...allowed],
    })),
  };
}

export function backupRoleBinding(topology: Topology): k8s.rbac.v1.RoleBindingArgs {
  const name = names.backupAccount(topology);
  return {
    metadata: metadata(topology, name),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace: topology.kubernetes.namespace }],
  };
}

/** kubectl's argv (the image has no shell): the kubelet expands $(WRITER_POD) from the fence. */
export function execArgs(topology: Topology, script: string, scriptArgs: string[] = []): string[] {
  return [
    "exec",
    "--namespace",
    topology.kubernetes.namespace,
    "$(WRITER_POD)",
    "--container",
    "postgres",
    "--",
    "bash",
    script,
    ...scriptArgs,
  ];
}

function execPod(topology: Topology, args: string[]): k8s.types.input.core.v1.PodTemplateSpec {
  return {
    // The label opens the API server to these pods alone (networkPolicies.ts maintenanceNetworkPolicies).
    metadata: { labels: { ...ownLabels(topology, "maintenance"), ...API_CLIENT_LABEL } },
    spec: {
      restartPolicy: "Never",
      serviceAccountName: names.backupAccount(topology),
      securityContext: {
        runAsUser: NONROOT_UID,
        runAsGroup: NONROOT_UID,
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: "run",
          image: STATEFULSET_IMAGES.kubectl,
          command: [KUBECTL_IMAGE.entrypoint.value],
          args,
          env: [
            {
              name: "WRITER_POD",
              valueFrom: { configMapKeyRef: { name: names.fence(topology), key: "writer" } },
            },
          ],
          resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}

/** stanza-create and check once the writer accepts writes; named by pgbackrest.conf's hash (a Job runs once). */
export function stanzaJobManifest(topology: Topology, jobName: string, waitSeconds: number): k8s.batch.v1.JobArgs {
  return {
    metadata: {
      ...metadata(topology, jobName),
      annotations: {
        "pulumi.com/timeoutSeconds": String(waitSeconds + JOB_AWAIT_MARGIN_S),
        "pulumi.com/replaceUnready": "true",
      },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: waitSeconds + 120,
      template: execPod(topology, execArgs(topology, PATHS.stanzaScript)),
    },
  };
}

/**
 * Base backups on backup.schedule (UTC), one at a time; a full backup each time, so retention by full backups applies
 * (pgBackRest expires after every backup). No deadline: a large writer's backup takes as long as it takes.
 */
export function backupCronJobManifest(topology: Topology, backup: PgbackrestBackup): k8s.batch.v1.CronJobArgs {
  return {
    metadata: metadata(topology, names.backupCronJob(topology)),
    spec: {
      schedule: backup.schedule,
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: ownLabels(topology, "maintenance") },
        spec: { backoffLimit: 0, template: execPod(topology, execArgs(topology, PATHS.backupScript, ["full"])) },
      },
    },
  };
}
