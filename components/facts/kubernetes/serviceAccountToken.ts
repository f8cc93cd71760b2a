/**
 * Every pod gets an API token of its namespace's `default` ServiceAccount mounted unless it opts out: a process in
 * any container (a compromised PgBouncer, an extension in PostgreSQL) could then call the API with whatever that
 * account is granted, in clusters that grant `default` more than nothing.
 */
import { cite, fact } from "../fact";

export const SERVICE_ACCOUNT_TOKEN = {
  /** The Pod's `automountServiceAccountToken` wins over its ServiceAccount's; unset, the token is mounted. */
  mountedUnlessOptedOut: fact(
    true,
    cite(
      "serviceAccountDocs",
      "Opt out of API credential automounting",
      "automountServiceAccountToken: false on the ServiceAccount or the Pod; if both are set, the Pod's value takes precedence",
    ),
  ),
} as const;
