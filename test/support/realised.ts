/**
 * What a stack config implies the program registers, read from the raw config (as YAML or
 * `pulumi config set` gives it) and, for replica counts from capacity, the built Topology:
 * regions and their providers, the groups or Clusters of each region with their sizes, the
 * pools, the namespace and labels, monitoring objects; for Aurora the clusters, instances,
 * providers (and their tags), the Global Database, the proxy, autoscaling and alarms.
 */
import { expect } from "vitest";
import type { Topology } from "../../components/topology/types";
import { CLUSTER, POOLER } from "./cnpgFacts";
import { ALARM } from "./auroraFacts";
import { TYPES, ofType, providerUrn } from "./graph";
import { isKubernetesObject } from "./kubernetesSchema";
import type { ProgramRun, Registered } from "./pulumiMocks";

type Raw = Record<string, any>;

/** A boolean as YAML or `pulumi config set` gives it, or the default when absent. */
const flag = (value: unknown, fallback: boolean) =>
  value === undefined ? fallback : value === true || value === "true";

interface Plan {
  name: string;
  home: string;
  /** Every region, the primary's first, with the OLTP replicas there and how its cluster is reached. */
  regions: Array<{ region: string; replicas: number; access?: Raw }>;
  olapRegion?: string;
  labels: Record<string, string>;
}

function planOf(raw: Raw, topology: Topology): Plan {
  const home = String(raw.region);
  const local = topology.standbys.filter((s) => s.role === "oltp" && !s.remote).length;
  if (raw.replicas !== undefined) expect(local, "OLTP replicas in the primary's region").toBe(Number(raw.replicas));
  const remote = ((raw.crossRegion ?? []) as Raw[]).map((entry) => ({
    region: String(entry.region),
    replicas: Number(entry.replicas),
    access: entry,
  }));
  const olap = flag(raw.olap?.enabled, false) ? String(raw.olap.region ?? home) : undefined;
  const change = raw.changeId === undefined ? {} : { "pg-read-replicas/change": String(raw.changeId) };
  return {
    name: String(raw.name ?? "pg"),
    home,
    regions: [{ region: home, replicas: local }, ...remote],
    ...(olap ? { olapRegion: olap } : {}),
    labels: { ...(raw.labels ?? {}), ...change },
  };
}

const sorted = (names: string[]) => [...names].sort();
const nameOf = (r: Registered) => r.inputs.metadata.name as string;

/** The resources of a region: those under its provider (the primary's region: under none of the others'). */
function inRegion(run: ProgramRun, plan: Plan, region: string): (r: Registered) => boolean {
  const providers = ofType(run, TYPES.kubernetesProvider);
  const urnOf = (entry: Plan["regions"][number]) => {
    const access = entry.access ?? {};
    const found = providers.filter((p) =>
      access.context !== undefined ? p.inputs.context === access.context : p.inputs.kubeconfig === access.kubeconfig,
    );
    expect(found, `the provider of ${entry.region}`).toHaveLength(1);
    return found[0]!.urn;
  };
  const remote = plan.regions.slice(1).map(urnOf);
  if (region === plan.home) return (r) => !remote.includes(providerUrn(r));
  const urn = urnOf(plan.regions.find((e) => e.region === region)!);
  return (r) => providerUrn(r) === urn;
}

/**
 * A selfHosted stack: providers, namespace, labels, and per region its groups or Clusters, pools, Job and monitoring
 * objects.
 */
