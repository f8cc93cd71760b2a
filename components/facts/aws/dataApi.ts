/**
 * The RDS Data API, through which `pulumi up` creates the application role on a private cluster (aurora/appRole.ts):
 * which Aurora PostgreSQL versions and instance classes take it on a provisioned cluster, how the provider turns it on,
 * and what it asks of the master user's password.
 */
import { type Fact, cite, fact } from "../fact";

export const DATA_API = {
  /** The oldest minor of each major that takes the Data API on a provisioned (or Serverless v2) cluster. */
  oldestMinor: fact<Readonly<Record<number, number>>>(
    { 13: 11, 14: 8, 15: 3, 16: 1, 17: 4, 18: 3 },
    cite(
      "dataApiRegions",
      "Data API with Aurora PostgreSQL serverless and provisioned",
      "the same floor in every region listed",
    ),
  ),
  /** T classes (db.t3, db.t4g) never take it. */
  unsupportedClass: fact(
    /^db\.t\d/,
    cite("dataApiLimitations", undefined, "Data API isn't supported on T DB instance classes."),
  ),
  /** It runs statements on the writer only: a Global Database secondary has none. */
  writerOnly: fact(
    true,
    cite("dataApiLimitations", undefined, "You can only execute Data API queries on writer instances in a DB cluster."),
  ),
  /** From 14 on the secret's user must have a scram-sha-256 password (the Aurora 14+ default: apgScram). */
  scramOnlyFrom: fact(14, cite("dataApiLimitations"), cite("apgScram")),
  /**
   * The provider sends EnableHttpEndpoint with CreateDBCluster, and on a provisioned cluster turns it on later by the
   * EnableHttpEndpoint call, in place: a running stack gets it on its next update.
   */
  providerEnablesInPlace: fact(
    true,
    cite("tfClusterHttpEndpoint", "resourceClusterUpdate: enableHTTPEndpointProvisioned"),
    cite("dataApiDifferences", "Enabling or disabling the Amazon RDS Data API on an existing database"),
  ),
  /** Not sent with a restore from a snapshot (the provider's own documentation of enableHttpEndpoint). */
  notAtSnapshotRestore: fact(true, cite("pulumiCluster", "enableHttpEndpoint")),
  /**
   * The master user the statements run as is not a superuser: it holds rds_superuser, which may create roles and add
   * the extensions Aurora offers (pg_stat_statements among them), but only PostgreSQL's own rules for the rest
   * (aurora/appRole.ts grants itself the new role before giving it objects).
   */
  /**
   * Role commands behave as in PostgreSQL, so a SCRAM verifier given as PASSWORD is stored as it is
   * (facts/postgres SCRAM_SECRET verifierStoredAsIs): the step sends the verifier, not the password.
   */
  roleCommandsAsPostgres: fact(
    true,
    cite(
      "auroraPostgresSecurity",
      "Security with Amazon Aurora PostgreSQL",
      "Commands such as CREATE ROLE, ALTER ROLE, GRANT, and REVOKE work just as they do in on-premises databases",
    ),
  ),
  masterIsRdsSuperuser: fact(
    { attributes: "LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE", mayCreateExtensions: true },
    cite(
      "auroraRdsSuperuser",
      "Understanding the rds_superuser role",
      "CREATE ROLE postgres WITH LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE …; the rds_superuser role allows the postgres user to add extensions that are available for use with Aurora PostgreSQL, create roles and grant privileges",
    ),
  ),
} as const satisfies Record<string, Fact<unknown>>;

/** Whether an Aurora PostgreSQL version takes the Data API on a provisioned cluster; undefined: a major not listed. */
export function dataApiSupportsVersion(engineVersion: string): boolean | undefined {
  const [major, minor] = engineVersion.split(".").map(Number);
  if (major === undefined || minor === undefined) return undefined;
  const oldest = DATA_API.oldestMinor.value[major];
  return oldest === undefined ? undefined : minor >= oldest;
}
