/** Probe commands for database containers; they query over the local socket as the postgres OS user. */
import type { NodeRole, Topology } from "../topology/types";
import { readinessSql, writerReadinessSql } from "../sql/replicationSql";
import { shq } from "../ground/shell";

export function readinessCommand(topology: Topology, role: NodeRole, socketDirectory: string): string[] {
  const sql =
    role === "primary" ? writerReadinessSql(topology.database) : readinessSql(role, topology.replication.maxLagBytes);
  return ["bash", "-c", `psql -h ${shq(socketDirectory)} -U postgres -d postgres -XAtq -c ${shq(sql)} | grep -qx t`];
}

export function livenessCommand(socketDirectory: string): string[] {
  return ["pg_isready", "-q", "-h", socketDirectory, "-U", "postgres"];
}
