/**
 * Runs the guardrails policy pack (policy/) over the resources a program registered under the Pulumi mocks, as the
 * engine's analyzer would hand them over: each resource to every resource policy, all of them to every stack policy,
 * each policy's config its schema's defaults.
 */
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { POLICIES } from "../../policy/policies";
import type { Registered } from "./pulumiMocks";

export interface Violation {
  policy: string;
  /** The resource's Pulumi name ("" for a stack policy's finding). */
  resource: string;
  message: string;
}

const notApplicable = (reason?: string): never => {
  throw new Error(`notApplicable: ${reason ?? ""}`);
};

function configOf(policy: ResourceValidationPolicy | StackValidationPolicy): object {
  const properties = (policy.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
  return Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, schema.default]));
}

function options(resource: Registered) {
  return {
    protect: resource.protect,
    ignoreChanges: resource.ignoreChanges,
    deleteBeforeReplace: resource.deleteBeforeReplace,
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent: resource.parent,
  };
}

function resourceArgs(resource: Registered, config: object): ResourceValidationArgs {
  return {
    type: resource.type,
    props: resource.inputs,
    urn: resource.urn,
    name: resource.name,
    opts: options(resource),
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

function stackArgs(resources: Registered[], config: object): StackValidationArgs {
  const policyResources: PolicyResource[] = resources.map((resource) => ({
    type: resource.type,
    props: resource.inputs,
    urn: resource.urn,
    name: resource.name,
    opts: options(resource),
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  return {
    resources: policyResources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

/** Every violation the pack reports over these resources. */
export async function runPolicies(resources: Registered[]): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const policy of POLICIES) {
    const config = configOf(policy);
    if ("validateResource" in policy && policy.validateResource) {
      const validations = [policy.validateResource].flat();
      for (const resource of resources)
        for (const validate of validations)
          await validate(resourceArgs(resource, config), (message) =>
            violations.push({ policy: policy.name, resource: resource.name, message }),
          );
    }
    if ("validateStack" in policy && policy.validateStack)
      await policy.validateStack(stackArgs(resources, config), (message) =>
        violations.push({ policy: policy.name, resource: "", message }),
      );
  }
  return violations;
}
