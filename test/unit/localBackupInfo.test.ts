/**
 * `pgbackrest info --output=json` as the local backend reads it: backups with their WAL range, and the status codes
 * that matter because pgBackRest exits 0 on an unreadable repository; and whether the archive covers a replica.
 */
import { describe, expect, it } from "vitest";
import { BackupInfoError, parseBackupInfo } from "../../components/local/backupInfo";
import { archiveHolds, redoSegmentIn } from "../../components/local/lostSlots";

/** The shape pgBackRest 2.45 prints (trimmed to the keys read; the rest is ignored). */
function info(status: { code: number; message: string }, backups: unknown[] = [], archive: unknown[] = []): string {
  return JSON.stringify([
    {
      name: "orders",
      status: { ...status, lock: { backup: { held: false } } },
      backup: backups,
      archive,
      cipher: "none",
      db: [],
      repo: [],
    },
  ]);
}

const full = {
  label: "20261206-131500F",
  type: "full",
  timestamp: { start: 1796562900, stop: 1796562905 },
  archive: { start: "000000010000000000000003", stop: "000000010000000000000004" },
  info: { size: 24_000_000, delta: 24_000_000, repository: { size: 3_000_000, delta: 3_000_000 } },
  prior: null,
};
const incr = {
  ...full,
  label: "20261206-131500F_20261206-140000I",
  type: "incr",
  prior: full.label,
  timestamp: { start: 1796565600, stop: 1796565602 },
  info: { ...full.info, repository: { size: 3_000_000, delta: 40_000 } },
};

describe("pgbackrest info, read", () => {
  it("lists each backup with type, times (UTC), WAL range and sizes, oldest first", () => {
    const parsed = parseBackupInfo(
      info(
        { code: 0, message: "ok" },
        [full, incr],
        [{ id: "15-1", min: "000000010000000000000001", max: "000000010000000000000009" }],
      ),
      "orders",
      "/srv/backups/orders",
    );
    expect(parsed.backups).toEqual([
      {
        label: full.label,
        type: "full",
        start: "2026-12-06T13:15:00.000Z",
        stop: "2026-12-06T13:15:05.000Z",
        walStart: "000000010000000000000003",
        walStop: "000000010000000000000004",
        databaseBytes: 24_000_000,
        repositoryBytes: 3_000_000,
      },
      expect.objectContaining({ type: "incr", repositoryBytes: 40_000 }),
    ]);
    expect(parsed.wal).toEqual({ min: "000000010000000000000001", max: "000000010000000000000009" });
  });

  it("a stanza without backups yet (status 2) is an empty list, not an error", () => {
    expect(parseBackupInfo(info({ code: 2, message: "no valid backups" }), "orders", "/r").backups).toEqual([]);
  });

  it.each([
    [1, "missing stanza path"],
    [3, "missing stanza data"],
    [99, "other: [PathOpenError] unable to list file info for path '/r/archive': [13] Permission denied"],
  ])("status %i is an error naming the repository and the message, though pgBackRest exited 0", (code, message) => {
    expect(() => parseBackupInfo(info({ code, message }), "orders", "/r")).toThrow(BackupInfoError);
    expect(() => parseBackupInfo(info({ code, message }), "orders", "/r")).toThrow(
      `the repository /r is not usable for stanza orders: ${message} (pgBackRest status ${code})`,
    );
  });

  it("refuses output that is not pgBackRest's JSON, or lacks the stanza", () => {
    expect(() => parseBackupInfo("ERROR: [031]", "orders", "/r")).toThrow(/printed no JSON/);
    expect(() => parseBackupInfo(info({ code: 0, message: "ok" }), "payments", "/r")).toThrow(/no stanza payments/);
  });
});

describe("whether the archive covers a replica's next WAL", () => {
  it("compares positions, not timelines; nothing archived covers nothing", () => {
    expect(archiveHolds("000000010000000000000003", "000000010000000000000005")).toBe(true);
    expect(archiveHolds("000000010000000000000003", "000000010000000000000003")).toBe(true);
    expect(archiveHolds("000000010000000000000006", "000000010000000000000005")).toBe(false);
    expect(archiveHolds("000000020000000000000004", "000000010000000000000005")).toBe(true);
    expect(archiveHolds(undefined, "000000010000000000000005")).toBe(false);
  });
});

describe("the segment a standby replays from", () => {
  it("is read from pg_controldata's REDO WAL file line, the line seed-replica.sh reads", () => {
    // As pg_controldata 15.18 prints it (a standby shut down in recovery).
    const controldata = [
      "Database cluster state:               shut down in recovery",
      "Latest checkpoint's REDO location:    0/2000028",
      "Latest checkpoint's REDO WAL file:    000000010000000000000002",
    ].join("\n");
    expect(redoSegmentIn(controldata)).toBe("000000010000000000000002");
    expect(redoSegmentIn("Latest checkpoint's REDO location:    0/2000028")).toBeUndefined();
  });
});
