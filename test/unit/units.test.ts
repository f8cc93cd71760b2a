import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cidrContains,
  formatDuration,
  formatPostgresSize,
  parseByteQuantity,
  parseCidr,
  parseCpuQuantity,
  parseDuration,
  parsePostgresSize,
} from "../../components/ground/units";
import { requiredReplicas } from "../../components/config/capacity";

describe("value formats", () => {
  it("reads PostgreSQL sizes with their units and refuses anything else", () => {
    expect(parsePostgresSize("512MB")).toBe(512 * 1024 ** 2);
    expect(parsePostgresSize("10GB")).toBe(10 * 1024 ** 3);
    expect(parsePostgresSize("64kB")).toBe(64 * 1024);
    for (const bad of ["10", "10gb", "10 gigs", "1.5GB", "-1GB", "10GiB"])
      expect(parsePostgresSize(bad)).toBeUndefined();
  });

  it("formats sizes in the largest whole unit", () => {
    expect(formatPostgresSize(1024 ** 3)).toBe("1GB");
    expect(formatPostgresSize(1536 * 1024 ** 2)).toBe("1536MB");
    expect(formatPostgresSize(3 * 1024)).toBe("3kB");
  });

  it("reads durations in ms, s, m/min, h, d", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("5min")).toBe(300_000);
    expect(parseDuration("2h")).toBe(7_200_000);
    for (const bad of ["5", "5 minutes", "1.5s", "-3s"]) expect(parseDuration(bad)).toBeUndefined();
  });

  it("reads Kubernetes quantities", () => {
    expect(parseByteQuantity("512Mi")).toBe(512 * 1024 ** 2);
    expect(parseByteQuantity("1G")).toBe(1e9);
    expect(parseByteQuantity("2GB")).toBeUndefined();
    expect(parseCpuQuantity("500m")).toBe(500);
    expect(parseCpuQuantity("1.5")).toBe(1500);
    expect(parseCpuQuantity("two")).toBeUndefined();
  });

  it("reads CIDRs and refuses host bits and bad prefixes", () => {
    expect(parseCidr("10.0.0.0/8")).toEqual({ text: "10.0.0.0/8", family: 4, prefix: 8 });
    expect(parseCidr("fd00::/64")?.family).toBe(6);
    for (const bad of ["10.0.0.1/8", "10.0.0.0/33", "10.0.0.0", "300.0.0.0/8", "10.0.0.0/8/1"])
      expect(parseCidr(bad)).toBeUndefined();
  });
});

describe("CIDR containment", () => {
  const c = (text: string) => parseCidr(text)!;
  it("holds for addresses inside the block only", () => {
    expect(cidrContains(c("127.0.0.0/8"), c("127.0.0.1/32"))).toBe(true);
    expect(cidrContains(c("0.0.0.0/0"), c("127.0.0.1/32"))).toBe(true);
    expect(cidrContains(c("10.0.0.0/8"), c("127.0.0.1/32"))).toBe(false);
    expect(cidrContains(c("127.0.0.1/32"), c("127.0.0.0/8"))).toBe(false);
    expect(cidrContains(c("::/0"), c("127.0.0.1/32"))).toBe(false);
  });
});

describe("capacity formula", () => {
  it("is ceil(peak / per-node × safety), with the arithmetic spelled out", () => {
    const result = requiredReplicas(12000, 4000, 1.3);
    expect(result.requiredReplicas).toBe(4);
    expect(result.formula).toBe("ceil(12000 / 4000 × 1.3) = ceil(3.9) = 4");
  });

  it("does not add a replica for floating-point noise", () => {
    // 3 × 1.1 is 3.3000000000000003 in floating point; 10/5 × 1.5 is exactly 3.
    expect(requiredReplicas(10000, 5000, 1.5).requiredReplicas).toBe(3);
    expect(requiredReplicas(3000, 1000, 1.1).requiredReplicas).toBe(4);
    expect(requiredReplicas(1000, 1000, 1).requiredReplicas).toBe(1);
  });

  it("never returns fewer than one replica", () => {
    expect(requiredReplicas(10, 10000, 1.3).requiredReplicas).toBe(1);
  });
});

describe("formatDuration", () => {
  it("writes milliseconds as a user would, and reads back to the same value", () => {
    expect([
      formatDuration(10_000),
      formatDuration(90_000),
      formatDuration(7_200_000),
      formatDuration(1500),
      formatDuration(0),
    ]).toEqual(["10s", "90s", "2h", "1500ms", "0ms"]);
    fc.assert(fc.property(fc.nat({ max: 100 * 3_600_000 }), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});
