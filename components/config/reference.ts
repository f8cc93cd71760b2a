/**
 * The README's config reference, generated from the schemas: every key with the
 * backends that take it, its default and its meaning. A test keeps the README's
 * table equal to this, so the two cannot drift (`npm run docs` rewrites it).
 */
import { z } from "zod";
import type { FieldDoc } from "./fields";
import { BACKENDS, BACKEND_SCHEMAS, type Backend } from "./schema";

export interface ReferenceRow {
  key: string;
  backends: Backend[];
  defaults: Partial<Record<Backend, string>>;
  descriptions: Partial<Record<Backend, string>>;
}

interface Peeled {
  inner: z.ZodType;
  optional: boolean;
  prefault?: unknown;
  doc?: FieldDoc;
}

function peel(schema: z.ZodType): Peeled {
  const result: Peeled = { inner: schema, optional: false };
  let current = schema;
  for (;;) {
    const meta = z.globalRegistry.get(current) as Partial<FieldDoc> | undefined;
    if (meta?.description && !result.doc) result.doc = meta as FieldDoc;
    if (current instanceof z.ZodOptional) {
      result.optional = true;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPrefault || current instanceof z.ZodDefault) {
      if (result.prefault === undefined) result.prefault = (current as z.ZodPrefault)._zod.def.defaultValue;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      result.inner = current;
      return result;
    }
  }
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.join(", ");
  if (value && typeof value === "object") return Object.keys(value).length === 0 ? "none" : JSON.stringify(value);
  return String(value);
}

/** `required` says when: a key inside an optional block is required only once that block is given. */
function defaultText(peeled: Peeled, requiredWhen: string): string {
  if (peeled.doc?.derivedDefault !== undefined) return peeled.doc.derivedDefault;
  if (peeled.prefault !== undefined) return shown(peeled.prefault);
  if (peeled.optional) return "—";
  return requiredWhen ? `required ${requiredWhen}` : "required";
}

function walk(
  schema: z.ZodType,
  key: string,
  backend: Backend,
  rows: Map<string, ReferenceRow>,
  requiredWhen = "",
): void {
  const peeled = peel(schema);
  const { inner } = peeled;
  if (inner instanceof z.ZodObject && !(peeled.doc && !hasDocumentedChildren(inner))) {
    const childrenWhen =
      key && peeled.optional && peeled.prefault === undefined ? `when \`${key}\` is set` : requiredWhen;
    for (const [child, childSchema] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
      walk(childSchema, key ? `${key}.${child}` : child, backend, rows, childrenWhen);
    }
    return;
  }
  if (inner instanceof z.ZodArray && peel(inner.element as z.ZodType).inner instanceof z.ZodObject) {
    if (peeled.doc) record(rows, key, backend, defaultText(peeled, requiredWhen), peeled.doc.description);
    walk(inner.element as z.ZodType, `${key}[]`, backend, rows, "in each entry");
    return;
  }
  if (!peeled.doc) return;
  record(rows, key, backend, defaultText(peeled, requiredWhen), peeled.doc.description);
}

function hasDocumentedChildren(object: z.ZodObject): boolean {
  return Object.values(object.shape as Record<string, z.ZodType>).some(
    (child) => peel(child).doc !== undefined || peel(child).inner instanceof z.ZodObject,
  );
}

function record(
  rows: Map<string, ReferenceRow>,
  key: string,
  backend: Backend,
  fallback: string,
  description: string,
): void {
  const row = rows.get(key) ?? { key, backends: [], defaults: {}, descriptions: {} };
  row.backends.push(backend);
  row.defaults[backend] = fallback;
  row.descriptions[backend] = description;
  rows.set(key, row);
}

export function configReference(): ReferenceRow[] {
  const rows = new Map<string, ReferenceRow>();
  for (const backend of BACKENDS) walk(BACKEND_SCHEMAS[backend], "", backend, rows);
  return [...rows.values()].filter((row) => row.key !== "backend");
}

/** One value when every backend agrees, else each backend's. */
function perBackend(row: ReferenceRow, values: Partial<Record<Backend, string>>): string {
  const texts = row.backends.map((b) => values[b] ?? "");
  const common = texts[0] ?? "";
  if (texts.every((v) => v === common)) return common;
  return row.backends.map((b) => `${b}: ${values[b]}`).join("; ");
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** The markdown table the README embeds between its config-reference markers. */
export function configReferenceMarkdown(): string {
  const lines = [
    "| key | backends | default | meaning |",
    "|-----|----------|---------|---------|",
    "| `backend` | — | required | `selfHosted`, `aurora` or `local`; decides which keys below apply |",
  ];
  for (const row of configReference()) {
    const backends = row.backends.length === BACKENDS.length ? "all" : row.backends.join(", ");
    lines.push(
      `| \`${row.key}\` | ${backends} | ${cell(perBackend(row, row.defaults))} | ${cell(perBackend(row, row.descriptions))} |`,
    );
  }
  return lines.join("\n");
}

export const REFERENCE_MARKERS = {
  start: "<!-- config-reference:start -->",
  end: "<!-- config-reference:end -->",
} as const;

/** The README with its config reference replaced by the generated one. */
export function withConfigReference(readme: string): string {
  const start = readme.indexOf(REFERENCE_MARKERS.start);
  const end = readme.indexOf(REFERENCE_MARKERS.end);
  if (start < 0 || end < start)
    throw new Error(`README has no ${REFERENCE_MARKERS.start} … ${REFERENCE_MARKERS.end} block`);
  return `${readme.slice(0, start + REFERENCE_MARKERS.start.length)}\n${configReferenceMarkdown()}\n${readme.slice(end)}`;
}
