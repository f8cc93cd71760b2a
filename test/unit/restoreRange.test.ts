/**
 * Issue 22, restore into a new local stack: what `pgbackrest info --output=json` says a repository holds, and whether
 * a restore target lies inside it (checked before the writer is touched); the restore command's target options and the
 * recovery settings cleaned from the restored writer.
 */
import { describe, expect, it } from "vitest";
import { PGBACKREST } from "../../components/facts/backup/pgbackrest";
import { backupSetFor, lsnText, parseInfo, parseLsn, segmentEnd } from "../../components/local/restoreRange";
import {
  RESTORE_SETTINGS_TO_RESET,
  SOURCE_SETTINGS_DROPPED,
  postgresTime,
  renderRestoreConf,
  restoreTargetArgs,
  withoutSettings,
} from "../../components/render/pgbackrestRestore";

const source = { repository: "/srv/backups/orders", stanza: "orders" };

/** As pgBackRest 2.45 printed it here (trimmed): one full and one later backup, WAL on timelines 1 and 2. */
const info = JSON.stringify([
  {
    archive: [
      { id: "15-1", max: "000000010000000000000006", min: "000000010000000000000001" },
      { id: "15-1", max: "000000020000000000000008", min: "000000020000000000000006" },
    ],
    backup: [
      {
        label: "F1",
        error: false,
        lsn: { start: "0/2000028", stop: "0/2000100" },
        timestamp: { start: 1000, stop: 1010 },
      },
      {
        label: "F2",
        error: false,
        lsn: { start: "0/5000028", stop: "0/5000100" },
        timestamp: { start: 2000, stop: 2010 },
      },
    ],
    name: "orders",
    status: { code: 0, message: "ok" },
  },
]);
/** What it printed for a directory that holds no stanza: exit 0, status 1. */
const missing = JSON.stringify([
  { archive: [], backup: [], name: "orders", status: { code: 1, message: "missing stanza path" } },
]);

const clock = { now: new Date(10_000_000), newestArchivedAt: new Date(3_000_000) };

describe("the repository's range", () => {
  it("reads backups oldest first and the newest segment across timelines", () => {
    const range = parseInfo(info, source);
    expect(range.backups.map((b) => b.label)).toEqual(["F1", "F2"]);
    expect(range.newest).toEqual({ archiveId: "15-1", segment: "000000020000000000000008" });
  });

  it("turns a status that is not ok into an error naming the stanza, the repository and the keys to check", () => {
    expect(() => parseInfo(missing, source)).toThrow(
      /stanza orders in \/srv\/backups\/orders cannot be restored from: missing stanza path.*restore.from.*restore.fromStack/s,
    );
  });

  it("refuses a repository with no complete backup", () => {
    const none = JSON.stringify([
      { ...JSON.parse(info)[0], backup: [{ label: "F1", error: true, lsn: { stop: "0/1" }, timestamp: { stop: 1 } }] },
    ]);
    expect(() => parseInfo(none, source)).toThrow(/holds no complete base backup/);
  });

  it("reads LSNs and segment ends as PostgreSQL writes them", () => {
    expect(parseLsn("0/3000060")).toBe(0x3000060n);
    expect(lsnText(parseLsn("1A/FF00")!)).toBe("1A/FF00");
    expect(parseLsn("3000060")).toBeUndefined();
    expect(lsnText(segmentEnd("000000020000000000000008"))).toBe("0/9000000");
  });
});

