import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withHostLock } from "../../components/local/hostLock";

const dir = mkdtempSync(join(tmpdir(), "pgrr-lock-"));
const lockFile = join(dir, "sub", "network.lock");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Another process holding the lock, as another stack's `local up` would; killed as a group (flock and its child). */
async function otherHolder(): Promise<ReturnType<typeof spawn>> {
  const holder = spawn("flock", ["--exclusive", lockFile, "sh", "-c", "echo held; exec sleep 60"], {
    stdio: ["ignore", "pipe", "ignore"],
    detached: true,
  });
  await new Promise((held) => holder.stdout.once("data", held));
  return holder;
}

describe("withHostLock", () => {
  it("lets one holder in at a time, and returns what the work returns", async () => {
    let inside = 0;
    let most = 0;
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        withHostLock(lockFile, 10_000, async () => {
          inside++;
          most = Math.max(most, inside);
          await pause(50);
          inside--;
          return n * 10;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(results).toEqual([10, 20, 30, 40]);
  });

  it("releases the lock when the work throws", async () => {
    await expect(
      withHostLock(lockFile, 10_000, async () => {
        throw new Error("creating the network failed");
      }),
    ).rejects.toThrow("creating the network failed");
    await expect(withHostLock(lockFile, 2_000, async () => "next")).resolves.toBe("next");
  });

  it("is free again once a holder is killed, with nothing stale left behind", async () => {
    const holder = await otherHolder();
    const waiting = withHostLock(lockFile, 10_000, async () => "after the kill");
    await pause(200);
    process.kill(-holder.pid!, "SIGKILL");
    await expect(waiting).resolves.toBe("after the kill");
  });

  it("gives up after its wait, naming the lock file and how to find its holder", async () => {
    const holder = await otherHolder();
    try {
      await expect(withHostLock(lockFile, 1_000, async () => "never")).rejects.toThrow(
        `another process held ${lockFile} for more than 1 s`,
      );
    } finally {
      process.kill(-holder.pid!, "SIGKILL");
    }
  });
});
