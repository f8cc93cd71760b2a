/** Walking the config schema and the raw config by key path. */
import { z } from "zod";

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** `crossRegion[2].region` → `crossRegion[].region`: one name for every entry of a list. */
export function genericPath(path: readonly PropertyKey[]): string {
  return formatPath(path).replace(/\[\d+\]/g, "[]");
}

/** Strips optional, default, prefault and transform wrappers down to the shape underneath. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault)
      current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else return current;
  }
}

/** The schema at `path`, or undefined where the schema has no such key. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let schema: z.ZodType | undefined = root;
  for (const segment of path) {
    if (!schema) return undefined;
    const shape: z.ZodType = unwrap(schema);
    if (typeof segment === "number" || segment === "")
      schema = shape instanceof z.ZodArray ? (shape.element as z.ZodType) : undefined;
    else if (shape instanceof z.ZodObject) schema = (shape.shape as Record<string, z.ZodType>)[String(segment)];
    else schema = undefined;
  }
  return schema;
}

/** The keys an object schema knows at `path`, for "did you mean" suggestions. */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(root, path);
  const shape = schema ? unwrap(schema) : undefined;
  return shape instanceof z.ZodObject ? Object.keys(shape.shape) : [];
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** The description a key's schema carries (config/fields.ts `doc`), if any. */
export function descriptionAt(root: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  let current = schemaAt(root, path);
  while (current) {
    const meta = z.globalRegistry.get(current) as { description?: string } | undefined;
    if (meta?.description) return meta.description;
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault)
      current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else return undefined;
  }
  return undefined;
}
