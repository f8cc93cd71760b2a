/**
 * The cloudnative-pg engine's pure parts: settings as Cluster parameters (every
 * parameter CloudNativePG manages refused with key, value and fix), the Pooler's
 * allow-list, the operator check, and the config rules of the engine.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, type ConfigIssue } from "../../components/config/errors";
import {
  CNPG_OPERATOR,
  CNPG_PARAMETERS,
  CNPG_POOLER,
  managedParameter,
  poolerParameterAllowed,
} from "../../components/facts/cnpg";
import { imageProblem, imageTag } from "../../components/kubernetes/cnpg/image";
import { crdProblem, operatorCheckName } from "../../components/kubernetes/cnpg/operator";
import { CNPG_AVAILABILITY } from "../../components/facts/cnpg/availability";
import { clusterParameters } from "../../components/kubernetes/cnpg/parameters";
import { type ClusterPlan, clusterPlans } from "../../components/kubernetes/cnpg/plan";
import { poolerTarget } from "../../components/kubernetes/cnpg/writerRegion";
import { poolerParameters } from "../../components/kubernetes/cnpg/pooler";
import { STATEMENT_STATISTICS } from "../../components/facts/postgres";
import { GUCS } from "../../components/settings/registry";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import type { CnpgEngine, Pool, SelfHostedTopology, Setting } from "../../components/topology/types";
import { cnpgConfig, patched, selfHostedBase } from "../support/configs";
import { INSTALLED_CNPG_CRD } from "../support/pulumiMocks";
import { cnpgTopology } from "../support/topologies";

function issuesOf(config: Record<string, unknown>): ConfigIssue[] {
  try {
    topologyFromConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

function mainPlan(topology: SelfHostedTopology): Extract<ClusterPlan, { kind: "main" }> {
  const plan = clusterPlans(topology, topology.regions[0]!).find((p) => p.kind === "main");
  if (plan?.kind !== "main") throw new Error("no main Cluster");
  return plan;
}

/** The main plan with one more setting on the primary, as if the product or stack config produced it. */
function withPrimarySetting(topology: SelfHostedTopology, setting: Setting): Extract<ClusterPlan, { kind: "main" }> {
  const plan = mainPlan(topology);
  return { ...plan, primary: { ...plan.primary, settings: [...plan.primary.settings, setting] } };
}

