/**
 * The local stack's synchronous keeper (sql/synchronousKeeper.ts), riding on the read pool controller's tick as
 * refresh.sh runs it beside a Kubernetes writer: after a promotion that had to commit locally or wait for fewer
 * standbys than the stack asks for, commits become synchronous again as the followers stream.
 */
import { KEEPER_SQL } from "../sql/synchronousKeeper";
import { nodeByName, nodeContext } from "./contexts";
import type { Layout } from "./layout";
import { nodeIsRunning, superuserSql } from "./postgresNode";
import type { LocalState } from "./state";

/** One round on the writer: the statements it ran (none, mostly). */
export async function keepSynchronous(layout: Layout, state: LocalState): Promise<string[]> {
  const { synchronousReplicas, synchronousCommit } = state.topology.replication;
  if (synchronousReplicas === 0 || ["local", "off"].includes(synchronousCommit)) return [];
  const node = nodeContext(layout, state);
  const writer = nodeByName(state, state.writer);
  if (!(await nodeIsRunning(node, writer))) return [];
  const statements = (await superuserSql(node, writer, ["-c", KEEPER_SQL])).split("\n").filter(Boolean);
  if (statements.length === 0) return [];
  // One session: each SET of a custom setting must precede the ALTER SYSTEM that names it.
  await superuserSql(
    node,
    writer,
    statements.flatMap((statement) => ["-c", statement]),
  );
  return statements;
}
