/**
 * The verification Job's script on the cloudnative-pg engine, run by bash against a
 * fake psql that answers as CloudNativePG's servers do: every instance reports the
 * Cluster's name as cluster_name, standbys <cluster>-<n> stream on _cnpg_<cluster>_<n>,
 * the OLAP replica cluster streams without a slot under its own application_name.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cnpgVerifyTargets } from "../../components/kubernetes/cnpg/verify";
import { renderVerifyScript } from "../../components/render/verifyScript";

import { cnpgTopology } from "../support/topologies";

const dir = mkdtempSync(join(tmpdir(), "cnpg-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAKE_PSQL = `#!/usr/bin/env bash
while [ $# -gt 0 ]; do case "$1" in -h) host=$2; shift 2 ;; -c) sql=$2; shift 2 ;; *) shift ;; esac; done
case "$sql" in
  *pg_stat_replication*) printf '%s\\n' "$STATUS" | tr ';' '\\n'; exit 0 ;;
  *read_only_probe*) echo "ERROR:  cannot execute CREATE TABLE in a read-only transaction"; exit 1 ;;
  *"count(*)"*) echo 1; exit 0 ;;
  *pg_stat_wal_receiver*)
    case "$host" in pg-ro.*) echo "t|streaming|0|0|_cnpg_pg_2" ;; *) echo "t|streaming|0|0|" ;; esac; exit 0 ;;
  *INSERT*) echo "0/3000060"; exit 0 ;;
  *cluster_name*)
    case "$host" in
      pg-rw.*|pg-pool-write.*) echo "pg|f" ;;
      pg-pool-read.*) echo "$READ_POOL_LANDS_ON" ;;
      pg-pool-olap.*) echo "pg-olap|t" ;;
      *) echo "unknown|t" ;;
    esac; exit 0 ;;
esac
echo "fake psql: unexpected $sql" >&2; exit 3
`;
// Each call moves the clock 100 s on, so a failing attempt ends at the first deadline check.
const FAKE_DATE = `#!/usr/bin/env bash
n=$(cat "${dir}/clock" 2>/dev/null || echo 1000); n=$((n + 100)); echo "$n" > "${dir}/clock"; echo "$n"
`;

function install(name: string, text: string): void {
  writeFileSync(join(dir, name), text);
  chmodSync(join(dir, name), 0o755);
}
install("psql", FAKE_PSQL);
install("date", FAKE_DATE);
install("sleep", "#!/bin/sh\nexit 0\n");

const topology = cnpgTopology();
const script = renderVerifyScript(topology, cnpgVerifyTargets(topology, topology.regions[0]!));
writeFileSync(join(dir, "verify.sh"), script);

function run(env: Record<string, string>) {
  const result = spawnSync("bash", [join(dir, "verify.sh")], {
    env: {
      PATH: `${dir}:${process.env.PATH}`,
      PGUSER: "app",
      PGPASSWORD: "x",
      PGDATABASE: "app",
      HEARTBEAT_TOKEN: "t0",
      ...env,
    },
    encoding: "utf8",
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

const STREAMING =
  "pg-2|streaming|_cnpg_pg_2|t|0|0|0|quorum;pg-3|streaming|_cnpg_pg_3|t|0|0|0|quorum;pg-olap|streaming||f|0|0|0|async";

describe("verify.sh on CloudNativePG", () => {
  it("passes when the operator's instances stream on their slots, the OLAP replica cluster without one, and each pool lands on its Cluster", () => {
    const { status, out } = run({ STATUS: STREAMING, READ_POOL_LANDS_ON: "pg|t" });
    expect(out).toContain("verify: PASSED");
    expect(out).toContain("pg-2 (oltp, instance of pg): streaming on _cnpg_pg_2");
    expect(out).toContain("pg-olap (olap, replica cluster): streaming without a slot");
    expect(status).toBe(0);
  });

  it("fails, naming each, when an instance is missing, one streams without its slot, or the read pool reaches the OLAP Cluster", () => {
    const { status, out } = run({
      STATUS: "pg-2|streaming||f|0|0|0|async;pg-olap|streaming||f|0|0|0|async",
      READ_POOL_LANDS_ON: "pg-olap|t",
    });
    expect(status).toBe(1);
    expect(out).toContain("pg: 1 of its 2 standbys stream from the writer");
    expect(out).toContain("pg-2: streams without its slot _cnpg_pg_2 active");
    expect(out).toContain("pool read landed on pg-olap, which is not one of: pg.");
  });

  it("fails when the OLAP replica cluster is not streaming to the writer", () => {
    const { status, out } = run({
      STATUS: "pg-2|streaming|_cnpg_pg_2|t|0|0|0|quorum;pg-3|streaming|_cnpg_pg_3|t|0|0|0|quorum",
      READ_POOL_LANDS_ON: "pg|t",
    });
    expect(status).toBe(1);
    expect(out).toContain("pg-olap: the replica cluster's designated primary is not connected to the writer");
  });
});
