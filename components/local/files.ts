/** Files and directories the servers read or write, owned by the RunAs identity. */
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import type { RunAs } from "./identity";

function own(path: string, runAs: RunAs): void {
  if (runAs.switchUser) chownSync(path, runAs.uid, runAs.gid);
}

export function ensureDir(path: string, runAs: RunAs, mode = 0o700): void {
  if (!existsSync(path)) mkdirSync(path, { mode });
  chmodSync(path, mode);
  own(path, runAs);
}

export function writeOwnedFile(path: string, content: string, runAs: RunAs, mode = 0o600): void {
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  own(path, runAs);
}
