/**
 * What a change does on the local backend: the change plan `local up` carries out (and `--dry-run` prints), for the
 * stack running as its config says (every server up with its files, every standby streaming) and the edited config.
 */
import { type ChangePlan, planChange } from "../../../components/local/changePlan";
import type { StackConfig } from "./changes";
import { changeInput, localTopology } from "../changeInputs";
import { rawConfigFrom } from "../../../components/config/rawConfig";
import { type Part, type Row, cell, emptyRow, uniformRow } from "./table";

const SERVER_PART = { writer: "writer", oltp: "replicas", olap: "olap" } as const;
const POOL_PART: Record<string, Part> = { write: "writePool", read: "readPool", olap: "olapPool" };

const ACTION: Record<string, string> = {
  nothing: "—",
  start: "started",
  reload: "reload",
  restart: "restart",
  switchover: "switchover",
  seed: "seeded",
  remove: "removed",
  refused: "refused",
};

function rowOf(plan: ChangePlan): Row {
  if (plan.refusals.length > 0) return uniformRow("refused");
  const outcomes = new Map<Part, string[]>();
  const add = (part: Part | undefined, outcome: string) =>
    part && outcomes.set(part, [...(outcomes.get(part) ?? []), outcome]);
  for (const server of plan.servers) {
    const played = server.now ?? server.next;
    if (played === "writer" || played === "oltp" || played === "olap") add(SERVER_PART[played], ACTION[server.action]!);
  }
  for (const pool of plan.pools) add(POOL_PART[pool.key.replace(/@.*$/, "").replace(/^.*-/, "")], ACTION[pool.action]!);
  const row = emptyRow();
  for (const [part, list] of outcomes) row[part] = cell(list);
  return row;
}

const rawConfigOf = (config: StackConfig) => rawConfigFrom(config).raw;

export function observeLocal(before: StackConfig, after: StackConfig): Row {
  let next;
  try {
    next = localTopology(rawConfigOf(after));
  } catch {
    return uniformRow("refused");
  }
  return rowOf(planChange(changeInput({ topology: localTopology(rawConfigOf(before)) }, next)));
}
