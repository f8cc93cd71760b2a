/**
 * Issue 25, item 5: what each connection to a server checks. With TLS required, standbys and pools check the chain to
 * the stack's CA and the host name (verify-full), except where no certificate can hold the name: a remote region's
 * primary reached at a load balancer's address (known only after the certificate), and a host list on PgBouncer
 * before 1.25 (PGBOUNCER.verifiesEachHostOfAListFrom), which check the chain (verify-ca). Nothing checks less.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PGBOUNCER } from "../../components/facts/postgres";
import { renderPgbouncerIni } from "../../components/render/pgbouncerIni";
import { replicationSslMode, serverTls, serverTlsForTarget } from "../../components/render/tlsModes";
import type { Topology } from "../../components/topology/types";
import { selfHostedConfig } from "../support/arbitraries";
import { accepted, stackTopology } from "../support/topologies";

const CA = "/tls/ca.crt";

function withTls(topology: Topology, requireTls: boolean, tls = true): Topology {
  return { ...topology, access: { ...topology.access, requireTls, tls } };
}

describe("TLS towards the servers", () => {
  it("verifies every standby in full when TLS is required, a remote one by the chain when its primary is unnamed", () => {
    fc.assert(
      fc.property(selfHostedConfig, fc.boolean(), (config, remotePrimaryNamed) => {
        const topology = accepted(config)?.topology;
        if (!topology) return;
        for (const node of topology.standbys) {
          const mode = replicationSslMode(withTls(topology, true), node, { remotePrimaryNamed });
          expect(mode).toBe(node.remote && !remotePrimaryNamed ? "verify-ca" : "verify-full");
          // Not required: in-region preferred, across regions still verified.
          const relaxed = replicationSslMode(withTls(topology, false), node, { remotePrimaryNamed });
          expect(relaxed).toBe(node.remote ? mode : "prefer");
          expect(replicationSslMode(withTls(topology, true, false), node, { remotePrimaryNamed })).toBe("disable");
        }
      }),
      { numRuns: 40 },
    );
  });

  it("has the pools verify the servers in full, with the CA file, when TLS is required", () => {
    const topology = stackTopology("prod", "selfHosted");
    expect(serverTls(withTls(topology, true), CA)).toEqual({ sslmode: "verify-full", caFile: CA });
    expect(serverTls(withTls(topology, false), CA)).toEqual({ sslmode: "prefer" });
    expect(serverTls(withTls(topology, true, false), CA)).toEqual({ sslmode: "disable" });
    const ini = renderPgbouncerIni(topology, topology.pools.write, {
      target: { host: "pg-rw", port: 5432 },
      listen: { host: "*", port: 6432 },
      authFile: "/u",
      serverTls: serverTls(topology, CA),
    });
    expect(ini).toMatch(/^server_tls_sslmode = verify-full\nserver_tls_ca_file = \/tls\/ca\.crt$/m);
  });

  it("checks a host list's chain only on PgBouncer before 1.25, which would match the whole list as one name", () => {
    expect(PGBOUNCER.verifiesEachHostOfAListFrom.value).toBe("1.25.0");
    const full = { sslmode: "verify-full" as const, caFile: CA };
    const hosts = fc.array(fc.ipV4(), { minLength: 1, maxLength: 4 }).map((list) => list.join(","));
    const version = fc.tuple(fc.nat(3), fc.nat(30), fc.nat(5)).map((parts) => parts.join("."));
    fc.assert(
      fc.property(hosts, version, (host, pgbouncerVersion) => {
        const [major, minor] = pgbouncerVersion.split(".").map(Number) as [number, number];
        const namesEachHost = major > 1 || (major === 1 && minor >= 25);
        const expected = host.includes(",") && !namesEachHost ? { sslmode: "verify-ca", caFile: CA } : full;
        expect(serverTlsForTarget(full, host, pgbouncerVersion)).toEqual(expected);
        // Never more than the stack asked for.
        expect(serverTlsForTarget({ sslmode: "prefer" }, host, pgbouncerVersion)).toEqual({ sslmode: "prefer" });
      }),
    );
  });
});
