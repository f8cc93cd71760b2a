/**
 * The statefulset engine's backup scripts with the real tools (issue 22 part C): stanza.sh, backup.sh and restore.sh
 * as the stack renders them (only the in-pod paths swapped for a temporary directory), run by bash as the postgres
 * user against PostgreSQL and pgBackRest 2.45 on this machine, with a posix directory standing in for the pvc://
 * claim. A restore to a noted time brings exactly the rows committed before it, promoted, with pgBackRest's recovery
 * settings gone, archiving to its own stanza; a second run leaves the data directory alone.
 */
import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPostgres } from "../../components/local/binaries";
import { resolveRunAs } from "../../components/local/identity";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { renderBackupScript, renderStanzaScript } from "../../components/render/backupScripts";
import { archiveCommands, renderPgbackrestConf } from "../../components/render/pgbackrestConf";
import { RECOVERY_SETTINGS, renderRestoreScript } from "../../components/render/restoreScript";
import { patched, selfHostedBase } from "../support/configs";

const runAs = resolveRunAs();
const bin = findPostgres(15);
const dir = mkdtempSync(join(tmpdir(), "pgrr-sts-backup-"));
const sock = join(dir, "sock");
const PORTS = { source: 56000 + (process.pid % 1000), restored: 57000 + (process.pid % 1000) };

function sh(script: string, env: Record<string, string> = {}): string {
  const drop = runAs.switchUser
    ? ["setpriv", `--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups", "--"]
    : [];
  const [file, ...argv] = [...drop, "bash", "-c", script];
  return execFileSync(file!, argv, {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: dir, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}
const psql = (port: number, query: string) =>
  sh(`psql -h ${sock} -p ${port} -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 -c "${query}"`).trim();

/** The stack's pgbackrest.conf, pointed at this directory. */
function conf(stanza: string, pgdata: string, port: number): string {
  const topology = topologyFromConfig(
    patched(selfHostedBase(), { backup: { enabled: true, repository: "pvc://r" } }),
  ).topology;
  return renderPgbackrestConf(topology, stanza, {
    stanza,
    dataDirectory: pgdata,
    port,
    socketDirectory: sock,
    repositoryPath: join(dir, "repo"),
    lockPath: join(dir, "lock"),
    spoolPath: join(dir, `spool-${stanza}`),
  });
}

function serverConf(port: number, confFile: string, stanza: string): string {
  const { archiveCommand, restoreCommand } = archiveCommands({ configFile: confFile, stanza });
  return [
    `port = ${port}`,
    `unix_socket_directories = '${sock}'`,
    "listen_addresses = ''",
    "wal_level = replica",
    "archive_mode = on",
    `archive_command = '${archiveCommand.replace(/'/g, "''")}'`,
    `restore_command = '${restoreCommand.replace(/'/g, "''")}'`,
    `hba_file = '${join(dir, "pg_hba.conf")}'`,
    "",
  ].join("\n");
}

const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
const paths = { configFile: join(dir, "source.conf"), stanza: "orders", socketDir: sock, port: PORTS.source };

beforeAll(() => {
  write("source.conf", conf("orders", join(dir, "source"), PORTS.source));
  // On Kubernetes the restore source's file names PGDATA, the restored writer's own path.
  write("source-restore.conf", conf("orders", join(dir, "restored"), PORTS.restored));
  write("restored.conf", conf("restored", join(dir, "restored"), PORTS.restored));
  write("source-postgresql.conf", serverConf(PORTS.source, join(dir, "source.conf"), "orders"));
  write("restored-postgresql.conf", serverConf(PORTS.restored, join(dir, "restored.conf"), "restored"));
  write("stanza.sh", renderStanzaScript(paths, 30));
  write("backup.sh", renderBackupScript(paths));
  write("pg_hba.conf", "local all all trust\n");
  if (runAs.switchUser) execFileSync("chown", ["-R", `${runAs.uid}:${runAs.gid}`, dir]);
  sh(`mkdir -p ${sock} ${dir}/repo && initdb -D ${dir}/source -U postgres >/dev/null`);
  sh(
    `pg_ctl -D ${dir}/source -o "-c config_file=${dir}/source-postgresql.conf" -l ${dir}/source.log -w start >/dev/null`,
  );
});

afterAll(() => {
  for (const data of ["source", "restored"])
    try {
      sh(`pg_ctl -D ${dir}/${data} -m immediate stop >/dev/null 2>&1 || true`);
    } catch {
      // not running
    }
  rmSync(dir, { recursive: true, force: true });
});

describe("the statefulset engine's pgBackRest scripts, with the real tools", () => {
  let noted = "";

  it("stanza.sh creates the stanza and proves the archive; backup.sh takes a full backup", () => {
    expect(sh(`bash ${dir}/stanza.sh`)).toContain("stanza: orders created");
    psql(PORTS.source, "CREATE TABLE t(v int); INSERT INTO t VALUES (1)");
    expect(sh(`bash ${dir}/backup.sh`)).toContain("full backup of orders done");
    const info = JSON.parse(sh(`pgbackrest --config=${dir}/source.conf --stanza=orders --output=json info`));
    expect(info[0].backup.map((b: { type: string }) => b.type)).toEqual(["full"]);
  });

  it("restore.sh brings exactly the rows committed before the target, promoted, archiving to its own stanza", () => {
    psql(PORTS.source, "INSERT INTO t VALUES (2)");
    sh("sleep 1.2");
    noted = psql(PORTS.source, `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\\"T\\"HH24:MI:SS.US\\"Z\\"')`);
    sh("sleep 1.2");
    psql(PORTS.source, "INSERT INTO t VALUES (3)");
    psql(PORTS.source, "SELECT pg_switch_wal()");
    sh(`pgbackrest --config=${dir}/source.conf --stanza=orders check`);
    write(
      "restore.sh",
      renderRestoreScript({
        source: { configFile: join(dir, "source-restore.conf"), stanza: "orders" },
        own: { configFile: join(dir, "restored.conf"), stanza: "restored" },
        target: { type: "time", at: noted },
        configFile: join(dir, "restored-postgresql.conf"),
        socketDir: sock,
        port: PORTS.restored,
      }),
    );
    if (runAs.switchUser) chownSync(join(dir, "restore.sh"), runAs.uid, runAs.gid);
    expect(sh(`bash ${dir}/restore.sh`, { PGDATA: join(dir, "restored") })).toContain("orders restored and promoted");
    sh(
      `pg_ctl -D ${dir}/restored -o "-c config_file=${dir}/restored-postgresql.conf" -l ${dir}/restored.log -w start >/dev/null`,
    );
    expect(psql(PORTS.restored, "SELECT string_agg(v::text, ',' ORDER BY v) FROM t")).toBe("1,2");
    expect(psql(PORTS.restored, "SELECT pg_is_in_recovery()")).toBe("f");
    const autoConf = readFileSync(join(dir, "restored", "postgresql.auto.conf"), "utf8");
    for (const setting of RECOVERY_SETTINGS) expect(autoConf).not.toContain(setting);
    sh(`pgbackrest --config=${dir}/restored.conf --stanza=restored check`);
  });

  it("restore.sh never restores over a data directory", () => {
    expect(sh(`bash ${dir}/restore.sh`, { PGDATA: join(dir, "restored") })).toContain("nothing restored");
    expect(psql(PORTS.restored, "SELECT count(*) FROM t")).toBe("2");
  });
});
