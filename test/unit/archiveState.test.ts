/**
 * The archive state's parse and line (the statement itself runs on a real PostgreSQL in
 * test/integration/archive-monitoring.test.ts): ages on the server's clock, "failing now" only when the newest attempt
 * failed, and a line that says what an operator needs.
 */
import { describe, expect, it } from "vitest";
import {
  ARCHIVE_STATE_COLUMNS,
  archiveFailing,
  formatAge,
  formatArchiveState,
  parseArchiveState,
} from "../../components/sql/archiveState";

const NOW = 1_800_000_000;
const SEG5 = "000000010000000000000005";
const SEG6 = "000000010000000000000006";

/** One row as the driver returns it: bigint counts as text, epochs as numbers, NULL as null. */
function row(over: Partial<Record<(typeof ARCHIVE_STATE_COLUMNS)[number], unknown>> = {}): unknown[] {
  const base: Record<(typeof ARCHIVE_STATE_COLUMNS)[number], unknown> = {
    in_recovery: false,
    archive_mode: "on",
    archive_timeout_s: 60,
    archived_count: "12",
    last_archived_wal: SEG5,
    last_archived_time: NOW - 12,
    failed_count: "0",
    last_failed_wal: null,
    last_failed_time: null,
    stats_reset: NOW - 86_400,
    ready_segments: 0,
    oldest_ready_time: null,
    newest_backup_label: null,
    newest_backup_time: null,
    server_now: NOW,
  };
  const merged = { ...base, ...over };
  return ARCHIVE_STATE_COLUMNS.map((column) => merged[column]);
}

describe("parseArchiveState", () => {
  it("reads counts given as text and ages on the server's clock", () => {
    const state = parseArchiveState(row());
    expect(state).toMatchObject({ inRecovery: false, mode: "on", timeoutSeconds: 60, archivedCount: 12 });
    expect(state.lastArchived).toEqual({ wal: SEG5, at: new Date((NOW - 12) * 1000), ageSeconds: 12 });
    expect(state.lastFailed).toBeUndefined();
    expect(state.failing).toBe(false);
    expect(state.statsReset).toEqual(new Date((NOW - 86_400) * 1000));
  });

  it("leaves out what the server has not seen yet: nothing archived, no base backup", () => {
    const state = parseArchiveState(row({ archived_count: "0", last_archived_wal: null, last_archived_time: null }));
    expect(state.lastArchived).toBeUndefined();
    expect(state.newestBaseBackup).toBeUndefined();
    expect(formatArchiveState(state)).toBe("archive on (timeout 60s): nothing archived yet; 0 archived, no failures");
  });

  it("reports waiting segments and the newest base backup's age", () => {
    const state = parseArchiveState(
      row({
        ready_segments: 3,
        oldest_ready_time: NOW - 125,
        newest_backup_label: `${SEG5}.00000028.backup`,
        newest_backup_time: NOW - 3 * 3600 - 60,
      }),
    );
    expect(state.oldestReadyAgeSeconds).toBe(125);
    expect(state.newestBaseBackup?.ageSeconds).toBe(3 * 3600 + 60);
    expect(formatArchiveState(state)).toBe(
      `archive on (timeout 60s): last archived ${SEG5} 12s ago; 12 archived, no failures; 3 segments waiting, oldest 2m 5s; newest base backup ended 3h 1m ago (${SEG5}.00000028.backup)`,
    );
  });

  it("is failing when the newest failure is newer than the newest success, and says so first", () => {
    const state = parseArchiveState(row({ failed_count: "4", last_failed_wal: SEG6, last_failed_time: NOW - 3 }));
    expect(state.failing).toBe(true);
    expect(formatArchiveState(state)).toMatch(
      new RegExp(
        `^archive on \\(timeout 60s\\) FAILING: last archived ${SEG5} 12s ago; 12 archived, 4 failed \\(last ${SEG6} 3s ago\\)$`,
      ),
    );
  });

  it("is not failing after a failure that a later success retried away (failed_count only grows)", () => {
    const state = parseArchiveState(row({ failed_count: "4", last_failed_wal: SEG5, last_failed_time: NOW - 300 }));
    expect(state.failing).toBe(false);
    expect(formatArchiveState(state)).not.toContain("FAILING");
  });

  it("is failing when it failed and never succeeded", () => {
    const failed = { wal: SEG5, at: new Date(0), ageSeconds: 1 };
    expect(archiveFailing(undefined, failed)).toBe(true);
    expect(archiveFailing(undefined, undefined)).toBe(false);
  });

  it("refuses a row of another shape and one without the server's now()", () => {
    expect(() => parseArchiveState(row().slice(1))).toThrow("14 columns, expected 15");
    expect(() => parseArchiveState(row({ server_now: null }))).toThrow("the server's now() is missing");
  });
});

describe("formatAge", () => {
  it("writes ages in the largest two units", () => {
    expect([42, 185, 7800, 3 * 86_400 + 4 * 3600 + 5].map(formatAge)).toEqual(["42s", "3m 5s", "2h 10m", "3d 4h"]);
  });
});
