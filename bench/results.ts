/** One benchmark figure, always with the baseline it was measured against in the same run. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  /** value / baselineValue. */
  ratio: number;
  better: 'higher' | 'lower';
}

export function result(name: string, value: number, unit: string, baseline: string, baselineValue: number, better: 'higher' | 'lower'): BenchResult {
  return { name, value, unit, baseline, baselineValue, ratio: value / baselineValue, better };
}

/** Median and 95th percentile of a sample. */
export function percentiles(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95) };
}
