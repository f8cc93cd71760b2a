/**
 * The local WAL archive with real pgBackRest (issue 22): `local up` with backup on archives from the writer into a
 * repository outside the state directory and takes a first full backup; a replica stopped past its slot's cap
 * catches up from the archive without a re-seed; a promoted writer archives (new timeline) and backs up to the same
 * stanza; retention keeps what backup.retention says. Its own small stack, beside the shared one.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { external } from "./support";
import { archiveFiles } from "../../components/local/archive";
import { createStanza, listBackups, takeBackup } from "../../components/local/backup";
import { ChangingStack, drillConfig } from "../support/changeDrill";
import { eventually } from "../support/localStack";

// Boots servers of its own: against a deployed stack (STACK_OUTPUTS) the suite boots nothing.
describe.skipIf(external).sequential("local WAL archive and base backups (pgBackRest)", () => {
  const stack = new ChangingStack("arch");
  // Made in beforeAll, not here: a skipped describe's body still runs (STACK_OUTPUTS), and its afterAll does not.
  let repositoryRoot = "";
  let repository = "";
  const query = (node: string, sql: string) => stack.runner.superuserQuery(node, sql);
  /** On the current writer, as the superuser (database postgres). */
  const writerSql = (sql: string) => query(stack.runner.state()!.writer, sql);

  beforeAll(async () => {
    repositoryRoot = mkdtempSync(join(tmpdir(), "pgrr-arch-repo-"));
    repository = join(repositoryRoot, "arch");
    chmodSync(repositoryRoot, 0o755);
    stack.edit(
      drillConfig("arch", {
        replication: { walKeepSize: "16MB", maxSlotWalKeepSize: "64MB" },
        backup: { enabled: true, repository, retention: "1", archiveTimeout: "30s" },
      }),
    );
    await stack.up();
  });

  afterAll(async () => {
    await stack.down();
    if (repositoryRoot) rmSync(repositoryRoot, { recursive: true, force: true });
  });

  it("archives from the writer and is restorable from the start: one full backup after up", async () => {
    const state = stack.runner.state()!;
    const inventory = await listBackups(stack.runner.layout, state);
    expect(inventory.backups.map((b) => b.type)).toEqual(["full"]);
    expect(inventory.repository).toBe(repository);
    expect(inventory.backups[0]!.walStart).toMatch(/^00000001/);
    const archived = await query(state.writer, "SELECT last_archived_wal IS NOT NULL FROM pg_stat_archiver");
    expect(archived).toBe("t");
  });

  it("gives every server its own pgbackrest.conf, pg1-path its own data directory", () => {
    const state = stack.runner.state()!;
    for (const name of Object.keys(state.endpoints.nodes)) {
      const text = readFileSync(archiveFiles(stack.runner.layout, name).configFile, "utf8");
      expect(text).toContain(`pg1-path=${stack.runner.layout.dataDir(name)}`);
      expect(text).toContain(`repo1-path=${repository}`);
    }
  });

  it("waits out another pgBackRest process's archive lock at up instead of failing (an async archive-push)", async () => {
    const state = stack.runner.state()!;
    const lockFile = join(archiveFiles(stack.runner.layout, state.writer).lockPath, "arch-archive.lock");
    // pgBackRest locks with flock(2): flock(1) holds the same lock, as an archive-push running in the background does.
    const holder = spawn("runuser", ["-u", "postgres", "--", "flock", "-x", lockFile, "sleep", "3"], {
      stdio: "ignore",
    });
    let holding = true;
    holder.on("exit", () => (holding = false));
    const held = () => {
      try {
        execFileSync("runuser", ["-u", "postgres", "--", "flock", "-n", lockFile, "true"]);
        return undefined;
      } catch {
        return true; // flock -n exits 1 while another process holds the lock
      }
    };
    await eventually("the lock held by flock", 10_000, async () => held());
    expect(holding).toBe(true);
    await createStanza(stack.runner.layout, state);
    // It returned only after the holder let go: a pgBackRest command fails at once on a held lock (exit 50).
    expect(holding).toBe(false);
  });

  it("a replica stopped past its slot's cap catches up from the archive without a re-seed", async () => {
    const state = stack.runner.state()!;
    const replica = Object.keys(state.endpoints.nodes).find((n) => n !== state.writer)!;
    const slot = state.topology.standbys.find((s) => s.name === replica)!.slot;
    const marker = join(stack.runner.layout.dataDir(replica), "pgrr-not-reseeded");
    writeFileSync(marker, "a re-seed replaces the data directory and loses this file\n");
    const identifier = await query(replica, "SELECT system_identifier FROM pg_control_system()");
    await stack.runner.stopNodeByName(replica);
    await writerSql("CREATE TABLE past_cap (id int PRIMARY KEY, note text)");
    // 8 segments of 16MB past the replica: twice max_slot_wal_keep_size (64MB).
    for (let i = 1; i <= 8; i++) {
      await writerSql(`INSERT INTO past_cap VALUES (${i}, repeat('x', 1000))`);
      await writerSql("SELECT pg_switch_wal()");
    }
    await eventually("the slot invalidated past its cap", 60_000, async () => {
      await query(state.writer, "CHECKPOINT");
      const status = await query(
        state.writer,
        `SELECT wal_status FROM pg_replication_slots WHERE slot_name = '${slot}'`,
      );
      return status === "lost" ? status : undefined;
    });

    const result = await stack.up();
    expect(result.report.ok).toBe(true);
    expect(readFileSync(marker, "utf8")).toContain("re-seed");
    expect(await query(replica, "SELECT system_identifier FROM pg_control_system()")).toBe(identifier);
    expect(await query(replica, "SELECT count(*) FROM past_cap")).toBe("8");
    expect(readFileSync(stack.runner.layout.log(replica), "utf8")).toMatch(
      /restored log file "[0-9A-F]{24}" from archive/,
    );
    const streaming = await eventually("the replica streaming on its re-created slot", 30_000, async () => {
      const row = await query(
        state.writer,
        `SELECT s.active AND s.wal_status <> 'lost' FROM pg_replication_slots s WHERE s.slot_name = '${slot}'`,
      );
      return row === "t" ? row : undefined;
    });
    expect(streaming).toBe("t");
  });

  it("a replica whose slot was dropped on the writer streams again: up re-creates the slot the archive covers", async () => {
    const state = stack.runner.state()!;
    const replica = Object.keys(state.endpoints.nodes).filter((n) => n !== state.writer)[1]!;
    const slot = state.topology.standbys.find((s) => s.name === replica)!.slot;
    await stack.runner.stopNodeByName(replica);
    await writerSql(`SELECT pg_drop_replication_slot('${slot}')`);
    await writerSql("CREATE TABLE slot_dropped (id int)");
    await writerSql("INSERT INTO slot_dropped SELECT generate_series(1, 100)");
    await writerSql("SELECT pg_switch_wal()");

    // Without the slot the replica would replay the archive and then fail to stream forever ("does not exist").
    const result = await stack.up();
    expect(result.report.ok).toBe(true);
    const row = await query(state.writer, `SELECT active FROM pg_replication_slots WHERE slot_name = '${slot}'`);
    expect(row).toBe("t");
    expect(await query(replica, "SELECT count(*) FROM slot_dropped")).toBe("100");
  });

  it("keeps backup.retention full backups: a second full backup expires the first", async () => {
    const state = stack.runner.state()!;
    const before = await listBackups(stack.runner.layout, state);
    const after = await takeBackup(stack.runner.layout, state, "full");
    expect(after.backups.filter((b) => b.type === "full")).toHaveLength(1);
    expect(after.backups[0]!.label).not.toBe(before.backups[0]!.label);
  });

  it("a promoted writer archives on its new timeline and backs up to the same stanza", async () => {
    const promoted = await stack.runner.promote({ force: true });
    const state = stack.runner.state()!;
    expect(state.writer).toBe(promoted.promoted);
    await writerSql("CREATE TABLE after_promotion (id int)");
    await writerSql("INSERT INTO after_promotion VALUES (1)");
    await writerSql("SELECT pg_switch_wal()");
    await eventually("the promoted writer archiving on timeline 2", 60_000, async () => {
      const last = await query(state.writer, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
      return /^00000002[0-9A-F]{16}$/.test(last) ? last : undefined;
    });
    const inventory = await takeBackup(stack.runner.layout, state, "incr");
    const newest = inventory.backups.at(-1)!;
    expect(newest.type).toBe("incr");
    expect(newest.walStart).toMatch(/^00000002/);
    expect(inventory.stanza).toBe("arch");
  });
});