describe("CloudNativePG's managed parameters", () => {
  it("refuses a parameter the operator fixes, naming key, value and fix", () => {
    const plan = withPrimarySetting(cnpgTopology(), {
      name: "shared_preload_libraries" as never,
      value: "pg_stat_statements",
      source: "stackConfig",
    });
    const { parameters, issues } = clusterParameters(plan);
    expect(parameters).not.toHaveProperty("shared_preload_libraries");
    expect(issues).toEqual([
      {
        key: "postgresql.primary.shared_preload_libraries",
        value: "pg_stat_statements",
        problem: `shared_preload_libraries = pg_stat_statements is a parameter CloudNativePG manages itself: its webhook refuses the Cluster ("Can't set fixed configuration parameter")`,
        fix: "remove shared_preload_libraries from postgresql.primary (the operator sets it), or use kubernetes.engine statefulset",
      },
    ]);
  });

  it("refuses every fixed and blocked parameter, never passing one through", () => {
    const topology = cnpgTopology();
    const managed = [...CNPG_PARAMETERS.fixed.value, ...CNPG_PARAMETERS.blocked.value];
    expect(managed).toHaveLength(65);
    for (const name of managed) {
      const { parameters, issues } = clusterParameters(
        withPrimarySetting(topology, { name: name as never, value: "x", source: "default" }),
      );
      if (name === "hot_standby" || name === "synchronous_standby_names" || name === "shared_preload_libraries") {
        // The product's own value of these is realised by the operator (mandatory setting, synchronous stanza,
        // pg_stat_statements through its parameter).
        expect(parameters, name).not.toHaveProperty(name);
        continue;
      }
      expect(parameters, name).not.toHaveProperty(name);
      expect(
        issues.map((i) => [i.key, i.fix]),
        name,
      ).toContainEqual(["kubernetes.engine", "use kubernetes.engine statefulset, which writes this setting itself"]);
    }
  });

  it("makes the operator load and create pg_stat_statements through a pg_stat_statements.* parameter", () => {
    const { parameters, issues } = clusterParameters(mainPlan(cnpgTopology()));
    const { trigger, value } = STATEMENT_STATISTICS.cnpgManagesExtension.value;
    expect(parameters[trigger]).toBe(value);
    expect(parameters).not.toHaveProperty("shared_preload_libraries");
    expect(issues).toEqual([]);
    expect(CNPG_PARAMETERS.namePattern.value.test(trigger)).toBe(true);
  });

  it("leaves stack config no way to reach a managed parameter: none is overridable", () => {
    const overridable = Object.entries(GUCS)
      .filter(([, spec]) => "overridable" in spec)
      .map(([name]) => name);
    expect(overridable.length).toBeGreaterThan(20);
    expect(overridable.filter((name) => managedParameter(name) !== undefined)).toEqual([]);
  });

  it("maps the product's settings: one set for the main Cluster, synchronous_standby_names and hot_standby realised by the operator", () => {
    const topology = cnpgTopology({ replication: { synchronousCommit: "remote_write", synchronousReplicas: 1 } });
    const { parameters, issues, notes } = clusterParameters(mainPlan(topology));
    expect(issues).toEqual([]);
    expect(Object.keys(parameters).filter((name) => managedParameter(name) !== undefined)).toEqual([]);
    expect(parameters).toMatchObject({
      synchronous_commit: "remote_write",
      wal_level: "replica",
      wal_log_hints: "on",
      hot_standby_feedback: "on",
      max_standby_streaming_delay: "5s",
    });
    // The primary would refuse writes: replicas refuse them anyway, being in recovery.
    expect(parameters).not.toHaveProperty("default_transaction_read_only");
    expect(notes.join("\n")).toContain("default_transaction_read_only");
  });

  it("gives the OLAP replica cluster its own analytic settings", () => {
    const topology = cnpgTopology({ olap: { enabled: true, settings: { work_mem: "256MB" } } });
    const olap = clusterPlans(topology, topology.regions[0]!).find((p) => p.kind === "replica" && p.role === "olap")!;
    const { parameters, issues } = clusterParameters(olap);
    expect(issues).toEqual([]);
    expect(parameters).toMatchObject({
      hot_standby_feedback: "off",
      max_standby_streaming_delay: "-1",
      work_mem: "256MB",
      default_transaction_read_only: "on",
    });
  });

  it("refuses replica settings that would reach the primary too, and WAL sizes the webhook refuses", () => {
    const issues = issuesOf(
      cnpgConfig({
        postgresql: { replica: { work_mem: "64MB" }, primary: { min_wal_size: "2GB", max_wal_size: "1GB" } },
      }),
    );
    expect(issues.map((i) => i.key)).toEqual(
      expect.arrayContaining(["postgresql.replica.work_mem", "postgresql.primary.min_wal_size"]),
    );
    const workMem = issues.find((i) => i.key === "postgresql.replica.work_mem")!;
    expect(workMem.problem).toContain("one parameter set to every instance");
    expect(workMem.fix).toBe(
      "set work_mem to the same value in postgresql.primary and postgresql.replica, or use kubernetes.engine statefulset",
    );
    // The same overrides are fine on the StatefulSet engine, where each role has its own file.
    expect(issuesOf(patched(selfHostedBase(), { postgresql: { replica: { work_mem: "64MB" } } }))).toEqual([]);
  });

  it("accepts a replica setting the primary has too, and standby-only ones", () => {
    expect(
      issuesOf(
        cnpgConfig({
          postgresql: {
            primary: { work_mem: "64MB" },
            replica: { work_mem: "64MB", max_standby_streaming_delay: "10s" },
          },
        }),
      ),
    ).toEqual([]);
  });
});

