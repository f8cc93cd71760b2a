/**
 * What a role that is not a superuser may do to other roles and their objects: the Aurora master user holds
 * rds_superuser, not SUPERUSER (facts/aws DATA_API masterIsRdsSuperuser), and makes the application role
 * (aurora/appRole.ts) within these rules.
 */
import { cite, fact } from "../fact";

export const ROLE_ADMINISTRATION = {
  /**
   * ALTER ROLE naming SUPERUSER or NOSUPERUSER at all, or altering a superuser, needs a superuser (CREATE ROLE …
   * NOSUPERUSER does not): the role's attributes are given when it is created, and a later run only checks them.
   */
  superuserAttributeNeedsSuperuser: fact(
    { alter: true, createNosuperuser: false },
    cite(
      "postgres",
      "src/backend/commands/user.c: AlterRole",
      'if (authform->rolsuper || issuper >= 0) { if (!superuser()) ereport(ERROR, … "must be superuser to alter superuser roles or change superuser attribute") } ; 16: if (!superuser() && dissuper) ereport(ERROR, … "Only roles with the %s attribute may change the %s attribute.", "SUPERUSER", "SUPERUSER")',
    ),
    cite("postgres", "src/backend/commands/user.c: CreateRole", "if (issuper) { if (!superuser()) ereport(ERROR, …) }"),
  ),
  /** REASSIGN OWNED moves the current database's objects and every shared object (databases, tablespaces). */
  reassignMovesSharedObjects: fact(
    true,
    cite(
      "reassignOwnedDocs",
      "Description",
      "REASSIGN OWNED instructs the system to change the ownership of database objects owned by any of the old_roles to new_role … all the objects within the current database, and of all shared objects (databases, tablespaces)",
    ),
  ),
  /** The role running it needs the privileges of the old and of the new owner. */
  reassignNeedsBothRoles: fact(
    true,
    cite(
      "reassignOwnedDocs",
      "Description",
      "REASSIGN OWNED requires membership on both the source role(s) and the target role",
    ),
  ),
} as const;
