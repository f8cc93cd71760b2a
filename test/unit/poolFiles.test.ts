/**
 * A pool's files are replaced, never rewritten in place: PgBouncer clears every password before it reads auth_file
 * (PGBOUNCER.authFileLoadClearsPasswordsFirst), so a RELOAD (the read pool controller sends one whenever the ready
 * replicas change) that read a userlist mid-write left the application user without a password, and every client of
 * that pool failed SCRAM until the next reload: the intermittent "SASL authentication failed" of a change rehearsal.
 * A reader that opened a file before the write keeps reading the whole old file, and the path holds the whole new one.
 */
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGBOUNCER } from "../../components/facts/postgres";
import { Layout } from "../../components/local/layout";
import { type PoolContext, writePoolFiles } from "../../components/local/pgbouncerProcess";
import { localTopology } from "../support/changeInputs";
import { localBase } from "../support/configs";

let root = "";
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "pgrr-pool-files-"));
  mkdirSync(join(root, "pools"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function context(appPassword: string): PoolContext {
  const topology = localTopology(localBase());
  return {
    topology,
    layout: new Layout(root),
    runAs: { user: "", uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, home: "/", switchUser: false },
    pgbouncer: "/bin/pgbouncer",
    pgbouncerVersion: "1.24.1",
    passwords: { app: appPassword, poolAdmin: "admin-secret", monitor: "monitor-secret" },
    serverTls: { sslmode: "disable" },
    keyOf: (pool) => pool.name,
    netnsOf: () => undefined,
  };
}

describe("a pool's files", () => {
  it("are replaced whole: a reader holding the old userlist or ini reads all of it, the path all of the new", () => {
    expect(PGBOUNCER.authFileLoadClearsPasswordsFirst.value).toBe(true);
    const first = context("first-password");
    const pool = first.topology.pools.read;
    const endpoint = { host: "127.0.0.1", port: 6432 };
    writePoolFiles(first, pool, endpoint, endpoint);
    const paths = [first.layout.poolUserlist(pool.name), first.layout.poolIni(pool.name)];
    const before = paths.map((path) => readFileSync(path, "utf8"));
    const held = paths.map((path) => openSync(path, "r"));

    const second = context("second-password");
    writePoolFiles(second, pool, endpoint, { host: "127.0.0.2,127.0.0.3", port: 5432 });

    // Rewritten in place, the held descriptors would read the new (or a truncated) file.
    expect(held.map((fd) => readFileSync(fd, "utf8"))).toEqual(before);
    const after = paths.map((path) => readFileSync(path, "utf8"));
    expect(after[0]).not.toEqual(before[0]);
    expect(after[0]).toMatch(/^"app" "second-password"$/m);
    expect(after[1]).toContain("host=127.0.0.2,127.0.0.3");
  });
});