describe("the engine's config rules", () => {
  it("refuses kubernetes.writer (the operator elects the writer) and statement pooling (the Pooler lacks it)", () => {
    const base = cnpgConfig();
    const issues = issuesOf(
      patched(base, {
        kubernetes: { ...(base.kubernetes as object), writer: "pg-replica-0" },
        pgbouncer: { poolMode: "statement" },
      }),
    );
    expect(issues.map((i) => [i.key, i.value])).toEqual([
      ["pgbouncer.poolMode", "statement"],
      ["kubernetes.writer", "pg-replica-0"],
    ]);
    expect(issues[0]!.fix).toBe("use transaction (or session), or kubernetes.engine statefulset");
  });

  it("refuses the dashboard, which it would not create, and takes the kube-prometheus-stack objects", () => {
    // Found by generatedStacks.test.ts: the dashboard key was accepted on cloudnative-pg and silently created nothing.
    // The PodMonitors and PrometheusRules exist on this engine too (cnpg/monitoring.ts; components/cnpgMonitoring).
    const monitoring = { prometheusOperator: true, grafanaDashboard: true };
    const issues = issuesOf(cnpgConfig({ monitoring }));
    expect(issues.map((i) => [i.key, i.value])).toEqual([["monitoring.grafanaDashboard", true]]);
    expect(issues[0]!.problem).toMatch(
      /^is for the statefulset engine: on cloudnative-pg the stack creates no Grafana dashboard/,
    );
    expect(issues[0]!.fix).toMatch(/cloudnative-pg\/grafana-dashboards\), or use kubernetes\.engine statefulset$/);
    expect(issuesOf(cnpgConfig({ monitoring: { prometheusOperator: true } }))).toEqual([]);
    expect(issuesOf(cnpgConfig({ monitoring: { ...monitoring, enabled: false } }))).toEqual([]);
    expect(issuesOf(patched(selfHostedBase(), { monitoring }))).toEqual([]);
  });

  it("refuses a region whose Cluster name another Cluster or Pooler has, or that the operator finds too long", () => {
    const region = (name: string) => ({ region: name, replicas: 1, context: "eu", cidrs: ["10.20.0.0/16"] });
    // A name of 20 and a region of 30 characters make a Cluster name of 51.
    const issues = issuesOf(
      cnpgConfig({
        name: "p".repeat(20),
        crossRegion: [region("olap"), region("pool-read"), region(`eu-${"x".repeat(27)}`), region("eu-west-1")],
      }),
    );
    const mine = issues.filter((i) => i.problem.includes("CloudNativePG Cluster"));
    expect(mine.map((i) => i.key)).toEqual(["crossRegion[0].region", "crossRegion[1].region", "crossRegion[2].region"]);
    expect(mine[0]!.problem).toContain("which another Cluster or Pooler of the stack already has");
    expect(mine[2]!.problem).toContain("longer than the operator's limit of 50 characters");
    expect(issues.map((i) => i.key)).not.toContain("crossRegion[3].region");
  });

  it("refuses a primaryRegion without an OLTP Cluster, a promoted region without its address, and stray hosts", () => {
    const eu = { region: "eu-west-1", replicas: 2, context: "eu", cidrs: ["10.20.0.0/16"] };
    const engine = (cloudnativePg: Record<string, unknown>) => {
      const base = cnpgConfig({ crossRegion: [eu] });
      return patched(base, { kubernetes: { ...(base.kubernetes as object), cloudnativePg } });
    };
    const unknown = issuesOf(engine({ primaryRegion: "ap-south-1" }));
    expect(unknown.map((i) => [i.key, i.value])).toContainEqual([
      "kubernetes.cloudnativePg.primaryRegion",
      "ap-south-1",
    ]);
    const hostless = issuesOf(engine({ primaryRegion: "eu-west-1" }));
    const missing = hostless.find((i) => i.key === "kubernetes.cloudnativePg.regionHosts.eu-west-1")!;
    expect(missing.fix).toContain("get service pg-rw-external");
    const stray = issuesOf(engine({ regionHosts: { "us-west-2": "x.example.com" } }));
    expect(stray.map((i) => i.key)).toContain("kubernetes.cloudnativePg.regionHosts.us-west-2");
    expect(issuesOf(engine({ primaryRegion: "eu-west-1", regionHosts: { "eu-west-1": "x.example.com" } }))).toEqual([]);
  });

  it("warns when replicas are sized apart from the primary: every instance is sized as the primary", () => {
    const { warnings } = topologyFromConfig(cnpgConfig({ resources: { replica: { memory: "1Gi" } } }));
    expect(warnings.join("\n")).toContain("sizes every instance of the main Cluster as resources.primary");
  });

  it("defaults each major to the newest minor 1.30.0's CI tests, in a flavour that is not deprecated", () => {
    const { minors, flavours, deprecatedFlavour } = CNPG_OPERATOR.ciTested.value;
    for (const [major, image] of Object.entries(CNPG_OPERATOR.images.value.postgres)) {
      const [, minor, flavour] = /:(\d+\.\d+)-([a-z]+)-/.exec(image) ?? [];
      expect(minor, image).toBe(minors[Number(major)]![0]);
      expect(flavours, image).toContain(flavour);
      expect(flavour, image).not.toBe(deprecatedFlavour);
      expect(imageProblem(image), image).toBeUndefined();
    }
  });

  it("defaults the images to the operator's, by PostgreSQL major", () => {
    const topology = cnpgTopology();
    expect(topology.kubernetes.images).toEqual({
      postgres: CNPG_OPERATOR.images.value.postgres[16],
      pgbouncer: CNPG_OPERATOR.images.value.pgbouncer,
    });
    expect(topologyFromConfig(selfHostedBase()).topology).toMatchObject({
      kubernetes: {
        images: { postgres: "postgres:16-bookworm", pgbouncer: "edoburu/pgbouncer:v1.25.1-p0" },
        engine: { name: "statefulset" },
      },
    });
  });
});

