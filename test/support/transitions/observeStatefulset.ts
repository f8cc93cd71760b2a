/**
 * What a change does on the statefulset engine, read from two renders of the program (before and after): Kubernetes
 * rolls a workload whose pod template changed (the writer's StatefulSet is OnDelete: its pods take a new template only
 * through `pg-read-replicas kubernetes switchover`), a ConfigMap or Secret changed under an unchanged template reaches
 * the running pods in place (the kubelet updates mounted volumes) and is reloaded by their sidecars, and a
 * StatefulSet's replica count seeds or removes pods.
 */
import { TYPES, ofType, providerUrn } from "../graph";
import type { ProgramRun, Registered } from "../pulumiMocks";
import { type Part, type Row, cell, emptyRow } from "./table";

/** By the workload's name; pools first, since `pg-pool-olap` also ends in `-olap`. */
const WORKLOAD_PART: Array<[RegExp, Part]> = [
  [/-pool-write$/, "writePool"],
  [/-pool-read$/, "readPool"],
  [/-pool-olap$/, "olapPool"],
  [/-primary$/, "writer"],
  [/-replica(-[a-z0-9-]+)?$/, "replicas"],
  [/-olap$/, "olap"],
];

const partOf = (workload: Registered): Part | undefined =>
  WORKLOAD_PART.find(([pattern]) => pattern.test(workload.inputs.metadata.name))?.[1];

/** A Kubernetes object's identity across renders: its cluster (provider) and name. */
const keyOf = (r: Registered) => `${providerUrn(r)}|${r.inputs.metadata.name}`;

const workloads = (run: ProgramRun) => [...ofType(run, TYPES.statefulSet), ...ofType(run, TYPES.deployment)];
const podCount = (rs: Registered[]) => rs.reduce((sum, r) => sum + Number(r.inputs.spec.replicas ?? 1), 0);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface Mounted {
  key: string;
  /** The keys the volume projects (`items`), or all of them. */
  items?: string[];
}

/** ConfigMaps and Secrets mounted as volumes: the kubelet updates them in place, and the pod's sidecars reload. */
function mountedFiles(workload: Registered): Mounted[] {
  const volumes: any[] = workload.inputs.spec.template.spec.volumes ?? [];
  const sources = volumes.flatMap((v) => [
    ...(v.configMap ? [{ name: v.configMap.name, items: v.configMap.items }] : []),
    ...(v.secret ? [{ name: v.secret.secretName, items: v.secret.items }] : []),
    ...(v.projected?.sources ?? []).flatMap((s: any) => [s.configMap, s.secret].filter(Boolean)),
  ]);
  return sources.map((source: any) => ({
    key: `${providerUrn(workload)}|${source.name}`,
    ...(source.items ? { items: source.items.map((item: any) => item.key) } : {}),
  }));
}

function mountedData(run: ProgramRun): Map<string, Record<string, unknown>> {
  const objects = [...ofType(run, TYPES.configMap), ...ofType(run, TYPES.secret)];
  return new Map(objects.map((r) => [keyOf(r), r.inputs.data ?? r.inputs.stringData ?? {}]));
}

function projected(data: Record<string, unknown> | undefined, items?: string[]): unknown {
  if (!data || !items) return data;
  return Object.fromEntries(items.map((item) => [item, data[item]]));
}

/**
 * The major of a database pod's postgres image: the start guard refuses a data directory of another major
 * (components/render, tested by running it), so such a pod never starts on the old data.
 */
function postgresMajor(workload: Registered): string | undefined {
  const postgres = workload.inputs.spec.template.spec.containers.find((c: any) => c.name === "postgres");
  return postgres ? /:(\d+)/.exec(postgres.image)?.[1] : undefined;
}

/** What happens to the pods of workloads present before and after. */
function inPlace(pairs: Array<[Registered, Registered]>, before: ProgramRun, after: ProgramRun): string[] {
  const oldData = mountedData(before);
  const newData = mountedData(after);
  return pairs.map(([was, now]) => {
    if (Number(now.inputs.spec.replicas ?? 1) === 0) return "—";
    if (postgresMajor(was) !== postgresMajor(now)) return "refused at start (another major)";
    if (!same(was.inputs.spec.template, now.inputs.spec.template))
      return now.inputs.spec.updateStrategy?.type === "OnDelete" ? "switchover" : "restart";
    const reread = mountedFiles(now).some(
      ({ key, items }) => !same(projected(oldData.get(key), items), projected(newData.get(key), items)),
    );
    return reread ? "reload" : "—";
  });
}

function partOutcome(part: Part, before: ProgramRun, after: ProgramRun): string {
  const of = (run: ProgramRun) => workloads(run).filter((w) => partOf(w) === part);
  const was = of(before);
  const now = of(after);
  if (was.length === 0 && now.length > 0) return "added";
  if (was.length > 0 && now.length === 0) return "removed";
  const old = new Map(was.map((w) => [keyOf(w), w]));
  const pairs = now.flatMap((w) => (old.has(keyOf(w)) ? [[old.get(keyOf(w))!, w] as [Registered, Registered]] : []));
  const outcomes = inPlace(pairs, before, after);
  const grown = podCount(now) - podCount(was);
  if (grown > 0) outcomes.unshift(`+${grown} seeded`);
  if (grown < 0) outcomes.unshift(`${grown} removed`.replace("-", "−"));
  return cell(outcomes);
}

export function observeStatefulset(before: ProgramRun, after: ProgramRun): Row {
  const row = emptyRow();
  for (const part of Object.keys(row) as Part[]) row[part] = partOutcome(part, before, after);
  return row;
}
