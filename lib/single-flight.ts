// A bounded cache of values that expire (tokens, credentials, lists), each loaded at most once at a
// time per key. The shared load runs on a budget of its own: a caller whose own deadline comes
// first stops waiting, but neither cancels nor shortens the load for the others. Failures are never
// kept: the next caller loads afresh.

export interface Loaded<V> {
  value: V;
  /** How long the value may be served; 0 or less: not kept. */
  ttlMs: number;
}

export interface SingleFlightOptions {
  /** Kept values at most; the least recently loaded goes first. Keys often come from users. */
  maxEntries: number;
  /** The budget of one shared load, whatever its callers' budgets are. */
  loadTimeoutMs: number;
  now?: () => number;
}

interface Kept<V> {
  value: V;
  expiresAt: number;
}

export class SingleFlightCache<V> {
  readonly #kept = new Map<string, Kept<V>>();
  readonly #loading = new Map<string, Promise<V>>();
  readonly #maxEntries: number;
  readonly #loadTimeoutMs: number;
  readonly #now: () => number;

  constructor(options: SingleFlightOptions) {
    this.#maxEntries = Math.max(1, options.maxEntries);
    this.#loadTimeoutMs = options.loadTimeoutMs;
    this.#now = options.now ?? Date.now;
  }

  /** The kept value while it is fresh, else the one shared load's. `wait` ends only this caller's wait. */
  get(key: string, load: (signal: AbortSignal) => Promise<Loaded<V>>, wait?: AbortSignal): Promise<V> {
    const kept = this.peek(key);
    if (kept !== undefined) return Promise.resolve(kept);
    let loading = this.#loading.get(key);
    if (loading === undefined) {
      // Forgotten in a reaction, never synchronously: a load that throws before its first await
      // must not be left here, rejected, for every later caller.
      loading = this.#load(key, load).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
      // Nobody may be waiting when it fails (every caller gave up): not an unhandled rejection.
      loading.catch(() => undefined);
    }
    return wait === undefined ? loading : untilAborted(loading, wait);
  }

  /** The kept value while it is fresh, without loading. */
  peek(key: string): V | undefined {
    const kept = this.#kept.get(key);
    if (kept === undefined) return undefined;
    if (kept.expiresAt <= this.#now()) {
      this.#kept.delete(key);
      return undefined;
    }
    return kept.value;
  }

  /** Forgets a kept value (e.g. one the other side no longer accepts). */
  delete(key: string): void {
    this.#kept.delete(key);
  }

  get size(): number {
    return this.#kept.size;
  }

  async #load(key: string, load: (signal: AbortSignal) => Promise<Loaded<V>>): Promise<V> {
    const budget = AbortSignal.timeout(this.#loadTimeoutMs);
    // The budget holds even for a load that does not watch its signal: else the key would stay in
    // flight forever, and every later caller without a signal of its own would wait with it.
    const { value, ttlMs } = await untilAborted(load(budget), budget);
    if (ttlMs > 0) this.#keep(key, value, ttlMs);
    return value;
  }

  #keep(key: string, value: V, ttlMs: number): void {
    this.#kept.delete(key);
    this.#kept.set(key, { value, expiresAt: this.#now() + ttlMs });
    while (this.#kept.size > this.#maxEntries) {
      const oldest = this.#kept.keys().next().value as string;
      this.#kept.delete(oldest);
    }
  }
}

/** Settles with `work`, or rejects with the signal's reason when it aborts first (work goes on). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
