import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { renderBootstrapSql } from "../../components/render/bootstrapSql";
import { renderPgHba } from "../../components/render/pgHba";
import { renderPgIdent } from "../../components/render/pgIdent";
import { renderPgbouncerIni, renderUserlist } from "../../components/render/pgbouncerIni";
import { renderPostgresqlConf, quoteSetting } from "../../components/render/postgresqlConf";
import { renderSeedReplicaScript } from "../../components/render/seedReplicaScript";
import { type VerifyTargets, renderVerifyScript, streamingExpectations } from "../../components/render/verifyScript";
import { streamingProblemsSql } from "../../components/sql/streamingSql";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { patched, selfHostedBase } from "../support/configs";
import { groupNamed, selfHostedTopology } from "../support/topologies";

const paths = {
  hbaFile: "/etc/postgresql/pg_hba.conf",
  identFile: "/etc/postgresql/pg_ident.conf",
  socketDirectory: "/var/run/postgresql",
};

function confValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^(\w+) = ('(?:[^']|'')*'|\S+)/.exec(line);
    if (match) values.set(match[1]!, match[2]!);
  }
  return values;
}

describe("postgresql.conf", () => {
  it("renders each role's settings, the substituted port and paths, and the reason beside non-obvious ones", () => {
    const t = selfHostedTopology();
    const olap = renderPostgresqlConf(t, groupNamed(t, "pg-olap"), { port: 6543, listenAddresses: "*" }, paths);
    const values = confValues(olap);
    expect(values.get("port")).toBe("6543");
    expect(values.get("hba_file")).toBe("'/etc/postgresql/pg_hba.conf'");
    expect(values.get("max_standby_streaming_delay")).toBe("-1");
    expect(values.get("hot_standby_feedback")).toBe("off");
    expect(values.get("listen_addresses")).toBe("'*'");
    expect(olap).toMatch(/max_standby_streaming_delay = -1\s+# replay waits for conflicting analytic queries/);
    expect(values.get("ssl")).toBe("off");
  });

  it("turns TLS on with the certificate paths a backend provides", () => {
    const t = selfHostedTopology();
    const values = confValues(
      renderPostgresqlConf(
        t,
        groupNamed(t, "pg-primary"),
        { port: 5432, listenAddresses: "127.0.0.1" },
        { ...paths, ssl: { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key" } },
      ),
    );
    expect(values.get("ssl")).toBe("on");
    expect(values.get("ssl_cert_file")).toBe("'/tls/tls.crt'");
    expect(values.get("ssl_min_protocol_version")).toBe("'TLSv1.2'");
  });

  it("quotes strings, doubles embedded quotes and leaves numbers, units and booleans bare", () => {
    expect(quoteSetting("128MB")).toBe("128MB");
    expect(quoteSetting("-1")).toBe("-1");
    expect(quoteSetting("on")).toBe("on");
    expect(quoteSetting("scram-sha-256")).toBe("'scram-sha-256'");
    expect(quoteSetting("it's")).toBe("'it''s'");
    expect(quoteSetting('ANY 1 ("a-0", "a-1")')).toBe(`'ANY 1 ("a-0", "a-1")'`);
  });
});

describe("pg_hba.conf", () => {
  const rules = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#"));

  it("uses scram-sha-256, never trust, and keeps the superuser on the local socket", () => {
    const hba = renderPgHba(selfHostedTopology());
    expect(hba).not.toMatch(/\btrust\b/);
    expect(hba).not.toMatch(/\bmd5\b/);
    expect(rules(hba)).toContain("local     all          postgres     peer map=admins");
    expect(
      rules(hba)
        .filter((l) => l.startsWith("host"))
        .every((l) => /scram-sha-256$|reject$/.test(l)),
    ).toBe(true);
    expect(rules(hba).some((l) => /^host\S*\s+\S+\s+postgres\s/.test(l))).toBe(false);
  });

  it("admits replication only from the replication CIDRs and clients only to their database", () => {
    const hba = renderPgHba(
      selfHostedTopology({
        allowedCidrs: ["10.1.0.0/16"],
        replicationCidrs: ["10.2.0.0/16"],
        requireTls: false,
      }),
    );
    expect(rules(hba)).toContain("host      replication  replicator   10.2.0.0/16            scram-sha-256");
    expect(rules(hba)).toContain("host      app          app          10.1.0.0/16            scram-sha-256");
    expect(rules(hba).filter((l) => l.includes("replication"))).toHaveLength(1);
    expect(hba).not.toContain("0.0.0.0/0");
  });

  it("opens to 0.0.0.0/0 only when configured with allowOpenCidrs, and then says so", () => {
    const { topology, warnings } = topologyFromConfig(
      patched(selfHostedBase(), { allowedCidrs: ["0.0.0.0/0"], allowOpenCidrs: true }),
    );
    expect(renderPgHba(topology)).toContain("app          app          0.0.0.0/0");
    expect(warnings.join()).toContain("allowedCidrs contains 0.0.0.0/0");
  });

  it("forces TLS for other regions' replication, rejecting plain text from them first", () => {
    const t = selfHostedTopology({
      requireTls: false,
      crossRegion: [
        { region: "eu-west-1", replicas: 1, context: "eu", cidrs: ["10.20.0.0/16"], allowedCidrs: ["10.21.0.0/16"] },
      ],
    });
    const primary = rules(renderPgHba(t, "us-east-1"));
    const reject = primary.indexOf("hostnossl all          all          10.20.0.0/16           reject");
    const accept = primary.indexOf("hostssl   replication  replicator   10.20.0.0/16           scram-sha-256");
    expect(reject).toBeGreaterThanOrEqual(0);
    expect(accept).toBeGreaterThan(reject);
    const remote = rules(renderPgHba(t, "eu-west-1"));
    expect(remote).toContain("host      app          app          10.21.0.0/16           scram-sha-256");
    expect(remote.some((l) => l.includes("replication"))).toBe(false);
  });

  it("maps only the listed OS users to the superuser", () => {
    expect(
      renderPgIdent()
        .split("\n")
        .filter((l) => l.startsWith("admins")),
    ).toEqual(["admins   postgres         postgres"]);
    expect(
      renderPgIdent(["alice"])
        .split("\n")
        .filter((l) => l.startsWith("admins")),
    ).toEqual(["admins   postgres         postgres", "admins   alice            postgres"]);
  });

  it("rejects every plain-text connection when requireTls is set", () => {
    const lines = rules(renderPgHba(selfHostedTopology({ requireTls: true })));
    expect(lines[1]).toMatch(/^hostnossl all\s+all\s+0\.0\.0\.0\/0\s+reject$/);
    expect(lines.filter((l) => l.startsWith("host ")).length).toBe(0);
  });
});

describe("pgbouncer.ini", () => {
  const placement = {
    target: { host: "pg-ro.ns.svc.cluster.local", port: 5432 },
    listen: { host: "*", port: 6432 },
    authFile: "/etc/pgbouncer/userlist.txt",
    serverTls: { sslmode: "prefer" as const },
  };

  function ini(text: string): Map<string, string> {
    const values = new Map<string, string>();
    for (const line of text.split("\n")) {
      if (line.startsWith(";") || line.startsWith("[") || !line.includes("=")) continue;
      const index = line.indexOf("=");
      values.set(line.slice(0, index).trim(), line.slice(index + 1).trim());
    }
    return values;
  }

  it("defaults to transaction pooling with a health check, a reserve pool and no reset query", () => {
    const t = selfHostedTopology();
    const values = ini(renderPgbouncerIni(t, t.pools.write, placement));
    expect(values.get("pool_mode")).toBe("transaction");
    expect(values.get("server_check_query")).toBe("select 1");
    expect(values.get("reserve_pool_size")).toBe("5");
    expect(values.get("reserve_pool_timeout")).toBe("3");
    expect(values.get("server_reset_query")).toBe("");
    expect(values.get("auth_type")).toBe("scram-sha-256");
  });

  it("keeps prepared statements across transaction pooling, and grants the admin console only when a backend asks", () => {
    const t = selfHostedTopology();
    const cluster = ini(renderPgbouncerIni(t, t.pools.read, placement));
    expect(cluster.get("max_prepared_statements")).toBe("200");
    expect(cluster.has("admin_users")).toBe(false);
    const local = ini(
      renderPgbouncerIni(t, t.pools.read, {
        ...placement,
        target: { host: "127.9.9.2,127.9.9.3", port: 25000 },
        adminUser: "pgrr_admin",
      }),
    );
    expect(local.get("admin_users")).toBe("pgrr_admin");
    expect(
      renderPgbouncerIni(t, t.pools.read, { ...placement, target: { host: "127.9.9.2,127.9.9.3", port: 25000 } }),
    ).toMatch(/^app = host=127\.9\.9\.2,127\.9\.9\.3 port=25000 /m);
  });

  it("resets sessions with DISCARD ALL in session mode", () => {
    const t = selfHostedTopology({ pgbouncer: { poolMode: "session" } });
    expect(ini(renderPgbouncerIni(t, t.pools.read, placement)).get("server_reset_query")).toBe("DISCARD ALL");
  });

  it("points the read pool at its target with a statement timeout and round robin", () => {
    const t = selfHostedTopology();
    const text = renderPgbouncerIni(t, t.pools.read, placement);
    expect(text).toContain(
      "app = host=pg-ro.ns.svc.cluster.local port=5432 dbname=app connect_query='SET statement_timeout = 30000'",
    );
    expect(ini(text).get("server_round_robin")).toBe("1");
  });

  it("keeps comments on their own lines (PgBouncer would read an inline comment as part of the value)", () => {
    const t = selfHostedTopology();
    for (const pool of [t.pools.write, t.pools.read, t.pools.olap!]) {
      for (const line of renderPgbouncerIni(t, pool, placement).split("\n")) {
        if (!line.startsWith(";")) expect(line).not.toContain(";");
      }
    }
  });

  it("escapes double quotes in the userlist", () => {
    expect(renderUserlist("app", 'pa"ss')).toBe('"app" "pa""ss"\n');
  });
});

describe("bootstrap SQL and scripts", () => {
  it("creates the roles, database, heartbeat table and one slot per standby, with password verifiers from the environment", () => {
    const t = selfHostedTopology({ replicas: "2" });
    const sql = renderBootstrapSql(t);
    expect(sql).toContain("\\getenv app_verifier APP_PASSWORD_SCRAM");
    expect(sql).toContain("ALTER ROLE replicator WITH LOGIN REPLICATION PASSWORD :'replication_verifier';");
    // The app user reads replication views through pgrr_stats, not pg_monitor (every session's query).
    expect(sql).toContain("REVOKE pg_monitor FROM app;");
    expect(sql).not.toContain("GRANT pg_monitor TO app;");
    expect(sql).toContain("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgrr_stats TO app;");
    expect(sql).toContain("ARRAY['pg_replica_0', 'pg_replica_1', 'pg_olap_0']::text[]");
    expect(sql).toContain("CREATE TABLE IF NOT EXISTS replication_check.heartbeat");
    expect(sql).not.toMatch(/PASSWORD '[^:]/);
  });

  function bashSyntaxOk(script: string): void {
    execFileSync("bash", ["-n"], { input: script });
  }

  it("renders a seed script that looks up each replica's slot from the topology", () => {
    const script = renderSeedReplicaScript(selfHostedTopology());
    bashSyntaxOk(script);
    expect(script).toContain("pg-replica-1) SLOT=pg_replica_1 ;;");
    expect(script).toContain("pg-olap-0) SLOT=pg_olap_0 ;;");
    expect(script).toContain("--max-rate=100M");
  });

  it("renders verify scripts for both modes that bash accepts", () => {
    const t = selfHostedTopology({
      crossRegion: [{ region: "eu-west-1", replicas: 1, context: "eu", cidrs: ["10.20.0.0/16"] }],
    });
    const readers = t.standbys.map((node) => ({ node, endpoint: { host: `${node.name}.example`, port: 5432 } }));
    const primary = renderVerifyScript(t, {
      mode: "primary",
      region: "us-east-1",
      writer: { host: "rw.example", port: 5432 },
      readers,
      pools: [],
    });
    const replica = renderVerifyScript(t, { mode: "replica", region: "eu-west-1", readers, pools: [] });
    bashSyntaxOk(primary);
    bashSyntaxOk(replica);
    // Another region's standbys are checked by that region's Job (the primary's does not wait for them).
    const expected = streamingExpectations(t);
    expect(expected.map((e) => e.kind === "node" && e.name)).toEqual(["pg-replica-0", "pg-replica-1", "pg-olap-0"]);
    expect(expected[0]).toEqual({
      kind: "node",
      name: "pg-replica-0",
      slot: "pg_replica_0",
      role: "oltp",
      remote: false,
    });
    expect(primary).toContain(streamingProblemsSql(expected, t.verification.maxLagBytes));
    expect(replica).not.toContain("check_writer");
    // Primary mode without the writer's endpoint is refused by the compiler (npm test runs tsc).
    // @ts-expect-error writer is required in primary mode
    const missingWriter: VerifyTargets = { mode: "primary", region: "us-east-1", readers, pools: [] };
    expect(missingWriter.mode).toBe("primary");
  });
});
