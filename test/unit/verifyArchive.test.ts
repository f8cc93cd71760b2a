/**
 * The verifier's archive problems (verify/archive.ts): failing now fails verification, a failure a retry fixed does
 * not; archive_mode off and segments waiting past archive_timeout plus the margin do. (On a real writer:
 * test/integration/archive-monitoring.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { ARCHIVE_MARGIN_S, type ArchiveState } from "../../components/sql/archiveState";
import { archiveProblems } from "../../components/verify/archive";

const SEG = "000000010000000000000005";
const at = (ageSeconds: number) => ({ wal: SEG, at: new Date(1_800_000_000_000 - ageSeconds * 1000), ageSeconds });
const healthy: ArchiveState = {
  inRecovery: false,
  mode: "on",
  timeoutSeconds: 60,
  archivedCount: 10,
  lastArchived: at(5),
  failedCount: 0,
  readySegments: 0,
  failing: false,
};

describe("archiveProblems", () => {
  it("finds none on a writer that archives", () => {
    expect(archiveProblems(healthy)).toEqual([]);
  });

  it("finds none after a failure that a later success retried away", () => {
    expect(archiveProblems({ ...healthy, failedCount: 3, lastFailed: at(50) })).toEqual([]);
  });

  it("names the failing segment when the newest attempt failed", () => {
    const problems = archiveProblems({
      ...healthy,
      failedCount: 3,
      lastFailed: at(2),
      failing: true,
      readySegments: 4,
      oldestReadyAgeSeconds: 600,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`archive_command is failing: ${SEG} failed 2s ago`);
  });

  it("says archive_mode is off", () => {
    expect(archiveProblems({ ...healthy, mode: "off" })[0]).toContain("archive_mode is off");
  });

  it("finds segments waiting past archive_timeout plus the margin, not within it", () => {
    const bound = 60 + ARCHIVE_MARGIN_S;
    expect(archiveProblems({ ...healthy, readySegments: 2, oldestReadyAgeSeconds: bound - 1 })).toEqual([]);
    expect(archiveProblems({ ...healthy, readySegments: 2, oldestReadyAgeSeconds: bound + 1 })[0]).toContain(
      "2 complete segment(s) wait for the archive",
    );
  });
});