describe("kubernetes.images.postgres on cloudnative-pg", () => {
  // Found by generatedStacks.test.ts: these configs were accepted and rendered a Cluster the operator's webhook
  // refuses.
  it.each([
    ["postgres:latest", /tag latest/],
    ["registry.example.com/postgresql", /tag latest \(or none/],
    [
      "registry.example.com/postgresql@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
      /digest alone/,
    ],
    ["registry.example.com:5000/postgresql:bookworm", /tag bookworm, which does not start with a PostgreSQL version/],
    ["postgres:12.20", /PostgreSQL 12, older than the 13/],
  ])("refuses %s, whose tag the operator cannot read a supported version from", (image, problem) => {
    const issues = issuesOf(
      cnpgConfig({ kubernetes: { namespace: "pg-test", engine: "cloudnative-pg", images: { postgres: image } } }),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        key: "kubernetes.images.postgres",
        value: image,
        problem: expect.stringMatching(problem),
      }),
    ]);
    expect(issues[0]!.problem).toContain("the operator's webhook refuses such a Cluster");
  });

  it("takes a version tag, with or without a registry port or a digest after it, and leaves the statefulset engine's images alone", () => {
    for (const image of [
      "registry.example.com:5000/postgresql:16.10-system-trixie",
      "ghcr.io/cloudnative-pg/postgresql:17.6@sha256:0a1b2c3d4e5f6071",
      "postgres:16",
      "library/postgres:15.4-bookworm",
    ]) {
      expect(imageProblem(image), image).toBeUndefined();
    }
    expect(imageTag("localhost:5000/postgresql")).toBe("latest");
    expect(
      cnpgTopology({
        kubernetes: { namespace: "pg-test", engine: "cloudnative-pg", images: { postgres: "postgres:16.4" } },
      }).kubernetes.images.postgres,
    ).toBe("postgres:16.4");
    expect(
      issuesOf(
        patched(selfHostedBase(), { kubernetes: { namespace: "pg-test", images: { postgres: "postgres:latest" } } }),
      ),
    ).toEqual([]);
  });

  it("refuses an image of another major than postgresVersion, naming both", () => {
    const image = "ghcr.io/cloudnative-pg/postgresql:15.8-system-bookworm";
    const issues = issuesOf(
      cnpgConfig({ kubernetes: { namespace: "pg-test", engine: "cloudnative-pg", images: { postgres: image } } }),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        key: "kubernetes.images.postgres",
        value: image,
        problem: "has the tag 15.8-system-bookworm, PostgreSQL 15, but postgresVersion is 16",
      }),
    ]);
    expect(issues[0]!.fix).toContain("use an image of PostgreSQL 16");
  });
});

