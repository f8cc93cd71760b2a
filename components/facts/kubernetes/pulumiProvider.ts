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
} as const;
