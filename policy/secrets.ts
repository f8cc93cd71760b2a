/**
 * No plaintext secret in a ConfigMap (anyone who may read the namespace's ConfigMaps reads it): a private key, a
 * URL with a password, or a `password = <value>` / `PASSWORD '<value>'` that is not a reference ($VAR, ${...}, :'var').
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "./resources";

const SHAPES: Array<[what: string, pattern: RegExp]> = [
  ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["a URL with a password", /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/$]+@/i],
  ["a password setting", /\bpassword\s*=\s*(?![\s$%{:'"]|\*)[^\s]+/i],
  ["a password literal", /\bPASSWORD\s+'(?!\s*')[^']+'/],
];

/** What secret-shaped text a ConfigMap's data holds, by key. */
export function plaintextSecrets(data: Record<string, unknown>): Array<{ key: string; what: string }> {
  return Object.entries(data).flatMap(([key, value]) =>
    SHAPES.filter(([, pattern]) => typeof value === "string" && pattern.test(value)).map(([what]) => ({ key, what })),
  );
}

export const noPlaintextSecretInConfigMap: ResourceValidationPolicy = {
  name: "no-plaintext-secret-in-configmap",
  description: "Passwords and private keys live in Secrets, never in a ConfigMap.",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props, name }, report) => {
    if (type !== TYPES.configMap) return;
    for (const found of plaintextSecrets({ ...(props.data ?? {}) }))
      report(`${name}: ${found.key} holds ${found.what}. Put it in a Secret and mount or reference that instead.`);
  },
};
