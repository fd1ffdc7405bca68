// While an admission waits for the shared cache, the registry side may start what does not depend
// on the answer (a cold instance's read of a registry's remembered challenge): the resolver tells
// its source which images may be looked up before it waits, and only when memory cannot answer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlatformCache } from '../../../lib/cache/cache.ts';
import type { CacheEntry, CacheHit } from '../../../lib/cache/entry.ts';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { TieredCache } from '../../../lib/cache/tiered.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { Resolver } from '../../../lib/resolver/resolver.ts';
import type { ImageReference } from '../../../lib/types.ts';
import { FakeSource, linux } from './fake-source.ts';

const config = { digestTtlSeconds: 30 * 86400, tagTtlSeconds: 3600, negativeTtlSeconds: 60, staleTtlSeconds: 7 * 86400 };

class PreparingSource extends FakeSource {
  readonly prepared: string[][] = [];
  prepare(refs: readonly ImageReference[]): void {
    this.prepared.push(refs.map((ref) => ref.canonical));
  }
}

/** A shared tier whose reads wait until released. */
class HeldTable implements PlatformCache {
  readonly reads: string[][] = [];
  #release: () => void = () => undefined;
  readonly #released = new Promise<void>((resolve) => (this.#release = resolve));
  release(): void {
    this.#release();
  }
  async getMany(keys: string[]): Promise<Map<string, CacheHit>> {
    this.reads.push(keys);
    await this.#released;
    return new Map();
  }
  putMany(_items: Array<[string, CacheEntry]>): Promise<void> {
    return Promise.resolve();
  }
  health(): ReturnType<PlatformCache['health']> {
    return Promise.resolve({ ok: true, tiers: ['held'] });
  }
}

describe('the resolver prepares its source while the cache is asked', () => {
  test('a miss: the source hears of every image to look up before the table has answered', async () => {
    const source = new PreparingSource();
    source.push('docker.io/library/nginx', '1', [linux('amd64')]);
    source.push('ghcr.io/acme/tool', '2', [linux('arm64')]);
    const table = new HeldTable();
    const resolver = new Resolver({ source, cache: new TieredCache(new MemoryCache(10), table), config });
    const deadline = new Deadline(5_000);
    try {
      const resolving = resolver.resolveAll([{ image: 'nginx:1' }, { image: 'ghcr.io/acme/tool:2' }], deadline);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(table.reads.length, 1, 'the table is being read');
      assert.deepEqual(source.prepared, [['docker.io/library/nginx:1', 'ghcr.io/acme/tool:2']], 'prepared before the table answered');
      table.release();
      const result = await resolving;
      assert.deepEqual(result.resolutions.map((resolution) => resolution.ok), [true, true]);
    } finally {
      deadline.dispose();
    }
  });

  test('everything in memory: nothing is prepared (a warm admission starts no registry work)', async () => {
    const source = new PreparingSource();
    source.push('docker.io/library/nginx', '1', [linux('amd64')]);
    const table = new HeldTable();
    table.release();
    const resolver = new Resolver({ source, cache: new TieredCache(new MemoryCache(10), table), config });
    for (let i = 0; i < 2; i += 1) {
      const deadline = new Deadline(5_000);
      try {
        const result = await resolver.resolveAll([{ image: 'nginx:1' }], deadline);
        await result.pendingWrites;
      } finally {
        deadline.dispose();
      }
    }
    assert.equal(source.prepared.length, 1, 'only the first admission, which missed, prepared');
    assert.equal(table.reads.length, 1, 'the second was answered from memory');
  });
});
