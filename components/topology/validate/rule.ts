import type { ConfigIssue } from "../../config/errors";

export interface Findings {
  issues: ConfigIssue[];
  warnings: string[];
}

/** One rule, bound to the config it checks. */
export type Check = (findings: Findings) => void;

export const SYNCHRONOUS_MODES: ReadonlySet<string> = new Set(["on", "remote_write", "remote_apply"]);
