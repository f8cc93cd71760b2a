/**
 * The daemons run from a bundle of their code (daemonBundle.ts), on plain Node: the bundle runs without tsx or the
 * checkout's TypeScript, is built once per code digest, and a new digest's bundle replaces the old one.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { daemonBundlePath, ensureDaemonBundle } from "../../components/local/daemonBundle";

const dir = mkdtempSync(join(tmpdir(), "pgrr-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bundle run by Node with no loader, from a directory outside the checkout (nothing resolves from there). */
function run(bundle: string, args: string[]) {
  return spawnSync(process.execPath, [bundle, ...args], { cwd: dir, encoding: "utf8", timeout: 20_000, env: {} });
}

describe("the daemons' bundle", () => {
  it("runs on plain Node: its own usage for wrong arguments, the daemon's own error for a missing stack", () => {
    const bundle = ensureDaemonBundle("a".repeat(32), dir);
    expect(bundle).toBe(daemonBundlePath("a".repeat(32), dir));
    const usage = run(bundle, ["nonsense"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^pgrr-daemon: usage: pgrr-daemon <read-pool\|pool-exporter> --state-dir <dir>/);
    const missing = run(bundle, ["read-pool", "--state-dir", join(dir, "no-such-stack")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^pgrr-daemon read-pool: /);
    expect(missing.stderr).not.toMatch(/Cannot find module|tsx/);
  });

  it("is built once per digest; another digest's replaces it", () => {
    const first = ensureDaemonBundle("b".repeat(32), dir);
    const built = statSync(first).mtimeMs;
    expect(ensureDaemonBundle("b".repeat(32), dir)).toBe(first);
    expect(statSync(first).mtimeMs).toBe(built);
    // Another up's bundle half-written meanwhile: left alone.
    const writing = `${daemonBundlePath("e".repeat(32), dir)}.4242.tmp`;
    writeFileSync(writing, "// being written");
    const second = ensureDaemonBundle("c".repeat(32), dir);
    expect(existsSync(first)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([`daemon-${"c".repeat(32)}.cjs`, `daemon-${"e".repeat(32)}.cjs.4242.tmp`]);
    rmSync(writing);
    expect(run(second, []).status).toBe(2);
  });

  it("names the directory and the fix when it cannot write there", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    expect(() => ensureDaemonBundle("d".repeat(32), join(file, "cache"))).toThrow(
      /cannot write the daemons' bundle in .*a-file\/cache: .*Run pg-read-replicas as the user who owns/,
    );
  });
});
