/** The direct router's replica positions (replicaSet.ts): where a gated read may go, and a breaker per replica. */
import fc from "fast-check";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { type ReplicaMember, ReplicaSet } from "../../components/client/replicaSet";
import { formatLsn } from "../../components/client/token";

const member = (name: string, answer: () => Promise<string | null>, inRecovery = true): ReplicaMember => ({
  name,
  label: `${name}:5432/app`,
  pool: { query: async () => ({ rows: [{ in_recovery: inRecovery, lsn: await answer() }] }) } as unknown as pg.Pool,
});

describe("the replica set", () => {
  it("chooses only a replica known to have replayed the position, and none when none is known to", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.bigInt({ min: 0n, max: 1000n }), { nil: undefined }), { minLength: 1, maxLength: 5 }),
        fc.bigInt({ min: 0n, max: 1000n }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (positions, required, pick) => {
          const members = positions.map((_, i) => member(`r${i}`, async () => null));
          const set = new ReplicaSet(members, {
            breakerThreshold: 1,
            breakerCooldownMs: 1000,
            timeoutMs: 100,
            random: () => pick,
          });
          positions.forEach((p, i) => set.observe(members[i]!, p === undefined ? null : formatLsn(p)));
          const chosen = set.caughtUp(formatLsn(required));
          const fit = members.filter((_, i) => positions[i] !== undefined && positions[i]! >= required);
          if (fit.length === 0) expect(chosen).toBeUndefined();
          else expect(fit).toContain(chosen);
          // Without a position to reach, any replica will do.
          expect(members).toContain(set.caughtUp(undefined));
        },
      ),
    );
  });

  it("avoids the replicas asked to (one that cancelled the read) while another fits, and falls back to them alone", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 1, maxLength: 5 }),
        fc.bigInt({ min: 0n, max: 1000n }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (positions, required, avoided, pick) => {
          const members = positions.map((_, i) => member(`r${i}`, async () => null));
          const set = new ReplicaSet(members, {
            breakerThreshold: 1,
            breakerCooldownMs: 1000,
            timeoutMs: 100,
            random: () => pick,
          });
          positions.forEach((p, i) => set.observe(members[i]!, formatLsn(p)));
          const avoid = new Set(members.filter((_, i) => avoided[i]));
          const chosen = set.caughtUp(formatLsn(required), avoid);
          const fit = members.filter((_, i) => positions[i]! >= required);
          const others = fit.filter((m) => !avoid.has(m));
          if (fit.length === 0) expect(chosen).toBeUndefined();
          else expect(others.length > 0 ? others : fit).toContain(chosen);
        },
      ),
    );
  });

  it("skips a replica whose breaker is open and forgets its position; it is tried again after the cooldown", () => {
    let now = 0;
    const [a, b] = [member("a", async () => "0/10"), member("b", async () => "0/10")];
    const set = new ReplicaSet([a, b], {
      breakerThreshold: 1,
      breakerCooldownMs: 1000,
      timeoutMs: 100,
      now: () => now,
    });
    set.observe(a, "0/20");
    set.observe(b, "0/20");
    set.failed(a);
    expect(set.available).toEqual([b]);
    for (let i = 0; i < 20; i++) expect(set.caughtUp("0/20")).toBe(b);
    now = 1001;
    set.observe(a, "0/30");
    expect(set.caughtUp("0/30")).toBe(a);
  });

  it("learns every available replica's position in one shared round, marking the ones that fail", async () => {
    let asked = 0;
    const up = member("up", async () => {
      asked++;
      return "1/0";
    });
    const down = member("down", async () => {
      throw new Error("ECONNREFUSED");
    });
    const set = new ReplicaSet([up, down], { breakerThreshold: 1, breakerCooldownMs: 60_000, timeoutMs: 100 });
    await Promise.all([set.refresh(), set.refresh()]);
    expect(asked).toBe(1);
    expect(set.caughtUp("1/0")).toBe(up);
    expect(set.available).toEqual([up]);
    expect(set.bytesBehind("1/10")).toBe(16);
  });

  it("takes a promoted server (no longer in recovery) out, whatever position it still reports", async () => {
    const promoted = member("promoted", async () => "9/0", false);
    const replica = member("replica", async () => "1/0");
    const set = new ReplicaSet([promoted, replica], { breakerThreshold: 1, breakerCooldownMs: 60_000, timeoutMs: 100 });
    await set.refresh();
    expect(set.caughtUp("2/0")).toBeUndefined();
    expect(set.available).toEqual([replica]);
  });

  it("gives the probe back when a read took it but never reached the replica", () => {
    let now = 0;
    const a = member("a", async () => "0/1");
    const set = new ReplicaSet([a], { breakerThreshold: 1, breakerCooldownMs: 1000, timeoutMs: 100, now: () => now });
    set.failed(a);
    now = 1001;
    expect(set.caughtUp(undefined)).toBe(a); // the probe
    expect(set.available).toEqual([]); // while it runs
    set.abandoned(a);
    expect(set.caughtUp(undefined)).toBe(a);
  });
});
