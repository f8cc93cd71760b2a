/**
 * The verifier's archive check, for a stack whose outputs say it archives WAL (pgBackRest or the Barman Cloud
 * plugin): the writer's archive state (sql/archiveState.ts) as a line in the report, and a problem when the archive
 * is off, failing now, or behind. Aurora keeps its own continuous backups and has no archiver to ask.
 *
 * Failing now fails verification, an old failure does not: PostgreSQL retries a segment until archive_command
 * succeeds, so a failure followed by a success left no gap (archiveFailing() in sql/archiveState.ts).
 */
import { queryOnce } from "../contract/connection";
import {
  ARCHIVE_MARGIN_S,
  ARCHIVE_STATE_SQL,
  type ArchiveState,
  formatArchiveState,
  parseArchiveState,
} from "../sql/archiveState";
import { type VerificationReport, type VerifyContext, describe } from "./report";

/** What is wrong with the archive now; empty when nothing. */
export function archiveProblems(state: ArchiveState): string[] {
  const problems: string[] = [];
  if (state.mode === "off")
    problems.push(
      "archive: archive_mode is off on the writer, yet the stack archives WAL: restart the writer through the stack.",
    );
  if (state.failing && state.lastFailed)
    problems.push(
      `archive: archive_command is failing: ${state.lastFailed.wal} failed ${Math.round(state.lastFailed.ageSeconds)}s ago, after the last success. The writer's log names the error (repository unreachable or full, credentials).`,
    );
  const behindS = state.timeoutSeconds + ARCHIVE_MARGIN_S;
  if (!state.failing && (state.oldestReadyAgeSeconds ?? 0) > behindS)
    problems.push(
      `archive: ${state.readySegments} complete segment(s) wait for the archive, the oldest for ${Math.round(state.oldestReadyAgeSeconds!)}s (bound archive_timeout + ${ARCHIVE_MARGIN_S}s = ${behindS}s): archive_command hangs or is too slow.`,
    );
  return problems;
}

export async function checkArchive(ctx: VerifyContext, report: VerificationReport): Promise<void> {
  const tool = ctx.outputs.backup?.tool;
  if (tool === undefined || tool === "aurora") return;
  let state: ArchiveState;
  try {
    const [row] = await queryOnce(ctx, ctx.outputs.writer, ARCHIVE_STATE_SQL, { stats: true });
    state = parseArchiveState(row!);
  } catch (error) {
    report.archive = { problems: [`archive: cannot read the writer's archive state: ${describe(error)}`] };
    return;
  }
  report.archive = { line: formatArchiveState(state), state, problems: archiveProblems(state) };
}
