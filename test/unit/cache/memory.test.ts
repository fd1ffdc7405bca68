import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CacheEntry } from '../../../lib/cache/entry.ts';
import { MemoryCache } from '../../../lib/cache/memory.ts';

const T0 = 1_900_000_000;
const entry = (tag: string, freshFor = 60, staleFor = 60): CacheEntry => ({
  digest: `sha256:${tag}`,
  platforms: [{ os: 'linux', architecture: 'amd64' }],
  freshUntil: T0 + freshFor,
  expiresAt: T0 + freshFor + staleFor,
});

describe('MemoryCache', () => {
  test('evicts the least recently used entry beyond its capacity', () => {
    const cache = new MemoryCache(3, () => T0 * 1000);
    cache.set('a', entry('a'));
    cache.set('b', entry('b'));
    cache.set('c', entry('c'));
    assert.ok(cache.get('a'), 'reading a makes b the oldest');
    cache.set('d', entry('d'));
    assert.equal(cache.size, 3);
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual(['a', 'c', 'd'].map((key) => cache.get(key)?.digest), ['sha256:a', 'sha256:c', 'sha256:d']);
  });

  test('re-setting a key refreshes it instead of growing the cache', () => {
    const cache = new MemoryCache(2, () => T0 * 1000);
    cache.set('a', entry('a'));
    cache.set('b', entry('b'));
    cache.set('a', entry('a2'));
    cache.set('c', entry('c'));
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a')?.digest, 'sha256:a2');
  });

  test('keeps entries readable through the stale window and drops them at expiresAt', () => {
    let now = T0 * 1000;
    const cache = new MemoryCache(10, () => now);
    cache.set('a', entry('a', 60, 60));
    now = (T0 + 100) * 1000;
    assert.equal(cache.get('a')?.digest, 'sha256:a', 'past freshUntil but inside the stale window');
    now = (T0 + 120) * 1000;
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 0);
  });

  test('getMany reports memory hits only for present keys', async () => {
    const cache = new MemoryCache(10, () => T0 * 1000);
    await cache.putMany([['a', entry('a')]]);
    const hits = await cache.getMany(['a', 'missing']);
    assert.deepEqual([...hits.keys()], ['a']);
    assert.equal(hits.get('a')?.tier, 'memory');
  });

  test('a capacity of 0 stores nothing', () => {
    const cache = new MemoryCache(0);
    cache.set('a', entry('a', 1e9));
    assert.equal(cache.size, 0);
  });
});
