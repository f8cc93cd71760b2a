/**
 * What CloudNativePG's webhooks refuse (components/facts/cnpg), checked on the
 * Clusters and Poolers of one recorded run: the schema (kubernetesSchema.ts) cannot see these.
 */
import { expect } from "vitest";
import { parseByteQuantity, parsePostgresSize } from "../../components/ground/units";
import {
  CNPG_AVAILABILITY,
  CNPG_OPERATOR,
  CNPG_PARAMETERS,
  CNPG_POOLER,
  CNPG_UPDATES,
  managedParameter,
  poolerParameterAllowed,
} from "../../components/facts/cnpg";
import { citations } from "../../components/facts/citation";
import { ofType } from "./graph";
import type { ProgramRun } from "./pulumiMocks";

export const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
export const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";

/**
 * No parameter the operator manages; names, wal_level, wal_log_hints and WAL sizes as its Cluster webhook wants them;
 * no supervised update of a Cluster of one instance.
 */
export function expectClustersTheWebhookTakes(run: ProgramRun): void {
  for (const cluster of ofType(run, CLUSTER)) {
    const { metadata, spec } = cluster.inputs;
    const where = `Cluster ${metadata.name}`;
    expect(metadata.name.length, where).toBeLessThanOrEqual(CNPG_OPERATOR.clusterNameMaxLength.value);
    const parameters = spec.postgresql.parameters as Record<string, string>;
    expect(
      Object.keys(parameters).filter((name) => managedParameter(name) !== undefined),
      where,
    ).toEqual([]);
    for (const name of Object.keys(parameters)) expect(name, where).toMatch(CNPG_PARAMETERS.namePattern.value);
    if (parameters.wal_level !== undefined)
      expect(CNPG_PARAMETERS.walLevels.value, where).toContain(parameters.wal_level);
    if (spec.instances > 1) expect(parameters.wal_log_hints, where).toBe(CNPG_PARAMETERS.walLogHintsWithReplicas.value);
    // min_wal_size < max_wal_size (PostgreSQL's defaults where unset); each set one below a separate WAL volume's size.
    const min = parsePostgresSize(parameters.min_wal_size ?? "80MB")!;
    const max = parsePostgresSize(parameters.max_wal_size ?? "1GB")!;
    expect(min, `${where} min_wal_size`).toBeLessThan(max);
    const wal = spec.walStorage?.size === undefined ? undefined : parseByteQuantity(spec.walStorage.size)!;
    for (const [name, value] of [
      ["min_wal_size", min],
      ["max_wal_size", max],
    ] as const) {
      if (wal !== undefined && parameters[name] !== undefined)
        expect(value, `${where} ${name} against the WAL volume`).toBeLessThan(wal);
    }
    if (spec.instances === 1)
      expect(spec.primaryUpdateStrategy, `${where}: ${citations(CNPG_UPDATES.supervised)}`).not.toBe("supervised");
    const imageProblem = imageNameProblem(spec.imageName);
    expect(imageProblem, `${where} imageName ${spec.imageName}`).toBeUndefined();
    expectPodSelectorsDefined(spec, where);
    expectReplicaStanzaTaken(metadata.name, spec, where);
    // Guaranteed QoS (CNPG_AVAILABILITY.guaranteedQos): limits equal to requests, CPU and memory.
    if (CNPG_AVAILABILITY.guaranteedQos.value) expect(spec.resources.limits, where).toEqual(spec.resources.requests);
    // Synchronous replication without the quorum can promote a standby lacking acknowledged commits.
    if (spec.postgresql.synchronous !== undefined)
      expect(
        spec.postgresql.synchronous.failoverQuorum,
        `${where}: ${citations(CNPG_AVAILABILITY.failoverQuorum)}`,
      ).toBe(true);
  }
}

/**
 * The webhook's replica rules (internal/webhook/v1/cluster_webhook.go validateReplicaMode, validatePromotionToken):
 * `primary` and `enabled` never together; `source`, `primary` and `self` among externalClusters; a promotion token only
 * on the Cluster that is the primary.
 */
function expectReplicaStanzaTaken(
  name: string,
  spec: { replica?: Record<string, unknown>; externalClusters?: Array<{ name: string }> },
  where: string,
): void {
  const replica = spec.replica;
  if (replica === undefined) return;
  const external = (spec.externalClusters ?? []).map((e) => e.name);
  expect(replica.primary !== undefined && replica.enabled !== undefined, `${where}: primary with enabled`).toBe(false);
  for (const key of ["source", "primary", "self"])
    if (replica[key] !== undefined) expect(external, `${where} replica.${key}`).toContain(replica[key]);
  if (replica.promotionToken !== undefined)
    expect(replica.primary, `${where}: ${citations(CNPG_AVAILABILITY.distributedTopology)}`).toBe(replica.self ?? name);
}

