/** Before any process starts: binaries, identity, directories, addresses, passwords, and the state file. */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { renderPgHba } from "../render/pgHba";
import { renderPgIdent } from "../render/pgIdent";
import { renderSeedReplicaScript } from "../render/seedReplicaScript";
import { allNodes, homePools } from "../topology/queries";
import type { LocalTopology } from "../topology/types";
import { LOOPBACK, freePorts, nodeEndpoints } from "./addresses";
import { findBinaries } from "./binaries";
import { writeOwnedFile } from "./files";
import { resolveRunAs } from "./identity";
import type { Layout } from "./layout";
import { type LocalState, writeState } from "./state";
import { prepareDirectories, requireReachable } from "./stateDir";

function secret(): string {
  return randomBytes(24).toString("base64url");
}

export async function prepareState(stack: string, topology: LocalTopology, layout: Layout, env: NodeJS.ProcessEnv): Promise<LocalState> {
  const binaries = findBinaries(topology.postgresVersion, env);
  const runAs = resolveRunAs();
  prepareDirectories(layout, runAs);
  await requireReachable(layout, runAs);
  const pools = homePools(topology);
  const poolPorts = await freePorts(pools.length);
  const state: LocalState = {
    version: 2,
    stack,
    phase: "creating",
    topology,
    runAs,
    binaries: { pgBin: binaries.pgBin, pgbouncer: binaries.pgbouncer, pgbouncerVersion: binaries.pgbouncerVersion },
    passwords: { app: secret(), replication: secret(), poolAdmin: secret() },
    endpoints: {
      nodes: await nodeEndpoints(allNodes(topology).map((node) => node.name)),
      pools: Object.fromEntries(pools.map((pool, index) => [pool.name, { host: LOOPBACK, port: poolPorts[index] ?? 0 }])),
    },
    writer: topology.primary.name,
    retired: [],
    pids: { pools: {} },
    createdAt: new Date().toISOString(),
  };
  writeState(layout, state);
  writeRenderedFiles(layout, state);
  return state;
}

function writeRenderedFiles(layout: Layout, state: LocalState): void {
  const { topology, runAs } = state;
  writeOwnedFile(layout.hbaFile, renderPgHba(topology), runAs);
  writeOwnedFile(layout.identFile, renderPgIdent(topology, [runAs.user]), runAs);
  writeOwnedFile(join(layout.scriptsDir, "seed-replica.sh"), renderSeedReplicaScript(topology), runAs, 0o700);
}
