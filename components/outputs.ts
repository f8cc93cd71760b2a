/**
 * StackOutputs: one shape for every backend. The verifier, the integration
 * suite, the routing client and the benchmarks read only this, from
 * `pulumi stack output --json --show-secrets` or from the local runner's file.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ConnectionUrls, connectionUrls } from "./client/urls";
import type { Backend, StandbyRole, Topology } from "./topology/types";

export interface Endpoint {
  host: string;
  port: number;
}

export interface Reader extends Endpoint {
  name: string;
  region: string;
  role: StandbyRole;
  /** Physical slot on the writer (self-hosted and local; Aurora readers have none). */
  slot?: string;
  /**
   * The cloudnative-pg engine: this reader is a Cluster's Service. Either the operator's
   * instances <name>-<n> stream on its slots <slotPrefix><name>_<n> (`count` of them), or a
   * replica cluster's designated primary streams as <name>, without a slot.
   */
  cluster?: { kind: "instances"; count: number; slotPrefix: string } | { kind: "replicaCluster" };
}

/** The bounds a deploy is verified against, so `verify --outputs` checks the same ones. */
export interface VerificationBounds {
  timeoutMs: number;
  maxLagBytes: number;
  maxLagMs: number;
}

export interface RegionOutputs {
  region: string;
  primary: boolean;
  readerEndpoint: Endpoint;
  readPool: Endpoint;
}

export interface StackOutputs {
  backend: Backend;
  database: string;
  user: string;
  /** A Pulumi secret in stack outputs. */
  password: string;
  writer: Endpoint;
  /** Load-balanced over OLTP replicas only (never the OLAP replica). */
  readerEndpoint: Endpoint;
  readers: Reader[];
  pools: { write: Endpoint; read: Endpoint; olap?: Endpoint };
  /** Beyond the contract: per-region endpoints, the topology hash, the capacity arithmetic. */
  regions: RegionOutputs[];
  topologyHash: string;
  capacity?: { requiredReplicas: number; formula: string };
  verification: VerificationBounds;
  /** What the backend does differently from the topology, or cannot do, in words; empty when nothing. */
  notes: string[];
  /** Whether servers and pools refuse plain text, and the CA their certificates chain to (public). */
  tls?: { required: boolean; caPem?: string };
  /**
   * postgresql:// URLs of the write, read and OLAP pools (DATABASE_PRIMARY_URL, DATABASE_REPLICA_URL,
   * DATABASE_OLAP_URL for the client). They hold the password: a Pulumi secret, like it.
   */
  connectionUrls: ConnectionUrls;
}

/** What a backend computes; the password and the URLs made from it are added as secrets. */
export type PlainOutputs = Omit<StackOutputs, "password" | "connectionUrls">;

/** Stack outputs as Pulumi exports them: one key each, so only the password and the URLs holding it are secret. */
export type StackOutputValues = { [K in keyof StackOutputs]-?: pulumi.Output<StackOutputs[K]> };

/** Splits plain outputs into per-key Outputs, the password marked secret. */
export type StackOutputInputs = { [K in keyof PlainOutputs]-?: pulumi.Input<StackOutputs[K]> };

export function toOutputValues(plain: StackOutputInputs | PlainOutputs, password: pulumi.Input<string>): StackOutputValues {
  const urls = pulumi
    .all([plain.database, plain.user, password, plain.pools, plain.tls])
    .apply(([database, user, secret, pools, tls]) => connectionUrls({ database, user, password: secret, pools, ...(tls ? { tls } : {}) }));
  return {
    backend: pulumi.output(plain.backend),
    database: pulumi.output(plain.database),
    user: pulumi.output(plain.user),
    password: pulumi.secret(password),
    writer: pulumi.output(plain.writer),
    readerEndpoint: pulumi.output(plain.readerEndpoint),
    readers: pulumi.output(plain.readers),
    pools: pulumi.output(plain.pools),
    regions: pulumi.output(plain.regions),
    topologyHash: pulumi.output(plain.topologyHash),
    capacity: pulumi.output(plain.capacity),
    verification: pulumi.output(plain.verification),
    notes: pulumi.output(plain.notes),
    tls: pulumi.output(plain.tls),
    connectionUrls: pulumi.secret(urls),
  } as StackOutputValues;
}

/** The keys every backend fills the same way, from the Topology alone. */
export type CommonOutputs = Pick<StackOutputs, "database" | "user" | "topologyHash" | "verification" | "capacity">;

export function commonOutputs(topology: Topology): CommonOutputs {
  return {
    database: topology.database,
    user: topology.user,
    topologyHash: topology.hash,
    verification: { ...topology.verification },
    ...(topology.capacity ? { capacity: { requiredReplicas: topology.capacity.requiredReplicas, formula: topology.capacity.formula } } : {}),
  };
}
