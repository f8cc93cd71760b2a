/** The idle footprint's figures come from /proc: checked on processes whose use is known. */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cpuTicks, measureFootprint, residentBytes } from "../../components/local/footprint";

describe("a process's footprint from /proc", () => {
  it("reads this process's resident memory and CPU time, and nothing for a pid that is gone", () => {
    const rss = residentBytes(process.pid)!;
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(Math.abs(rss - process.memoryUsage().rss)).toBeLessThan(64 * 1024 * 1024);
    expect(cpuTicks(process.pid)).toBeGreaterThan(0);
    expect(residentBytes(2 ** 22 + 1)).toBeUndefined();
    expect(cpuTicks(2 ** 22 + 1)).toBeUndefined();
  });

  it("tells a busy process from an idle one over an interval", async () => {
    const busy = spawn(process.execPath, ["-e", "for (;;) {}"]);
    const idle = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const figures = await measureFootprint(
        [
          { name: "busy", pid: busy.pid! },
          { name: "idle", pid: idle.pid! },
        ],
        1000,
      );
      const [spinning, waiting] = figures.processes;
      // A spinning loop gets a share of a core even on a loaded machine; a sleeping one next to nothing.
      expect(spinning!.cpuPercentOfOneCore).toBeGreaterThan(10);
      expect(waiting!.cpuPercentOfOneCore).toBeLessThan(spinning!.cpuPercentOfOneCore / 3);
      expect(figures.rssBytes).toBe(spinning!.rssBytes + waiting!.rssBytes);
    } finally {
      busy.kill("SIGKILL");
      idle.kill("SIGKILL");
    }
  });
});
