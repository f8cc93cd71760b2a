/** Probe commands for database containers; they query over the local socket as the postgres OS user. */
import type { NodeRole, Topology } from "../topology/types";
import { HELD_ROLE, heldRoleSql, readinessSql, writerReadinessSql } from "../sql/replicationSql";
import { shq } from "../ground/shell";

function psql(socketDirectory: string, sql: string): string {
  return `psql -h ${shq(socketDirectory)} -U postgres -d postgres -XAtq -c ${shq(sql)}`;
}

/** Readiness of a server that only ever holds one role (the OLAP replica, other regions' replicas). */
export function readinessCommand(topology: Topology, role: NodeRole, socketDirectory: string): string[] {
  const sql =
    role === "primary" ? writerReadinessSql(topology.database) : readinessSql(role, topology.replication.maxLagBytes);
  return ["bash", "-c", `${psql(socketDirectory, sql)} | grep -qx t`];
}

/** Where a pod that may hold either role reads what it is meant to be, as files the kubelet keeps current. */
export interface HeldRoleFiles {
  /** The pod's labels (a downward API volume: `key="value"` lines). */
  labels: string;
  /** The role label and its value on a pod serving as the writer (any other value: a standby). */
  roleLabel: string;
  writerRole: string;
  /** The fence's `writer` key (a ConfigMap volume); when absent the container's CONFIGURED_WRITER decides. */
  fence: string;
}

/**
 * Readiness of a pod that may be the writer or a standby (the primary's, and the OLTP replicas a failover can
 * promote): healthy in the role it holds now. A writer (not in recovery, bootstrapped) is Ready when its pod is
 * labelled with the writer's role and the fence names it (POD_NAME); a standby (in recovery, streaming, within the
 * lag bound) when its pod is labelled with any other role. So the promoted writer, relabelled, is Ready in its
 * replica group (the StatefulSet controller's OrderedReady walk passes it) but never an endpoint of ro, which selects
 * the OLTP role; a pod whose label and state disagree is unready, so ro never reaches a writer.
 */
export function heldRoleReadinessCommand(topology: Topology, socketDirectory: string, files: HeldRoleFiles): string[] {
  const sql = heldRoleSql(topology.database, topology.replication.maxLagBytes);
  const labelledWriter = `grep -qx ${shq(`${files.roleLabel}="${files.writerRole}"`)} ${shq(files.labels)}`;
  const script = [
    `state=$(${psql(socketDirectory, sql)}) || exit 1`,
    `fence=$(cat ${shq(files.fence)} 2>/dev/null); fence=\${fence:-$CONFIGURED_WRITER}`,
    `case "$state" in`,
    `  ${HELD_ROLE.standby}) [ -s ${shq(files.labels)} ] && ! ${labelledWriter} ;;`,
    `  ${HELD_ROLE.writer}) ${labelledWriter} && [ "$fence" = "$POD_NAME" ] ;;`,
    `  *) exit 1 ;;`,
    `esac`,
  ].join("\n");
  return ["bash", "-c", script];
}

export function livenessCommand(socketDirectory: string): string[] {
  return ["pg_isready", "-q", "-h", socketDirectory, "-U", "postgres"];
}
