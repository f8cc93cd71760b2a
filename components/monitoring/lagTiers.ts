/**
 * Replication lag alerts in two tiers, on every engine: a warning and a critical rule, in seconds and in bytes, under
 * the same alert names (the severity label tells them apart; the runbook entry is one). The tiers are the seeds' alert
 * thresholds ("Database Read Replicas: Setup, Routing, and Consistency Tradeoffs", Alert Thresholds: lag warning
 * above 1 s / 10 MB, critical above 5 s / 100 MB). The critical tier is the stack's own bounds, whose defaults are
 * those figures (verification.maxLag 5s; replication.maxLagBytes 100MB, past which a replica leaves the read pool);
 * the warning tier is the seeds' unless a stack's bound is that low, then it keeps the seeds' ratio below it.
 */
import type { RuleEngine } from "./alertCatalog";
import { catalogRule } from "./catalogRule";
import type { AlertRule } from "./ruleFile";

const MB = 1024 ** 2;

/** The seeds' figures (sizes in PostgreSQL's units, as stack config reads "10MB"). */
export const SEED_LAG_TIERS = {
  warning: { seconds: 1, bytes: 10 * MB },
  critical: { seconds: 5, bytes: 100 * MB },
} as const;

export interface LagTier {
  seconds: number;
  bytes: number;
}
export interface LagTiers {
  warning: LagTier;
  critical: LagTier;
}

/** What the tiers read of a topology (every backend's has these two bounds). */
export interface LagBounds {
  verification: { maxLagMs: number };
  replication: { maxLagBytes: number };
}

function warningBelow(critical: number, seedWarning: number, seedCritical: number): number {
  return seedWarning < critical ? seedWarning : (critical * seedWarning) / seedCritical;
}

/** The tiers in seconds alone, for lag measured only in time (Aurora's AuroraReplicaLag, in milliseconds). */
export function lagSecondsTiers(maxLagMs: number): { warning: number; critical: number } {
  const critical = maxLagMs / 1000;
  const seed = SEED_LAG_TIERS;
  return { warning: warningBelow(critical, seed.warning.seconds, seed.critical.seconds), critical };
}

export function lagTiers({ verification, replication }: LagBounds): LagTiers {
  const seconds = lagSecondsTiers(verification.maxLagMs);
  const seed = SEED_LAG_TIERS;
  return {
    warning: {
      seconds: seconds.warning,
      bytes: Math.floor(warningBelow(replication.maxLagBytes, seed.warning.bytes, seed.critical.bytes)),
    },
    critical: { seconds: seconds.critical, bytes: replication.maxLagBytes },
  };
}

/** One series per OLTP standby in each expression, 0 while nothing waits to be replayed: a quiet stack never fires. */
export interface LagSeries {
  seconds: string;
  /** Left out where no metric carries it (a replica cluster's cascaded standbys on cloudnative-pg). */
  bytes?: string;
  /** The label naming the standby in both series. */
  standbyLabel: string;
}

/** The lag rules: seconds and bytes, each a warning and a critical rule (texts: the alert catalog's). */
export function lagTierRules(engine: RuleEngine, tiers: LagTiers, series: LagSeries): AlertRule[] {
  const standby = `{{ $labels.${series.standbyLabel} }}`;
  return (["warning", "critical"] as const).flatMap((severity) => {
    const tier = tiers[severity];
    const bytes = series.bytes;
    return [
      catalogRule(engine, "PgReplicationLagHigh", {
        expr: `${series.seconds} > ${tier.seconds}`,
        severity,
        fill: { standby, severity, threshold: tier.seconds },
      }),
      ...(bytes === undefined
        ? []
        : [
            catalogRule(engine, "PgReplicationLagBytesHigh", {
              expr: `${bytes} > ${tier.bytes}`,
              severity,
              fill: { standby, severity, threshold: tier.bytes },
            }),
          ]),
    ];
  });
}
