/** How @pulumi/kubernetes (provider v4) diffs, replaces and awaits, read at commit 94977969. */
import { cite, fact } from "../fact";

const OVERRIDES = "provider/pkg/metadata/overrides.go";

export const PULUMI_KUBERNETES = {
  /** Changing any of these replaces the object (delete before create when the name is kept). */
  forceNewFields: fact(
    {
      StatefulSet: [
        "spec.podManagementPolicy",
        "spec.revisionHistoryLimit",
        "spec.selector",
        "spec.serviceName",
        "spec.volumeClaimTemplates",
      ],
      Deployment: ["spec.selector"],
      Job: ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
      Service: ["spec.clusterIP"],
      Secret: ["type"],
    } as Record<string, readonly string[]>,
    cite("pulumiKubernetes", "provider/pkg/provider/diff.go", "forceNewProperties"),
    cite("pulumiKubernetes", "provider/pkg/provider/provider.go", "same-name replacement is delete-before-replace"),
  ),
  defaultAwaitSeconds: fact(
    600,
    cite("pulumiKubernetes", "provider/pkg/await/statefulset.go, job.go, deployment.go", "10 minute default"),
  ),
  timeoutAnnotation: fact("pulumi.com/timeoutSeconds", cite("pulumiKubernetes", OVERRIDES)),
  /** Only Jobs honour replaceUnready; without it a Failed Job is re-awaited (and fails again) on the next update. */
  replaceUnreadyAnnotation: fact(
    "pulumi.com/replaceUnready",
    cite("pulumiKubernetes", "provider/pkg/provider/provider.go", "Diff: replaceUnready for Jobs only"),
    cite(
      "pulumiEngine",
      "pkg/resource/deploy/step_generator.go:2178-2181",
      "unchanged resource with init errors → update step",
    ),
  ),
  skipAwaitAnnotation: fact("pulumi.com/skipAwait", cite("pulumiKubernetes", OVERRIDES)),
  /** Patch resources modify existing objects by server-side apply; fields owned by another manager need patchForce. */
  patchForceAnnotation: fact(
    "pulumi.com/patchForce",
    cite(
      "pulumiKubernetes",
      "sdk/nodejs/core/v1/persistentVolumeClaimPatch.ts",
      "Patch resources …; 'Conflicts will result in an error by default, but can be forced using the \"pulumi.com/patchForce\" annotation'",
    ),
  ),
  /**
   * Deleting a Patch resource does not delete the object: the provider applies an empty patch under the patch's field
   * manager, giving up every field it set. A field no other manager holds is then removed, and for a required one (a
   * claim's spec.resources.requests.storage, held by this patch alone once it was forced) the API server refuses the
   * apply: the delete fails and so does the update, unless the Patch carries the retainOnDelete option.
   */
  patchDeletionRelinquishes: fact(
    true,
    cite("pulumiKubernetes", "provider/pkg/await/await.go:958-962", "Deletion: a Patch resource → ssa.Relinquish"),
    cite(
      "pulumiKubernetes",
      "provider/pkg/ssa/actions.go:27-61",
      "Relinquish applies a minimal object; 'if the specified field manager is the sole manager … this will fail'",
    ),
    cite(
      "pulumiKubernetes",
      "provider/pkg/provider/provider.go:2627-2633",
      "'this Patch resource is currently managing a required field, so it can't be deleted directly. Either set the `retainOnDelete` resource option, or transfer ownership'",
    ),
  ),
  /**
   * With retainOnDelete the engine never calls the provider's Delete: the object stays as it is and leaves the state.
   * The engine reads the option from the resource's recorded state, which every `up` that still declares the resource
   * rewrites from the program: a resource that gains the option and is dropped in the same `up` is still deleted.
   */
  retainOnDeleteSkipsDelete: fact(
    true,
    cite(
      "pulumiEngine",
      "pkg/resource/deploy/step.go:659-662",
      "DeleteStep.Apply: `else if s.old.RetainOnDelete` → no-op",
    ),
    cite(
      "pulumiEngine",
      "pkg/resource/deploy/step_generator.go:796-828",
      "the new state takes the goal's RetainOnDelete",
    ),
  ),
} as const;
