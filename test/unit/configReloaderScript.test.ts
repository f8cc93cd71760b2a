/**
 * The config reloader's shell loop, run for real under sh: it reloads when a watched file's
 * content changes (also through a swapped symlink, as the kubelet updates a volume), not before,
 * retries a reload that failed, and stops at once on SIGTERM.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { renderConfigReloaderScript } from "../../components/render/configReloaderScript";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function reloader(dir: string, reload: string[]) {
  const script = renderConfigReloaderScript({
    server: "test",
    watch: [join(dir, "a.conf"), join(dir, "missing.conf")],
    reload,
    periodSeconds: 0.2,
  });
  const child = spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  return { child, log: () => log };
}

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return check();
};

describe("the config reloader", () => {
  it("reloads once per change of a watched file's content, through a swapped symlink too, and stops on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reloader-"));
    dirs.push(dir);
    writeFileSync(join(dir, "v1"), "work_mem = 4MB\n");
    symlinkSync("v1", join(dir, "a.conf"));
    const count = join(dir, "reloads");
    const { child, log } = reloader(dir, ["sh", "-c", `echo x >> ${count}`]);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(existsSync(count)).toBe(false);
    writeFileSync(join(dir, "v2"), "work_mem = 48MB\n");
    symlinkSync("v2", join(dir, "a.conf_tmp"));
    renameSync(join(dir, "a.conf_tmp"), join(dir, "a.conf"));
    expect(await until(() => existsSync(count))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(readFileSync(count, "utf8")).toBe("x\n");
    expect(log()).toContain("config-reloader: files changed; test reloaded");
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("retries a reload that failed until it succeeds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reloader-"));
    dirs.push(dir);
    writeFileSync(join(dir, "a.conf"), "one\n");
    const ok = join(dir, "ok");
    const { child, log } = reloader(dir, ["sh", "-c", `test -e ${ok}`]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    writeFileSync(join(dir, "a.conf"), "two\n");
    expect(await until(() => log().includes("did not reload; retrying"))).toBe(true);
    writeFileSync(ok, "");
    expect(await until(() => log().includes("files changed; test reloaded"))).toBe(true);
    child.kill("SIGTERM");
  });
});
