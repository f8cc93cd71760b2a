/**
 * start-guard.sh run for real under bash against scratch data directories: it refuses a data
 * directory of another major version (with what to do), refuses a second writer, and lets the
 * old writer a switchover named in `rejoin` come back as a standby only when it was shut down
 * cleanly (pg_controldata stands in as a script printing the state line the real one prints).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HANDOVER } from "../../components/facts/postgres";
import { NO_WRITER } from "../../components/kubernetes/statefulset/failover/fence";
import { renderStartGuardScript } from "../../components/render/startGuardScript";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function dataDir(options: { major: string; state?: string; standby?: boolean }) {
  const root = mkdtempSync(join(tmpdir(), "start-guard-"));
  dirs.push(root);
  const pgdata = join(root, "pgdata");
  mkdirSync(pgdata);
  writeFileSync(join(pgdata, "PG_VERSION"), `${options.major}\n`);
  if (options.standby) writeFileSync(join(pgdata, "standby.signal"), "");
  const bin = join(root, "bin");
  mkdirSync(bin);
  const stateLine = `${HANDOVER.controldataLines.value.state}:               ${options.state ?? "in production"}`;
  writeFileSync(
    join(bin, "pg_controldata"),
    `#!/bin/sh\necho 'pg_control version number:            1300'\necho '${stateLine}'\n`,
  );
  chmodSync(join(bin, "pg_controldata"), 0o755);
  return { pgdata, bin };
}

function guard(dir: { pgdata: string; bin: string }, env: Record<string, string>) {
  const result = spawnSync("bash", ["-c", renderStartGuardScript("pg-fence")], {
    env: {
      PATH: `${dir.bin}:${process.env.PATH}`,
      PGDATA: dir.pgdata,
      CONFIGURED_WRITER: "pg-primary-0",
      POSTGRES_MAJOR: "15",
      ...env,
    },
    encoding: "utf8",
  });
  return { code: result.status, log: `${result.stdout}${result.stderr}` };
}

describe("start-guard.sh", () => {
  it("refuses a data directory of another major version, naming both and the way back", () => {
    const dir = dataDir({ major: "15", standby: true });
    const { code, log } = guard(dir, { POD_NAME: "pg-replica-0", POSTGRES_MAJOR: "16" });
    expect(code).toBe(1);
    expect(log).toContain("holds a PostgreSQL 15 data directory, but the stack now runs PostgreSQL 16");
    expect(log).toContain("Set postgresVersion back to 15 and run pulumi up");
    expect(guard(dir, { POD_NAME: "pg-replica-0" }).code).toBe(0);
  });

  it("starts the fenced writer and standbys, and refuses a second writer", () => {
    const dir = dataDir({ major: "15" });
    expect(guard(dir, { POD_NAME: "pg-primary-0" }).code).toBe(0);
    const refused = guard(dir, { POD_NAME: "pg-primary-0", FENCED_WRITER: "pg-replica-1" });
    expect(refused.code).toBe(1);
    expect(refused.log).toContain("refusing to start a second writer");
    // Deleting the primary pod's claim does not re-seed it: it initialises a new system, which replicas refuse.
    expect(refused.log).toContain("the primary StatefulSet's pod is never re-seeded");
    expect(refused.log).not.toMatch(/delete its PersistentVolumeClaim and the pod\.$/m);
  });

  it("lets the old writer named in rejoin come back as a standby after a clean shutdown, and only then", () => {
    const clean = dataDir({ major: "15", state: HANDOVER.cleanShutdownStates.value.writer });
    const rejoined = guard(clean, { POD_NAME: "pg-replica-0", FENCED_WRITER: "pg-replica-1", REJOIN: "pg-replica-0" });
    expect(rejoined.code).toBe(0);
    expect(rejoined.log).toContain("rejoining as its standby");
    expect(existsSync(join(clean.pgdata, "standby.signal"))).toBe(true);

    const crashed = dataDir({ major: "15", state: "in production" });
    const refused = guard(crashed, { POD_NAME: "pg-replica-0", FENCED_WRITER: "pg-replica-1", REJOIN: "pg-replica-0" });
    expect(refused.code).toBe(1);
    expect(refused.log).toContain("not cleanly shut down: not rejoining");
    expect(existsSync(join(crashed.pgdata, "standby.signal"))).toBe(false);

    const other = dataDir({ major: "15", state: HANDOVER.cleanShutdownStates.value.writer });
    expect(guard(other, { POD_NAME: "pg-replica-2", FENCED_WRITER: "pg-replica-1", REJOIN: "pg-replica-0" }).code).toBe(
      1,
    );
  });
});

/** An old writer's data directory after a failover, and a writer answering the replication commands (fake psql). */
function oldWriter(options: { state: string; checkpoint: string; writerSystem?: string; history: string }) {
  const dir = dataDir({ major: "15", state: options.state });
  const lines = HANDOVER.controldataLines.value;
  writeFileSync(
    join(dir.bin, "pg_controldata"),
    [
      "#!/bin/sh",
      `echo '${lines.state}:               ${options.state}'`,
      `echo '${lines.systemId}:            7301234567890123456'`,
      `echo '${lines.checkpoint}:           ${options.checkpoint}'`,
      `echo "${lines.timeline}:       2"`,
    ].join("\n"),
  );
  const history = options.history.replace(/\t/g, "\\t").replace(/\n/g, "\\n");
  writeFileSync(
    join(dir.bin, "psql"),
    [
      "#!/bin/bash",
      `case "$*" in`,
      `  *IDENTIFY_SYSTEM*) echo '${options.writerSystem ?? "7301234567890123456"}|3|0/6000000|' ;;`,
      `  *"TIMELINE_HISTORY 3"*) printf '00000003.history|${history}\\n' ;;`,
      `  *) exit 2 ;;`,
      "esac",
    ].join("\n"),
  );
  chmodSync(join(dir.bin, "psql"), 0o755);
  return dir;
}

