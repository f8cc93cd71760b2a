/**
 * StackOutputs as the Pulumi program exports them: one Output per key of the contract's
 * schema, so only the password and the URLs holding it are secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { type PlainOutputs, SECRET_OUTPUT_KEYS, STACK_OUTPUT_KEYS, type StackOutputs } from "../contract/stackOutputs";
import { connectionUrls } from "../contract/urls";

export type StackOutputValues = { [K in keyof StackOutputs]-?: pulumi.Output<StackOutputs[K]> };

/** What a backend hands over: plain values or Outputs per key, without the secrets. */
export type StackOutputInputs = { [K in keyof PlainOutputs]-?: pulumi.Input<StackOutputs[K]> };

const SECRET: ReadonlySet<string> = new Set(SECRET_OUTPUT_KEYS);

/** Every key of the schema as an Output; the password and the connection URLs made from it as secrets. */
export function toOutputValues(
  plain: StackOutputInputs | PlainOutputs,
  password: pulumi.Input<string>,
): StackOutputValues {
  const urls = pulumi
    .all([plain.database, plain.user, password, plain.pools, plain.tls])
    .apply(([database, user, secret, pools, tls]) =>
      connectionUrls({ database, user, password: secret, pools, ...(tls ? { tls } : {}) }),
    );
  const secrets: Pick<StackOutputValues, "password" | "connectionUrls"> = {
    password: pulumi.secret(password),
    connectionUrls: pulumi.secret(urls),
  };
  const values: Record<string, pulumi.Output<unknown>> = {};
  for (const key of STACK_OUTPUT_KEYS) {
    values[key] = SECRET.has(key)
      ? secrets[key as keyof typeof secrets]
      : pulumi.output((plain as Record<string, pulumi.Input<unknown>>)[key]);
  }
  return values as StackOutputValues;
}
