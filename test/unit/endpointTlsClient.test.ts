/**
 * How a client connects to an endpoint the outputs give a CA bundle of its own: verify-full, with the bundle from
 * PGSSLROOTCERT or the system roots.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sslFor } from "../../components/contract/connection";
import { PROXY_CA_BUNDLE, RDS_CA_BUNDLE } from "../../components/facts/aws";

const tls = {
  required: true,
  endpoints: [
    { host: "p.proxy-x.rds.amazonaws.com", required: true, caBundle: PROXY_CA_BUNDLE.value },
    { host: "c.cluster-ro-x.rds.amazonaws.com", required: false, caBundle: RDS_CA_BUNDLE.value },
  ],
};

describe("sslFor an endpoint with its own CA bundle", () => {
  it("verifies the proxy's certificate against the system roots (Amazon Root CA 1 is among them)", () => {
    expect(sslFor({ tls }, undefined, "p.proxy-x.rds.amazonaws.com", {})).toEqual({ rejectUnauthorized: true });
  });

  it("reads the bundle from PGSSLROOTCERT, as libpq does", () => {
    const file = join(mkdtempSync(join(tmpdir(), "ca-")), "bundle.pem");
    writeFileSync(file, "PEM");
    expect(sslFor({ tls }, undefined, "c.cluster-ro-x.rds.amazonaws.com", { PGSSLROOTCERT: file })).toEqual({
      ca: "PEM",
      rejectUnauthorized: true,
    });
  });

  it("refuses to connect unverified to an RDS CA endpoint without the bundle, naming where to get it", () => {
    expect(() => sslFor({ tls }, undefined, "c.cluster-ro-x.rds.amazonaws.com", {})).toThrow(
      /global-bundle\.pem.*PGSSLROOTCERT/,
    );
  });

  it("still connects in plain text when asked to (sslmode disable) and leaves other hosts as the stack asks", () => {
    expect(sslFor({ tls }, "disable", "p.proxy-x.rds.amazonaws.com", {})).toBe(false);
    expect(sslFor({ tls }, undefined, "elsewhere", {})).toEqual({ rejectUnauthorized: false });
  });
});
