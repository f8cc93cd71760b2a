/**
 * Checks an object against a CustomResourceDefinition's own openAPIV3Schema (a CRD file vendored at the pinned
 * release): for CRDs no npm schema package carries, such as the Barman Cloud plugin's ObjectStore (v0.14.0, in
 * test/support/crds). Structural schemas only, as the API server reads them: types, required keys, enums, patterns,
 * and no field the schema does not know (the server would drop it silently). CEL rules are not evaluated.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface CrdSchemaNode {
  type?: string;
  properties?: Record<string, CrdSchemaNode>;
  additionalProperties?: CrdSchemaNode | boolean;
  items?: CrdSchemaNode;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
}

interface CrdFile {
  spec: {
    group: string;
    names: { kind: string };
    versions: Array<{ name: string; schema: { openAPIV3Schema: CrdSchemaNode } }>;
  };
}

export function loadCrd(file: string): CrdFile {
  return parse(readFileSync(join(__dirname, "crds", file), "utf8")) as CrdFile;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(schema: CrdSchemaNode, value: unknown): boolean {
  if (schema["x-kubernetes-int-or-string"]) return typeof value === "string" || Number.isInteger(value);
  if (schema.type === undefined) return true;
  const actual = typeOf(value);
  return actual === schema.type || (schema.type === "number" && actual === "integer");
}

/** Every way value breaks schema, as "path: problem". */
export function schemaProblems(schema: CrdSchemaNode, value: unknown, path = ""): string[] {
  if (!typeMatches(schema, value)) return [`${path}: is ${typeOf(value)}, the schema wants ${schema.type}`];
  const problems: string[] = [];
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${path}: ${String(value)} is not one of ${schema.enum.join(", ")}`);
  if (schema.pattern && typeof value === "string" && !new RegExp(schema.pattern).test(value))
    problems.push(`${path}: ${value} does not match ${schema.pattern}`);
  if (Array.isArray(value) && schema.items)
    value.forEach((item, i) => problems.push(...schemaProblems(schema.items!, item, `${path}[${i}]`)));
  if (typeOf(value) === "object") problems.push(...objectProblems(schema, value as Record<string, unknown>, path));
  return problems;
}

function objectProblems(schema: CrdSchemaNode, value: Record<string, unknown>, path: string): string[] {
  const problems = (schema.required ?? [])
    .filter((key) => value[key] === undefined)
    .map((key) => `${path}.${key}: is required`);
  for (const [key, child] of Object.entries(value)) {
    const known = schema.properties?.[key];
    const extra = typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
    if (known) problems.push(...schemaProblems(known, child, `${path}.${key}`));
    else if (extra) problems.push(...schemaProblems(extra, child, `${path}.${key}`));
    else if (!schema["x-kubernetes-preserve-unknown-fields"] && schema.additionalProperties !== true)
      problems.push(`${path}.${key}: is not in the schema (the API server would drop it)`);
  }
  return problems;
}

/** A validate() model for a vendored CRD, as kubernetes-models' classes have (spec only: metadata is Kubernetes'). */
export function crdModel(file: string) {
  const crd = loadCrd(file);
  return class CrdModel {
    constructor(private readonly object: { apiVersion?: string; kind?: string; spec?: unknown }) {}

    validate(): void {
      const { group, names, versions } = crd.spec;
      const version = versions.find((v) => `${group}/${v.name}` === this.object.apiVersion);
      if (!version || this.object.kind !== names.kind)
        throw new Error(`${this.object.apiVersion}/${this.object.kind} is not served by ${file}`);
      const specSchema = version.schema.openAPIV3Schema.properties?.spec;
      if (!specSchema) throw new Error(`${file} has no spec schema`);
      const problems = schemaProblems(specSchema, this.object.spec, "spec");
      if (problems.length > 0) throw new Error(problems.join("; "));
    }
  };
}
