/**
 * `verify --outputs` on the cloudnative-pg engine: a Cluster's standbys are the operator's, named and slotted by it.
 */

/**
 * An operator's instances <name>-<n> in pg_stat_replication rows: as many as expected, each on its own slot within the
 * bound.
 */
export function instanceProblems(
  name: string,
  rows: unknown[][],
  cluster: { count: number; slotPrefix: string },
  maxLagBytes: number,
): { problems: string[]; worstLagBytes: number; found: number } {
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d+$`);
  const mine = rows.filter((row) => pattern.test(String(row[0])));
  const problems: string[] = [];
  if (mine.length < cluster.count)
    problems.push(
      `${name}: ${mine.length} of its ${cluster.count} standbys stream from the writer; look at the Cluster's status and its pods' logs.`,
    );
  for (const row of mine) {
    const [app, state, slot, active, replayBytes] = row as [string, string, string, boolean, string];
    const wanted = `${cluster.slotPrefix}${app.replace(/-/g, "_")}`;
    if (state !== "streaming") problems.push(`${app}: state is ${state}, not streaming.`);
    if (!active || slot !== wanted)
      problems.push(`${app}: streams without its slot ${wanted} active (slot: '${slot}', active: ${active}).`);
    const lag = Number(replayBytes);
    if (lag < 0) problems.push(`${app}: connected but has not reported a WAL position yet.`);
    else if (lag > maxLagBytes) problems.push(`${app}: lags ${lag} bytes behind the writer (bound ${maxLagBytes}).`);
  }
  return { problems, worstLagBytes: mine.reduce((max, row) => Math.max(max, Number(row[4])), 0), found: mine.length };
}
