// One admission's view of the registry side: at most MAX_CONCURRENT_LOOKUPS lookups at once and at
// most MAX_REQUESTS_PER_REGISTRY requests to any one registry, so no pod can make Archy hold more
// than a few manifests in memory or send a registry thousands of requests.
import { MAX_CONCURRENT_LOOKUPS, MAX_REQUESTS_PER_REGISTRY } from '../limits.ts';
import type { PlatformSource, RequestBudget, SourceOptions } from './source.ts';

export function admissionSource(source: PlatformSource, limits = { concurrency: MAX_CONCURRENT_LOOKUPS, requestsPerRegistry: MAX_REQUESTS_PER_REGISTRY }): PlatformSource {
  const budget = requestBudget(limits.requestsPerRegistry);
  const slot = semaphore(limits.concurrency);
  const withBudget = (options: SourceOptions): SourceOptions => ({ ...options, budget });
  return {
    resolve: (ref, options) => slot(() => source.resolve(ref, withBudget(options))),
    headDigest: (ref, options) => slot(() => source.headDigest(ref, withBudget(options))),
  };
}

export function requestBudget(perRegistry: number): RequestBudget {
  const spent = new Map<string, number>();
  return {
    take(registry: string): boolean {
      const used = spent.get(registry) ?? 0;
      if (used >= perRegistry) return false;
      spent.set(registry, used + 1);
      return true;
    },
  };
}

/** Runs at most `limit` tasks at once, the rest in the order they came. */
export function semaphore(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  // A finished task hands its slot straight to the next one waiting, so no newcomer slips in between.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
