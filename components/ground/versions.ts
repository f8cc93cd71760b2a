/** Dotted version numbers ("1.25.1", "16.10") compared part by part as numbers; a missing part counts as 0. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(".").map((part) => Number.parseInt(part, 10) || 0);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** `version` is `floor` or newer. */
export function versionAtLeast(version: string, floor: string): boolean {
  return compareVersions(version, floor) >= 0;
}
