/** The read pool controller's decisions, with its probe, reload and admin console replaced by a recording fake. */
import { describe, expect, it } from "vitest";
import { ReadPoolController } from "../../components/local/readPoolController";

/** A controller past its first tick, with the calls that tick made forgotten. */
async function settled(initial: string[], drainMs = 3000) {
  const h = harness(initial, drainMs);
  await h.controller.tick(initial);
  h.calls.length = 0;
  return h;
}

function harness(initial: string[], drainMs = 3000) {
  const ready = new Set(initial);
  const calls: string[] = [];
  let clock = 0;
  const controller = new ReadPoolController(
    {
      probe: async (name) => ready.has(name),
      apply: async (list) => void calls.push(`apply ${list.join(",")}`),
      drain: async (names) => {
        calls.push(`drain ${names.join(",")}`);
        return names.length;
      },
      pause: async () => void calls.push("pause"),
      resume: async () => void calls.push("resume"),
      log: () => undefined,
      now: () => clock,
    },
    initial,
    drainMs,
  );
  return { controller, ready, calls, advance: (ms: number) => (clock += ms) };
}

describe("read pool controller", () => {
  it("applies what it sees on its first tick (a restarted controller may find the pool paused), then nothing while every replica stays ready", async () => {
    const { controller, calls } = harness(["a", "b"]);
    await controller.tick(["a", "b"]);
    await controller.tick(["a", "b"]);
    expect(calls).toEqual(["apply a,b", "resume"]);
  });

  it("drops a replica that stops being ready at once, and drains its clients only after the bound", async () => {
    const { controller, ready, calls, advance } = await settled(["a", "b"]);
    ready.delete("b");
    await controller.tick(["a", "b"]);
    expect(calls).toEqual(["apply a", "resume"]);
    advance(2999);
    await controller.tick(["a", "b"]);
    expect(calls).toEqual(["apply a", "resume"]);
    advance(1);
    await controller.tick(["a", "b"]);
    expect(calls).toEqual(["apply a", "resume", "drain b"]);
    expect(controller.status()).toEqual({ ready: ["a"], paused: false, draining: [] });
  });

  it("takes a replica back when it is ready again, cancelling its drain", async () => {
    const { controller, ready, calls, advance } = await settled(["a", "b"]);
    ready.delete("b");
    await controller.tick(["a", "b"]);
    ready.add("b");
    advance(5000);
    await controller.tick(["a", "b"]);
    expect(calls).toEqual(["apply a", "resume", "apply a,b", "resume"]);
  });

  it("pauses the pool when no replica is ready and resumes it with the first one back", async () => {
    const { controller, ready, calls } = await settled(["a", "b"]);
    ready.clear();
    await controller.tick(["a", "b"]);
    expect(calls).toEqual(["pause"]);
    expect(controller.status().paused).toBe(true);
    ready.add("b");
    await controller.tick(["a", "b"]);
    expect(calls).toEqual(["pause", "apply b", "resume"]);
    expect(controller.status()).toMatchObject({ ready: ["b"], paused: false });
  });

  it("counts a probe that throws as not ready", async () => {
    const calls: string[] = [];
    const controller = new ReadPoolController(
      {
        probe: async (name) => {
          if (name === "b") throw new Error("connection refused");
          return true;
        },
        apply: async (list) => void calls.push(`apply ${list.join(",")}`),
        drain: async () => 0,
        pause: async () => undefined,
        resume: async () => undefined,
        log: () => undefined,
        now: () => 0,
      },
      ["a", "b"],
      3000,
    );
    await controller.tick(["a", "b"]);
    expect(calls).toEqual(["apply a"]);
  });

  it("follows the candidates: a promoted replica leaves the list", async () => {
    const { controller, calls } = await settled(["a", "b"]);
    await controller.tick(["a"]);
    expect(calls).toEqual(["apply a", "resume"]);
  });
});