const connection = {
  POD_NAME: "pg-replica-0",
  FENCED_WRITER: "pg-replica-1",
  PRIMARY_HOST: "pg-rw",
  PRIMARY_PORT: "5432",
  PRIMARY_SSLMODE: "require",
  REPLICATION_USER: "replicator",
  REPLICATION_PASSWORD: "s3cret",
};
const clean = HANDOVER.cleanShutdownStates.value.writer;
const forkedAt = (lsn: string) => `1\t0/3000000\tno recovery target specified\n2\t${lsn}\tno recovery target specified`;

describe("start-guard.sh: the old writer of a replica group after a failover", () => {
  it("rejoins as a standby when it shut down cleanly before the writer's timeline forked from its own", () => {
    const dir = oldWriter({ state: clean, checkpoint: "0/5000028", history: forkedAt("0/50000A0") });
    const passfile = join(dir.pgdata, "..", "replication.pgpass");
    const { code, log } = guard(dir, { ...connection, PASSFILE: passfile });
    expect(log).toContain("it holds nothing pg-replica-1 lacks, rejoining as its standby");
    expect(code).toBe(0);
    expect(existsSync(join(dir.pgdata, "standby.signal"))).toBe(true);
  });

  it("refuses, deleting nothing, when it wrote past the fork (writes that exist only there)", () => {
    const dir = oldWriter({ state: clean, checkpoint: "0/5000028", history: forkedAt("0/4F00000") });
    const { code, log } = guard(dir, { ...connection, PASSFILE: join(dir.pgdata, "..", "p") });
    expect(code).toBe(1);
    expect(log).toContain("wrote past the point where pg-replica-1's timeline forked from timeline 2");
    expect(log).toContain("refusing to start a second writer");
    expect(existsSync(join(dir.pgdata, "standby.signal"))).toBe(false);
    expect(existsSync(join(dir.pgdata, "PG_VERSION"))).toBe(true);
  });

  it("refuses a crashed old writer, another system, and a failover still under way", () => {
    const crashed = oldWriter({ state: "in production", checkpoint: "0/5000028", history: forkedAt("0/50000A0") });
    const env = { ...connection, PASSFILE: join(crashed.pgdata, "..", "p") };
    expect(guard(crashed, env).log).toContain("was not shut down cleanly ('in production')");
    const other = oldWriter({
      state: clean,
      checkpoint: "0/5000028",
      history: forkedAt("0/50000A0"),
      writerSystem: "1",
    });
    expect(guard(other, { ...env, PASSFILE: join(other.pgdata, "..", "p") }).log).toContain(
      "not a fork of this pod's history",
    );
    const fenced = oldWriter({ state: clean, checkpoint: "0/5000028", history: forkedAt("0/50000A0") });
    const during = guard(fenced, { ...env, PASSFILE: join(fenced.pgdata, "..", "p"), FENCED_WRITER: NO_WRITER });
    expect(during.code).toBe(1);
    for (const dir of [crashed, other, fenced]) expect(existsSync(join(dir.pgdata, "standby.signal"))).toBe(false);
  });

  it("never rejoins a pod without the replication connection (the primary's group)", () => {
    const dir = oldWriter({ state: clean, checkpoint: "0/5000028", history: forkedAt("0/50000A0") });
    expect(guard(dir, { POD_NAME: "pg-replica-0", FENCED_WRITER: "pg-replica-1" }).code).toBe(1);
    expect(existsSync(join(dir.pgdata, "standby.signal"))).toBe(false);
  });
});
