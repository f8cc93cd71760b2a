/**
 * RDS Proxy reads its secret with its role's policy from the first moment: the proxy must wait for that policy, not
 * only the role (IAM is eventually consistent, and the deploy check waits IAM's propagation window on AUTH_FAILURE).
 */
import { describe, expect, it } from "vitest";
import { runProgram } from "../support/pulumiMocks";

describe.each(["aurora-dev", "aurora-prod"])("stack %s", (stack) => {
  it("creates the proxy after the policy that lets its role read and decrypt the secret", async () => {
    const run = await runProgram(stack);
    const proxy = run.resources.find((r) => r.type === "aws:rds/proxy:Proxy")!;
    const policies = run.resources.filter(
      (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.parent === proxy.parent,
    );
    expect(policies).toHaveLength(1);
    expect(JSON.parse(policies[0]!.inputs.policy as string).Statement[0].Action).toEqual([
      "secretsmanager:GetSecretValue",
    ]);
    expect(proxy.dependencies).toContain(policies[0]!.urn);
  });
});
