/**
 * What `pulumi up` would do to a running stack when its config changes, worked out from two recorded runs of the
 * program (before and after the edit) and the provider's facts, since mocks have no diff engine:
 *
 * - a resource is replaced when an argument that replaces it (components/facts/aws/replacement.ts) differs, or comes
 *   from a resource that is itself replaced (its new outputs are new values), unless the program ignores changes to
 *   that argument (ignoreChanges keeps the old value on update) or leaves out one the provider computes (the state's
 *   value stays);
 * - a replacement is refused when the resource is protected before and after (the engine allows unprotecting and
 *   replacing in one update, and refuses it in preview already: PROTECTED_REPLACE_REFUSED);
 * - resources only in the second run are created, those only in the first are deleted, dependents before what they
 *   depend on (the engine's ScheduleDeletes, pulumi/pulumi@v3.248.0 pkg/resource/deploy/step_generator.go:2536-2600).
 */
import { isDeepStrictEqual } from "node:util";
import { computedReplacingFields, replacingFields } from "../../components/facts/aws/replacement";
import type { ProgramRun, Registered } from "./pulumiMocks";

export interface Replacement {
  resource: Registered;
  /** The replacing arguments that changed, or that come from a replaced resource. */
  because: string[];
  /** Protected before and after: the engine refuses it before anything is touched. */
  refused: boolean;
}

export interface ChangePlan {
  replaced: Replacement[];
  created: Registered[];
  /** In the order the engine deletes them: every resource after everything that depends on it. */
  deleted: Registered[];
}

/** The replacing arguments of `after` that change, given which resources are already replaced. */
function changedArguments(before: Registered, after: Registered, replaced: ReadonlySet<string>): string[] {
  const computed = computedReplacingFields(after.type);
  const keepsState = (field: string) => after.inputs[field] === undefined && computed.includes(field);
  return replacingFields(after.type)
    .filter((field) => !after.ignoreChanges.includes(field) && !keepsState(field))
    .filter(
      (field) =>
        !isDeepStrictEqual(before.inputs[field], after.inputs[field]) ||
        (after.propertyDependencies[field] ?? []).some((urn) => replaced.has(urn)),
    );
}

/** Registration order puts a resource after those its inputs come from, so one pass settles every replacement. */
function replacements(before: ProgramRun, after: ProgramRun): Replacement[] {
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  const replaced = new Set<string>();
  const found: Replacement[] = [];
  for (const resource of after.resources) {
    const previous = old.get(resource.urn);
    if (!previous) continue;
    const because = changedArguments(previous, resource, replaced);
    if (because.length === 0) continue;
    replaced.add(resource.urn);
    found.push({ resource, because, refused: previous.protect && resource.protect });
  }
  return found;
}

/** What a resource needs until it is gone: its dependencies, its parent and its provider ("<urn>::<id>"). */
function needs(r: Registered): string[] {
  return [...r.dependencies, r.parent, r.provider.slice(0, r.provider.lastIndexOf("::"))];
}

/** Dependents first: a resource is deleted only once nothing left needs it (depends on it, is its child, uses it). */
export function deletionOrder(condemned: readonly Registered[]): Registered[] {
  const left = new Map(condemned.map((r) => [r.urn, r]));
  const order: Registered[] = [];
  while (left.size > 0) {
    const dependedOn = new Set([...left.values()].flatMap(needs));
    const free = [...left.values()].filter((r) => !dependedOn.has(r.urn));
    if (free.length === 0) throw new Error(`a dependency cycle among ${[...left.keys()].join(", ")}`);
    for (const r of free) {
      order.push(r);
      left.delete(r.urn);
    }
  }
  return order;
}

export function changePlan(before: ProgramRun, after: ProgramRun): ChangePlan {
  const beforeUrns = new Set(before.resources.map((r) => r.urn));
  const afterUrns = new Set(after.resources.map((r) => r.urn));
  return {
    replaced: replacements(before, after),
    created: after.resources.filter((r) => !beforeUrns.has(r.urn)),
    deleted: deletionOrder(before.resources.filter((r) => !afterUrns.has(r.urn))),
  };
}