export function expectKubernetesRealises(run: ProgramRun, raw: Raw, topology: Topology): void {
  const plan = planOf(raw, topology);
  const k = raw.kubernetes ?? {};
  const engine = k.engine ?? "statefulset";
  const namespace = raw.changeId === undefined ? k.namespace : `${k.namespace}-${raw.changeId}`;
  expect(ofType(run, TYPES.kubernetesProvider)).toHaveLength(plan.regions.length - 1);
  const objects = run.resources.filter(isKubernetesObject);
  for (const object of objects) {
    const where = `${object.type} ${object.name}`;
    if (object.inputs.kind === "Namespace") expect(nameOf(object), where).toBe(namespace);
    else expect(object.inputs.metadata.namespace, where).toBe(namespace);
    expect(object.inputs.metadata.labels ?? {}, where).toMatchObject(plan.labels);
  }
  expect(ofType(run, "kubernetes:core/v1:Namespace")).toHaveLength(
    flag(k.createNamespace, true) ? plan.regions.length : 0,
  );
  const monitoring = raw.monitoring ?? {};
  // PodMonitors in every region, the rules and the dashboard in the primary's; on cloudnative-pg each region's rules
  // in that region, and no dashboard (refused while monitoring is on: a config it accepts implies none).
  const operatorObjects = flag(monitoring.enabled, true) && flag(monitoring.prometheusOperator, false);
  const dashboard = flag(monitoring.enabled, true) && flag(monitoring.grafanaDashboard, false);
  const pool = (name: string) => `${plan.name}-pool-${name}`;
  const instances = Number(raw.pgbouncer?.instances ?? 2);
  const writer = k.writer ?? `${plan.name}-primary-0`;
  for (const { region, replicas } of plan.regions) {
    const here = inRegion(run, plan, region);
    const home = region === plan.home;
    const olapHere = plan.olapRegion === region;
    const named = (type: string) => ofType(run, type).filter(here);
    const pools = [...(home ? [pool("write")] : []), pool("read"), ...(olapHere ? [pool("olap")] : [])];
    const jobsOf = (component: string) =>
      named(TYPES.job).filter((job) => job.inputs.metadata.labels?.["app.kubernetes.io/name"] === component);
    expect(jobsOf("verify"), `${region}: one verification Job`).toHaveLength(1);
    // The statefulset engine, in the primary's region: the rotated passwords are awaited on the writer before
    // anything restarts with them, and the writer's undeclared slots are dropped after every region.
    expect(jobsOf("maintenance").map(nameOf).sort(), `${region}: maintenance Jobs`).toEqual(
      home && engine === "statefulset"
        ? [
            expect.stringMatching(new RegExp(`^${plan.name}-passwords-[0-9a-f]{16}$`)),
            expect.stringMatching(new RegExp(`^${plan.name}-slots-[0-9a-f]{16}$`)),
          ]
        : [],
    );
    expect(named("kubernetes:monitoring.coreos.com/v1:PodMonitor").length > 0, `${region}: PodMonitors`).toBe(
      operatorObjects,
    );
    // On the statefulset engine a second one: the certificates' expiry.
    const rules = engine === "statefulset" ? (home ? 2 : 0) : 1;
    expect(named("kubernetes:monitoring.coreos.com/v1:PrometheusRule"), `${region}: PrometheusRule`).toHaveLength(
      operatorObjects ? rules : 0,
    );
    const dashboards = named(TYPES.configMap).filter((o) => o.inputs.metadata.labels?.grafana_dashboard === "1");
    expect(dashboards, `${region}: dashboard ConfigMap`).toHaveLength(dashboard && home ? 1 : 0);
    if (engine === "statefulset") {
      const groups: Record<string, number> = home
        ? { [`${plan.name}-primary`]: writer === `${plan.name}-primary-0` ? 1 : 0, [`${plan.name}-replica`]: replicas }
        : { [`${plan.name}-replica-${region}`]: replicas };
      if (olapHere) groups[`${plan.name}-olap`] = 1;
      const sets = named(TYPES.statefulSet);
      expect(sorted(sets.map(nameOf)), `${region}: StatefulSets`).toEqual(sorted(Object.keys(groups)));
      for (const set of sets) expect(set.inputs.spec.replicas, nameOf(set)).toBe(groups[nameOf(set)]);
      const deployments = named(TYPES.deployment);
      expect(sorted(deployments.map(nameOf)), `${region}: pools`).toEqual(sorted(pools));
      for (const deployment of deployments) expect(deployment.inputs.spec.replicas, nameOf(deployment)).toBe(instances);
    } else {
      const clusters: Record<string, number> = home
        ? { [plan.name]: 1 + replicas }
        : { [`${plan.name}-${region}`]: replicas };
      if (olapHere) clusters[`${plan.name}-olap`] = 1;
      const found = named(CLUSTER);
      expect(sorted(found.map(nameOf)), `${region}: Clusters`).toEqual(sorted(Object.keys(clusters)));
      for (const cluster of found)
        expect(cluster.inputs.spec.instances, nameOf(cluster)).toBe(clusters[nameOf(cluster)]);
      expect(sorted(named(POOLER).map(nameOf)), `${region}: Poolers`).toEqual(sorted(pools));
      for (const pooler of named(POOLER)) expect(pooler.inputs.spec.instances, nameOf(pooler)).toBe(instances);
      expect(
        named(TYPES.statefulSet).length + named(TYPES.deployment).length,
        `${region}: no workloads besides the operator's`,
      ).toBe(0);
      expect(named("kubernetes:helm.sh/v3:Release"), `${region}: the operator's chart`).toHaveLength(
        flag(k.cloudnativePg?.installOperator, false) ? 1 : 0,
      );
    }
  }
}

