/**
 * libpq's TLS from a Job to the stack's servers and pools: with TLS required, verified against the stack's CA and the
 * host name (sslmode=verify-full; the region's certificate names every Service and pod host, clusterTls.ts). The Job
 * mounts ca.crt alone from the region's TLS Secret, never its key.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { SelfHostedTopology } from "../../topology/types";
import { PATHS, names } from "../conventions";

type Env = k8s.types.input.core.v1.EnvVar;

export interface JobTls {
  env: Env[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  volumes: k8s.types.input.core.v1.Volume[];
}

const CA_VOLUME = "server-ca";

/** `verified`: the servers present this stack's certificates (the statefulset engine); otherwise encrypted only. */
export function jobTls(topology: SelfHostedTopology, verified: boolean): JobTls {
  if (!topology.access.requireTls)
    return { env: [{ name: "PGSSLMODE", value: "prefer" }], volumeMounts: [], volumes: [] };
  if (!verified) return { env: [{ name: "PGSSLMODE", value: "require" }], volumeMounts: [], volumes: [] };
  return {
    env: [
      { name: "PGSSLMODE", value: "verify-full" },
      { name: "PGSSLROOTCERT", value: PATHS.tlsCa },
    ],
    // Where the database pods have it, but the directory holds ca.crt only.
    volumeMounts: [{ name: CA_VOLUME, mountPath: PATHS.tlsDir, readOnly: true }],
    volumes: [
      { name: CA_VOLUME, secret: { secretName: names.tls(topology), items: [{ key: "ca.crt", path: "ca.crt" }] } },
    ],
  };
}
