// "Did it finish within N ms?" asked so that a loaded machine cannot flake the answer. A wall-clock
// bound fails whenever the process is stalled past it, even when the work did exactly what it
// should. Instead a reference timer of N ms starts with the work: a stall delays it as much as the
// work's own timers. Node fires timers that are due in the order they fell due and settles promises
// between two of them, so work that ends when its own timer fires (a time budget) settles before a
// reference timer due later, however late both fire.

export interface Timing {
  /** Wall-clock time the work took: a lower bound is safe to assert (timers never fire early). */
  elapsedMs: number;
  /** Whether the work settled before the reference timer of `limitMs` fired. */
  within(limitMs: number): boolean;
}

/** Starts one reference timer per limit; `stop()`, called as soon as the work settles, reads them. */
export function startReferenceTimers(limitsMs: readonly number[]): { stop(): Timing } {
  const started = performance.now();
  const fired = new Set<number>();
  const timers = limitsMs.map((limit) => setTimeout(() => fired.add(limit), limit));
  return {
    stop() {
      const elapsedMs = performance.now() - started;
      for (const timer of timers) clearTimeout(timer);
      return {
        elapsedMs,
        within(limitMs) {
          if (!limitsMs.includes(limitMs)) throw new Error(`no reference timer of ${limitMs} ms was started`);
          return !fired.has(limitMs);
        },
      };
    },
  };
}

/** Runs `work` with reference timers for `limitsMs`. */
export async function timed<T>(limitsMs: readonly number[], work: () => Promise<T>): Promise<{ value: T; timing: Timing }> {
  const watch = startReferenceTimers(limitsMs);
  try {
    const value = await work();
    return { value, timing: watch.stop() };
  } catch (error) {
    watch.stop();
    throw error;
  }
}
