/**
 * seed-replica.sh on a standby that holds data (issue 23, finding 2), with the real tools: the script as the stack
 * renders it, run by bash as the postgres user against a PostgreSQL 15 writer on this machine, archiving with
 * pgBackRest as the stack renders it. A new slot that reserves no WAL yet is not a lost one; a slot invalidated past
 * max_slot_wal_keep_size is re-seeded without an archive, and re-created (the standby catching up from the archive)
 * with one; a writer initialised again on an empty volume is another system: the standby refuses, its rows intact.
 */
import { type ExecFileSyncOptions, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPLICATION_SLOTS } from "../../components/facts/postgres";
import { findPostgres } from "../../components/local/binaries";
import { resolveRunAs } from "../../components/local/identity";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { archiveCommands, renderPgbackrestConf } from "../../components/render/pgbackrestConf";
import { renderSeedReplicaScript } from "../../components/render/seedReplicaScript";
import { ensureSlotsSql } from "../../components/sql/replicationSql";
import { patched, selfHostedBase } from "../support/configs";

const runAs = resolveRunAs();
const bin = findPostgres(15);
const dir = mkdtempSync(join(tmpdir(), "pgrr-seed-"));
const sock = join(dir, "sock");
const PORTS = { writer: 58000 + (process.pid % 1000), standby: 59000 + (process.pid % 1000) };
const STANZA = "orders";
const topology = topologyFromConfig(
  patched(selfHostedBase(), { backup: { enabled: true, repository: "pvc://r" } }),
).topology;
const standby = topology.standbys[0]!;
const replicationUser = topology.replication.user;
const pgdata = { writer: join(dir, "writer"), standby: join(dir, "standby") };
/** A file only the standby's own data directory holds: gone if the script wiped it. */
const marker = join(pgdata.standby, "kept-by-seed-test");

interface Run {
  code: number;
  out: string;
}

function asPostgres(script: string, env: Record<string, string> = {}): Run {
  const drop = runAs.switchUser
    ? ["setpriv", `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups", "--"]
    : [];
  const [file, ...argv] = [...drop, "bash", "-c", `${script} 2>&1`];
  const options: ExecFileSyncOptions = {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: dir, LC_ALL: "C", ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    cwd: "/",
  };
  try {
    return { code: 0, out: execFileSync(file!, argv, options) as string };
  } catch (error) {
    const failed = error as { status: number; stdout: string };
    return { code: failed.status, out: failed.stdout };
  }
}

function sh(script: string): string {
  const result = asPostgres(script);
  if (result.code !== 0) throw new Error(`${script}: exit ${result.code}: ${result.out}`);
  return result.out;
}

const psql = (port: number, query: string) =>
  sh(`psql -h ${sock} -p ${port} -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 -c "${query}"`).trim();
const readSlot = () =>
  sh(
    `psql "host=${sock} port=${PORTS.writer} user=${replicationUser} replication=true" -XAtq -c "READ_REPLICATION_SLOT ${standby.slot}"`,
  ).trim();
const systemIdOf = (data: string) => sh(`pg_controldata ${data}`).match(/^Database system identifier:\s+(\d+)$/m)?.[1];

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** pgbackrest.conf for one server: pg1-path is its own data directory, as on each pod. */
function pgbackrestConf(server: keyof typeof PORTS): string {
  return write(
    `${server}-pgbackrest.conf`,
    renderPgbackrestConf(topology, STANZA, {
      stanza: STANZA,
      dataDirectory: pgdata[server],
      port: PORTS[server],
      socketDirectory: sock,
      repositoryPath: join(dir, "repo"),
      lockPath: join(dir, `lock-${server}`),
      spoolPath: join(dir, `spool-${server}`),
    }),
  );
}

const restoreCommand = () =>
  archiveCommands({ configFile: join(dir, "standby-pgbackrest.conf"), stanza: STANZA }).restoreCommand;

/** The writer archives; max_slot_wal_keep_size is small so a stopped standby's slot can be invalidated. */
function writerConf(): string {
  const { archiveCommand } = archiveCommands({ configFile: join(dir, "writer-pgbackrest.conf"), stanza: STANZA });
  return write(
    "writer.conf",
    [
      `port = ${PORTS.writer}`,
      `unix_socket_directories = '${sock}'`,
      "listen_addresses = ''",
      "wal_level = replica",
      "max_slot_wal_keep_size = 48MB",
      "archive_mode = on",
      `archive_command = '${archiveCommand.replace(/'/g, "''")}'`,
      `hba_file = '${join(dir, "pg_hba.conf")}'`,
      "",
    ].join("\n"),
  );
}

