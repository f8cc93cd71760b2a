/** Admission rules of the Kubernetes backend: on the resolved config, and on the built topology (per engine). */
import type { ConfigIssue } from "../config/errors";
import type { ResolvedSelfHosted } from "../config/resolve";
import type { SelfHostedTopology } from "../topology/types";
import { cnpgRules, cnpgTopologyIssues } from "./cnpg/validate";
import { statefulsetRules } from "./statefulset/validate";
import { pools } from "../topology/validate/common";
import type { Check } from "../topology/validate/rule";
import { HUGE_PAGES, LOAD_BALANCERS } from "../facts/kubernetes";

function regionAccess(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    config.crossRegion.forEach((entry, index) => {
      if ((entry.context === undefined) !== (entry.kubeconfig === undefined)) return;
      issues.push({
        key: `crossRegion[${index}].context`,
        value: entry.context ?? entry.kubeconfig,
        problem: "needs exactly one of context or kubeconfig to reach that region's cluster",
        fix: "set context to a kubeconfig context name, or kubeconfig to a kubeconfig path or its contents (as a secret)",
      });
    });
  };
}

/** A per-change stack lives in a namespace of its own: one the stack creates, with a name Kubernetes accepts. */
function perChangeNamespace(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const { changeId, kubernetes } = config;
    if (changeId === undefined) return;
    if (kubernetes.namespace.length > 63) {
      issues.push({
        key: "changeId",
        value: changeId,
        problem: `makes the namespace ${kubernetes.namespace} (${kubernetes.namespace.length} characters), over Kubernetes' 63`,
        fix: "use a shorter change id or kubernetes.namespace",
      });
    }
    if (!kubernetes.createNamespace) {
      issues.push({
        key: "kubernetes.createNamespace",
        value: false,
        problem: `is false, but changeId gives this stack its own namespace ${kubernetes.namespace}, which nothing else creates`,
        fix: "set kubernetes.createNamespace to true for per-change stacks",
      });
    }
  };
}

/**
 * huge_pages try/on: the pods carry no hugepages-2Mi limit, so a node with huge pages would crash the server (SIGBUS)
 * (facts/kubernetes/hugePages.ts). Refused until stack config can give the pods that resource.
 */
function hugePages(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const given: Array<[string, Readonly<Record<string, string>>]> = [
      ["postgresql.primary", config.overrides.primary],
      ["postgresql.replica", config.overrides.replica],
      ["olap.settings", config.olap.enabled ? config.olap.settings : {}],
    ];
    for (const [key, overrides] of given) {
      const value = overrides.huge_pages;
      if (value === undefined || value === "off") continue;
      issues.push({
        key: `${key}.huge_pages`,
        value,
        problem: `needs a ${HUGE_PAGES.needsHugepagesLimit.value} resource limit on the database pods, which this stack does not set: a node with huge pages would crash the server with SIGBUS`,
        fix: "remove it (the servers run with huge_pages = off), or use the local backend",
      });
    }
  };
}

/** The applications' connection Secrets are rendered by the statefulset engine only. */
function appSecretEngine(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const { appSecret, engine } = config.kubernetes;
    if (!appSecret || engine.name === "statefulset") return;
    issues.push({
      key: "kubernetes.appSecret.namespace",
      value: appSecret.namespace,
      problem: "applies to the statefulset engine only",
      fix: "remove kubernetes.appSecret; CloudNativePG writes its own <cluster>-app Secret in the stack's namespace",
    });
  };
}

/** Each engine's own rules, chosen once. */
function engineRules(config: ResolvedSelfHosted): Check[] {
  const { engine } = config.kubernetes;
  switch (engine.name) {
    case "statefulset":
      return statefulsetRules(config);
    case "cloudnative-pg":
      return cnpgRules(config);
  }
}

const AWS_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-";

const namesAws = (annotations: Readonly<Record<string, string>>) =>
  Object.keys(annotations).some((key) => key.startsWith(AWS_ANNOTATION));

/**
 * Why the exposed primary's AWS load balancer would hide the remote regions' addresses from pg_hba, or undefined.
 * The defaults carry every cloud's internal-LB annotation, so the cloud is read from the user's own annotations:
 * none written, it may be AWS; some written, none of them AWS's, it is another cloud.
 */
function awsClientAddressProblem(
  annotations: Readonly<Record<string, string>>,
  written: Readonly<Record<string, string>>,
): string | undefined {
  const mayBeAws = Object.keys(written).length === 0 ? namesAws(annotations) : namesAws(written);
  if (!mayBeAws) return undefined;
  const { typeAnnotation } = LOAD_BALANCERS.awsClassicElbKeepsNoClientAddress.value;
  const nlb = LOAD_BALANCERS.awsNlbKeepsClientAddress.value;
  const type = annotations[typeAnnotation];
  if (type === undefined) return `on AWS it makes a Classic ELB (no ${typeAnnotation}), which keeps no client address`;
  const ipTargets = type === "nlb-ip" || (type === "external" && annotations[nlb.targetTypeAnnotation] === "ip");
  if (ipTargets && !(annotations[nlb.attributesAnnotation] ?? "").includes(nlb.ipTargetsNeed))
    return `its NLB has IP targets, which keep no client address over TCP without ${nlb.attributesAnnotation}: ${nlb.ipTargetsNeed}`;
  return undefined;
}

/**
 * pg_hba admits other regions' replicas by their CIDRs through the exposed primary's load balancer
 * (externalTrafficPolicy Local): a load balancer that replaces the client's address makes those rules match only by
 * luck. The cloud is not known here, so this warns.
 */
function exposedPrimaryClientAddress(config: ResolvedSelfHosted): Check {
  return ({ warnings }) => {
    if (config.crossRegion.length === 0) return;
    const problem = awsClientAddressProblem(
      config.kubernetes.loadBalancerAnnotations,
      config.kubernetes.userLoadBalancerAnnotations,
    );
    if (problem === undefined) return;
    const [key, value] = Object.entries(LOAD_BALANCERS.awsNlbKeepsClientAddress.value.annotations)[0]!;
    warnings.push(
      `kubernetes.loadBalancerAnnotations: the exposed primary's load balancer ${problem}, so pg_hba's per-region rules (crossRegion[].cidrs) would see a load balancer's address. Fix on AWS: add ${key}: ${value} (instance targets keep the address) to kubernetes.loadBalancerAnnotations when the Service is created (the in-tree controller does not turn an existing ELB into an NLB: delete the <name>-rw-external Service first); elsewhere ignore this`,
    );
  };
}

export function selfHostedRules(config: ResolvedSelfHosted): Check[] {
  return [
    regionAccess(config),
    pools(config),
    perChangeNamespace(config),
    hugePages(config),
    appSecretEngine(config),
    exposedPrimaryClientAddress(config),
    ...engineRules(config),
    // Both engines ship backups and restore (issue 22): statefulset with pgBackRest, cloudnative-pg with the Barman
    // Cloud plugin (cnpg/validate.ts has its rules).
  ];
}

/** What the engine would refuse of the built topology (CloudNativePG's managed parameters, its Pooler's limits). */
export function kubernetesTopologyIssues(topology: SelfHostedTopology): ConfigIssue[] {
  const { engine } = topology.kubernetes;
  switch (engine.name) {
    case "statefulset":
      return [];
    case "cloudnative-pg":
      return cnpgTopologyIssues(topology);
  }
}
