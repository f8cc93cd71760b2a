/**
 * Who runs the servers. PostgreSQL and PgBouncer refuse to run as root, so when
 * the CLI runs as root they run as the `postgres` system user; otherwise as the
 * invoking user.
 */
import { UserError } from "../ground/errors";
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
  home: string;
  /** True when the CLI is root and must switch to `user` for every server process. */
  switchUser: boolean;
}

export class IdentityError extends UserError {
  override name = "IdentityError";
}

function passwdEntry(user: string): { uid: number; gid: number; home: string } | undefined {
  let text: string;
  try {
    text = readFileSync("/etc/passwd", "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [name, , uid, gid, , home] = line.split(":");
    if (name === user && uid !== undefined && gid !== undefined)
      return { uid: Number(uid), gid: Number(gid), home: home ?? "/" };
  }
  return undefined;
}

export function resolveRunAs(): RunAs {
  const me = userInfo();
  if (me.uid !== 0) return { user: me.username, uid: me.uid, gid: me.gid, home: me.homedir, switchUser: false };
  const postgres = passwdEntry("postgres");
  if (!postgres) {
    throw new IdentityError(
      "running as root, but there is no postgres system user to run PostgreSQL and PgBouncer as (both refuse root). Install PostgreSQL from apt (it creates the user) or run as a non-root user.",
    );
  }
  return { user: "postgres", ...postgres, switchUser: true };
}