/** The standby's postgresql.conf, with the stack's restore_command or without an archive. */
function standbyConf(archive: boolean): string {
  return write(
    "standby.conf",
    [
      `port = ${PORTS.standby}`,
      `unix_socket_directories = '${sock}'`,
      "listen_addresses = ''",
      "hot_standby = on",
      ...(archive ? [`restore_command = '${restoreCommand().replace(/'/g, "''")}'`] : []),
      `hba_file = '${join(dir, "pg_hba.conf")}'`,
      "",
    ].join("\n"),
  );
}

const start = (server: keyof typeof PORTS) =>
  sh(
    `pg_ctl -D ${pgdata[server]} -o "-c config_file=${join(dir, `${server}.conf`)}" -l ${dir}/${server}.log -w start >/dev/null`,
  );
const stop = (server: keyof typeof PORTS) => sh(`pg_ctl -D ${pgdata[server]} -m fast -w stop >/dev/null`);

/** A writer as the stack's bootstrap leaves it: the replication role, the slots made as ensureSlotsSql makes them. */
function initWriter(): void {
  sh(`initdb -D ${pgdata.writer} -U postgres >/dev/null`);
  start("writer");
  psql(PORTS.writer, `CREATE ROLE ${replicationUser} LOGIN REPLICATION`);
  psql(PORTS.writer, ensureSlotsSql(topology.standbys.map((s) => s.slot)).replace(/\n/g, " "));
}

/** The rendered script, with the pod's environment; RESTORE_COMMAND only where the stack archives. */
function seed(archive: boolean): Run {
  return asPostgres(`bash ${dir}/seed-replica.sh`, {
    NODE_NAME: standby.name,
    PGDATA: pgdata.standby,
    PRIMARY_HOST: sock,
    PRIMARY_PORT: String(PORTS.writer),
    REPLICATION_PASSWORD: "unused-over-the-socket",
    PASSFILE: join(dir, "passfile"),
    PRIMARY_SSLMODE: "disable",
    SEED_WAIT_SECONDS: "30",
    ...(archive ? { RESTORE_COMMAND: restoreCommand() } : {}),
  });
}

