/**
 * A role's SCRAM-SHA-256 secret, as PostgreSQL computes and stores it (facts/postgres/scramSecret.ts): set with
 * `ALTER ROLE … PASSWORD '<verifier>'`, it lets the role log in with the password through SCRAM while no statement ever
 * holds the password itself (the server log with log_statement or on an error, pg_stat_activity.query).
 */
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { UserError } from "../ground/errors";
import { SCRAM_SECRET } from "../facts/postgres";

const { mechanism, iterations, saltBytes, keyBytes } = SCRAM_SECRET.format.value;

/** `SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>`, each part standard base64 with padding. */
export const SCRAM_VERIFIER_PATTERN = new RegExp(
  `^${mechanism}\\$${iterations}:[A-Za-z0-9+/]+={0,2}\\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$`,
);

/**
 * SASLprep leaves pure ASCII as it is (asciiPasswordUnchanged); anything else would need RFC 4013's tables as
 * PostgreSQL applies them (and its fallback to the raw bytes), so it is refused rather than guessed.
 */
function preparedPassword(role: string, password: string): Buffer {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(password))
    throw new UserError(
      `the password of role "${role}" holds non-ASCII characters, whose SCRAM verifier is not computed here; use an ASCII password (the stack generates them so)`,
    );
  if (password.length === 0) throw new UserError(`the password of role "${role}" is empty; set a password`);
  return Buffer.from(password, "ascii");
}

/** The verifier for a given salt: exactly scram_build_secret (PBKDF2-HMAC-SHA-256, ClientKey hashed, ServerKey). */
export function scramVerifierWithSalt(role: string, password: string, salt: Buffer): string {
  const salted = pbkdf2Sync(preparedPassword(role, password), salt, iterations, keyBytes, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `${mechanism}$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/**
 * The salt, derived from (role, password) rather than drawn at random: the verifier lands in a Kubernetes Secret that
 * every `pulumi up` renders again, and a random salt would change it on each run (a Secret update and a needless
 * ALTER ROLE every time); with the same password it stays the same, and a new password gives a new salt. A salt's
 * job (no precomputed table serves two roles or two passwords) holds: it differs for every (role, password), and the
 * passwords are 32 random characters, beyond any dictionary.
 */
export function derivedSalt(role: string, password: string): Buffer {
  return createHmac("sha256", preparedPassword(role, password))
    .update(`pg-read-replicas scram salt\0${role}`)
    .digest()
    .subarray(0, saltBytes);
}

/** The role's verifier for this password: stable for the same (role, password). */
export function scramVerifier(role: string, password: string): string {
  return scramVerifierWithSalt(role, password, derivedSalt(role, password));
}
