/**
 * What a change does on the cloudnative-pg engine, read from two renders: each changed field of a Cluster or Pooler
 * spec is looked up in the operator's behaviour at v1.30.0 (components/facts/cnpg/rollout.ts, updates.ts), and a
 * field the facts do not classify fails the test (a new field needs its fact first).
 */
import { isDeepStrictEqual } from "node:util";
import { CNPG_ROLLOUT, type ClusterTransition, type PoolerTransition } from "../../../components/facts/cnpg/rollout";
import { CNPG_UPDATES } from "../../../components/facts/cnpg/updates";
import { needsRestart } from "../../../components/settings/contexts";
import { ofType, providerUrn } from "../graph";
import type { ProgramRun, Registered } from "../pulumiMocks";
import { type Part, type Row, cell, emptyRow } from "./table";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";

type FactName = keyof typeof CNPG_ROLLOUT;
const CLUSTER_FACTS: FactName[] = [
  "podSpecFields",
  "parameters",
  "pgHba",
  "synchronous",
  "certificates",
  "replicaSource",
  "placementFields",
  "inheritedMetadata",
  "storage",
  "instances",
  "bootstrap",
  "barmanPlugin",
  "sql",
  "probes",
  "updatePolicy",
  "monitoring",
];
const POOLER_FACTS: FactName[] = ["poolerInstances", "poolerConfig", "poolerTemplate", "poolerLabels"];
const fieldsOf = <T>(names: FactName[]) =>
  Object.assign({}, ...names.map((name) => CNPG_ROLLOUT[name].value)) as Record<string, T>;
/** Each field the facts classify, and what the operator does when it changes. */
const CNPG_ROLLOUT_FIELDS = {
  cluster: fieldsOf<ClusterTransition>(CLUSTER_FACTS),
  pooler: fieldsOf<PoolerTransition>(POOLER_FACTS),
};

const keyOf = (r: Registered) => `${providerUrn(r)}|${r.inputs.metadata.name}`;
const differs = (a: unknown, b: unknown) => !isDeepStrictEqual(a, b);

/** The changed spec fields of a Cluster, named as the facts name them. */
function clusterFields(was: any, now: any): string[] {
  const fields: string[] = [];
  const keys = new Set([...Object.keys(was), ...Object.keys(now)]);
  for (const key of keys) {
    if (!differs(was[key], now[key])) continue;
    if (key === "postgresql") {
      for (const sub of ["parameters", "pg_hba", "synchronous"])
        if (differs(was.postgresql?.[sub], now.postgresql?.[sub])) fields.push(`postgresql.${sub}`);
    } else if (key === "storage") {
      for (const sub of ["size", "storageClass"])
        if (differs(was.storage?.[sub], now.storage?.[sub])) fields.push(`storage.${sub}`);
    } else if (key === "probes") {
      const readiness = (s: any) => s.probes?.readiness ?? {};
      for (const sub of ["type", "maximumLag"])
        if (differs(readiness(was)[sub], readiness(now)[sub])) fields.push(`probes.readiness.${sub}`);
    } else if (key === "externalClusters") {
      const source = (s: any) => (s.externalClusters ?? []).find((e: any) => e.name === s.replica?.source) ?? {};
      for (const sub of ["connectionParameters", "plugin"])
        if (differs(source(was)[sub], source(now)[sub])) fields.push(`externalClusters[replica.source].${sub}`);
    } else if (key === "replica") {
      fields.push("replica.source");
    } else if (key === "managed") {
      fields.push("managed.roles");
    } else fields.push(key);
  }
  return fields;
}

function classify<T extends string>(table: Record<string, T>, field: string, kind: string): T {
  const found = table[field];
  if (found === undefined)
    throw new Error(`a change of ${kind} ${field} is not in components/facts/cnpg/rollout.ts: record what it does`);
  return found;
}

/**
 * The main Cluster: a new database (initdb) or one restored from an archive (recovery), never cloned by pg_basebackup
 * (in the distributed topology it has a replica stanza too).
 */
const isMain = (cluster: Registered) => cluster.inputs.spec.bootstrap?.pg_basebackup === undefined;
const majorOf = (cluster: Registered) => /:(\d+)/.exec(cluster.inputs.spec.imageName ?? "")?.[1];

const archiver = (cluster: Registered) =>
  ((cluster.inputs.spec.plugins ?? []) as Array<{ isWALArchiver?: boolean }>).some((p) => p.isWALArchiver === true);
const archiverAdded = (was: Registered, now: Registered) => !archiver(was) && archiver(now);

/** Changed parameters: whether any needs a restart, and whether a hot-standby-sensitive one decreased. */
function parameterEffect(was: Registered, now: Registered): { restart: boolean; decrease: boolean } {
  const before = was.inputs.spec.postgresql?.parameters ?? {};
  const after = now.inputs.spec.postgresql?.parameters ?? {};
  const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
  const sensitive: readonly string[] = CNPG_UPDATES.decreaseRestartsPrimaryInPlace.value;
  return {
    restart: changed.some(needsRestart),
    decrease: changed.some((k) => sensitive.includes(k) && Number(after[k]) < Number(before[k])),
  };
}

