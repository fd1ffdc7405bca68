// One admission's view of the registry side: at most MAX_CONCURRENT_LOOKUPS lookups at once and at
// most MAX_REQUESTS_PER_REGISTRY requests to any one registry, so no pod can make Archy hold more
// than a few manifests in memory or send a registry thousands of requests. Every lookup's
// repository is noted as it is asked for (before it waits for a slot): the admission's token plan,
// so one token request covers the repositories a pod needs from one registry.
import { registryApiHost } from '../image/reference.ts';
import { MAX_CONCURRENT_LOOKUPS, MAX_REQUESTS_PER_REGISTRY } from '../limits.ts';
import { Semaphore } from '../semaphore.ts';
import type { ImageReference } from '../types.ts';
import type { PlatformSource, RequestBudget, ScopePlan, SourceOptions } from './source.ts';

export function admissionSource(source: PlatformSource, limits = { concurrency: MAX_CONCURRENT_LOOKUPS, requestsPerRegistry: MAX_REQUESTS_PER_REGISTRY }): PlatformSource {
  const budget = requestBudget(limits.requestsPerRegistry);
  const plan = scopePlan();
  const slots = new Semaphore(limits.concurrency);
  const withBudget = (ref: ImageReference, options: SourceOptions): SourceOptions => {
    plan.add(ref);
    return { ...options, budget, plan };
  };
  return {
    resolve: (ref, options) => {
      const planned = withBudget(ref, options);
      return slots.run(() => source.resolve(ref, planned), options.deadline.signal);
    },
    headDigest: (ref, options) => {
      const planned = withBudget(ref, options);
      return slots.run(() => source.headDigest(ref, planned), options.deadline.signal);
    },
    prepare: (refs, deadline) => source.prepare?.(refs, deadline),
  };
}

/** Repositories by registry API host, in the order the lookups were asked for. */
export function scopePlan(): ScopePlan & { add(ref: ImageReference): void } {
  const byRegistry = new Map<string, Set<string>>();
  return {
    add(ref) {
      const registry = registryApiHost(ref.registry);
      const repositories = byRegistry.get(registry) ?? new Set<string>();
      repositories.add(ref.repository);
      byRegistry.set(registry, repositories);
    },
    repositories: (registry) => [...(byRegistry.get(registry) ?? [])],
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
