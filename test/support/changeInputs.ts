/**
 * Plan inputs for the change planner's unit tests: a running stack whose every server and pool was
 * given the files its topology renders (as local up writes them), observed running and streaming,
 * and a new topology rendered beside it. Placement (addresses, paths) is fixed per node name, as the
 * local runner keeps it for a node's life.
 */
import type { ChangeInput, ObservedServer } from "../../components/local/changePlan";
import type { StackSource } from "../../components/local/changeRefusals";
import { Layout } from "../../components/local/layout";
import { type PoolContext, renderPoolFiles } from "../../components/local/pgbouncerProcess";
import { playedGroup } from "../../components/local/serving";
import { renderPgHba } from "../../components/render/pgHba";
import { renderPostgresqlConf } from "../../components/render/postgresqlConf";
import { allNodes, allPools } from "../../components/topology/queries";
import type { DatabaseNode, LocalTopology, Pool, StandbyNode, Topology } from "../../components/topology/types";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { PG15_CONTEXTS } from "./settingContexts";
import type { Raw } from "./configs";

export interface Running {
  topology: LocalTopology;
  writer?: string;
  retired?: string[];
  leaving?: StandbyNode[];
  source?: StackSource;
}

export function localTopology(config: Raw): LocalTopology {
  const { topology } = topologyFromConfig(config);
  if (topology.backend !== "local") throw new Error("a local config was expected");
  return topology;
}

const layout = new Layout("/state");

/** postgresql.conf of a node as it plays its part under `writer`, at its fixed place. */
export function confOf(topology: Topology, writer: string, node: DatabaseNode): string {
  return renderPostgresqlConf(
    topology,
    playedGroup({ topology, writer, retired: [] }, node),
    { port: 5432, listenAddresses: `node-${node.name}` },
    {
      hbaFile: layout.hbaFile(node.region),
      identFile: layout.identFile,
      socketDirectory: `/run/${node.name}`,
      // The local backend's paths when the stack archives (archive.ts): each server its own pgbackrest.conf.
      ...(topology.backup
        ? { archive: { configFile: `/state/nodes/${node.name}/pgbackrest/pgbackrest.conf`, stanza: topology.name } }
        : {}),
    },
  );
}

function poolFiles(topology: Topology, pool: Pool) {
  const ctx: PoolContext = {
    topology,
    layout,
    runAs: { user: "postgres", uid: 1, gid: 1, home: "/", switchUser: false },
    pgbouncer: "/bin/pgbouncer",
    pgbouncerVersion: "1.24.1",
    passwords: { app: "a", poolAdmin: "b", monitor: "c" },
    serverTls: { sslmode: "disable" },
    keyOf: (p) => (p.region === topology.region ? p.name : `${p.name}@${p.region}`),
    netnsOf: () => undefined,
  };
  return renderPoolFiles(ctx, pool, { host: `pool-${pool.name}`, port: 6432 }, { host: "-", port: 0 });
}

const keyOf = (topology: Topology, pool: Pool) =>
  pool.region === topology.region ? pool.name : `${pool.name}@${pool.region}`;

/** Every server running with its files, every standby streaming (lag by position: earlier names closer). */
export function changeInput(
  running: Running,
  next: LocalTopology,
  adjust: { servers?: Record<string, Partial<ObservedServer>>; nextSource?: StackSource } = {},
): ChangeInput {
  const current = running.topology;
  const writer = running.writer ?? current.primary.name;
  const retired = running.retired ?? [];
  const leaving = running.leaving ?? [];
  const members = [...allNodes(current), ...leaving];
  const servers: Record<string, ObservedServer> = Object.fromEntries(
    members.map((node, index) => [
      node.name,
      {
        running: !retired.includes(node.name),
        hasData: true,
        conf: confOf(allNodes(current).includes(node) ? current : next, writer, node),
        pendingRestart: [],
        ...(node.name !== writer && !retired.includes(node.name) ? { streaming: { lagBytes: index * 100 } } : {}),
        ...adjust.servers?.[node.name],
      },
    ]),
  );
  const currentNames = new Set(members.map((n) => n.name));
  const desiredConf = Object.fromEntries(
    allNodes(next)
      .filter((node) => currentNames.has(node.name))
      .map((node) => [node.name, confOf(next, writer, node)]),
  );
  const hba = Object.fromEntries(
    next.regions.map((r) => [r.name, { current: renderPgHba(current, r.name), desired: renderPgHba(next, r.name) }]),
  );
  const pools: Record<string, ChangeInput["pools"][string]> = {};
  for (const pool of allPools(current)) {
    const files = poolFiles(current, pool);
    pools[keyOf(current, pool)] = { observed: { running: true, ini: files.ini, userlist: files.userlist } };
  }
  for (const pool of allPools(next))
    pools[keyOf(next, pool)] = { ...pools[keyOf(next, pool)], desired: poolFiles(next, pool) };
  const source = running.source ?? { backend: "local", postgresVersion: current.postgresVersion };
  return {
    current: { topology: current, source, writer, retired, leaving },
    next: { topology: next, source: adjust.nextSource ?? { backend: "local", postgresVersion: next.postgresVersion } },
    servers,
    desiredConf,
    hba,
    contexts: PG15_CONTEXTS,
    pools,
    fixedPoolSettings: ["listen_addr", "listen_port", "unix_socket_dir"],
  };
}
