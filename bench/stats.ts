/** The figures every load run reports, whatever drove it. */
export interface LoadResult {
  /** Completed transactions (or requests) per second over the measured window. */
  tps: number;
  p50Ms: number;
  p99Ms: number;
  /** Transactions (requests) completed in the measured window. */
  count: number;
  /** Length of the measured window in seconds. */
  seconds: number;
  /** pgbench: every transaction completed, warm-up included (checked against the rows it wrote). */
  total?: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array | number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}
