/**
 * Certificate expiry on the statefulset engine: each certificate the stack issued (its CA, each region's server
 * certificate) as a recorded series of its expiry, and two alerts counting down to it. The expiry is the one Pulumi
 * recorded when it issued the certificate (`validityEndTime`), rendered into the rules on every `up`: the servers
 * take a renewed certificate within a refresher round (a reload) and the pools within their rollout, so what
 * Pulumi issued is what they serve. The alerts fire when no `up` ran in the renewal window (90 days, clusterTls.ts).
 */
import type { AlertRule, RecordingRule, RuleGroup } from "./ruleFile";
import { catalogRule } from "./catalogRule";
import { TARGET_LABELS } from "./targets";

const DAY_S = 86_400;
/** Two months after the renewal window opened, and a month of margin to run `up`. */
export const CERTIFICATE_WARNING_DAYS = 30;
/** The last week: cross-region replicas verify the CA and the server certificate; after expiry they stop. */
export const CERTIFICATE_CRITICAL_DAYS = 7;

export interface CertificateExpiry {
  /** What it is for: `ca`, `server-<region>`, `client-<common name>`. */
  name: string;
  /** Seconds since the epoch. */
  notAfter: number;
}

export const CERTIFICATE_SERIES = "pgrr_certificate_not_after_seconds";

export function certificateRules(stack: string, certificates: readonly CertificateExpiry[]): RuleGroup {
  const sel = `${TARGET_LABELS.cluster}="${stack}"`;
  const recorded: RecordingRule[] = certificates.map((certificate) => ({
    record: CERTIFICATE_SERIES,
    expr: `vector(${Math.floor(certificate.notAfter)})`,
    labels: { [TARGET_LABELS.cluster]: stack, certificate: certificate.name },
  }));
  const left = `(${CERTIFICATE_SERIES}{${sel}} - time())`;
  const alerts: AlertRule[] = [
    catalogRule("statefulset", "PgCertificateExpiresSoon", { expr: `${left} < ${CERTIFICATE_WARNING_DAYS * DAY_S}` }),
    catalogRule("statefulset", "PgCertificateExpiring", { expr: `${left} < ${CERTIFICATE_CRITICAL_DAYS * DAY_S}` }),
  ];
  return { name: `pgrr-${stack}-certificates`, rules: [...recorded, ...alerts] };
}
