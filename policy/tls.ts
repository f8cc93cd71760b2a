/**
 * TLS required outside `local` (a local stack registers no database resource, so nothing here applies to it):
 * Aurora's cluster parameter groups set rds.force_ssl = 1 and RDS Proxy requires TLS; a self-hosted server runs with
 * `ssl = on` and no pg_hba rule admits a plain-text (`host`) connection.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { type Props, TYPES, hbaOf } from "./resources";

const FIX = "Set requireTls: true in the stack config.";

function forcesSsl(props: Props): boolean {
  const parameters = (props.parameters ?? []) as Array<{ name?: string; value?: unknown }>;
  return parameters.some((p) => p.name === "rds.force_ssl" && String(p.value) === "1");
}

function validate({ type, props, name }: ResourceValidationArgs, report: ReportViolation): void {
  if (type === TYPES.clusterParameterGroup && !forcesSsl(props))
    report(`${name} does not set rds.force_ssl = 1: Aurora accepts plain-text connections. ${FIX}`);
  if (type === TYPES.proxy && props.requireTls !== true) report(`${name} (RDS Proxy) does not require TLS. ${FIX}`);
  const conf = type === TYPES.configMap ? props.data?.["postgresql.conf"] : undefined;
  if (typeof conf === "string" && !/^\s*ssl\s*=\s*'?on'?\s*(#.*)?$/m.test(conf))
    report(`${name}: postgresql.conf does not turn ssl on. ${FIX}`);
  for (const rule of hbaOf(type, props))
    if (rule.type === "host" && rule.method !== "reject")
      report(`${name}: pg_hba rule "${rule.line}" admits plain-text connections (host, not hostssl). ${FIX}`);
}

export const tlsRequired: ResourceValidationPolicy = {
  name: "tls-required",
  description: "Outside the local backend, every database and pool connection uses TLS.",
  enforcementLevel: "mandatory",
  validateResource: validate,
};
