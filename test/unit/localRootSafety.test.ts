/**
 * Issue 25, item 2, the checks without servers: root (the CLI) writes under a state directory the servers' user
 * (`postgres`) owns without following what that user plants, and believes state.json only when nobody else could have
 * written it. The pure checks first; then files.ts on real directories, a link planted by the postgres user and a
 * root-owned sentinel outside that must keep its content, mode and owner. The stack-level test is
 * test/integration/local-root-safety.test.ts.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresCandidates, pgbouncerCandidates } from "../../components/local/binaries";
import { ensureDir, openLogForAppend, writeOwnedFile } from "../../components/local/files";
import { type RunAs, resolveRunAs } from "../../components/local/identity";
import { safeToWrite, writableBy } from "../../components/local/safePaths";
import { namesStateRoot } from "../../components/local/stackProcess";
import { parentOpenToServers } from "../../components/local/stateDir";
import { binariesDistrust, runAsDistrust, stateFileDistrust } from "../../components/local/stateTrust";

const postgres = { uid: 101, gid: 104 };

describe("which directories the servers' user can change", () => {
  it.each([
    [{ uid: 101, gid: 0, mode: 0o700 }, true, "its own"],
    [{ uid: 0, gid: 104, mode: 0o770 }, true, "group-writable by its group"],
    [{ uid: 0, gid: 0, mode: 0o770 }, false, "group-writable by another group"],
    [{ uid: 0, gid: 0, mode: 0o755 }, false, "root's, closed"],
    [{ uid: 0, gid: 0, mode: 0o1777 }, true, "sticky /tmp: it can create a name there first"],
  ])("%o: writableBy %s (%s)", (dir, expected) => {
    expect(writableBy(dir, postgres)).toBe(expected);
  });

  it("a sticky /tmp is no open parent of a state root (root's entry there cannot be moved); a plain 0777 is", () => {
    expect(parentOpenToServers({ uid: 0, gid: 0, mode: 0o1777 }, postgres)).toBe(false);
    expect(parentOpenToServers({ uid: 0, gid: 0, mode: 0o777 }, postgres)).toBe(true);
    expect(parentOpenToServers({ uid: 101, gid: 104, mode: 0o755 }, postgres)).toBe(true);
    expect(parentOpenToServers({ uid: 0, gid: 0, mode: 0o755 }, postgres)).toBe(false);
  });
});

describe("which existing files root writes into", () => {
  const file = { uid: 0, gid: 0, mode: 0o600, nlink: 1, isFile: true };
  it("a file with one name, or the servers' user's own", () => {
    expect(safeToWrite(file, postgres)).toBe(true);
    expect(safeToWrite({ ...file, uid: 101, nlink: 3 }, postgres)).toBe(true);
  });
  it("not a second name of another file (a hard link to /etc/shadow), nor a non-file", () => {
    expect(safeToWrite({ ...file, nlink: 2 }, postgres)).toBe(false);
    expect(safeToWrite({ ...file, isFile: false }, postgres)).toBe(false);
  });
});

describe("the state file root believes", () => {
  const genuine = { uid: 0, mode: 0o100600, nlink: 1, isFile: true };
  it("is root's, 0600, with one name", () => {
    expect(stateFileDistrust(genuine, 0)).toBeUndefined();
  });
  it.each([
    [{ ...genuine, uid: 101 }, /owned by uid 101/],
    [{ ...genuine, mode: 0o100644 }, /mode is 0644/],
    [{ ...genuine, nlink: 2 }, /2 names/],
    [{ ...genuine, isFile: false }, /not a regular file/],
  ])("refuses %o", (file, why) => {
    expect(stateFileDistrust(file, 0)).toMatch(why);
  });

  const now: RunAs = { user: "postgres", uid: 101, gid: 104, home: "/var/lib/postgresql", switchUser: true };
  it("runs the servers as the identity this CLI picks, not one the file names", () => {
    expect(runAsDistrust(now, now)).toBeUndefined();
    expect(runAsDistrust({ ...now, user: "root", uid: 0, gid: 0, switchUser: false }, now)).toMatch(
      /runs the servers as root \(uid 0\).*user, uid, gid, switchUser differ/,
    );
  });

  it("names binaries where binaries.ts looks, nowhere else", () => {
    const env = {};
    const found = { pgBin: postgresCandidates(15, env)[0]!, pgbouncer: pgbouncerCandidates(env)[1]! };
    expect(binariesDistrust(found, 15, env)).toBeUndefined();
    expect(binariesDistrust({ ...found, pgBin: "/tmp/evil/bin" }, 15, env)).toMatch(
      /PostgreSQL binaries \/tmp\/evil\/bin are not where this CLI looks for PostgreSQL 15/,
    );
    expect(binariesDistrust({ ...found, pgBin: postgresCandidates(16, env)[0]! }, 15, env)).toMatch(/PostgreSQL 15/);
    expect(binariesDistrust({ ...found, pgbouncer: "/var/lib/postgresql/pgbouncer" }, 15, env)).toMatch(/PgBouncer/);
    const overridden = { PG_READ_REPLICAS_PG_BINDIR: "/opt/pg/bin" };
    expect(binariesDistrust({ ...found, pgBin: "/opt/pg/bin" }, 15, overridden)).toBeUndefined();
  });
});

describe("a pid root signals names the stack's state directory", () => {
  const root = "/tmp/pgrr-x/stack";
  it.each([
    [["/usr/lib/postgresql/15/bin/postgres", "-D", `${root}/nodes/pg-0/data`], true],
    [["pgbouncer", `${root}/pools/rw/pgbouncer.ini`], true],
    [["node", "cli.js", "local", "serve-read-pool", "--state-dir", root], true],
    [[`--config.file=${root}/monitoring/prometheus.yml`], true],
    [[`PG_EXPORTER_EXTEND_QUERY_PATH=${root}/monitoring/queries.yaml`], true],
    [["/usr/sbin/sshd", "-D"], false],
    [["pgbouncer", "/tmp/pgrr-x/stack2/pools/rw/pgbouncer.ini"], false],
    [["pgbouncer", `/elsewhere${root}/pools/rw/pgbouncer.ini`], false],
  ])("%j: %s", (entries, expected) => {
    expect(namesStateRoot(entries, root)).toBe(expected);
  });
});

/** As the postgres user, as a server (or whoever took it over) would. */
function asPostgres(command: string, ...args: string[]): void {
  const { uid, gid } = resolveRunAs();
  const ran = spawnSync(command, args, { uid, gid });
  if (ran.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${ran.stderr.toString()}`);
}

const asRoot = process.geteuid?.() === 0;

describe.runIf(asRoot)("files.ts as root, under a directory the postgres user owns", () => {
  const runAs = resolveRunAs();
  const scratch = mkdtempSync(join(tmpdir(), "pgrr-rootsafe-"));
  chmodSync(scratch, 0o755);
  const sentinel = join(scratch, "sentinel");
  writeFileSync(sentinel, "root's own\n", { mode: 0o640 });
  const theirs = join(scratch, "state", "nodes");
  mkdirSync(theirs, { recursive: true, mode: 0o700 });
  chmodSync(join(scratch, "state"), 0o711);
  chownSync(theirs, runAs.uid, runAs.gid);
  const sentinelUnchanged = () => {
    const stat = statSync(sentinel);
    expect([readFileSync(sentinel, "utf8"), stat.mode & 0o7777, stat.uid, stat.gid]).toEqual([
      "root's own\n",
      0o640,
      0,
      0,
    ]);
  };

  it("refuses a planted link as the file it writes (postgresql.conf -> the sentinel)", () => {
    asPostgres("ln", "-s", sentinel, join(theirs, "postgresql.conf"));
    expect(() => writeOwnedFile(join(theirs, "postgresql.conf"), "owned\n", runAs)).toThrow(/symbolic link/);
    sentinelUnchanged();
  });

  it("refuses a planted link on the way (a node directory -> the sentinel's directory)", () => {
    asPostgres("ln", "-s", scratch, join(theirs, "x"));
    expect(() => writeOwnedFile(join(theirs, "x", "sentinel"), "owned\n", runAs)).toThrow(/symbolic link/);
    expect(() => ensureDir(join(theirs, "x"), runAs)).toThrow(/symbolic link/);
    expect(statSync(scratch).uid).toBe(0);
    sentinelUnchanged();
  });

  it("refuses a planted log link for appending", () => {
    asPostgres("ln", "-s", sentinel, join(theirs, "pool.log"));
    expect(() => openLogForAppend(join(theirs, "pool.log"), runAs)).toThrow(/symbolic link/);
    sentinelUnchanged();
  });

  it("still writes, chmods and chowns a real file there", () => {
    const real = join(theirs, "pg_hba.conf");
    writeOwnedFile(real, "host all all 127.0.0.1/32 scram-sha-256\n", runAs, 0o640);
    const stat = statSync(real);
    expect([readFileSync(real, "utf8"), stat.mode & 0o777, stat.uid]).toEqual([
      "host all all 127.0.0.1/32 scram-sha-256\n",
      0o640,
      runAs.uid,
    ]);
    writeOwnedFile(real, "shorter\n", runAs);
    expect(readFileSync(real, "utf8")).toBe("shorter\n");
  });
});
