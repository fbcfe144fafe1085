/** Small statistics for the benchmark: percentiles over recorded latencies, medians over runs. */

/** The p-th percentile (0–100) of the values, nearest-rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

export function summarise(latenciesMs: readonly number[]): LatencySummary {
  return {
    p50: percentile(latenciesMs, 50),
    p95: percentile(latenciesMs, 95),
    p99: percentile(latenciesMs, 99),
    max: latenciesMs.length === 0 ? Number.NaN : Math.max(...latenciesMs),
    count: latenciesMs.length,
  };
}

/** A number for a table cell: few digits, no false precision. */
export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return '–';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toFixed(d);
}

export function ratio(ours: number, peer: number): number {
  return peer === 0 || !Number.isFinite(peer) || !Number.isFinite(ours) ? Number.NaN : ours / peer;
}
