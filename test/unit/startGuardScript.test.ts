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
