/**
 * The operator prerequisite: either the stack installs CloudNativePG from its Helm
 * chart, or it reads the installed Cluster CRD and refuses to go on, naming the
 * operator and what to do, when it is missing or too old for the fields the
 * manifests use. Pure parts here; the component reads and installs.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { CnpgEngine, SelfHostedTopology } from "../../topology/types";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema };
interface CrdShape {
  spec?: { versions?: Array<{ name?: string; schema?: { openAPIV3Schema?: Schema } }> };
}

function install(engine: CnpgEngine): string {
  const { repo, chart, version } = CNPG_OPERATOR.helm.value;
  const namespace = engine.operatorNamespace;
  return `install CloudNativePG ${CNPG_OPERATOR.version.value} (helm repo add cnpg ${repo} && helm upgrade --install cnpg --namespace ${namespace} --create-namespace --version ${version} cnpg/${chart}), or set pg-read-replicas:kubernetes.cloudnativePg.installOperator to true`;
}

function has(schema: Schema | undefined, path: readonly string[]): boolean {
  let node = schema;
  for (const key of path) {
    node = node?.properties?.[key];
    if (!node) return false;
  }
  return true;
}

/**
 * The name of the read of the operator's CRD. When the CRD is missing, Pulumi's `.get()` halts the program before
 * crdProblem can run (pulumi/pulumi#3364) and prints only `<type> (<this name>): error: Preview failed: resource
 * 'clusters.postgresql.cnpg.io' does not exist`: the name carries what is missing and the fix.
 */
export function operatorCheckName(name: string): string {
  return `${name}-requires-cloudnative-pg-${CNPG_OPERATOR.version.value}-installed-or-kubernetes.cloudnativePg.installOperator-true`;
}

/**
 * Why the installed CRD cannot take this stack's Clusters, or undefined when it can. A missing CRD never gets here
 * (operatorCheckName); one without a v1 version does (an operator from before postgresql.cnpg.io/v1).
 */
export function crdProblem(engine: CnpgEngine, crd: CrdShape | undefined, cluster: string): string | undefined {
  const name = CNPG_OPERATOR.crds.value.cluster;
  const v1 = crd?.spec?.versions?.find((v) => v.name === "v1");
  if (!v1)
    return `the CloudNativePG operator in ${cluster} does not serve postgresql.cnpg.io/v1: its CRD ${name} has no v1 version. Fix: ${install(engine)}`;
  const schema = v1.schema?.openAPIV3Schema;
  const missing = CNPG_OPERATOR.requiredCrdFields.value.find((field) => !has(schema, field.path));
  if (missing) {
    return `the CloudNativePG operator in ${cluster} is older than ${missing.since}: its CRD ${name} lacks ${missing.path.join(".")}, which this stack renders (it targets ${CNPG_OPERATOR.version.value}). Fix: upgrade it: ${install(engine)}`;
  }
  return undefined;
}

/**
 * The chart values: the operator's cluster domain when the stack's is not the default (so a stack on the default
 * keeps the values it always had, and its operator is not rolled).
 */
function operatorValues(topology: SelfHostedTopology): Record<string, unknown> {
  const setting = CNPG_OPERATOR.clusterDomainSetting.value;
  const domain = topology.kubernetes.clusterDomain;
  return domain === setting.default ? {} : { config: { data: { [setting.key]: domain } } };
}

/** The operator from its chart, in the namespace stack config names (its CRDs come with it). */
export function operatorRelease(topology: SelfHostedTopology, namespace: string): k8s.helm.v3.ReleaseArgs {
  const { repo, chart, version } = CNPG_OPERATOR.helm.value;
  const values = operatorValues(topology);
  return {
    name: "cnpg",
    chart,
    version,
    repositoryOpts: { repo },
    namespace,
    createNamespace: true,
    ...(Object.keys(values).length > 0 ? { values } : {}),
    // Clusters are created only once the operator (and its webhooks) are up.
    skipAwait: false,
    description: `CloudNativePG for ${topology.name}`,
  };
}
