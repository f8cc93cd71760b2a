/**
 * StackOutputs: one shape for every backend, declared once as a schema. The verifier, the
 * integration suite, the routing client and the benchmarks read only this, from
 * `pulumi stack output --json --show-secrets` or from the local runner's file; the Pulumi
 * program exports exactly these keys. A leaf: nothing here knows Pulumi, the Topology or
 * stack config.
 */
import { z } from "zod";

export const BACKENDS = ["selfHosted", "aurora", "local"] as const;
export const READER_ROLES = ["oltp", "olap"] as const;

const port = z.number().int().min(1).max(65535);

export const endpointSchema = z.object({ host: z.string().min(1), port });

/**
 * The cloudnative-pg engine: a reader that is a Cluster's Service. Either the operator's
 * instances <name>-<n> stream on its slots <slotPrefix><name>_<n> (`count` of them), or a
 * replica cluster's designated primary streams as <name>, without a slot.
 */
const readerClusterSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("instances"), count: z.number().int().positive(), slotPrefix: z.string() }),
  z.object({ kind: z.literal("replicaCluster") }),
]);

export const readerSchema = endpointSchema.extend({
  name: z.string().min(1),
  region: z.string().min(1),
  role: z.enum(READER_ROLES),
  /** Physical slot on the writer (self-hosted and local; Aurora readers have none). */
  slot: z.string().optional(),
  cluster: readerClusterSchema.optional(),
});

/** The bounds a deploy is verified against, so `verify --outputs` checks the same ones. */
export const verificationBoundsSchema = z.object({
  timeoutMs: z.number().positive(),
  maxLagBytes: z.number().nonnegative(),
  maxLagMs: z.number().positive(),
});

export const regionOutputsSchema = z.object({
  region: z.string().min(1),
  primary: z.boolean(),
  readerEndpoint: endpointSchema,
  readPool: endpointSchema,
});

/**
 * postgresql:// URLs of the write, read and OLAP pools (DATABASE_PRIMARY_URL, DATABASE_REPLICA_URL,
 * DATABASE_OLAP_URL for the client). They hold the password: a secret, like it.
 */
export const connectionUrlsSchema = z.object({ primary: z.string(), replica: z.string(), olap: z.string().optional() });

/**
 * The stack's WAL archive and base backups (issue 22), so the verifier checks the archive: the tool, archive_timeout,
 * and the base backups' schedule (5 fields on pgBackRest, 6 on the Barman Cloud plugin). Absent: no backups.
 */
export const backupOutputsSchema = z.object({
  tool: z.enum(["pgbackrest", "barmanCloud", "aurora"]),
  archiveTimeoutSeconds: z.number().int().positive().optional(),
  schedule: z.string().optional(),
});

/** What one endpoint demands, and the public CA bundle that verifies its certificate (clients then use verify-full). */
const endpointTlsSchema = z.object({
  host: z.string(),
  required: z.boolean(),
  caBundle: z.object({ name: z.string(), url: z.string(), inSystemStores: z.boolean() }),
});

export const stackOutputsSchema = z.object({
  backend: z.enum(BACKENDS),
  database: z.string().min(1),
  user: z.string().min(1),
  /** A Pulumi secret in stack outputs. */
  password: z.string().min(1),
  writer: endpointSchema,
  /** Load-balanced over OLTP replicas only (never the OLAP replica). */
  readerEndpoint: endpointSchema,
  readers: z.array(readerSchema),
  pools: z.object({ write: endpointSchema, read: endpointSchema, olap: endpointSchema.optional() }),
  /** Beyond the design card's contract: per-region endpoints, the topology hash, the capacity arithmetic. */
  regions: z.array(regionOutputsSchema),
  topologyHash: z.string(),
  capacity: z.object({ requiredReplicas: z.number(), formula: z.string() }).optional(),
  verification: verificationBoundsSchema,
  /** What the backend does differently from the topology, or cannot do, in words; empty when nothing. */
  notes: z.array(z.string()),
  /** Whether servers and pools refuse plain text, and the CA their certificates chain to (public). */
  tls: z
    .object({
      required: z.boolean(),
      caPem: z.string().optional(),
      /** Per endpoint, when they differ (Aurora: RDS Proxy and the cluster demand and serve differently). */
      endpoints: z.array(endpointTlsSchema).optional(),
    })
    .optional(),
  connectionUrls: connectionUrlsSchema,
  backup: backupOutputsSchema.optional(),
});

export type Backend = (typeof BACKENDS)[number];
export type Endpoint = z.infer<typeof endpointSchema>;
export type EndpointTls = z.infer<typeof endpointTlsSchema>;
export type Reader = z.infer<typeof readerSchema>;
export type VerificationBounds = z.infer<typeof verificationBoundsSchema>;
export type RegionOutputs = z.infer<typeof regionOutputsSchema>;
export type ConnectionUrls = z.infer<typeof connectionUrlsSchema>;
export type BackupOutputs = z.infer<typeof backupOutputsSchema>;
export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** Every key the Pulumi program exports, in the schema's order. */
export const STACK_OUTPUT_KEYS = stackOutputsSchema.keyof().options;
export type StackOutputKey = keyof StackOutputs;
/** Keys exported as Pulumi secrets: the password and the URLs that hold it. */
export const SECRET_OUTPUT_KEYS = ["password", "connectionUrls"] as const satisfies readonly StackOutputKey[];
export type SecretOutputKey = (typeof SECRET_OUTPUT_KEYS)[number];

/** What a backend computes; the password and the URLs made from it are added as secrets. */
export type PlainOutputs = Omit<StackOutputs, SecretOutputKey>;
