/**
 * The digest `local up` compares to decide whether a running daemon runs the code on disk (daemonCode.ts): it follows
 * every source a daemon could load, the daemon's entry and the locked dependencies, and nothing else.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { daemonCodeDigest, runsOldCode } from "../../components/local/daemonCode";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A checkout with the files the digest reads, and a README it must not. */
function checkout(): { root: string; write: (path: string, text: string) => void } {
  const root = mkdtempSync(join(tmpdir(), "pgrr-daemon-code-"));
  roots.push(root);
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write("components/local/readPoolDaemon.ts", "export const tick = 1000;\n");
  write("components/render/pgbouncerIni.ts", "export const x = 1;\n");
  write("components/local/daemonEntry.ts", "void main();\n");
  write("package-lock.json", '{"lockfileVersion":3}\n');
  write("README.md", "docs\n");
  return { root, write };
}

describe("the daemons' code digest", () => {
  it("changes with a source any daemon loads, its entry, or the locked dependencies", () => {
    for (const [path, text] of [
      ["components/local/readPoolDaemon.ts", "export const tick = 500;\n"],
      ["components/render/pgbouncerIni.ts", "export const x = 2;\n"],
      ["components/local/newModule.ts", "export {};\n"],
      ["components/local/daemonEntry.ts", "void main(); // changed\n"],
      ["package-lock.json", '{"lockfileVersion":3,"packages":{}}\n'],
    ] as const) {
      const { root, write } = checkout();
      const before = daemonCodeDigest(root);
      write(path, text);
      expect(daemonCodeDigest(root), path).not.toBe(before);
    }
  });

  it("stays the same for the same files, and when only docs change", () => {
    const { root, write } = checkout();
    const before = daemonCodeDigest(root);
    expect(daemonCodeDigest(root)).toBe(before);
    write("README.md", "other docs\n");
    expect(daemonCodeDigest(root)).toBe(before);
  });

  it("tells a file moved from one it replaced (paths are part of it)", () => {
    const a = checkout();
    const b = checkout();
    a.write("components/local/one.ts", "export {};\n");
    b.write("components/local/two.ts", "export {};\n");
    expect(daemonCodeDigest(a.root)).not.toBe(daemonCodeDigest(b.root));
  });

  it("counts a daemon with no recorded code as running old code", () => {
    expect(runsOldCode(undefined, "abc")).toBe(true);
    expect(runsOldCode("abc", "abc")).toBe(false);
    expect(runsOldCode("abd", "abc")).toBe(true);
  });
});
