/**
 * One cluster of the deploy gate: members and roles, instance states, the
 * running major, parameter groups in sync, and each reader's AuroraReplicaLag.
 */
import type { AuroraApi, ClusterDescription, InstanceDescription } from "./api";
import type { AuroraExpectation, AuroraExpectedCluster } from "./handover";
import { type AuroraCheckReport, problem } from "./report";
import { majorOf } from "../versions";

function writerProblems(
  expected: AuroraExpectedCluster,
  writers: string[],
  statuses: Map<string, string>,
  report: AuroraCheckReport,
): void {
  const { region, clusterId } = expected;
  if (expected.primary) {
    if (writers.length !== 1)
      problem(
        report,
        `cluster ${clusterId} in ${region} has ${writers.length} writers (${writers.join(", ") || "none"}); expected exactly one.`,
      );
    const olapWriter = expected.readers.find((r) => r.role === "olap" && writers.includes(r.id));
    if (olapWriter) {
      const fallback = expected.readers.find((r) => r.role === "oltp")?.id ?? expected.declaredWriter;
      problem(
        report,
        `the OLAP reader ${olapWriter.id} in ${region} is the writer after a failover; analytics and writes now share an instance. ` +
          `Fail over back: aws rds failover-db-cluster --db-cluster-identifier ${clusterId} --target-db-instance-identifier ${fallback} --region ${region}`,
        true,
      );
    }
    const writer = writers[0];
    if (writer)
      report.instances.push({ region, id: writer, role: "writer", status: statuses.get(writer) ?? "unknown" });
  } else if (writers.length > 0) {
    problem(
      report,
      `secondary cluster ${clusterId} in ${region} has a writer (${writers.join(", ")}): it was detached or promoted from the Global Database.`,
      true,
    );
  }
}

function majorProblems(
  expected: AuroraExpectedCluster,
  cluster: ClusterDescription,
  exp: AuroraExpectation,
  report: AuroraCheckReport,
): void {
  const running = majorOf(cluster.engineVersion);
  if (!Number.isFinite(running) || running === exp.postgresVersion) return;
  const fix =
    exp.majorUpgrade === "held"
      ? "set aurora.allowMajorVersionUpgrade: true (and aurora.applyImmediately: true to upgrade now) and run pulumi up; back it out afterwards if you like"
      : exp.majorUpgrade === "global"
        ? "the global cluster's upgrade has not reached it: aws rds describe-global-clusters shows its progress; run pulumi up again once it is done"
        : "run pulumi up again; with aurora.applyImmediately: false the upgrade waits for the maintenance window";
  problem(
    report,
    `cluster ${expected.clusterId} in ${expected.region} runs PostgreSQL ${cluster.engineVersion}, but postgresVersion is ${exp.postgresVersion}. Fix: ${fix}.`,
    true,
  );
}

/**
 * A restored cluster keeps its source's master user (facts: AURORA_RESTORE.inheritedFromSource); the stack's password,
 * RDS Proxy's secret and its outputs name `user`, so the two must agree.
 */
function restoredUserProblems(
  expected: AuroraExpectedCluster,
  cluster: ClusterDescription,
  report: AuroraCheckReport,
): void {
  const { restoredUser } = expected;
  if (restoredUser === undefined || cluster.masterUsername === undefined || cluster.masterUsername === restoredUser)
    return;
  problem(
    report,
    `cluster ${expected.clusterId} in ${expected.region} was restored with its source's master user "${cluster.masterUsername}", but user is "${restoredUser}": the stack's password was set on "${cluster.masterUsername}", and clients and RDS Proxy would log in as "${restoredUser}". Fix: set user: ${cluster.masterUsername} in stack config and run pulumi up (on a restored cluster this changes the proxy's secret and the outputs, not the cluster).`,
    true,
  );
}

/** A parameter group that is not in-sync: pending-reboot never resolves by waiting. */
function parameterProblems(
  expected: AuroraExpectedCluster,
  cluster: ClusterDescription,
  instances: InstanceDescription[],
  report: AuroraCheckReport,
): void {
  const { region, clusterId } = expected;
  const reboot = (id: string) => `aws rds reboot-db-instance --db-instance-identifier ${id} --region ${region}`;
  for (const instance of instances) {
    for (const group of instance.parameterGroups) {
      if (group.status === "in-sync") continue;
      const waiting = group.status === "applying";
      const fix =
        group.status === "pending-reboot"
          ? `Fix: ${reboot(instance.id)} (a writer reboot is a brief outage; readers one at a time)`
          : "Fix: check the group's values with aws rds describe-db-parameters";
      problem(
        report,
        `instance ${instance.id} in ${region}: parameter group ${group.name} is ${group.status}, not in-sync; its settings are not in effect.${waiting ? "" : ` ${fix}.`}`,
        !waiting,
      );
    }
  }
  for (const member of cluster.members) {
    const status = member.parameterGroupStatus;
    if (status === undefined || status === "in-sync" || status === "applying") continue;
    problem(
      report,
      `cluster ${clusterId} in ${region}: its cluster parameter group is ${status} on ${member.id}, not in-sync.${status === "pending-reboot" ? ` Fix: ${reboot(member.id)}.` : ""}`,
      true,
    );
  }
}

export async function checkCluster(
  expected: AuroraExpectedCluster,
  exp: AuroraExpectation,
  api: AuroraApi,
  report: AuroraCheckReport,
): Promise<void> {
  const { region, clusterId } = expected;
  const cluster = await api.describeCluster(region, clusterId);
  if (!cluster) {
    problem(report, `cluster ${clusterId} in ${region} does not exist.`);
    return;
  }
  if (cluster.status !== "available")
    problem(report, `cluster ${clusterId} in ${region} is ${cluster.status}, not available.`);
  const instances = await api.describeInstances(region, clusterId);
  const statuses = new Map(instances.map((i) => [i.id, i.status]));
  const members = new Map(cluster.members.map((m) => [m.id, m]));
  const writers = cluster.members.filter((m) => m.isWriter).map((m) => m.id);
  writerProblems(expected, writers, statuses, report);
  majorProblems(expected, cluster, exp, report);
  restoredUserProblems(expected, cluster, report);
  parameterProblems(expected, cluster, instances, report);

  const expectedIds = [
    ...(expected.declaredWriter ? [expected.declaredWriter] : []),
    ...expected.readers.map((r) => r.id),
  ];
  for (const id of expectedIds) {
    if (!members.has(id)) {
      problem(report, `instance ${id} is not a member of cluster ${clusterId} in ${region}.`);
      continue;
    }
    const status = statuses.get(id) ?? "unknown";
    if (status !== "available") problem(report, `instance ${id} in ${region} is ${status}, not available.`);
  }

  for (const reader of expected.readers) {
    if (writers.includes(reader.id) || !members.has(reader.id)) continue;
    const lagMs = await api.maxMetric(region, "AuroraReplicaLag", [{ name: "DBInstanceIdentifier", value: reader.id }]);
    report.instances.push({
      region,
      id: reader.id,
      role: reader.role,
      status: statuses.get(reader.id) ?? "unknown",
      ...(lagMs !== undefined ? { lagMs } : {}),
    });
    if (lagMs === undefined)
      problem(report, `reader ${reader.id} in ${region}: no AuroraReplicaLag datapoint in CloudWatch yet.`);
    else if (lagMs > exp.maxLagMs)
      problem(report, `reader ${reader.id} in ${region} lags ${lagMs} ms (bound ${exp.maxLagMs} ms).`);
  }
}
