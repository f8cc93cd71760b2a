/**
 * The guardrails policy pack: `pulumi up --policy-pack policy` (or preview) runs every policy over the resources
 * the program registers and blocks the update on a mandatory violation. Production is chosen by stack name:
 * `--policy-pack-config` with { "<policy>": { "productionStacks": "<regexp>" } } changes which.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("pg-read-replicas-guardrails", { policies: POLICIES });
