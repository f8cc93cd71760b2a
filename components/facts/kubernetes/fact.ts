/**
 * A behaviour of an image, the kubelet, PostgreSQL or the Pulumi provider the manifests rely on, with where it is
 * written down.
 */
export interface Fact<T> {
  value: T;
  /** Repository path at a commit, or a documentation page. */
  source: string;
}

export function fact<T>(value: T, source: string): Fact<T> {
  return { value, source };
}