describe("Poolers", () => {
  it("sends only parameters the Pooler's allow-list has, with the product's pool settings", () => {
    const topology = cnpgTopology();
    for (const pool of [topology.pools.write, topology.pools.read, topology.pools.olap!]) {
      const parameters = poolerParameters(topology, pool);
      expect(
        Object.keys(parameters).filter((name) => !poolerParameterAllowed(name)),
        pool.name,
      ).toEqual([]);
      expect(CNPG_POOLER.allowedParameters.value).toHaveLength(57);
    }
    expect(poolerParameters(topology, topology.pools.read)).toMatchObject({
      query_timeout: "30",
      server_round_robin: "1",
      server_lifetime: "30",
    });
  });

  it("bounds how long the read Pooler keeps connections to an instance the operator promoted", () => {
    // Nothing issues RECONNECT after a failover: server_lifetime is the bound (facts/cnpg/pooler.ts).
    expect(CNPG_POOLER.keepsConnectionsAfterFailover.value).toBe(true);
    const topology = cnpgTopology();
    const lifetime = (pool: Pool) => Number(poolerParameters(topology, pool).server_lifetime);
    expect(lifetime(topology.pools.read)).toBeLessThanOrEqual(60);
    // The writer's and the OLAP pool's targets do not change role: their long lifetimes stay.
    expect(lifetime(topology.pools.write)).toBe(topology.pools.write.serverLifetimeS);
    expect(lifetime(topology.pools.olap!)).toBe(topology.pools.olap!.serverLifetimeS);
  });

  it("points the read pool at the main Cluster's replicas only and the OLAP pool at the OLAP Cluster", () => {
    const topology = cnpgTopology();
    expect(poolerTarget(topology, topology.pools.write)).toEqual({ cluster: "pg", type: "rw" });
    expect(poolerTarget(topology, topology.pools.read)).toEqual({ cluster: "pg", type: "ro" });
    expect(poolerTarget(topology, topology.pools.olap!)).toEqual({ cluster: "pg-olap", type: "r" });
    // The OLAP replica is no instance of the main Cluster, whose -ro is all the read pool reaches.
    expect(mainPlan(topology).instances).toBe(1 + topology.standbys.filter((s) => s.role === "oltp").length);
  });
});

/** The engine of a cloudnative-pg stack, narrowed as the engine table hands it to the region. */
function cnpgEngine(topology: SelfHostedTopology): CnpgEngine {
  const { engine } = topology.kubernetes;
  if (engine.name !== "cloudnative-pg") throw new Error("not a cloudnative-pg stack");
  return engine;
}

describe("the operator check", () => {
  const topology = cnpgTopology();
  it("names the CRD read so that Pulumi's own 'does not exist' diagnostic says what is missing and the fix", () => {
    // A missing CRD halts the program inside .get() (pulumi/pulumi#3364): crdProblem never sees it.
    expect(CNPG_AVAILABILITY.getAbortsWhenMissing.value).toBe(true);
    const name = operatorCheckName("pg-us-east-1");
    expect(name).toMatch(/^pg-us-east-1-requires-cloudnative-pg-1\.30\.0-installed-or-/);
    expect(name).toContain("kubernetes.cloudnativePg.installOperator-true");
  });

  it("passes an installed 1.30 CRD", () => {
    expect(crdProblem(cnpgEngine(topology), INSTALLED_CNPG_CRD, "test")).toBeUndefined();
  });

  it("names the operator and how to install it when its CRD has no v1 version", () => {
    const problem = crdProblem(cnpgEngine(topology), { spec: { versions: [] } }, "region us-east-1's cluster");
    expect(problem).toContain(
      "the CloudNativePG operator in region us-east-1's cluster does not serve postgresql.cnpg.io/v1: its CRD clusters.postgresql.cnpg.io",
    );
    expect(problem).toContain(
      "helm upgrade --install cnpg --namespace cnpg-system --create-namespace --version 0.29.0 cnpg/cloudnative-pg",
    );
    expect(problem).toContain("kubernetes.cloudnativePg.installOperator");
  });

  it("refuses an operator too old for the fields the stack renders", () => {
    const old = structuredClone(INSTALLED_CNPG_CRD);
    delete (
      old.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.probes.properties.readiness
        .properties as Record<string, unknown>
    ).maximumLag;
    expect(crdProblem(cnpgEngine(topology), old, "test")).toMatch(
      /older than 1\.26\.0: its CRD clusters\.postgresql\.cnpg\.io lacks spec\.probes\.readiness\.maximumLag/,
    );
  });
});
