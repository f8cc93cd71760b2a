import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Layout } from "../../components/local/layout";
import { refuseForeignDirectory } from "../../components/local/teardown";

const scratch = mkdtempSync(join(tmpdir(), "pgrr-down-"));

function directory(name: string, files: Record<string, string>): Layout {
  const root = join(scratch, name);
  mkdirSync(root);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(root, file), text);
  return new Layout(root);
}

describe("local down deletes only what local up created", () => {
  it("refuses a directory with other files and neither the marker nor a state file", () => {
    const layout = directory("project", { "package.json": "{}", "README.md": "mine" });
    expect(() => refuseForeignDirectory(layout)).toThrow(
      /project is not a pg-read-replicas state directory \(it holds 2 entries but neither \.pg-read-replicas-stack nor state\.json\)/,
    );
  });

  it("accepts the marker local up writes, a state file from before the marker, and an empty directory", () => {
    expect(() =>
      refuseForeignDirectory(directory("marked", { ".pg-read-replicas-stack": "x", logs: "" })),
    ).not.toThrow();
    expect(() => refuseForeignDirectory(directory("older", { "state.json": "{}" }))).not.toThrow();
    expect(() => refuseForeignDirectory(directory("empty", {}))).not.toThrow();
  });

  it("does not take a symbolic link named like the marker for the marker", () => {
    const layout = directory("linked", { "notes.txt": "keep" });
    symlinkSync(join(scratch, "project", "README.md"), layout.markerFile);
    expect(() => refuseForeignDirectory(layout)).toThrow(/is not a pg-read-replicas state directory/);
  });
});
