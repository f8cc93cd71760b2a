/** Before any process starts: binaries, identity, directories, ports, passwords, and the state file. */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { renderPgHba } from "../render/pgHba";
import { renderPgIdent } from "../render/pgIdent";
import { renderSeedReplicaScript } from "../render/seedReplicaScript";
import { allNodes, homePools } from "../topology/queries";
import type { LocalTopology } from "../topology/types";
import { findBinaries } from "./binaries";
import { writeOwnedFile } from "./files";
import { resolveRunAs } from "./identity";
import type { Layout } from "./layout";
import { freePorts } from "./ports";
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
  const nodes = allNodes(topology);
  const pools = homePools(topology);
  const ports = await freePorts(nodes.length + pools.length + 1);
  const take = () => {
    const port = ports.shift();
    if (port === undefined) throw new Error("prepareState: freePorts returned fewer ports than asked");
    return port;
  };
  const state: LocalState = {
    version: 1,
    stack,
    phase: "creating",
    topology,
    runAs,
    binaries,
    passwords: { app: secret(), replication: secret() },
    ports: {
      nodes: Object.fromEntries(nodes.map((node) => [node.name, take()])),
      pools: Object.fromEntries(pools.map((pool) => [pool.name, take()])),
      readerEndpoint: take(),
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
