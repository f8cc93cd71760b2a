/** The CloudNativePG behaviour the cloudnative-pg engine relies on, each fact with its source. */
export { CNPG_AVAILABILITY } from "./availability";
export { CNPG_OPERATOR } from "./operator";
export { CNPG_PARAMETERS, type ManagedParameterKind, managedParameter } from "./parameters";
export { CNPG_POOLER, poolerParameterAllowed } from "./pooler";
export { CNPG_SCHEMA, type CnpgKind } from "./schema";
export { CNPG_UPDATES } from "./updates";