/** For the main Cluster: its primary and its other instances; a replica Cluster's instances are all standbys. */
function clusterOutcomes(was: Registered, now: Registered): { primary: string[]; standbys: string[] } {
  const primary: string[] = [];
  const standbys: string[] = [];
  const spec = now.inputs.spec;
  const instances = Number(spec.instances);
  const handOver = spec.primaryUpdateMethod === CNPG_UPDATES.switchover.value.method && instances > 1;
  const rolling = () => {
    standbys.push("restart");
    primary.push(handOver ? "switchover" : "restart");
  };
  if (majorOf(was) !== majorOf(now)) {
    if (!isMain(now)) return { primary: [], standbys: ["cannot follow"] };
    primary.push("offline major upgrade");
    standbys.push("re-cloned");
  }
  for (const field of clusterFields(was.inputs.spec, spec)) {
    const transition: ClusterTransition = classify(CNPG_ROLLOUT_FIELDS.cluster, field, "Cluster");
    if (field === "plugins" && archiverAdded(was, now)) {
      // The primary lacks the new archiver's sidecar: recreated in place, never switched over.
      standbys.push("restart");
      primary.push("restart");
      continue;
    }
    if (transition === "rolling" && field === "imageName" && majorOf(was) !== majorOf(now)) continue;
    if (transition === "rolling") rolling();
    if (transition === "reload") [primary, standbys].forEach((o) => o.push("reload"));
    if (transition === "by-context") {
      const effect = parameterEffect(was, now);
      if (effect.decrease) primary.push("restart");
      if (effect.restart) rolling();
      else [primary, standbys].forEach((o) => o.push("reload"));
    }
    if (transition === "scale") {
      const grown = instances - Number(was.inputs.spec.instances);
      standbys.push(grown > 0 ? `+${grown} seeded` : `−${-grown} removed`);
    }
  }
  return { primary, standbys };
}

function poolerOutcome(was: Registered, now: Registered): string[] {
  const outcomes: string[] = [];
  const spec = (r: Registered) => r.inputs.spec;
  const fields = [
    ...(differs(spec(was).instances, spec(now).instances) ? ["instances"] : []),
    ...(differs(spec(was).pgbouncer?.parameters, spec(now).pgbouncer?.parameters) ? ["pgbouncer.parameters"] : []),
    ...(differs(spec(was).pgbouncer?.poolMode, spec(now).pgbouncer?.poolMode) ? ["pgbouncer.poolMode"] : []),
    ...(differs(spec(was).template, spec(now).template) ? ["template"] : []),
  ];
  for (const field of fields) {
    const transition: PoolerTransition = classify(CNPG_ROLLOUT_FIELDS.pooler, field, "Pooler");
    if (transition === "deployment-rollout") outcomes.push("restart");
    if (transition === "reload") outcomes.push("reload");
    if (transition === "scale") {
      const grown = Number(spec(now).instances) - Number(spec(was).instances);
      outcomes.push(grown > 0 ? `+${grown} instances` : `−${-grown} instances`);
    }
  }
  return outcomes;
}

const POOL_PART: Record<string, Part> = { write: "writePool", read: "readPool", olap: "olapPool" };

function clusterPart(cluster: Registered): "main" | "olap" | "replicas" {
  if (isMain(cluster)) return "main";
  return /-olap$/.test(cluster.inputs.metadata.name) ? "olap" : "replicas";
}

export function observeCnpg(before: ProgramRun, after: ProgramRun): Row {
  const outcomes = new Map<Part, string[]>();
  const add = (part: Part, list: string[]) => outcomes.set(part, [...(outcomes.get(part) ?? []), ...list]);
  const pair = (type: string, visit: (was: Registered | undefined, now: Registered | undefined) => void) => {
    const old = new Map(ofType(before, type).map((r) => [keyOf(r), r]));
    const current = new Map(ofType(after, type).map((r) => [keyOf(r), r]));
    for (const key of new Set([...old.keys(), ...current.keys()])) visit(old.get(key), current.get(key));
  };
  pair(CLUSTER, (was, now) => {
    const part = clusterPart((now ?? was)!);
    if (!was || !now) {
      const what = now ? "added" : "removed";
      add(part === "main" ? "writer" : part, [part === "replicas" ? `${what} in another region` : what]);
      return;
    }
    const { primary, standbys } = clusterOutcomes(was, now);
    if (part === "main") {
      add("writer", primary);
      add("replicas", standbys);
    } else add(part, [...standbys, ...primary.filter((o) => o !== "switchover")]);
  });
  pair(POOLER, (was, now) => {
    const pool = /-pool-(\w+)$/.exec((now ?? was)!.inputs.metadata.name)![1]!;
    const elsewhere = ofType(before, POOLER).some((p) => p.inputs.metadata.name === (now ?? was)!.inputs.metadata.name);
    const where = elsewhere ? " in another region" : "";
    add(POOL_PART[pool]!, !was ? [`added${where}`] : !now ? ["removed"] : poolerOutcome(was, now));
  });
  const row = emptyRow();
  for (const [part, list] of outcomes) row[part] = cell(list);
  return row;
}
