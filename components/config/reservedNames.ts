import { STATS_OWNER } from "../ground/statsNames";

/**
 * Names the application user and database may not take. PostgreSQL refuses role names
 * starting with pg_ ("role name ... is reserved") and keywords it reserves; the built-in
 * superuser and databases must not be reused (the bootstrap would strip `postgres` of its
 * rights); the replication role and PgBouncer's admin names belong to the product.
 * Keywords: PostgreSQL's SQL Key Words appendix (reserved, and reserved-can-be-function-or-type).
 */
export const RESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  "all",
  "analyse",
  "analyze",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "asymmetric",
  "authorization",
  "binary",
  "both",
  "case",
  "cast",
  "check",
  "collate",
  "collation",
  "column",
  "concurrently",
  "constraint",
  "create",
  "cross",
  "current_catalog",
  "current_date",
  "current_role",
  "current_schema",
  "current_time",
  "current_timestamp",
  "current_user",
  "default",
  "deferrable",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "freeze",
  "from",
  "full",
  "grant",
  "group",
  "having",
  "ilike",
  "in",
  "initially",
  "inner",
  "intersect",
  "into",
  "is",
  "isnull",
  "join",
  "lateral",
  "leading",
  "left",
  "like",
  "limit",
  "localtime",
  "localtimestamp",
  "natural",
  "not",
  "notnull",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "outer",
  "overlaps",
  "placing",
  "primary",
  "references",
  "returning",
  "right",
  "select",
  "session_user",
  "similar",
  "some",
  "symmetric",
  "system_user",
  "table",
  "tablesample",
  "then",
  "to",
  "trailing",
  "true",
  "union",
  "unique",
  "user",
  "using",
  "variadic",
  "verbose",
  "when",
  "where",
  "window",
  "with",
]);

export interface ReservedName {
  why: string;
}

/** Why `name` may not be the application user, or undefined when it may. */
export function reservedUser(name: string, replicationUser: string): ReservedName | undefined {
  if (name === "postgres")
    return {
      why: "is the built-in superuser; the bootstrap would make it an ordinary login and lock administration out",
    };
  if (name === replicationUser)
    return { why: "is the replication role; sharing it would overwrite the replication password and break seeding" };
  if (name.startsWith("pg_")) return { why: "starts with pg_, which PostgreSQL reserves for its own roles" };
  if (name === "public" || name === "none") return { why: `is a role name PostgreSQL reserves (${name})` };
  if (name === "pgbouncer" || name === "pgrr_admin" || name === "pgrr_probe")
    return { why: "is reserved for PgBouncer's console (its admin, and the pools' readiness probe)" };
  if (name === STATS_OWNER)
    return { why: "owns the statistics functions the application user reads (it holds pg_monitor)" };
  if (RESERVED_KEYWORDS.has(name)) return { why: "is a reserved SQL key word" };
  return undefined;
}

/** Why `name` may not be the application database, or undefined when it may. */
export function reservedDatabase(name: string): ReservedName | undefined {
  if (name === "postgres" || name === "template0" || name === "template1")
    return { why: "is one of PostgreSQL's built-in databases" };
  if (name === "pgbouncer")
    return { why: "is PgBouncer's admin console: clients asking for it through a pool would never reach PostgreSQL" };
  if (RESERVED_KEYWORDS.has(name)) return { why: "is a reserved SQL key word" };
  return undefined;
}
