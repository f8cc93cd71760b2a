/**
 * A behaviour of PostgreSQL, PgBouncer, an image, Kubernetes, an operator, a provider or AWS that the code relies on,
 * with where it is written down: references into the one registry of sources (sources.ts).
 */
import type { SourceId } from "./sources";

/** A registry entry and, optionally, where in it and what it says there. */
export interface SourceRef {
  readonly source: SourceId;
  /** Where in the source: a path with lines (`pkg/specs/pods.go:262-267`), a section, a symbol. */
  readonly at?: string;
  /** What the source says there, or how it was read, when the location alone does not show it. */
  readonly note?: string;
}

export interface Fact<T> {
  readonly value: T;
  readonly sources: readonly SourceRef[];
}

export function fact<T>(value: T, ...sources: [SourceRef, ...SourceRef[]]): Fact<T> {
  return { value, sources };
}

/** A reference to a registry entry: `cite("cnpg", "pkg/specs/pods.go:68", 'ClusterRoleLabelPrimary = "primary"')`. */
export function cite(source: SourceId, at?: string, note?: string): SourceRef {
  return { source, ...(at === undefined ? {} : { at }), ...(note === undefined ? {} : { note }) };
}
