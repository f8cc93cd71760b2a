/** What one round of the Aurora check found: problems (and which of them waiting cannot fix) and what it read. */
export interface AuroraCheckReport {
  ok: boolean;
  attempts: number;
  problems: string[];
  /** The problems waiting cannot fix (each is also in problems): the check stops early when only these remain. */
  needsAction: string[];
  instances: Array<{ region: string; id: string; role: "writer" | "oltp" | "olap"; status: string; lagMs?: number }>;
  regions: Array<{ region: string; lagMs?: number; metric?: string }>;
  proxyTargets: Array<{ id: string; role: string; state: string; reason?: string }>;
}

/** Records a problem; `needsAction` marks one that polling will not see resolved. */
export function problem(report: AuroraCheckReport, text: string, needsAction = false): void {
  report.problems.push(text);
  if (needsAction) report.needsAction.push(text);
}

export function newReport(): AuroraCheckReport {
  return { ok: false, attempts: 1, problems: [], needsAction: [], instances: [], regions: [], proxyTargets: [] };
}