/**
 * An Aurora stack: a provider per region tagging with the labels, clusters and instances per region, and the optional
 * parts.
 */
export function expectAuroraRealises(run: ProgramRun, raw: Raw, topology: Topology): void {
  const plan = planOf(raw, topology);
  const aurora = raw.aurora ?? {};
  const providers = ofType(run, TYPES.awsProvider);
  expect(sorted(providers.map((p) => p.inputs.region)), "a provider per region").toEqual(
    sorted(plan.regions.map((r) => r.region)),
  );
  // A provider's object inputs arrive JSON-encoded, as the engine hands them to the provider plugin.
  const decoded = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value);
  for (const provider of providers)
    expect(decoded(provider.inputs.defaultTags)?.tags ?? {}, `${provider.name}: the labels as default tags`).toEqual(
      plan.labels,
    );
  const regionOf = new Map(providers.map((p) => [p.urn, p.inputs.region as string]));
  for (const resource of run.resources.filter((r) => r.custom && r.type.startsWith("aws:"))) {
    expect(
      regionOf.has(providerUrn(resource)),
      `${resource.type} ${resource.name} goes through one of the stack's providers`,
    ).toBe(true);
  }
  const perRegion = (type: string, region: string) =>
    ofType(run, type).filter((r) => regionOf.get(providerUrn(r)) === region);
  for (const { region, replicas } of plan.regions) {
    const home = region === plan.home;
    expect(perRegion(TYPES.cluster, region), `${region}: one cluster`).toHaveLength(1);
    const readers = home ? 1 + replicas + (plan.olapRegion ? 1 : 0) : replicas;
    expect(perRegion(TYPES.instance, region), `${region}: instances`).toHaveLength(readers);
  }
  expect(ofType(run, TYPES.global), "a Global Database exactly with secondaries").toHaveLength(
    plan.regions.length > 1 ? 1 : 0,
  );
  const olapEndpoint = ofType(run, TYPES.endpoint).filter((e) => e.name === `${plan.name}-olap`);
  expect(olapEndpoint, "the OLAP endpoint").toHaveLength(plan.olapRegion ? 1 : 0);
  if (plan.olapRegion) {
    const olap = ofType(run, TYPES.instance).filter((i) => i.name === `${plan.name}-${plan.name}-olap-0`);
    expect(
      olap.map((i) => [regionOf.get(providerUrn(i)), i.inputs.instanceClass]),
      "the OLAP reader, in its class",
    ).toEqual([[plan.home, aurora.instanceClass.olap]]);
  }
  const proxyMode = aurora.proxy?.mode ?? (flag(aurora.proxy?.enabled, true) ? "readWrite" : "none");
  expect(ofType(run, TYPES.proxy), "RDS Proxy").toHaveLength(proxyMode === "none" ? 0 : 1);
  expect(ofType(run, TYPES.proxyEndpoint), "its READ_ONLY endpoint").toHaveLength(proxyMode === "readWrite" ? 1 : 0);
  expect(ofType(run, TYPES.scalingTarget), "reader autoscaling").toHaveLength(aurora.autoscaling ? 1 : 0);
  const monitoring = raw.monitoring ?? {};
  const alarms = flag(monitoring.enabled, true);
  expect(ofType(run, ALARM).length > 0, "alarms").toBe(alarms);
  // One topic per region with alarms: CloudWatch takes only an action of the alarm's region.
  expect(ofType(run, "aws:sns/topic:Topic"), "SNS topic per region").toHaveLength(
    alarms && flag(monitoring.createSnsTopic, false) ? 1 + (raw.crossRegion ?? []).length : 0,
  );
}
