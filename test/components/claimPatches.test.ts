/**
 * Grown disks on a running stack: the claims' PersistentVolumeClaimPatches survive their own deletion. A patch leaves
 * the program when its pod does (scale-down, OLAP off, a region's replicas fewer) and when the primary's group goes to
 * zero after a failover; deleting it for real would relinquish the claim's required storage request and fail the
 * `up` (PULUMI_KUBERNETES.patchDeletionRelinquishes). The engine skips that delete for a resource whose recorded state
 * carries retainOnDelete (retainOnDeleteSkipsDelete), so the render before each change is the one that must carry it.
 */
import { describe, expect, it } from "vitest";
import { PULUMI_KUBERNETES } from "../../components/facts/kubernetes";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

const PATCH = "kubernetes:core/v1:PersistentVolumeClaimPatch";

type Edit = (config: Record<string, string>) => void;

async function render(stack: string, edit: Edit = () => undefined): Promise<ProgramRun> {
  return runProgram(stack, (config) => {
    edit(config);
    return config;
  });
}

function patches(run: ProgramRun): Map<string, Registered> {
  return new Map(run.resources.filter((r) => r.type === PATCH).map((r) => [r.urn, r]));
}

/** The patches the next render no longer declares: the engine deletes them with their recorded options. */
function dropped(before: ProgramRun, after: ProgramRun): Registered[] {
  const kept = patches(after);
  return [...patches(before).values()].filter((patch) => !kept.has(patch.urn));
}

const json = (config: Record<string, string>, key: string) => JSON.parse(config[`pg-read-replicas:${key}`]!);
const setJson = (config: Record<string, string>, key: string, value: unknown) =>
  (config[`pg-read-replicas:${key}`] = JSON.stringify(value));

const failedOver: Edit = (config) =>
  setJson(config, "kubernetes", {
    ...json(config, "kubernetes"),
    writer: `${config["pg-read-replicas:name"] ?? "pg"}-replica-0`,
  });

const CHANGES: Array<{ stack: string; change: string; edit: Edit }> = [
  { stack: "staging", change: "replicas 2 → 1", edit: (config) => (config["pg-read-replicas:replicas"] = "1") },
  { stack: "staging", change: "OLAP off", edit: (config) => setJson(config, "olap", { enabled: false }) },
  { stack: "staging", change: "the post-failover up (kubernetes.writer a replica)", edit: failedOver },
  {
    stack: "prod",
    change: "eu-west-1 replicas 2 → 1",
    edit: (config) =>
      setJson(
        config,
        "crossRegion",
        json(config, "crossRegion").map((region: Record<string, unknown>) => ({ ...region, replicas: 1 })),
      ),
  },
  { stack: "prod", change: "the post-failover up (kubernetes.writer a replica)", edit: failedOver },
  { stack: "dev", change: "the post-failover up (kubernetes.writer a replica)", edit: failedOver },
];

describe("the claims' patches on a running stack", () => {
  it.each(["dev", "staging", "prod"])("%s: every PersistentVolumeClaimPatch is retained on delete", async (stack) => {
    const all = [...patches(await render(stack)).values()];
    expect(all.length).toBeGreaterThan(1);
    for (const patch of all) {
      expect(patch.retainOnDelete, patch.name).toBe(true);
      expect(patch.inputs.metadata.annotations[PULUMI_KUBERNETES.patchForceAnnotation.value]).toBe("true");
    }
  });

  it.each(CHANGES)(
    "$stack, $change: the patches it drops are retained, so the up never relinquishes a claim's size",
    async ({ stack, edit }) => {
      const before = await render(stack);
      const after = await render(stack, edit);
      const gone = dropped(before, after);
      expect(gone.length, "the change drops at least one claim's patch").toBeGreaterThan(0);
      for (const patch of gone) expect(patch.retainOnDelete, `${patch.name} would be deleted for real`).toBe(true);
      // Nothing else about the kept claims changes: their size stays where the running stack has it.
      for (const [urn, kept] of patches(after))
        expect(kept.inputs.spec, urn).toEqual(patches(before).get(urn)?.inputs.spec ?? kept.inputs.spec);
    },
  );
});
