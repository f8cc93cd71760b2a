/**
 * RDS Proxy's targets (DescribeDBProxyTargets): every instance target must be
 * AVAILABLE, or the proxy accepts clients and fails their logins. Each reason
 * AWS reports gets what to look at.
 */
import type { AuroraApi } from "./api";
import { type AuroraCheckReport, problem } from "./report";
import { secretsManagerViaService } from "../../facts/aws/provider";
import { IAM_PROPAGATION_WINDOW_MS } from "../../facts/aws/iam";

function fixFor(reason: string | undefined, region: string): string {
  switch (reason) {
    case "AUTH_FAILURE":
      return `the proxy cannot log in with its secret: the secret's username and password must match the database, and the proxy's role must read the secret and decrypt it through ${secretsManagerViaService(region)} (kms:ViaService)`;
    case "CONNECTION_FAILED":
    case "UNREACHABLE":
      return "the proxy cannot reach the instance: its security group must admit the proxy's (the stack's security group admits itself on the PostgreSQL port)";
    case "INVALID_REPLICATION_STATE":
      return "the instance is not replicating as the proxy expects; wait for it, or check the cluster's events";
    case "PROMOTED":
      return "the instance's role changed in a failover; the proxy re-registers it";
    default:
      return "aws rds describe-db-proxy-targets shows the description";
  }
}

const WAITABLE_STATES = new Set(["REGISTERING"]);
const WAITABLE_REASONS = new Set(["PENDING_PROXY_CAPACITY", "PROMOTED", "INVALID_REPLICATION_STATE"]);

/**
 * AUTH_FAILURE right after creation may be IAM's eventual consistency (the role's policy not yet visible to the
 * proxy): waitable within the propagation window, counted from the check's start, a real failure after it.
 */
function authFailureWaitable(reason: string | undefined, elapsedMs: number): boolean {
  return reason === "AUTH_FAILURE" && elapsedMs < IAM_PROPAGATION_WINDOW_MS.value;
}

function waitingFor(reason: string | undefined, elapsedMs: number): string {
  if (!authFailureWaitable(reason, elapsedMs)) return "";
  const windowS = IAM_PROPAGATION_WINDOW_MS.value / 1000;
  return ` Waiting up to ${windowS} s (${Math.floor(elapsedMs / 1000)} s so far) for IAM to make the proxy role's policy visible (eventual consistency) before calling it a failure.`;
}

export async function checkProxy(
  proxy: { region: string; name: string },
  api: AuroraApi,
  report: AuroraCheckReport,
  elapsedMs = 0,
): Promise<void> {
  const { region, name } = proxy;
  const targets = await api.describeProxyTargets(region, name);
  const instances = targets.filter((t) => t.type === "RDS_INSTANCE");
  if (instances.length === 0) problem(report, `RDS Proxy ${name} in ${region} has no instance targets registered yet.`);
  for (const target of targets) {
    // The tracked cluster entry carries no health of its own; its instances do.
    if (target.type === "TRACKED_CLUSTER" && target.state === undefined) continue;
    const state = target.state ?? "unknown";
    report.proxyTargets.push({
      id: target.id,
      role: target.role ?? "UNKNOWN",
      state,
      ...(target.reason ? { reason: target.reason } : {}),
    });
    if (state === "AVAILABLE" || state === "UNUSED") continue;
    const waitable =
      WAITABLE_STATES.has(state) ||
      WAITABLE_REASONS.has(target.reason ?? "") ||
      authFailureWaitable(target.reason, elapsedMs);
    const why = [target.reason, target.description].filter(Boolean).join(": ");
    problem(
      report,
      `RDS Proxy ${name} in ${region}: target ${target.id} (${target.role ?? "UNKNOWN"}) is ${state}${why ? ` (${why})` : ""}, not AVAILABLE. Fix: ${fixFor(target.reason, region)}.${waitingFor(target.reason, elapsedMs)}`,
      !waitable,
    );
  }
}
