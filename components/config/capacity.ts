/** The capacity formula's inputs and its answer, spelled out for stack outputs. */
export interface Capacity {
  peakReadQps: number;
  perNodeQps: number;
  safetyFactor: number;
  requiredReplicas: number;
  /** The arithmetic: "ceil(12000 / 4000 × 1.3) = ceil(3.9) = 4". */
  formula: string;
}

/**
 * Required replicas = ceil(peak read QPS / sustainable QPS per node × safety factor).
 * The safety factor (typically 1.3–1.5) covers connection overhead, WAL apply and
 * failover headroom. Rounded to 9 decimals before ceil so 3 × 1.1 = 3.3000000000000003
 * does not become an extra replica through floating-point noise.
 */
export function requiredReplicas(peakReadQps: number, perNodeQps: number, safetyFactor: number): Capacity {
  const exact = (peakReadQps / perNodeQps) * safetyFactor;
  const rounded = Math.round(exact * 1e9) / 1e9;
  const required = Math.max(1, Math.ceil(rounded));
  const shown = Number(rounded.toFixed(3));
  return {
    peakReadQps,
    perNodeQps,
    safetyFactor,
    requiredReplicas: required,
    formula: `ceil(${peakReadQps} / ${perNodeQps} × ${safetyFactor}) = ceil(${shown}) = ${required}`,
  };
}
