/**
 * A local stack's certificates name every address its servers and pools can be given, not only today's: a replica a
 * later change adds takes the next address of the same block (changeState.ts), and with verify-full its clients check
 * that address against the certificate issued at the first `up` (the prod change rehearsal timed out before this).
 */
import { describe, expect, it } from "vitest";
import { LOOPBACK } from "../../components/local/addresses";
import { serverEndpoint } from "../../components/local/network";
import { certificateAddresses } from "../../components/local/prepare";

describe("a local stack's certificate names", () => {
  it("cover a region's whole namespace block: every server address and every pool address", () => {
    const net = { region: "us-east-1", octets: [198, 18, 9] as [number, number, number] };
    const names = certificateAddresses({
      network: { kind: "namespaces", regions: [net] },
      endpoints: { nodes: {}, pools: {} },
      topology: { regions: [{ name: "us-east-1" }] },
    } as never)["us-east-1"]!;
    for (const k of [0, 1, 5, 189]) expect(names).toContain(serverEndpoint(net as never, k).host);
    expect(names).toContain("198.18.9.200");
    expect(names).toContain("198.18.9.254");
    expect(names).not.toContain("198.18.9.1"); // the hub's
    expect(names).toHaveLength(245);
  });

  it("cover the loopback block of the servers and the pools' address", () => {
    const names = certificateAddresses({
      network: { kind: "loopback" },
      endpoints: { nodes: { "pg-primary-0": { host: "127.44.3.1", port: 5432 } }, pools: {} },
      topology: { regions: [{ name: "local" }] },
    } as never).local!;
    expect(names).toContain("127.44.3.1");
    expect(names).toContain("127.44.3.250");
    expect(names).toContain(LOOPBACK);
  });
});
