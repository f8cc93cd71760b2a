/**
 * The Barman Cloud plugin prerequisite, like the operator's (operator.ts): with
 * kubernetes.cloudnativePg.installOperator the stack applies the plugin's pinned release manifest next to the
 * operator (after checking cert-manager, which the manifest's Certificates need); otherwise it reads the plugin's
 * CRD and refuses to go on, naming what to install. The operator check already requires 1.26 fields
 * (CNPG_OPERATOR.requiredCrdFields), the plugin's minimum. Pure parts.
 */
import type { CnpgEngine, SelfHostedTopology } from "../../topology/types";
import { BARMAN_PLUGIN } from "../../facts/backup/barmanPlugin";
import { barmanBackup, repositoryRestore } from "./backup";

interface CrdShape {
  spec?: { versions?: Array<{ name?: string; served?: boolean }> };
}

/** Whether the stack uses the plugin at all: backup on the cloudnative-pg engine, or a restore from its archive. */
export function usesBarmanPlugin(topology: SelfHostedTopology): boolean {
  return barmanBackup(topology) !== undefined || repositoryRestore(topology) !== undefined;
}

export function pluginInstallCommand(): string {
  return `kubectl apply -f ${BARMAN_PLUGIN.manifestUrl.value} && kubectl rollout status deployment -n ${BARMAN_PLUGIN.installNamespace.value} ${BARMAN_PLUGIN.manifestObjects.value.deployment}`;
}

function served(crd: CrdShape | undefined, version: string): boolean {
  return crd?.spec?.versions?.some((v) => v.name === version && v.served !== false) ?? false;
}

/**
 * The names of the CRD reads: a missing CRD halts the program inside Pulumi's `.get()` before the problem functions
 * below run (pulumi/pulumi#3364), and the diagnostic prints only the read's name, so the name says what is required.
 */
export const PREREQUISITE_READS = {
  plugin: (name: string) =>
    `${name}-requires-barman-cloud-plugin-${BARMAN_PLUGIN.version.value}-installed-or-kubernetes.cloudnativePg.installOperator-true`,
  certManager: (name: string) => `${name}-requires-cert-manager-installed`,
};

/**
 * Why the installed plugin cannot take this stack's ObjectStores, or undefined when it can (reached when the CRD
 * exists; a missing one stops at PREREQUISITE_READS).
 */
export function pluginCrdProblem(crd: CrdShape | undefined, cluster: string): string | undefined {
  const version = BARMAN_PLUGIN.objectStoreApi.value.apiVersion.split("/")[1]!;
  if (served(crd, version)) return undefined;
  return `the CloudNativePG Barman Cloud plugin is not installed in ${cluster}: its CRD ${BARMAN_PLUGIN.manifestObjects.value.crd} (${BARMAN_PLUGIN.objectStoreApi.value.apiVersion}) is missing, and backup or restore needs it. Fix: install cert-manager, then the plugin ${BARMAN_PLUGIN.version.value} in the operator's namespace (${pluginInstallCommand()}), or set pg-read-replicas:kubernetes.cloudnativePg.installOperator to true`;
}

/** Why the plugin's manifest cannot be applied here: cert-manager's Certificate CRD is missing. */
export function certManagerProblem(crd: CrdShape | undefined, cluster: string): string | undefined {
  if (served(crd, "v1")) return undefined;
  return `cert-manager is not installed in ${cluster}: the Barman Cloud plugin ${BARMAN_PLUGIN.version.value} (backup and restore on cloudnative-pg) secures its connection to the operator with cert-manager Certificates, and the CRD ${BARMAN_PLUGIN.certManagerCrd.value} is missing. Fix: install cert-manager (https://cert-manager.io/docs/installation/), then run pulumi up again`;
}

/** The release manifest names its namespace itself: it can only go where the operator is when that is cnpg-system. */
export function installNamespaceProblem(engine: CnpgEngine): string | undefined {
  const fixed = BARMAN_PLUGIN.installNamespace.value;
  if (!engine.installOperator || engine.operatorNamespace === fixed) return undefined;
  return `installs the operator in ${engine.operatorNamespace}, but the Barman Cloud plugin's release manifest installs into ${fixed}, and the plugin must run in the operator's namespace`;
}
