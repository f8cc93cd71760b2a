/**
 * The engine name RDS takes for Aurora PostgreSQL, and the parameter-group family it names per major. One place:
 * deploy-time code (instances.ts) and check-time code (engineVersionCheck.ts, which must not import Pulumi) read it.
 */
import { type Fact, cite, fact } from "../fact";

export const AURORA_ENGINE = {
  name: fact(
    "aurora-postgresql" as const,
    cite("sdkRds", "CreateDBClusterMessage.Engine", "Valid Values: … aurora-postgresql"),
  ),
  /** DBParameterGroupFamily is the engine name followed by the major: aurora-postgresql14. */
  familyPrefix: fact(
    "aurora-postgresql" as const,
    cite("sdkRds", "DBClusterParameterGroup.DBParameterGroupFamily", "Example: aurora-postgresql14"),
  ),
} as const satisfies Record<string, Fact<unknown>>;

/** The parameter-group family of a major: aurora-postgresql16. */
export function parameterGroupFamily(major: string | number): string {
  return `${AURORA_ENGINE.familyPrefix.value}${major}`;
}
