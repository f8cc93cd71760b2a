/**
 * A local stack's certificates name every address its servers (or its pools) can be given, not only today's: a
 * replica a later change adds takes the next address of the same block (changeState.ts), and with verify-full its
 * clients check that address against the certificate issued at the first `up` (the prod change rehearsal timed out
 * before this). The servers and the pools of a region have a certificate each, naming only their own addresses.
 */
import { describe, expect, it } from "vitest";
import { LOOPBACK } from "../../components/local/addresses";
import { poolEndpoint, serverEndpoint } from "../../components/local/network";
import { certificateAddresses } from "../../components/local/prepare";
import { poolCertificateKey } from "../../components/local/tls";

describe("a local stack's certificate names", () => {
  it("cover a region's namespace block: every server address in one, every pool address in the other", () => {
    const net = { region: "us-east-1", octets: [198, 18, 9] as [number, number, number] };
    const names = certificateAddresses({
      network: { kind: "namespaces", regions: [net] },
      endpoints: { nodes: {}, pools: {} },
      topology: { regions: [{ name: "us-east-1" }] },
    } as never);
    const servers = names["us-east-1"]!;
    const pools = names[poolCertificateKey("us-east-1")]!;
    for (const k of [0, 1, 5, 189]) expect(servers).toContain(serverEndpoint(net as never, k).host);
    for (const k of [0, 1, 54]) expect(pools).toContain(poolEndpoint(net as never, k).host);
    expect(servers.filter((address) => pools.includes(address))).toEqual([]);
    expect(servers).not.toContain("198.18.9.1"); // the hub's
    expect([servers.length, pools.length]).toEqual([190, 55]);
  });

  it("cover the loopback block of the servers, and the pools' address", () => {
    const names = certificateAddresses({
      network: { kind: "loopback" },
      endpoints: { nodes: { "pg-primary-0": { host: "127.44.3.1", port: 5432 } }, pools: {} },
      topology: { regions: [{ name: "local" }] },
    } as never);
    expect(names.local).toContain("127.44.3.1");
    expect(names.local).toContain("127.44.3.250");
    expect(names.local).not.toContain(LOOPBACK);
    expect(names[poolCertificateKey("local")]).toEqual([LOOPBACK]);
  });
});
