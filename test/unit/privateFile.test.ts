import { chmodSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writePrivateFile } from "../../components/ground/privateFile";

const scratch = mkdtempSync(join(tmpdir(), "pgrr-private-"));

describe("writePrivateFile (outputs files hold passwords)", () => {
  it("creates the file readable by its owner only", () => {
    const file = join(scratch, "new.json");
    writePrivateFile(file, "{}\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe("{}\n");
  });

  it("narrows an existing world-readable file to 0600 and replaces its content", () => {
    const file = join(scratch, "old.json");
    writeFileSync(file, "a much longer old content than the new one\n");
    chmodSync(file, 0o644);
    writePrivateFile(file, "{}\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe("{}\n");
  });

  it("refuses to follow a symbolic link, and leaves its target untouched", () => {
    const target = join(scratch, "target");
    writeFileSync(target, "keep\n");
    chmodSync(target, 0o644);
    const link = join(scratch, "link.json");
    symlinkSync(target, link);
    expect(() => writePrivateFile(link, "secret\n")).toThrow(/link\.json is a symbolic link/);
    expect(readFileSync(target, "utf8")).toBe("keep\n");
    expect(statSync(target).mode & 0o777).toBe(0o644);
  });
});
