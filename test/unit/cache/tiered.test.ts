import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlatformCache } from '../../../lib/cache/cache.ts';
import type { CacheEntry, CacheHit } from '../../../lib/cache/entry.ts';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { TieredCache } from '../../../lib/cache/tiered.ts';
import { Deadline } from '../../../lib/deadline.ts';

const entry = (digest: string): CacheEntry => ({ digest, platforms: [], freshUntil: 4e9, expiresAt: 4e9 });

class FakeShared implements PlatformCache {
  readonly stored = new Map<string, CacheEntry>();
  readonly reads: string[][] = [];
  writes = 0;
  health(): Promise<{ ok: boolean; tiers: string[] }> {
    return Promise.resolve({ ok: true, tiers: ['dynamodb'] });
  }
  getMany(keys: string[]): Promise<Map<string, CacheHit>> {
    this.reads.push(keys);
    const hits = new Map<string, CacheHit>();
    for (const key of keys) {
      const found = this.stored.get(key);
      if (found) hits.set(key, { entry: found, tier: 'dynamodb' });
    }
    return Promise.resolve(hits);
  }
  async putMany(items: Array<[string, CacheEntry]>): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.writes += 1;
    for (const [key, value] of items) this.stored.set(key, value);
  }
}

describe('TieredCache', () => {
  const deadline = new Deadline(60_000);

  test('getAllNow answers at once only when memory holds every key, and never asks the shared tier', () => {
    const memory = new MemoryCache(10);
    const shared = new FakeShared();
    shared.stored.set('b', entry('b'));
    memory.set('a', entry('a'));
    const cache = new TieredCache(memory, shared);
    assert.deepEqual([...(cache.getAllNow(['a']) ?? new Map()).entries()], [['a', { entry: entry('a'), tier: 'memory' }]]);
    assert.equal(cache.getAllNow(['a', 'b']), undefined);
    assert.deepEqual(shared.reads, []);
  });

  test('reads memory first, asks the shared tier once for the misses, and promotes its hits', async () => {
    const memory = new MemoryCache(10);
    const shared = new FakeShared();
    memory.set('a', entry('a'));
    shared.stored.set('b', entry('b'));
    const cache = new TieredCache(memory, shared);

    const hits = await cache.getMany(['a', 'b', 'c'], deadline);
    assert.deepEqual(shared.reads, [['b', 'c']]);
    assert.equal(hits.get('a')?.tier, 'memory');
    assert.equal(hits.get('b')?.tier, 'dynamodb');
    assert.equal(hits.has('c'), false);

    const again = await cache.getMany(['a', 'b'], deadline);
    assert.equal(shared.reads.length, 1, 'everything was in memory');
    assert.equal(again.get('b')?.tier, 'memory');
  });

  test('writes memory at once and the shared tier in the returned promise', async () => {
    const memory = new MemoryCache(10);
    const shared = new FakeShared();
    const cache = new TieredCache(memory, shared);
    const pending = cache.putMany([['k', entry('k')]], deadline);
    assert.equal(memory.get('k')?.digest, 'k');
    assert.equal(shared.writes, 0);
    await pending;
    assert.equal(shared.stored.get('k')?.digest, 'k');
  });

  test('serves from memory alone without a shared tier', async () => {
    const cache = new TieredCache(new MemoryCache(10));
    await cache.putMany([['k', entry('k')]], deadline);
    assert.equal((await cache.getMany(['k'], deadline)).get('k')?.tier, 'memory');
  });

  test('a failing shared tier reads as a miss', async () => {
    const failing: PlatformCache = {
      getMany: () => Promise.reject(new Error('down')),
      putMany: () => Promise.reject(new Error('down')),
      health: () => Promise.resolve({ ok: false, tiers: ['dynamodb'], error: 'Error' }),
    };
    const cache = new TieredCache(new MemoryCache(10), failing);
    assert.equal((await cache.getMany(['k'], deadline)).size, 0);
    await cache.putMany([['k', entry('k')]], deadline);
  });

  after(() => deadline.dispose());
});
