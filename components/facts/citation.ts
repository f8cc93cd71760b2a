/** Sources as text, for messages that say where a fact comes from. */
import type { SourceRef } from "./fact";
import { SOURCES, type Source } from "./sources";

/** The document itself: `owner/repo@ref path`, or the page's address. */
export function sourceLocation(source: Source): string {
  if ("url" in source) return source.url;
  return [`${source.repo}@${source.ref}`, source.path].filter(Boolean).join(" ");
}

/** One reference: `cloudnative-pg/cloudnative-pg@v1.30.0 pkg/certs/certs.go:88-95 (x509.ParseECPrivateKey)`. */
export function citation(ref: SourceRef): string {
  const location = sourceLocation(SOURCES[ref.source]);
  const where = ref.at === undefined ? location : ref.at.startsWith("#") ? location + ref.at : `${location} ${ref.at}`;
  return ref.note === undefined ? where : `${where} (${ref.note})`;
}

/** Every source of a fact or a sourced record, one after the other. */
export function citations(sourced: { readonly sources: readonly SourceRef[] }): string {
  return sourced.sources.map(citation).join("; ");
}
