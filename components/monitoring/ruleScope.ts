/**
 * What every alert rule reads of a stack: the matcher that keeps to its series, who serves
 * now, and the expressions computed from its topology (declared standbys, pool sizes, volume sizes).
 */
import { servingStandbys } from "../topology/queries";
import type { LocalTopology, SelfHostedTopology, StandbyNode } from "../topology/types";
import type { RuleEngine } from "./alertCatalog";
import { TARGET_LABELS } from "./targets";

export type MonitoredTopology = SelfHostedTopology | LocalTopology;

/**
 * Who serves now. A local stack's `promote` changes the writer without a new topology (a
 * Kubernetes failover re-renders with kubernetes.writer instead), so its rules are rendered
 * for the current writer, without the retired former writer.
 */
export interface ServingNodes {
  writer: string;
  retired: readonly string[];
  /**
   * The standbys that stream from the writer, when the backend knows better than the topology: after a local
   * switchover the primary's own node is one of them.
   */
  standbys?: readonly StandbyNode[];
}

/** What every rule group reads. */
export interface RuleScope {
  topology: MonitoredTopology;
  /** The label matcher of this stack's series, in every selector. */
  sel: string;
  writer: string;
  /** The standbys that should stream from the writer now. */
  standbys: readonly StandbyNode[];
  /** Whose rules these are, in the alert catalog's terms. */
  engine: Extract<RuleEngine, "statefulset" | "local">;
}

export function ruleScope(topology: MonitoredTopology, serving: ServingNodes): RuleScope {
  const standbys =
    serving.standbys ??
    servingStandbys(topology).filter((s) => s.name !== serving.writer && !serving.retired.includes(s.name));
  return {
    topology,
    sel: `${TARGET_LABELS.cluster}="${topology.name}"`,
    writer: serving.writer,
    standbys,
    engine: topology.backend === "local" ? "local" : "statefulset",
  };
}

export const standbysOf = (scope: RuleScope, role: StandbyNode["role"]) =>
  scope.standbys.filter((s) => s.role === role).map((s) => s.name);

const poolsOf = ({ pools }: MonitoredTopology) => [pools.write, pools.read, ...(pools.olap ? [pools.olap] : [])];

/** One series per standby that should stream, so a missing WAL sender has something to be missing from. */
export function declaredStandbys({ topology, standbys }: RuleScope): string {
  return standbys
    .map(
      (s) =>
        `label_replace(label_replace(vector(1), "application_name", "${s.name}", "", ""), "${TARGET_LABELS.cluster}", "${topology.name}", "", "")`,
    )
    .join("\n  or ");
}

export function poolUtilisation({ topology, sel }: RuleScope): string {
  return poolsOf(topology)
    .map(
      (p) =>
        `sum by (${TARGET_LABELS.cluster}, pool, instance) (pgbouncer_pools_server_active_connections{${sel}, pool="${p.name}", database!="pgbouncer"}) / ${p.defaultPoolSize}`,
    )
    .join("\n  or ");
}

export function clientShare({ topology, sel }: RuleScope): string {
  return poolsOf(topology)
    .map(
      (p) =>
        `sum by (${TARGET_LABELS.cluster}, pool, instance) (pgbouncer_used_clients{${sel}, pool="${p.name}"}) / ${p.maxClientConn}`,
    )
    .join("\n  or ");
}

/** pg_wal's share of each role's data volume. */
export function walShareOfVolume({ topology, sel }: RuleScope): string {
  const volumeBytes = new Map(topology.regions.flatMap((r) => r.groups).map((g) => [g.role, g.resources.storageBytes]));
  return [...volumeBytes.entries()]
    .map(([role, bytes]) => `pgrr_wal_dir_bytes{${sel}, role="${role}"} / ${bytes}`)
    .join("\n  or ");
}