describe("a restore target against the range", () => {
  const range = parseInfo(info, source);
  const at = (seconds: number) => new Date(seconds * 1000).toISOString();

  it("restores a time from the newest backup that finished before it", () => {
    expect(backupSetFor(range, { type: "time", at: at(1500) }, clock, source).label).toBe("F1");
    expect(backupSetFor(range, { type: "time", at: at(2500) }, clock, source).label).toBe("F2");
  });

  it("refuses a time before the oldest backup finished, naming it and the earliest time", () => {
    expect(() => backupSetFor(range, { type: "time", at: at(1005) }, clock, source)).toThrow(
      /restore.targetTime: .* is before the oldest base backup in stanza orders in \/srv\/backups\/orders \(F1, finished 1970-01-01T00:16:50.000Z\)/,
    );
  });

  it("refuses a time after the newest archived segment reached the repository", () => {
    expect(() => backupSetFor(range, { type: "time", at: at(3001) }, clock, source)).toThrow(
      /is after the newest WAL .*000000020000000000000008.*latest: true/,
    );
  });

  it("restores an LSN from the newest backup consistent before it, within the archive", () => {
    expect(backupSetFor(range, { type: "lsn", lsn: "0/4000000" }, clock, source).label).toBe("F1");
    expect(backupSetFor(range, { type: "lsn", lsn: "0/8FFFFFF" }, clock, source).label).toBe("F2");
    expect(() => backupSetFor(range, { type: "lsn", lsn: "0/2000000" }, clock, source)).toThrow(
      /before the end of the oldest base backup/,
    );
    expect(() => backupSetFor(range, { type: "lsn", lsn: "0/9000000" }, clock, source)).toThrow(/after the newest WAL/);
  });

  it("restores latest from the newest backup", () => {
    expect(backupSetFor(range, { type: "latest" }, clock, source).label).toBe("F2");
  });
});

describe("the restore command and the restored writer's settings", () => {
  it("promotes at a time or LSN target, with a type pgBackRest accepts target-action with", () => {
    for (const target of [
      { type: "time", at: "2026-12-06T05:40:00Z" },
      { type: "lsn", lsn: "0/3000060" },
    ] as const) {
      const args = restoreTargetArgs(target);
      expect(args).toContain("--target-action=promote");
      const type = args.find((a) => a.startsWith("--type="))!.slice("--type=".length);
      expect(PGBACKREST.targetActionNeedsType.value).toContain(type);
    }
    // latest: the default type replays all WAL and promotes; target-action would be refused (exit 31).
    expect(restoreTargetArgs({ type: "latest" })).toEqual([]);
  });

  it("writes a time as recovery_target_time takes it: no T, no Z, every digit kept", () => {
    expect(postgresTime("2026-12-06T13:20:24.661123Z")).toBe("2026-12-06 13:20:24.661123+00:00");
    expect(postgresTime("2026-12-06T15:20:24+02:00")).toBe("2026-12-06 15:20:24+02:00");
    expect(restoreTargetArgs({ type: "time", at: "2026-12-06T05:40:00Z" })).toContain(
      "--target=2026-12-06 05:40:00+00:00",
    );
  });

  it("reads the source's repository, with the new writer's data directory as pg1-path", () => {
    const text = renderRestoreConf({
      repositoryPath: "/srv/backups/orders",
      stanza: "orders",
      dataDirectory: "/s/nodes/p/data",
      lockPath: "/l",
      spoolPath: "/sp",
    });
    expect(text).toContain("repo1-path=/srv/backups/orders\n");
    expect(text).toContain("[orders]\npg1-path=/s/nodes/p/data\n");
  });

  it("drops the source's archiving and resets every recovery setting pgBackRest writes", () => {
    const auto = [
      "# Do not edit this file manually!",
      "archive_mode = 'on'",
      "archive_command = 'pgbackrest --config=/src/pgbackrest.conf --stanza=orders archive-push %p'",
      "work_mem = '8MB'",
      "restore_command = 'pgbackrest --stanza=orders archive-get %f \"%p\"'",
    ].join("\n");
    const kept = withoutSettings(auto, SOURCE_SETTINGS_DROPPED);
    expect(kept).not.toMatch(/archive_(mode|command)/);
    expect(kept).toContain("work_mem = '8MB'");
    expect(kept).toContain("restore_command");
    for (const name of ["restore_command", "recovery_target_time", "recovery_target_lsn", "recovery_target_action"])
      expect(RESTORE_SETTINGS_TO_RESET).toContain(name);
  });
});
