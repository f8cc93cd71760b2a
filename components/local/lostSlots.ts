/**
 * A replica whose slot the writer invalidated (it fell past max_slot_wal_keep_size) or dropped: without an archive it
 * must be re-seeded (`local reseed`). With the WAL archive it catches up from there instead, through its
 * restore_command, provided the archive still holds the WAL it needs next. Its slot is re-created on the writer,
 * reserving WAL from now on, so that once it has replayed the archive it streams again on its own slot.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPLICATION_SLOTS } from "../facts/postgres";
import type { StandbyNode } from "../topology/types";
import { listBackups } from "./backup";
import { nodeByName, nodeContext } from "./contexts";
import type { Layout } from "./layout";
import { superuserSql } from "./postgresNode";
import { servingStandbys } from "./serving";
import type { LocalState } from "./state";

/** What happened to each standby's slot: kept, re-created (it catches up from the archive), or beyond the archive. */
export interface SlotRepair {
  node: string;
  slot: string;
  outcome: "recreated" | "beyondArchive";
  /** The WAL segment the replica needs next (its last checkpoint's REDO). */
  needs: string;
}

/**
 * The slot's wal_status on the writer; "unreserved" for a slot that reserves no WAL yet (made without
 * immediately_reserve and never used: wal_status NULL; an invalidated one says 'lost'), "missing" for none. As in
 * seed-replica.sh, a new slot is not a lost one (facts REPLICATION_SLOTS.readSlotAnswers).
 */
const SLOT_STATUS_SQL = (slot: string) =>
  `SELECT coalesce((SELECT coalesce(wal_status, 'unreserved') FROM pg_replication_slots WHERE slot_name = '${slot}'), 'missing')`;

/** The segment a stopped or starting standby replays from: its last checkpoint's REDO, as seed-replica.sh reads it. */
export function redoSegmentOf(pgBin: string, dataDir: string): string | undefined {
  const text = execFileSync(join(pgBin, "pg_controldata"), [dataDir], { encoding: "utf8", env: { LC_ALL: "C" } });
  return redoSegmentIn(text);
}

/** The REDO segment's file name in pg_controldata's output. */
export function redoSegmentIn(controldata: string): string | undefined {
  const line = REPLICATION_SLOTS.redoSegment.value.controldataLine;
  return new RegExp(`^${line}:\\s+([0-9A-F]{24})$`, "m").exec(controldata)?.[1];
}

/**
 * Whether the archive holds `segment` onwards: the archive is continuous from its oldest kept segment (retention
 * removes only from the front), so what matters is that segment's position, timeline aside (the first 8 characters).
 */
export function archiveHolds(oldest: string | undefined, segment: string): boolean {
  return oldest !== undefined && oldest.slice(8) <= segment.slice(8);
}

/**
 * Drop (unless a standby streams from it again: PostgreSQL 15 lets a standby re-use a lost physical slot once the WAL
 * it asks for exists, facts OBSERVED_PG15.lostPhysicalSlotReusable) and create, reserving WAL from now.
 */
function recreateSlotSql(slot: string): string {
  const named = `slot_name = '${slot}'`;
  return [
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE ${named} AND NOT active;`,
    `SELECT pg_create_physical_replication_slot('${slot}', true)`,
    `WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE ${named});`,
  ].join("\n");
}

async function repairOne(
  layout: Layout,
  state: LocalState,
  standby: StandbyNode,
  oldest?: string,
): Promise<SlotRepair | undefined> {
  const node = nodeContext(layout, state);
  const writer = nodeByName(state, state.writer);
  const status = await superuserSql(node, writer, ["-c", SLOT_STATUS_SQL(standby.slot)]);
  if (status !== "lost" && status !== "missing") return undefined;
  if (!existsSync(join(layout.dataDir(standby.name), "global", "pg_control"))) return undefined;
  const needs = redoSegmentOf(state.binaries.pgBin, layout.dataDir(standby.name));
  if (needs === undefined) return undefined;
  if (!archiveHolds(oldest, needs)) return { node: standby.name, slot: standby.slot, outcome: "beyondArchive", needs };
  await superuserSql(node, writer, ["-c", recreateSlotSql(standby.slot)]);
  return { node: standby.name, slot: standby.slot, outcome: "recreated", needs };
}

/** Every serving standby whose slot is lost or missing, repaired when the archive covers it. */
export async function repairLostSlots(layout: Layout, state: LocalState): Promise<SlotRepair[]> {
  const inventory = await listBackups(layout, state);
  const repairs: SlotRepair[] = [];
  for (const standby of servingStandbys(state)) {
    const repair = await repairOne(layout, state, standby, inventory.wal?.min);
    if (repair) repairs.push(repair);
  }
  return repairs;
}
