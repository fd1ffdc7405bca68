import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlatformCache } from '../../../lib/cache/cache.ts';
import type { CacheEntry, CacheHit } from '../../../lib/cache/entry.ts';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { Deadline } from '../../../lib/deadline.ts';
import type { Metrics } from '../../../lib/metrics/metrics.ts';
import { Resolver, type ResolverOptions } from '../../../lib/resolver/resolver.ts';
import type { PlatformSource } from '../../../lib/resolver/source.ts';
import type { CredentialSource, ImageResolution, RegistryCredential } from '../../../lib/types.ts';
import { timed } from '../../support/timing.ts';
import { FakeSource, linux } from './fake-source.ts';

const config = { digestTtlSeconds: 30 * 86400, tagTtlSeconds: 3600, negativeTtlSeconds: 60, staleTtlSeconds: 7 * 86400 };
const NGINX = 'docker.io/library/nginx';
const REDIS = 'docker.io/library/redis';

class Clock {
  ms = Date.UTC(2030, 0, 1);
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

function setup(overrides: Partial<ResolverOptions> = {}) {
  const clock = new Clock();
  const source = new FakeSource();
  const memory = new MemoryCache(100, clock.now);
  const resolver = new Resolver({ source, cache: memory, config, now: clock.now, ...overrides });
  return { clock, source, memory, resolver };
}

async function resolve(resolver: Resolver, images: Array<string | { image: string; imagePullPolicy?: string }>, budgetMs = 2000, credentials?: CredentialSource) {
  const deadline = new Deadline(budgetMs);
  try {
    const result = await resolver.resolveAll(images.map((image) => (typeof image === 'string' ? { image } : image)), deadline, { credentials });
    await result.pendingWrites;
    return result;
  } finally {
    deadline.dispose();
  }
}

function ok(resolution: ImageResolution | undefined): Extract<ImageResolution, { ok: true }> {
  assert.ok(resolution?.ok, `expected a resolution, got ${JSON.stringify(resolution)}`);
  return resolution;
}

function archs(resolution: ImageResolution | undefined): string[] {
  return ok(resolution).platforms.map((platform) => platform.architecture);
}

class CountingCache implements PlatformCache {
  readonly inner: PlatformCache;
  readonly reads: string[][] = [];
  constructor(inner: PlatformCache) {
    this.inner = inner;
  }
  health(): ReturnType<PlatformCache['health']> {
    return this.inner.health();
  }
  getMany(keys: string[], deadline: Deadline): Promise<Map<string, CacheHit>> {
    this.reads.push(keys);
    return this.inner.getMany(keys, deadline);
  }
  putMany(items: Array<[string, CacheEntry]>, deadline: Deadline): Promise<void> {
    return this.inner.putMany(items, deadline);
  }
}

describe('Resolver', () => {
  test('resolves each distinct image once, answers every input in order', async () => {
    const { source, resolver } = setup();
    source.push(NGINX, 'latest', [linux('amd64'), linux('arm64')]);
    source.push(REDIS, '7', [linux('amd64')]);
    const result = await resolve(resolver, ['nginx', 'redis:7', 'docker.io/library/nginx:latest', 'nginx']);
    assert.equal(source.resolveCalls.length, 2);
    assert.deepEqual(result.resolutions.map((r) => r.image), ['nginx', 'redis:7', 'docker.io/library/nginx:latest', 'nginx']);
    assert.deepEqual(archs(result.resolutions[0]), ['amd64', 'arm64']);
    assert.deepEqual(archs(result.resolutions[1]), ['amd64']);
    assert.equal(ok(result.resolutions[2]).source, 'registry');
    assert.deepEqual(result.tiers, { memory: 0, dynamodb: 0, registry: 2, stale: 0, miss: 2, negative: 0 });
  });

  test('a second resolveAll is answered from memory without asking the registry', async () => {
    const { source, resolver } = setup();
    source.push(NGINX, 'latest', [linux('amd64'), linux('arm64')]);
    await resolve(resolver, ['nginx']);
    const second = await resolve(resolver, ['nginx', 'nginx:latest']);
    assert.equal(source.resolveCalls.length, 1);
    assert.equal(ok(second.resolutions[0]).source, 'memory');
    assert.equal(ok(second.resolutions[0]).digest, source.tags.get(`${NGINX}:latest`));
    assert.equal(second.tiers.memory, 1);
  });

  test('reads all keys with one getMany; a digest reference uses only the digest key', async () => {
    const { source, memory, clock } = setup();
    const cache = new CountingCache(memory);
    const resolver = new Resolver({ source, cache, config, now: clock.now });
    const digest = source.push(NGINX, 'latest', [linux('amd64')]);
    source.push(REDIS, 'latest', [linux('amd64')]);
    await resolve(resolver, ['nginx', 'redis', `nginx@${digest}`, 'nginx:latest']);
    assert.equal(cache.reads.length, 1);
    assert.deepEqual(cache.reads[0], [`tag#${NGINX}:latest`, `tag#${REDIS}:latest`, `digest#${NGINX}@${digest}`]);
  });

  test('an invalid reference fails alone with its reason', async () => {
    const { source, resolver } = setup();
    source.push(NGINX, 'latest', [linux('amd64')]);
    const result = await resolve(resolver, ['Not A Valid/Ref', 'nginx']);
    const bad = result.resolutions[0];
    assert.ok(bad && !bad.ok);
    assert.match(bad.error, /invalid image reference/);
    assert.deepEqual(archs(result.resolutions[1]), ['amd64']);
  });

  test('a failure is cached as a negative entry and not retried until negativeTtl passes', async () => {
    const { source, resolver, clock } = setup();
    const first = await resolve(resolver, ['ghcr.io/acme/missing:1']);
    const failed = first.resolutions[0];
    assert.ok(failed && !failed.ok);
    assert.match(failed.error, /manifest unknown/);
    const second = await resolve(resolver, ['ghcr.io/acme/missing:1']);
    assert.equal(source.resolveCalls.length, 1);
    assert.deepEqual(second.resolutions[0], failed);
    assert.equal(second.tiers.negative, 1);
    clock.advance(config.negativeTtlSeconds);
    await resolve(resolver, ['ghcr.io/acme/missing:1']);
    assert.equal(source.resolveCalls.length, 2);
  });

  test('a stale entry is used only when the registry fails, and says why', async () => {
    const { source, resolver, clock } = setup();
    source.push(NGINX, 'latest', [linux('amd64')]);
    await resolve(resolver, ['nginx']);
    clock.advance(config.tagTtlSeconds);

    source.push(NGINX, 'latest', [linux('amd64'), linux('arm64')]);
    const refreshed = await resolve(resolver, ['nginx']);
    assert.equal(ok(refreshed.resolutions[0]).source, 'registry');
    assert.deepEqual(archs(refreshed.resolutions[0]), ['amd64', 'arm64']);

    clock.advance(config.tagTtlSeconds);
    source.failure = new Error('registry-1.docker.io answered 503');
    const stale = ok((await resolve(resolver, ['nginx'])).resolutions[0]);
    assert.equal(stale.source, 'stale');
    assert.equal(stale.staleBecause, 'registry-1.docker.io answered 503');
    assert.deepEqual(stale.platforms.map((p) => p.architecture), ['amd64', 'arm64']);
    const calls = source.resolveCalls.length;

    // The failing registry is not asked again within the negative TTL; the stale answer keeps serving.
    const again = ok((await resolve(resolver, ['nginx'])).resolutions[0]);
    assert.equal(again.source, 'stale');
    assert.equal(source.resolveCalls.length, calls);
  });

  test('an entry past its stale window is never used', async () => {
    const { source, resolver, clock } = setup();
    source.push(NGINX, 'latest', [linux('amd64')]);
    await resolve(resolver, ['nginx']);
    clock.advance(config.tagTtlSeconds + config.staleTtlSeconds);
    source.failure = new Error('registry-1.docker.io answered 503');
    const result = await resolve(resolver, ['nginx']);
    const failed = result.resolutions[0];
    assert.ok(failed && !failed.ok);
    assert.equal(failed.error, 'registry-1.docker.io answered 503');
  });

  test('a tag that moves from single-arch to multi-arch is seen once tagTtl has passed', async () => {
    const { source, resolver, clock } = setup();
    source.push(NGINX, '1.27', [linux('amd64')]);
    assert.deepEqual(archs((await resolve(resolver, ['nginx:1.27'])).resolutions[0]), ['amd64']);
    source.push(NGINX, '1.27', [linux('amd64'), linux('arm64'), linux('arm', 'v7')]);
    clock.advance(config.tagTtlSeconds - 1);
    assert.deepEqual(archs((await resolve(resolver, ['nginx:1.27'])).resolutions[0]), ['amd64']);
    clock.advance(1);
    const moved = ok((await resolve(resolver, ['nginx:1.27'])).resolutions[0]);
    assert.deepEqual(moved.platforms, [linux('amd64'), linux('arm64'), linux('arm', 'v7')]);
    assert.equal(moved.digest, source.tags.get(`${NGINX}:1.27`));
  });

  describe('imagePullPolicy: Always', () => {
    const always = { image: 'nginx', imagePullPolicy: 'Always' };

    test('trusts a tag entry for 30 s, then checks the digest with a HEAD and reuses the cached platforms', async () => {
      const { source, resolver, clock } = setup();
      source.push(NGINX, 'latest', [linux('amd64')]);
      await resolve(resolver, [always]);
      clock.advance(30);
      assert.equal(ok((await resolve(resolver, [always])).resolutions[0]).source, 'memory');
      assert.equal(source.headCalls.length, 0);

      clock.advance(1);
      const checked = ok((await resolve(resolver, [always])).resolutions[0]);
      assert.equal(source.headCalls.length, 1);
      assert.equal(source.resolveCalls.length, 1);
      assert.equal(checked.source, 'memory');
      // A pod without Always still trusts the tag entry.
      await resolve(resolver, ['nginx']);
      assert.equal(source.headCalls.length, 1);
    });

    test('a moved tag is answered from the cached digest entry when there is one', async () => {
      const { source, resolver, clock } = setup();
      source.push(NGINX, 'latest', [linux('amd64')]);
      const newer = source.push(NGINX, 'next', [linux('amd64'), linux('arm64')]);
      await resolve(resolver, ['nginx:latest', 'nginx:next']);
      source.tags.set(`${NGINX}:latest`, newer);
      clock.advance(31);
      const moved = ok((await resolve(resolver, [always])).resolutions[0]);
      assert.equal(moved.digest, newer);
      assert.deepEqual(moved.platforms.map((p) => p.architecture), ['amd64', 'arm64']);
      assert.equal(source.resolveCalls.length, 2);
      assert.equal(source.headCalls.length, 1);
    });

    test('a moved tag to an unknown digest is resolved in full', async () => {
      const { source, resolver, clock } = setup();
      source.push(NGINX, 'latest', [linux('amd64')]);
      await resolve(resolver, [always]);
      const newer = source.push(NGINX, 'latest', [linux('arm64')]);
      clock.advance(31);
      const moved = ok((await resolve(resolver, [always])).resolutions[0]);
      assert.equal(moved.digest, newer);
      assert.equal(moved.source, 'registry');
      assert.equal(source.resolveCalls.length, 2);
    });
  });

  describe('deadline', () => {
    test('an image still unresolved at the deadline fails with the time it was given', async () => {
      const never: PlatformSource = { resolve: () => new Promise(() => undefined), headDigest: () => new Promise(() => undefined) };
      const fast = new FakeSource();
      fast.push(NGINX, 'latest', [linux('amd64')]);
      const memory = new MemoryCache(100);
      await resolve(new Resolver({ source: fast, cache: memory, config }), ['nginx']);

      const resolver = new Resolver({ source: never, cache: memory, config });
      // A reference timer, not the wall clock: a stalled machine delays it as much as the deadline.
      const { value: result, timing } = await timed([1000], () => resolve(resolver, ['nginx', 'redis'], 80));
      assert.ok(timing.within(1000), 'resolveAll returns at the deadline');
      assert.equal(ok(result.resolutions[0]).source, 'memory');
      const late = result.resolutions[1];
      assert.ok(late && !late.ok);
      assert.equal(late.error, 'timed out after 80 ms');
    });

    test('a stale entry is served when the registry is too slow', async () => {
      const { source, resolver, clock } = setup();
      source.push(NGINX, 'latest', [linux('amd64')]);
      await resolve(resolver, ['nginx']);
      clock.advance(config.tagTtlSeconds);
      source.delayMs = 10_000;
      const stale = ok((await resolve(resolver, ['nginx'], 80)).resolutions[0]);
      assert.equal(stale.source, 'stale');
      assert.equal(stale.staleBecause, 'timed out after 80 ms');
    });
  });

  describe('credentials', () => {
    const secret = 's3cr3t-password-value';
    const credentialsFor = (identity: string): RegistryCredential[] => [{ kind: 'basic', username: 'robot', password: secret, identity }];

    test('a plain source: shared keys first, then one read of the identity keys; asks once per repository', async () => {
      const asked: string[] = [];
      let identity = 'tenant-a';
      const credentials: CredentialSource = {
        credentialsFor: (registry, repository) => {
          asked.push(`${registry}/${repository}`);
          return Promise.resolve(credentialsFor(identity));
        },
      };
      const { source, memory, clock } = setup();
      const cache = new CountingCache(memory);
      const resolver = new Resolver({ source, cache, config, now: clock.now });
      source.push('ghcr.io/acme/app', '1', [linux('arm64')]);
      source.push('ghcr.io/acme/app', '2', [linux('arm64')]);
      await resolve(resolver, ['ghcr.io/acme/app:1', 'ghcr.io/acme/app:2', 'ghcr.io/acme/app:1'], 2000, credentials);
      assert.deepEqual(asked, ['ghcr.io/acme/app']);
      assert.deepEqual(cache.reads, [
        ['tag#ghcr.io/acme/app:1', 'tag#ghcr.io/acme/app:2'],
        ['tag#ghcr.io/acme/app:1#tenant-a', 'tag#ghcr.io/acme/app:2#tenant-a'],
      ]);
      assert.equal(source.seenCredentials[0]?.[0]?.identity, 'tenant-a');

      identity = 'tenant-b';
      await resolve(resolver, ['ghcr.io/acme/app:1'], 2000, credentials);
      assert.equal(source.resolveCalls.length, 3, "another tenant's cached answer is not reused");
    });

    test('a credential failure is a warning; the lookup continues anonymously', async () => {
      const credentials: CredentialSource = { credentialsFor: () => Promise.reject(new Error('secret acme/pull not found')) };
      const { source, memory, clock } = setup();
      const resolver = new Resolver({ source, cache: memory, config, now: clock.now });
      source.push('ghcr.io/acme/app', '1', [linux('arm64')]);
      const result = await resolve(resolver, ['ghcr.io/acme/app:1'], 2000, credentials);
      assert.deepEqual(archs(result.resolutions[0]), ['arm64']);
      assert.deepEqual(source.seenCredentials, [[]]);
      assert.equal(result.warnings.length, 1);
      assert.match(result.warnings[0] ?? '', /ghcr\.io\/acme\/app.*secret acme\/pull not found.*anonymously/);
    });
  });

  test('pendingWrites resolves even when the cache write fails', async () => {
    const source = new FakeSource();
    source.push(NGINX, 'latest', [linux('amd64')]);
    const broken: PlatformCache = {
      getMany: () => Promise.resolve(new Map()),
      putMany: () => Promise.reject(new Error('table gone')),
      health: () => Promise.resolve({ ok: false, tiers: ['dynamodb'] }),
    };
    const deadline = new Deadline(1000);
    const result = await new Resolver({ source, cache: broken, config }).resolveAll([{ image: 'nginx' }], deadline);
    deadline.dispose();
    await result.pendingWrites;
    assert.equal(ok(result.resolutions[0]).source, 'registry');
  });

  test('counts cache hits by tier and misses', async () => {
    const counted: string[] = [];
    const metrics: Metrics = { count: (name, _value, dimensions) => counted.push(`${name}${dimensions?.tier ? `:${dimensions.tier}` : ''}`), timing: () => undefined };
    const { source, resolver } = setup({ metrics });
    source.push(NGINX, 'latest', [linux('amd64')]);
    await resolve(resolver, ['nginx']);
    await resolve(resolver, ['nginx']);
    assert.deepEqual(counted, ['CacheMisses', 'CacheHits:memory']);
  });
});