/** The webhook's podSelectorRefs rules: names of the pattern, and every ${podselector:NAME} in pg_hba defined. */
function expectPodSelectorsDefined(
  spec: { podSelectorRefs?: Array<{ name: string }>; postgresql: { pg_hba?: string[] } },
  where: string,
): void {
  const defined = (spec.podSelectorRefs ?? []).map((ref) => ref.name);
  for (const name of defined) expect(name, where).toMatch(CNPG_AVAILABILITY.podSelectorRefs.value.namePattern);
  const used = (spec.postgresql.pg_hba ?? []).flatMap((line) =>
    [...line.matchAll(/\$\{podselector:([^}]*)\}/g)].map((m) => m[1]!),
  );
  for (const name of used) expect(defined, `${where} pg_hba names \${podselector:${name}}`).toContain(name);
}

/**
 * The Cluster webhook's imageName rules (github:cloudnative-pg/cloudnative-pg@v1.30.0
 * internal/webhook/v1/cluster_webhook.go:769-810 validateImageName, :1058-1070 in validateConfiguration): the tag,
 * as github:cloudnative-pg/machinery@v0.5.0 pkg/image/reference/imagename.go New() reads it (no tag and no
 * digest: latest; a digest alone: no tag), must be a version (pkg/postgres/version/version.go FromTag: starting
 * with digits, a minor below 100), of PostgreSQL 13 or later. undefined: accepted.
 */
export function imageNameProblem(imageName: string | undefined): string | undefined {
  if (imageName === undefined || imageName === "") return undefined;
  let name = !imageName.includes("/")
    ? `docker.io/library/${imageName}`
    : /^[^./:]+((\.[^./:]+)+(:[0-9]+)?|:[0-9]+)\//.test(imageName)
      ? imageName
      : `docker.io/${imageName}`;
  const digest = /@sha256:[a-fA-F0-9]+$/.exec(name);
  if (digest) name = name.slice(0, -digest[0].length);
  const tag = /:([^/]+)$/.exec(name)?.[1] ?? (digest ? "" : "latest");
  if (tag === "latest") return "Can't use 'latest' as image tag as we can't detect upgrades";
  if (tag === "") return "Can't use just the image sha as we can't detect upgrades";
  const version = /^(\d\.?)+/.exec(tag)?.[0];
  if (version === undefined) return "invalid version tag";
  const [major, minor] = version.split(".");
  if (minor !== undefined && (minor === "" || Number(minor) >= 100)) return "invalid version tag";
  return Number(major) < 13 ? "Unsupported PostgreSQL version. Versions 13 or newer are supported" : undefined;
}

/** Allowed parameters, modes and types; a Cluster to point at; no Pooler taking over one of a Cluster's Services. */
export function expectPoolersTheWebhookTakes(run: ProgramRun): void {
  const clusters = ofType(run, CLUSTER).map((c) => c.inputs.metadata.name as string);
  const services = new Set(
    clusters.flatMap((name) => Object.values(CNPG_OPERATOR.services.value).map((suffix) => `${name}${suffix}`)),
  );
  for (const pooler of ofType(run, POOLER)) {
    const { metadata, spec } = pooler.inputs;
    const where = `Pooler ${metadata.name}`;
    expect(
      Object.keys(spec.pgbouncer.parameters).filter((name) => !poolerParameterAllowed(name)),
      where,
    ).toEqual([]);
    expect(CNPG_POOLER.poolModes.value, where).toContain(spec.pgbouncer.poolMode);
    expect(CNPG_POOLER.types.value, where).toContain(spec.type);
    expect(clusters, where).toContain(spec.cluster.name);
    expect(metadata.name, `${where}: "the pooler resource cannot have the same name of a cluster"`).not.toBe(
      spec.cluster.name,
    );
    expect(
      services.has(metadata.name),
      `${where} takes over a Cluster's Service (${citations(CNPG_POOLER.nameClash)})`,
    ).toBe(false);
    expect(
      spec.template.spec.containers.map((c: { name: string }) => c.name),
      where,
    ).toContain(CNPG_POOLER.containerName.value);
  }
}

/** The operator reads ca.key and tls.key as SEC1 EC keys: what @pulumi/tls writes for ECDSA only. */
export function expectEcKeys(run: ProgramRun): void {
  for (const key of ofType(run, "tls:index/privateKey:PrivateKey"))
    expect(key.inputs.algorithm, `${key.name}: ${citations(CNPG_OPERATOR.ecKeys)}`).toBe("ECDSA");
}
