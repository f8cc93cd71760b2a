/**
 * Holds a rendered CloudNativePG object to the targeted operator version (1.30.0):
 * the CRD schema package checks 1.29.0's OpenAPI schema, so a field that 1.30 removed,
 * or that only 1.30 has (which the package would let through unchecked), fails here.
 * The list of changes is components/facts/cnpg/schema.ts, with its source.
 */
import { CNPG_SCHEMA, type CnpgKind } from "../../components/facts/cnpg";
import { citations } from "../../components/facts/citation";

/** Every dot path present in a value ("spec.template.spec.containers" for arrays' items too). */
export function fieldPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => fieldPaths(item, prefix));
  if (!value || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...fieldPaths(child, path)];
  });
}

export function assertTargetedCnpgFields(object: { kind: string; spec?: unknown }): void {
  const kind = object.kind as CnpgKind;
  const paths = fieldPaths(object.spec, "spec");
  for (const changed of [
    ...(CNPG_SCHEMA.addedIn130.value[kind] ?? []),
    ...(CNPG_SCHEMA.removedIn130.value[kind] ?? []),
  ]) {
    const used = paths.find((path) => path === changed || path.startsWith(`${changed}.`));
    if (used)
      throw new Error(
        `${kind} uses ${used}, which CloudNativePG 1.30 changed (${citations(CNPG_SCHEMA.addedIn130)}); the schema package (1.29) cannot check it`,
      );
  }
}
