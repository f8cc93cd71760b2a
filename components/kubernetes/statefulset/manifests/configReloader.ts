/**
 * The config-reloader sidecars: what takes a changed ConfigMap or Secret to a running server
 * without restarting it (render/configReloaderScript.ts). The files reach the pod in place because
 * their volumes are mounted as directories, never with subPath
 * (facts/kubernetes/configMapVolumes.ts); the reloader reaches its server over a Unix socket in an
 * emptyDir both containers mount: PostgreSQL's as the postgres OS user (peer: the superuser), PgBouncer's
 * console as its own uid, which the console admits as "pgbouncer" without a password
 * (facts/postgres/pgbouncer.ts sameUidSocketAdmin). Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import { PGBOUNCER } from "../../../facts/postgres";
import { renderConfigReloaderScript } from "../../../render/configReloaderScript";
import type { SelfHostedTopology } from "../../../topology/types";
import { PATHS } from "../../conventions";

type Container = k8s.types.input.core.v1.Container;

export const RELOADER_PERIOD_S = 5;
/** The emptyDir volume holding a server's Unix socket, shared with its reloader (and a database server's refresher). */
export const SOCKET_VOLUME = "socket";

const security = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
const resources = { requests: { cpu: "5m", memory: "16Mi" }, limits: { memory: "32Mi" } };

export const socketVolume: k8s.types.input.core.v1.Volume = { name: SOCKET_VOLUME, emptyDir: {} };

export function databaseReloaderContainer(topology: SelfHostedTopology): Container {
  const script = renderConfigReloaderScript({
    server: "PostgreSQL",
    watch: [PATHS.postgresqlConf, PATHS.hbaFile, PATHS.identFile, PATHS.tlsCert, PATHS.tlsKey],
    reload: [
      "psql",
      "-h",
      PATHS.socketDir,
      "-p",
      String(topology.port),
      "-U",
      "postgres",
      "-d",
      "postgres",
      "-XAtq",
      "-c",
      "SELECT pg_reload_conf()",
    ],
    periodSeconds: RELOADER_PERIOD_S,
  });
  return {
    name: "config-reloader",
    image: topology.kubernetes.images.postgres,
    command: ["sh", "-c", script],
    resources,
    securityContext: security,
    volumeMounts: [
      { name: "config", mountPath: PATHS.configMount, readOnly: true },
      { name: "tls", mountPath: PATHS.tlsDir, readOnly: true },
      { name: SOCKET_VOLUME, mountPath: PATHS.socketDir },
    ],
  };
}

export function poolReloaderContainer(topology: SelfHostedTopology): Container {
  const admin = PGBOUNCER.sameUidSocketAdmin.value;
  const script = renderConfigReloaderScript({
    server: "PgBouncer",
    watch: ["pgbouncer.ini", "userlist.txt", "tls/tls.crt", "tls/tls.key"].map((f) => `${PATHS.pgbouncerDir}/${f}`),
    reload: [
      "psql",
      "-h",
      PATHS.pgbouncerSocketDir,
      "-p",
      String(topology.poolPort),
      "-U",
      admin.user,
      "-d",
      admin.database,
      "-XAtq",
      "-c",
      "RELOAD",
    ],
    periodSeconds: RELOADER_PERIOD_S,
  });
  return {
    name: "config-reloader",
    image: topology.kubernetes.images.pgbouncer,
    command: ["sh", "-c", script],
    resources,
    securityContext: security,
    volumeMounts: [
      { name: "config", mountPath: PATHS.pgbouncerDir, readOnly: true },
      { name: SOCKET_VOLUME, mountPath: PATHS.pgbouncerSocketDir },
    ],
  };
}
