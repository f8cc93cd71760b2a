/**
 * The verification Job's script on the cloudnative-pg engine, run by bash against a
 * fake psql that answers as CloudNativePG's servers do: every instance reports the
 * Cluster's name as cluster_name, the read pool lands on the main Cluster. The streaming
 * rule is one statement (sql/streamingSql.ts) proven against a real PostgreSQL in
 * test/integration/streaming-rule.test.ts; here the fake answers it with rows in its
 * shape, and the script must send the statement verbatim and print what it returns.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cnpgVerifyTargets } from "../../components/kubernetes/cnpg/verify";
import { renderVerifyScript } from "../../components/render/verifyScript";
import { STREAMING_COLUMNS, streamingProblemsSql } from "../../components/sql/streamingSql";
import { cnpgTopology } from "../support/topologies";

const dir = mkdtempSync(join(tmpdir(), "cnpg-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAKE_PSQL = `#!/usr/bin/env bash
while [ $# -gt 0 ]; do case "$1" in -h) host=$2; shift 2 ;; -c) sql=$2; shift 2 ;; *) shift ;; esac; done
case "$sql" in
  *pg_stat_replication*) printf '%s' "$sql" > "${dir}/streaming.sql"; printf '%s\\n' "$STREAMING" | tr ';' '\\n'; exit 0 ;;
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
const targets = cnpgVerifyTargets(topology, topology.regions[0]!);
const script = renderVerifyScript(topology, targets);
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

/** A row of the streaming statement's output, as psql -At prints it. */
function row(values: Partial<Record<(typeof STREAMING_COLUMNS)[number], string>>): string {
  return STREAMING_COLUMNS.map((column) => values[column] ?? "").join("|");
}

const STREAMING = [
  row({ expectation: "pg", standby: "pg-2", summary: "pg-2 (oltp, instance of pg): streaming on _cnpg_pg_2" }),
  row({ expectation: "pg", standby: "pg-3", summary: "pg-3 (oltp, instance of pg): streaming on _cnpg_pg_3" }),
  row({ expectation: "pg-olap", standby: "pg-olap", summary: "pg-olap (olap, replica cluster): streaming without" }),
].join(";");

describe("verify.sh on CloudNativePG", () => {
  it("sends the streaming rule's statement for the operator's instances and the OLAP replica cluster, verbatim", () => {
    run({ STREAMING, READ_POOL_LANDS_ON: "pg|t" });
    expect(targets.mode === "primary" && targets.streaming).toEqual([
      { kind: "instances", cluster: "pg", count: 2, slotPrefix: "_cnpg_", role: "oltp" },
      { kind: "replicaCluster", applicationName: "pg-olap", role: "olap" },
    ]);
    const streaming = targets.mode === "primary" ? targets.streaming! : [];
    expect(readFileSync(join(dir, "streaming.sql"), "utf8")).toBe(
      `${streamingProblemsSql(streaming, topology.verification.maxLagBytes)}\n`,
    );
  });

  it("passes when the statement finds no problem and each pool lands on its Cluster, reporting each standby", () => {
    const { status, out } = run({ STREAMING, READ_POOL_LANDS_ON: "pg|t" });
    expect(out).toContain("verify: PASSED");
    expect(out).toContain("  - pg-2 (oltp, instance of pg): streaming on _cnpg_pg_2");
    expect(out).toContain("  - pg-olap (olap, replica cluster): streaming without");
    expect(status).toBe(0);
  });

  it("fails with each problem the statement returns, and when the read pool reaches the OLAP Cluster", () => {
    const { status, out } = run({
      STREAMING: [
        row({ expectation: "pg", problem: "pg: 1 of its 2 standbys stream from the writer." }),
        row({
          expectation: "pg",
          standby: "pg-2",
          summary: "unused",
          problem: "pg-2: streams without its slot (slot: '', active: false).",
        }),
        row({ expectation: "pg-olap", standby: "pg-olap", summary: "pg-olap (olap, replica cluster): streaming" }),
      ].join(";"),
      READ_POOL_LANDS_ON: "pg-olap|t",
    });
    expect(status).toBe(1);
    expect(out).toContain("  - pg: 1 of its 2 standbys stream from the writer.");
    expect(out).toContain("  - pg-2: streams without its slot (slot: '', active: false).");
    expect(out).toContain("  - pool read landed on pg-olap, which is not one of: pg.");
    expect(out).not.toContain("unused");
  });
});
