/** A Topology's hash (it names the verification Job) and its freezing. */
import { createHash } from "node:crypto";
import type { Topology } from "./types";

/** A Topology of any backend before its hash is stamped. */
export type UnhashedTopology = Topology extends infer T ? (T extends Topology ? Omit<T, "hash"> : never) : never;

function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 10);
}

/** Stamps the hash of everything else and freezes the whole: a Topology never changes after it is built. */
export function hashed(unhashed: UnhashedTopology): Topology {
  return deepFreeze({ ...unhashed, hash: hashOf(unhashed) });
}

/** Recomputes a topology's hash from its contents, to check one read back from a file. */
export function topologyHash(topology: Topology): string {
  const { hash: _hash, ...rest } = topology;
  return hashOf(rest);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
