/** Every guardrail, and the pack's config (which stacks are production). */
import type { Policies } from "@pulumi/policy";
import { storageEncrypted } from "./encryption";
import { noDatabaseOpenToAll } from "./network";
import {
  productionBackupRetention,
  productionDeletionProtection,
  productionImagesByDigest,
  productionScheduledBackups,
} from "./production";
import { DEFAULT_PRODUCTION_STACKS } from "./resources";
import { noPlaintextSecretInConfigMap } from "./secrets";
import { tlsRequired } from "./tls";

/** The production-only policies read `productionStacks` (a regular expression over the stack name). */
const productionConfig = {
  properties: {
    productionStacks: {
      type: "string" as const,
      default: DEFAULT_PRODUCTION_STACKS,
      description: "stacks whose name matches this regular expression are production",
    },
  },
};

export const POLICIES: Policies = [
  noDatabaseOpenToAll,
  storageEncrypted,
  tlsRequired,
  { ...productionDeletionProtection, configSchema: productionConfig },
  { ...productionBackupRetention, configSchema: productionConfig },
  { ...productionScheduledBackups, configSchema: productionConfig },
  noPlaintextSecretInConfigMap,
  { ...productionImagesByDigest, configSchema: productionConfig },
];
