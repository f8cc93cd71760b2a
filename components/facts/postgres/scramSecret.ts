/**
 * The SCRAM-SHA-256 secret PostgreSQL stores for a password (pg_authid.rolpassword), and that it takes one computed
 * elsewhere as it is: the roles' passwords are set as verifiers computed where the passwords are known
 * (sql/scramVerifier.ts), so no cleartext password is ever the text of a statement (server log, pg_stat_activity).
 */
import { cite, fact } from "../fact";

export const SCRAM_SECRET = {
  /** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64 with padding; PBKDF2-HMAC-SHA-256. */
  format: fact(
    { mechanism: "SCRAM-SHA-256", iterations: 4096, saltBytes: 16, keyBytes: 32 },
    cite(
      "postgres",
      "src/common/scram-common.c: scram_build_secret",
      "'SCRAM-SHA-256$<iteration count>:<salt>$<StoredKey>:<ServerKey>'; StoredKey = H(HMAC(SaltedPassword, 'Client Key')), ServerKey = HMAC(SaltedPassword, 'Server Key'); SaltedPassword is PBKDF2 with HMAC-SHA-256 (scram_SaltedPassword); pg_b64_encode",
    ),
    cite(
      "postgres",
      "src/include/common/scram-common.h",
      "SCRAM_KEY_LEN = PG_SHA256_DIGEST_LENGTH (32), SCRAM_DEFAULT_SALT_LEN 16, SCRAM_DEFAULT_ITERATIONS 4096 (a setting, scram_iterations, only from 16)",
    ),
    cite(
      "postgres",
      "src/interfaces/libpq/fe-auth-scram.c: pg_fe_scram_build_secret",
      "libpq's client-side computation (psql \\password): pg_saslprep, a 16-byte random salt, scram_build_secret",
    ),
  ),
  /**
   * SASLprep leaves a pure-ASCII password as it is; anything else goes through mapping, NFKC and the stringprep
   * tables (and, when prohibited, the raw bytes are used). The verifier here takes ASCII passwords only: every password
   * this project sets is generated ASCII (random.RandomPassword without specials, local: base64url).
   */
  asciiPasswordUnchanged: fact(
    true,
    cite(
      "postgres",
      "src/common/saslprep.c: pg_saslprep",
      "'Quick check if the input is pure ASCII. An ASCII string requires no further processing' (returns a copy of the input)",
    ),
  ),
  /** A PASSWORD string that parses as a SCRAM secret is stored as it is, whatever password_encryption says. */
  verifierStoredAsIs: fact(
    true,
    cite(
      "postgres",
      "src/backend/libpq/crypt.c: encrypt_password",
      "'If the password is already in encrypted form, we cannot reverse the hash, so it is stored as it is regardless of the requested type' (get_password_type: parse_scram_secret)",
    ),
    cite(
      "createRoleDocs",
      "PASSWORD",
      "if the presented password string is already in MD5-encrypted or SCRAM-encrypted format, then it is stored as-is regardless of password_encryption",
    ),
  ),
} as const;
