// LRU by entry count: a Map keeps insertion order, so re-inserting on read moves a key to the end
// and the first key is always the least recently used. Lives while the Lambda instance is warm.
import type { CacheHealth, PlatformCache } from './cache.ts';
import { epochSeconds, isReadable, type CacheEntry, type CacheHit } from './entry.ts';

export class MemoryCache implements PlatformCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #capacity: number;
  readonly #now: () => number;

  constructor(capacity: number, now: () => number = Date.now) {
    this.#capacity = Math.max(0, Math.floor(capacity));
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CacheEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (!isReadable(entry, epochSeconds(this.#now()))) return undefined;
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CacheEntry): void {
    if (this.#capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  getMany(keys: string[]): Promise<Map<string, CacheHit>> {
    return Promise.resolve(this.getManyNow(keys));
  }

  getManyNow(keys: string[]): Map<string, CacheHit> {
    const hits = new Map<string, CacheHit>();
    for (const key of keys) {
      const entry = this.get(key);
      if (entry !== undefined) hits.set(key, { entry, tier: 'memory' });
    }
    return hits;
  }

  health(): Promise<CacheHealth> {
    return Promise.resolve({ ok: true, tiers: ['memory'] });
  }

  putMany(items: Array<[string, CacheEntry]>): Promise<void> {
    this.putManyNow(items);
    return Promise.resolve();
  }

  putManyNow(items: Array<[string, CacheEntry]>): void {
    for (const [key, entry] of items) this.set(key, entry);
  }
}
