/** huge_pages: off on every server, as no pod has a hugepages-2Mi limit; try/on on Kubernetes is refused. */
import { describe, expect, it } from "vitest";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { localBase, patched, refusalMessage, selfHostedBase } from "../support/configs";

describe("huge_pages", () => {
  it("is off on every node of a Kubernetes stack", () => {
    const { topology } = topologyFromConfig(selfHostedBase());
    const groups = topology.regions.flatMap((r) => r.groups);
    expect(groups.length).toBeGreaterThan(1);
    for (const group of groups) {
      expect(group.settings.find((s) => s.name === "huge_pages")?.value, group.name).toBe("off");
    }
  });

  it("try on a Kubernetes stack is refused with the reason and the fix", () => {
    const message = refusalMessage(patched(selfHostedBase(), { postgresql: { primary: { huge_pages: "try" } } }));
    for (const part of ['postgresql.primary.huge_pages = "try"', "hugepages-2Mi", "SIGBUS", "remove it"])
      expect(message).toContain(part);
  });

  it("may be turned to try on the local backend", () => {
    const { topology } = topologyFromConfig(patched(localBase(), { postgresql: { primary: { huge_pages: "try" } } }));
    const primary = topology.regions.flatMap((r) => r.groups).find((g) => g.role === "primary")!;
    expect(primary.settings.find((s) => s.name === "huge_pages")?.value).toBe("try");
  });
});
