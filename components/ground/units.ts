/**
 * Parsers for the value formats stack config uses. Each returns a number or
 * `undefined`; the schema turns `undefined` into an error that names the key.
 */

const POSTGRES_SIZE_UNITS: Record<string, number> = {
  kB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

/** PostgreSQL memory/size syntax ("512MB", "10GB"): unit required, case as PostgreSQL spells it. */
export function parsePostgresSize(text: string): number | undefined {
  const match = /^(\d+)\s*(kB|MB|GB|TB)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * POSTGRES_SIZE_UNITS[match[2]!]!;
}

export const SIZE_HINT = "a whole number with a PostgreSQL unit: kB, MB, GB or TB (for example 512MB or 10GB)";

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds in the largest unit that divides them, as a user would write them: 10000 → "10s". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Durations such as "500ms", "30s", "5m", "5min", "2h". Returns milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*(ms|s|min|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
}

export const DURATION_HINT = "a whole number with a unit: ms, s, m, h or d (for example 30s or 5m)";

const BINARY_SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL_SUFFIX: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** Kubernetes memory/storage quantity ("512Mi", "2Gi", "1G") in bytes. */
export function parseByteQuantity(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text.trim());
  if (!match) return undefined;
  const suffix = match[2];
  const factor = suffix === undefined ? 1 : (BINARY_SUFFIX[suffix] ?? DECIMAL_SUFFIX[suffix]!);
  return Math.round(Number(match[1]) * factor);
}

export const BYTE_QUANTITY_HINT = "a Kubernetes quantity such as 512Mi, 2Gi or 100Gi";

/** Kubernetes CPU quantity ("500m", "1", "1.5") in millicores. */
export function parseCpuQuantity(text: string): number | undefined {
  const millis = /^(\d+)m$/.exec(text.trim());
  if (millis) return Number(millis[1]);
  const cores = /^(\d+(?:\.\d{1,3})?)$/.exec(text.trim());
  if (cores) return Math.round(Number(cores[1]) * 1000);
  return undefined;
}

export const CPU_HINT = 'cores ("1", "1.5") or millicores ("500m")';

/** Formats bytes the way postgresql.conf expects, in the largest whole unit. */
export function formatPostgresSize(bytes: number): string {
  for (const unit of ["TB", "GB", "MB", "kB"] as const) {
    const factor = POSTGRES_SIZE_UNITS[unit]!;
    if (bytes % factor === 0 && bytes >= factor) return `${bytes / factor}${unit}`;
  }
  // Round up to kB: PostgreSQL's smallest unit for these settings.
  return `${Math.ceil(bytes / 1024)}kB`;
}

function ipv4ToInt(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export interface Cidr {
  text: string;
  family: 4 | 6;
  prefix: number;
}

/**
 * Parses an IPv4 or IPv6 CIDR. Host bits must be zero (10.0.0.1/8 is refused):
 * pg_hba.conf would accept it, but it almost always means a typo in the prefix.
 */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, ...rest] = text.trim().split("/");
  if (rest.length > 0 || address === undefined || prefixText === undefined) return undefined;
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const v4 = ipv4ToInt(address);
  if (v4 !== undefined) {
    if (prefix > 32) return undefined;
    const hostBits = 32 - prefix;
    if (hostBits > 0 && v4 % 2 ** hostBits !== 0) return undefined;
    return { text: `${address}/${prefix}`, family: 4, prefix };
  }
  if (/^[0-9a-fA-F:]+$/.test(address) && address.includes(":") && prefix <= 128) {
    return { text: `${address.toLowerCase()}/${prefix}`, family: 6, prefix };
  }
  return undefined;
}

/** Whether `outer` contains every address of `inner` (IPv4 only; IPv6 never contains IPv4). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== 4 || inner.family !== 4 || outer.prefix > inner.prefix) return false;
  const address = (cidr: Cidr) => ipv4ToInt(cidr.text.split("/")[0]!)!;
  const hostBits = 32 - outer.prefix;
  return Math.floor(address(outer) / 2 ** hostBits) === Math.floor(address(inner) / 2 ** hostBits);
}

export function isOpenToEveryone(cidr: Cidr): boolean {
  return cidr.prefix === 0;
}
