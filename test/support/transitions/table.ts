/**
 * The transition table: for each backend, each kind of change and each server or pool, what applying the change to
 * a running stack does. The README holds it between markers; the tests compute it and compare (so the README's table
 * is the tests' table).
 */
import type { Backend } from "./changes";

export const PARTS = ["writer", "replicas", "olap", "writePool", "readPool", "olapPool"] as const;
export type Part = (typeof PARTS)[number];
export type Row = Record<Part, string>;

export const HEADERS: Record<Part, string> = {
  writer: "writer",
  replicas: "OLTP replicas",
  olap: "OLAP replica",
  writePool: "write pool",
  readPool: "read pool",
  olapPool: "OLAP pool",
};

/** A part the change leaves alone. */
export const UNCHANGED = "—";

/** Several things happen to one part: most consequential first, each once. */
export function cell(outcomes: string[]): string {
  const distinct = [...new Set(outcomes.filter((o) => o !== UNCHANGED))];
  return distinct.length === 0 ? UNCHANGED : distinct.join(", ");
}

export function emptyRow(): Row {
  return Object.fromEntries(PARTS.map((p) => [p, UNCHANGED])) as Row;
}

/** Every part the same outcome (e.g. a change refused before anything is touched). */
export function uniformRow(outcome: string): Row {
  return Object.fromEntries(PARTS.map((p) => [p, outcome])) as Row;
}

const startMarker = (backend: Backend) => `<!-- transitions:${backend}:start -->`;
const endMarker = (backend: Backend) => `<!-- transitions:${backend}:end -->`;

export function renderTable(rows: Array<[string, Row]>): string {
  const header = `| change | ${PARTS.map((p) => HEADERS[p]).join(" | ")} |`;
  const rule = `|${["---", ...PARTS.map(() => "---")].join("|")}|`;
  const body = rows.map(([label, row]) => `| ${label} | ${PARTS.map((p) => row[p]).join(" | ")} |`);
  return [header, rule, ...body].join("\n");
}

/** The table between a backend's markers in a document, or undefined when the markers are missing. */
export function tableIn(document: string, backend: Backend): string | undefined {
  const start = document.indexOf(startMarker(backend));
  const end = document.indexOf(endMarker(backend));
  if (start < 0 || end < start) return undefined;
  return document.slice(start + startMarker(backend).length, end).trim();
}

export function withTable(document: string, backend: Backend, table: string): string {
  const start = document.indexOf(startMarker(backend));
  const end = document.indexOf(endMarker(backend));
  if (start < 0 || end < start) throw new Error(`README has no ${startMarker(backend)} … ${endMarker(backend)}`);
  return `${document.slice(0, start + startMarker(backend).length)}\n${table}\n${document.slice(end)}`;
}
