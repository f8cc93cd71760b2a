/**
 * IAM is eventually consistent: a role's new policy may not be visible to the
 * service assuming the role for a while. AWS gives no figure; the provider
 * retries IAM-dependent calls for two minutes, citing that page, and so does
 * the deploy check before it calls a proxy's AUTH_FAILURE a real one.
 */
import { type Fact, cite, fact } from "../fact";

/**
 * A PostgreSQL role granted rds_iam logs in with IAM tokens only; RDS Proxy logging in with a password secret as that
 * role then fails. The product's proxy authenticates with a secret (iamAuth DISABLED), so it refuses the option.
 */
export const RDS_IAM_ROLE_REFUSES_PASSWORDS: Fact<boolean> = fact(
  true,
  cite("iamDbAuthPostgres", "PostgreSQL", "GRANT rds_iam TO db_userx; the user can then log in with an IAM token only"),
);

export const IAM_PROPAGATION_WINDOW_MS: Fact<number> = fact(
  2 * 60_000,
  cite("tfIamPropagation", "propagationTimeout = 2 * time.Minute"),
  cite("iamEventualConsistency", "Changes that I make are not always immediately visible"),
);
