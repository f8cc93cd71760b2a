import { describe, expect, it } from "vitest";
import { type ClientOptions, type ClientTargets, ClientConfigError, ReplicaClient } from "pg-read-replicas/client";
import { abortable, callSignal } from "../../components/client/cancellation";

/** Pools nobody listens on: every call here must be refused before it connects. */
const nowhere = { label: "127.0.0.1:1/app", config: { host: "127.0.0.1", port: 1, database: "app", user: "app" } };
const targets: ClientTargets = { write: nowhere, read: nowhere, olap: nowhere };
const client = (options: ClientOptions = {}) => new ReplicaClient(targets, options);

describe("timeouts: 0 never means none", () => {
  it.each(["replicaTimeoutMs", "connectionTimeoutMs", "timeoutMs"] as const)("refuses client option %s = 0", (key) => {
    expect(() => client({ [key]: 0 })).toThrow(ClientConfigError);
    expect(() => client({ [key]: 0 })).toThrow(
      new RegExp(`client option ${key} = 0: use a number of milliseconds > 0 \\(0 does not mean "no timeout" here`),
    );
  });

  it("refuses a call's timeoutMs = 0 or below before any I/O, and a pool of no connections", async () => {
    const db = client();
    let ran = false;
    const work = async () => (ran = true);
    await expect(db.read(work, { timeoutMs: 0 })).rejects.toThrow(/timeoutMs = 0: use a number of milliseconds > 0/);
    await expect(db.write(work, { timeoutMs: -5 })).rejects.toThrow(ClientConfigError);
    await expect(db.analytic(work, { timeoutMs: Number.NaN })).rejects.toThrow(ClientConfigError);
    expect(ran).toBe(false);
    expect(() => client({ poolSize: 0 })).toThrow(/poolSize = 0: use a whole number ≥ 1/);
    await db.close();
  });
});

describe("a call's signal", () => {
  it("is the caller's signal, the deadline, or both; none when neither is given", async () => {
    expect(callSignal(undefined, undefined)).toBeUndefined();
    const controller = new AbortController();
    expect(callSignal(controller.signal, undefined)).toBe(controller.signal);
    const both = callSignal(controller.signal, 60_000)!;
    controller.abort();
    expect(both.aborted).toBe(true);
    expect((both.reason as DOMException).name).toBe("AbortError");
    const deadline = callSignal(undefined, 1)!;
    await expect(abortable(new Promise(() => undefined), deadline)).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("rejects with the abort reason, runs the clean-up, and absorbs the late outcome", async () => {
    const controller = new AbortController();
    let cleaned = false;
    let fail!: (error: Error) => void;
    const late = new Promise<never>((_, reject) => (fail = reject));
    const waiting = abortable(late, controller.signal, () => (cleaned = true));
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    expect(cleaned).toBe(true);
    fail(new Error("the statement failed as its connection closed")); // no unhandled rejection
  });
});
