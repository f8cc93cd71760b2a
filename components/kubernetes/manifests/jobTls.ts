/**
 * libpq's TLS from a Job to the stack's servers and pools: with TLS required, verified against the stack's CA and the
 * host name (sslmode=verify-full; the region's certificates name every Service and pod host a Job dials,
 * clusterTls.ts). The Job mounts ca.crt alone, never a key.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { SelfHostedTopology } from "../../topology/types";
import { PATHS } from "../conventions";

type Env = k8s.types.input.core.v1.EnvVar;

export interface JobTls {
  env: Env[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  volumes: k8s.types.input.core.v1.Volume[];
}

const CA_VOLUME = "server-ca";

/**
 * `caSecret`: the Secret whose `ca.crt` is the CA the servers' and pools' certificates chain to (statefulset: the
 * region's `<name>-tls`; cloudnative-pg: `<name>-tls-ca`, whose server certificate its poolers present too).
 */
export function jobTls(topology: SelfHostedTopology, caSecret: string): JobTls {
  if (!topology.access.requireTls)
    return { env: [{ name: "PGSSLMODE", value: "prefer" }], volumeMounts: [], volumes: [] };
  return {
    env: [
      { name: "PGSSLMODE", value: "verify-full" },
      { name: "PGSSLROOTCERT", value: PATHS.tlsCa },
    ],
    // Where the database pods have it, but the directory holds ca.crt only.
    volumeMounts: [{ name: CA_VOLUME, mountPath: PATHS.tlsDir, readOnly: true }],
    volumes: [{ name: CA_VOLUME, secret: { secretName: caSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } }],
  };
}
