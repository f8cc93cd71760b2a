import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Layout } from "../../components/local/layout";
import { prepareDirectories } from "../../components/local/stateDir";

const scratch = mkdtempSync(join(tmpdir(), "pgrr-dir-"));
const runAs = { user: "postgres", uid: 0, gid: 0, home: "/var/lib/postgresql", switchUser: false };

describe("a state directory pg_ctl's shell could act on", () => {
  it.each(["a$(touch x)", "a`id`", 'a"b', "a\\b", "a\nb"])("is refused before anything is created: %j", (name) => {
    const root = join(scratch, name, "s");
    expect(() => prepareDirectories(new Layout(root), runAs)).toThrow(/which pg_ctl's shell would interpret/);
    expect(existsSync(join(scratch, name))).toBe(false);
  });

  it("is created, with local up's marker, when it holds none of them", () => {
    const root = join(scratch, "plain dir's name", "s");
    prepareDirectories(new Layout(root), { ...runAs, uid: process.getuid!(), gid: process.getgid!() });
    expect(existsSync(new Layout(root).markerFile)).toBe(true);
  });
});
