/**
 * What a change does on Aurora, read from two runs of the program and the provider's facts (changePlan.ts): which
 * resources are replaced (or refused, being protected), created, deleted or updated in place, and for parameter
 * groups whether a changed parameter applies at once or waits for a reboot (its applyMethod, which the program takes
 * from the parameter's static or dynamic apply type).
 */
import { isDeepStrictEqual } from "node:util";
import { TYPES } from "../graph";
import type { ProgramRun, Registered } from "../pulumiMocks";
import { changePlan } from "../changePlan";
import { type Part, type Row, cell, emptyRow } from "./table";

const PROXY_TARGET_GROUP = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup";

/** By type and Pulumi name: the writer's instance and cluster, readers (any region), the OLAP reader, the routes. */
function partOf(r: Registered): Part | undefined {
  if (r.type === TYPES.instance) {
    if (/-primary-\d+$/.test(r.name)) return "writer";
    if (/-olap-\d+$/.test(r.name)) return "olap";
    return "replicas";
  }
  if (r.type === TYPES.cluster) return r.name.endsWith("-cluster") && !isSecondary(r) ? "writer" : "replicas";
  if (r.type === TYPES.proxy || r.type === TYPES.proxyTarget || r.type === PROXY_TARGET_GROUP) return "writePool";
  if (r.type === TYPES.proxyEndpoint) return "readPool";
  if (r.type === TYPES.endpoint) return /-olap$/.test(r.name) ? "olapPool" : "readPool";
  return undefined;
}

const isSecondary = (cluster: Registered) =>
  cluster.inputs.replicationSourceIdentifier !== undefined || /-[a-z]+-[a-z]+-\d-cluster$/.test(cluster.name);

/** The servers a Global Database's own changes (its engine version) reach. */
const DATABASE: Part[] = ["writer", "replicas", "olap"];

/** Inputs that describe, not configure: a change to them touches no server. */
const DESCRIPTIVE = new Set(["tags", "tagsAll"]);

function changedInputs(was: Registered, now: Registered): string[] {
  const keys = new Set([...Object.keys(was.inputs), ...Object.keys(now.inputs)]);
  const kept = (k: string) => DESCRIPTIVE.has(k) || now.ignoreChanges.includes(k);
  return [...keys].filter((k) => !kept(k) && !isDeepStrictEqual(was.inputs[k], now.inputs[k]));
}

/** The parameters of a group that changed, by how they apply. */
function parameterOutcomes(was: Registered, now: Registered): string[] {
  const byName = (r: Registered) =>
    new Map<string, any>((r.inputs.parameters ?? []).map((p: any) => [p.name as string, p]));
  const old = byName(was);
  const changed = [...byName(now).values()].filter((p) => !isDeepStrictEqual(old.get(p.name), p));
  return changed.map((p) => (p.applyMethod === "pending-reboot" ? "reboot pending" : "applied live"));
}

/** An instance group serves its role (named after it); the cluster group, every instance of its cluster. */
function partsOfGroup(group: Registered): Part[] {
  if (group.type === TYPES.clusterParameterGroup) return ["writer", "replicas", "olap"];
  const role = /-(writer|reader|olap)$/.exec(group.name)?.[1];
  return role === "writer" ? ["writer"] : role === "olap" ? ["olap"] : ["replicas"];
}

const major = (r: Registered) => String(r.inputs.engineVersion ?? "").split(".")[0];

/** An update in place, named by what it does to the server. */
function inPlaceChange(was: Registered, now: Registered, changed: string[]): string {
  if (changed.includes("engineVersion") && major(was) !== major(now))
    return now.inputs.allowMajorVersionUpgrade === true || now.type === TYPES.global
      ? "major upgrade"
      : "refused by RDS (allowMajorVersionUpgrade)";
  if (changed.includes("engineVersion")) return "minor upgrade";
  if (changed.includes("instanceClass")) return "resized";
  return "modified";
}

/**
 * A Global Database moved to another major: the engine version gate, which the primary cluster depends on, refuses
 * it while the global cluster runs the old one (engineVersionCheck.ts globalMajorProblem): nothing changes.
 */
function globalMajorRefused(before: ProgramRun, after: ProgramRun): boolean {
  const globalOf = (run: ProgramRun) => run.resources.find((r) => r.type === TYPES.global);
  const [was, now] = [globalOf(before), globalOf(after)];
  return was !== undefined && now !== undefined && major(was) !== major(now);
}

export function observeAurora(before: ProgramRun, after: ProgramRun): Row {
  if (globalMajorRefused(before, after)) {
    const refused = emptyRow();
    for (const part of DATABASE) refused[part] = "refused: global cluster first";
    return refused;
  }
  const outcomes = new Map<Part, string[]>();
  const add = (part: Part | undefined, outcome: string) =>
    part && outcomes.set(part, [...(outcomes.get(part) ?? []), outcome]);
  const plan = changePlan(before, after);
  const replacedUrns = new Set(plan.replaced.map((r) => r.resource.urn));
  for (const r of plan.replaced) add(partOf(r.resource), r.refused ? "refused (replacement)" : "replaced");
  for (const r of plan.created) add(partOf(r), "added");
  for (const r of plan.deleted) add(partOf(r), "removed");
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  for (const now of after.resources) {
    const was = old.get(now.urn);
    if (!was || replacedUrns.has(now.urn)) continue;
    if (now.type === TYPES.parameterGroup || now.type === TYPES.clusterParameterGroup) {
      const applied = parameterOutcomes(was, now);
      for (const part of partsOfGroup(now)) for (const outcome of applied) add(part, outcome);
      continue;
    }
    const changed = changedInputs(was, now);
    if (changed.length === 0) continue;
    const outcome = inPlaceChange(was, now, changed);
    if (now.type === TYPES.global) for (const part of DATABASE) add(part, outcome);
    else add(partOf(now), outcome);
  }
  const row = emptyRow();
  for (const [part, list] of outcomes) row[part] = cell(list);
  return row;
}
