// Memory first, then the shared tier for what memory lacks (one call), promoting what it finds.
import type { Deadline } from '../deadline.ts';
import type { CacheHealth, PlatformCache } from './cache.ts';
import type { CacheEntry, CacheHit } from './entry.ts';
import type { MemoryCache } from './memory.ts';

export class TieredCache implements PlatformCache {
  readonly #memory: MemoryCache;
  readonly #shared: PlatformCache | undefined;

  constructor(memory: MemoryCache, shared?: PlatformCache) {
    this.#memory = memory;
    this.#shared = shared;
  }

  async getMany(keys: string[], deadline: Deadline): Promise<Map<string, CacheHit>> {
    const hits = this.#memory.getManyNow(keys);
    const misses = [...new Set(keys)].filter((key) => !hits.has(key));
    if (this.#shared === undefined || misses.length === 0) return hits;
    const shared = await this.#shared.getMany(misses, deadline).catch(() => new Map<string, CacheHit>());
    for (const [key, hit] of shared) {
      hits.set(key, hit);
      this.#memory.set(key, hit.entry);
    }
    return hits;
  }

  getAllNow(keys: string[]): Map<string, CacheHit> | undefined {
    const hits = this.#memory.getManyNow(keys);
    return keys.every((key) => hits.has(key)) ? hits : undefined;
  }

  async health(): Promise<CacheHealth> {
    if (this.#shared === undefined) return { ok: true, tiers: ['memory'] };
    const shared = await this.#shared.health();
    return { ...shared, tiers: ['memory', ...shared.tiers] };
  }

  /** The memory tier is written before this returns its promise; the promise covers the shared tier. */
  putMany(items: Array<[string, CacheEntry]>, deadline: Deadline): Promise<void> {
    this.#memory.putManyNow(items);
    if (this.#shared === undefined || items.length === 0) return Promise.resolve();
    return this.#shared.putMany(items, deadline).catch(() => undefined);
  }
}
