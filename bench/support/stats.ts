// Latency summaries from per-iteration samples (milliseconds).

export interface LatencySummary {
  iterations: number;
  /** Admissions per second over the whole timed loop (one at a time, one core). */
  perSecond: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] as number;
}

export function summarise(samplesMs: number[], totalMs: number): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    iterations: sorted.length,
    perSecond: sorted.length / (totalMs / 1000),
    meanMs: totalMs / sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/**
 * Runs `step` sequentially: `warmup` untimed calls, then `iterations` timed ones. Each sample is
 * one call's wall time; the total includes the loop itself, so perSecond is what one core sustains.
 */
export async function timeSequential(step: (i: number) => Promise<unknown> | unknown, iterations: number, warmup: number): Promise<LatencySummary> {
  for (let i = 0; i < warmup; i += 1) await step(i);
  const samples = new Array<number>(iterations);
  const started = performance.now();
  for (let i = 0; i < iterations; i += 1) {
    const t0 = performance.now();
    await step(warmup + i);
    samples[i] = performance.now() - t0;
  }
  return summarise(samples, performance.now() - started);
}