async function eventually(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const rows = (port: number) => psql(port, "SELECT count(*) FROM t");
const streaming = () =>
  psql(
    PORTS.writer,
    `SELECT count(*) FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE r.application_name = '${standby.name}' AND s.slot_name = '${standby.slot}' AND r.state = 'streaming'`,
  ) === "1";

/**
 * Standby stopped, WAL written past max_slot_wal_keep_size and checkpoints until the slot's wal_status is 'lost' and
 * the segment the standby replays from is gone from the writer (removed once archived).
 */
async function invalidateSlot(): Promise<void> {
  stop("standby");
  const needs = sh(`pg_controldata ${pgdata.standby}`).match(/^Latest checkpoint's REDO WAL file:\s+(\w+)$/m)![1]!;
  const gone = () =>
    psql(PORTS.writer, slotStatusSql) === "lost" &&
    psql(PORTS.writer, `SELECT count(*) FROM pg_ls_waldir() WHERE name = '${needs}'`) === "0";
  for (let i = 0; i < 10 && !gone(); i++) {
    for (let j = 0; j < 4; j++)
      psql(PORTS.writer, "INSERT INTO t SELECT generate_series(1, 1000); SELECT pg_switch_wal()");
    psql(PORTS.writer, "CHECKPOINT");
  }
  expect(gone()).toBe(true);
  expect(readSlot()).toBe(REPLICATION_SLOTS.readSlotAnswers.value.noReservation);
}
const slotStatusSql = `SELECT wal_status FROM pg_replication_slots WHERE slot_name = '${standby.slot}'`;

async function startAndCatchUp(): Promise<void> {
  start("standby");
  await eventually(streaming, `${standby.name} streaming on ${standby.slot}`, 120_000);
  const expected = rows(PORTS.writer);
  await eventually(() => rows(PORTS.standby) === expected, "the standby's rows to match the writer's");
}

beforeAll(async () => {
  write("pg_hba.conf", "local all all trust\nlocal replication all trust\n");
  write("seed-replica.sh", renderSeedReplicaScript(topology));
  pgbackrestConf("writer");
  pgbackrestConf("standby");
  writerConf();
  standbyConf(false);
  if (runAs.switchUser) execFileSync("chown", ["-R", `${runAs.uid}:${runAs.gid}`, dir]);
  sh(`mkdir -p ${sock} ${dir}/repo`);
  initWriter();
  sh(`pgbackrest --config=${dir}/writer-pgbackrest.conf --stanza=${STANZA} stanza-create >/dev/null`);
  psql(PORTS.writer, "CREATE TABLE t(v int); INSERT INTO t SELECT generate_series(1, 100)");
  const first = seed(false);
  expect(first.out).toContain(`${standby.name} seeded`);
  start("standby");
  await eventually(streaming, "the first seed to stream");
  await eventually(() => rows(PORTS.standby) === "100", "the standby's first rows");
});

afterAll(() => {
  for (const server of ["standby", "writer"] as const)
    asPostgres(`pg_ctl -D ${pgdata[server]} -m immediate stop >/dev/null 2>&1 || true`);
  rmSync(dir, { recursive: true, force: true });
});

describe("seed-replica.sh on a standby that holds data, with the real tools", () => {
  it("keeps a standby whose slot is new and reserves no WAL yet (as a failover makes it): no re-seed", async () => {
    stop("standby");
    sh(`touch ${marker}`);
    psql(PORTS.writer, `SELECT pg_drop_replication_slot('${standby.slot}')`);
    psql(PORTS.writer, ensureSlotsSql([standby.slot]).replace(/\n/g, " "));
    expect(readSlot()).toBe(REPLICATION_SLOTS.readSlotAnswers.value.noReservation);
    psql(PORTS.writer, "INSERT INTO t SELECT generate_series(1, 10)");
    const run = seed(false);
    expect(run.code).toBe(0);
    expect(run.out).toContain("reserves no WAL yet; the writer still has");
    expect(existsSync(marker)).toBe(true);
    await startAndCatchUp();
    expect(readSlot()).toMatch(/^physical\|[0-9A-F]+\/[0-9A-F]+\|1$/);
  });

  it("makes a dropped slot again when the writer still has the standby's WAL: no re-seed", async () => {
    await eventually(() => readSlot() !== REPLICATION_SLOTS.readSlotAnswers.value.noReservation, "a reserved slot");
    stop("standby");
    sh(`touch ${marker}`);
    psql(PORTS.writer, `SELECT pg_drop_replication_slot('${standby.slot}')`);
    expect(readSlot()).toBe(REPLICATION_SLOTS.readSlotAnswers.value.missing);
    psql(PORTS.writer, "INSERT INTO t SELECT generate_series(1, 10)");
    const run = seed(false);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`slot ${standby.slot} was missing on the writer, which still has`);
    expect(existsSync(marker)).toBe(true);
    await startAndCatchUp();
    expect(readSlot()).toMatch(/^physical\|[0-9A-F]+\/[0-9A-F]+\|1$/);
  });

  it("re-seeds a standby whose slot was invalidated past max_slot_wal_keep_size when there is no archive", async () => {
    await eventually(() => readSlot() !== REPLICATION_SLOTS.readSlotAnswers.value.noReservation, "a reserved slot");
    await invalidateSlot();
    sh(`touch ${marker}`);
    const run = seed(false);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/slot pg_replica_0 is gone on the primary \(invalidated .*re-seeding pg-replica-0/);
    expect(existsSync(marker)).toBe(false);
    await startAndCatchUp();
  });

  it("re-creates an invalidated slot when the archive holds what the standby needs: it catches up from there", async () => {
    await eventually(() => readSlot() !== REPLICATION_SLOTS.readSlotAnswers.value.noReservation, "a reserved slot");
    // From here the standby has the stack's restore_command, as every server of an archiving stack does.
    standbyConf(true);
    if (runAs.switchUser) execFileSync("chown", [`${runAs.uid}:${runAs.gid}`, join(dir, "standby.conf")]);
    await invalidateSlot();
    sh(`pgbackrest --config=${dir}/writer-pgbackrest.conf --stanza=${STANZA} check >/dev/null`);
    sh(`touch ${marker}`);
    const run = seed(true);
    expect(run.code).toBe(0);
    expect(run.out).toContain("the archive has it: slot re-created, catching up from the archive");
    expect(existsSync(marker)).toBe(true);
    expect(readSlot()).toMatch(/^physical\|[0-9A-F]+\/[0-9A-F]+\|1$/);
    await startAndCatchUp();
    expect(sh(`cat ${dir}/standby.log`)).toMatch(/restored log file "[0-9A-F]{24}" from archive/);
  });

  it("refuses, deleting nothing, when the writer was initialised again on an empty volume (another system)", () => {
    const committed = rows(PORTS.standby);
    stop("standby");
    sh(`touch ${marker}`);
    const before = systemIdOf(pgdata.standby);
    stop("writer");
    rmSync(pgdata.writer, { recursive: true, force: true });
    initWriter();
    const after = systemIdOf(pgdata.writer);
    expect(after).not.toBe(before);
    const run = seed(true);
    expect(run.code).not.toBe(0);
    expect(run.out).toContain(`belongs to database system ${before}`);
    expect(run.out).toContain(`is database system ${after}`);
    expect(run.out).toContain(`kubernetes failover --to ${standby.name}`);
    expect(run.out).toContain("Nothing was deleted");
    expect(existsSync(marker)).toBe(true);
    start("standby");
    expect(rows(PORTS.standby)).toBe(committed);
  });
});
