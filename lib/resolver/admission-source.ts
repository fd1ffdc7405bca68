// One admission's view of the registry side: at most MAX_CONCURRENT_LOOKUPS lookups at once and at
// most MAX_REQUESTS_PER_REGISTRY requests to any one registry, so no pod can make Archy hold more
// than a few manifests in memory or send a registry thousands of requests.
import { MAX_CONCURRENT_LOOKUPS, MAX_REQUESTS_PER_REGISTRY } from '../limits.ts';
import { Semaphore } from '../semaphore.ts';
import type { PlatformSource, RequestBudget, SourceOptions } from './source.ts';

export function admissionSource(source: PlatformSource, limits = { concurrency: MAX_CONCURRENT_LOOKUPS, requestsPerRegistry: MAX_REQUESTS_PER_REGISTRY }): PlatformSource {
  const budget = requestBudget(limits.requestsPerRegistry);
  const slots = new Semaphore(limits.concurrency);
  const withBudget = (options: SourceOptions): SourceOptions => ({ ...options, budget });
  return {
    resolve: (ref, options) => slots.run(() => source.resolve(ref, withBudget(options)), options.deadline.signal),
    headDigest: (ref, options) => slots.run(() => source.headDigest(ref, withBudget(options)), options.deadline.signal),
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
