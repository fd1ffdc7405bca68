// What one pod can make the resolver do: bounded images, lookups at once, requests per registry;
// and which failures are remembered for the next admission.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { MAX_CONCURRENT_LOOKUPS, MAX_IMAGES_PER_ADMISSION } from '../../../lib/limits.ts';
import { requestBudget } from '../../../lib/resolver/admission-source.ts';
import { Semaphore } from '../../../lib/semaphore.ts';
import { Resolver } from '../../../lib/resolver/resolver.ts';
import type { SourceOptions } from '../../../lib/resolver/source.ts';
import type { ImageReference } from '../../../lib/types.ts';
import { FakeRegistryError, FakeSource, linux } from './fake-source.ts';

const config = { digestTtlSeconds: 30 * 86400, tagTtlSeconds: 3600, negativeTtlSeconds: 60, staleTtlSeconds: 7 * 86400 };

async function resolveOnce(resolver: Resolver, images: string[], budgetMs = 5000) {
  const deadline = new Deadline(budgetMs);
  try {
    const result = await resolver.resolveAll(images.map((image) => ({ image })), deadline);
    await result.pendingWrites;
    return result;
  } finally {
    deadline.dispose();
  }
}

/** Counts lookups under way at once; each waits for a turn of the event loop so they overlap. */
class OverlapSource extends FakeSource {
  running = 0;
  most = 0;
  budgets = new Set<unknown>();
  override async resolve(ref: ImageReference, options: SourceOptions) {
    this.running += 1;
    this.most = Math.max(this.most, this.running);
    this.budgets.add(options.budget);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return await super.resolve(ref, options);
    } finally {
      this.running -= 1;
    }
  }
}

describe('one pod, bounded work', () => {
  test(`a pod naming thousands of distinct images looks up ${MAX_IMAGES_PER_ADMISSION}, names the rest, and never runs more than ${MAX_CONCURRENT_LOOKUPS} at once`, async () => {
    const source = new OverlapSource();
    const images = Array.from({ length: 3000 }, (_, index) => {
      source.push(`docker.io/library/app${index}`, '1', [linux('amd64')]);
      return `app${index}:1`;
    });
    const resolver = new Resolver({ source, cache: new MemoryCache(10_000), config });
    const { resolutions } = await resolveOnce(resolver, images);

    assert.equal(source.resolveCalls.length, MAX_IMAGES_PER_ADMISSION);
    assert.equal(source.most, MAX_CONCURRENT_LOOKUPS);
    assert.equal(source.budgets.size, 1, 'one request budget for the whole admission');
    assert.equal(resolutions.length, 3000);
    assert.equal(resolutions.filter((resolution) => resolution.ok).length, MAX_IMAGES_PER_ADMISSION);
    const left = resolutions.at(-1);
    assert.ok(left && !left.ok && left.error.includes(`more than ${MAX_IMAGES_PER_ADMISSION} distinct images`));
  });

  test('the request budget counts per registry and refuses past its share', () => {
    const budget = requestBudget(2);
    assert.deepEqual([budget.take('a.io'), budget.take('a.io'), budget.take('a.io'), budget.take('b.io')], [true, true, false, true]);
  });

  test('the semaphore hands a freed slot to the one waiting, never to a newcomer', async () => {
    const slots = new Semaphore(1);
    const order: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const first = slots.run(() => gate.then(() => order.push('first')));
    const second = slots.run(async () => order.push('second'));
    await new Promise((resolve) => setImmediate(resolve));
    open();
    await first;
    const third = slots.run(async () => order.push('third'));
    await Promise.all([second, third]);
    assert.deepEqual(order, ['first', 'second', 'third']);
  });

  test('a waiter whose signal aborts leaves the queue; the slot goes to the next', async () => {
    const slots = new Semaphore(1);
    const release = await slots.acquire();
    const controller = new AbortController();
    const gaveUp = slots.acquire(controller.signal);
    const next = slots.acquire();
    controller.abort(new Error('deadline'));
    await assert.rejects(gaveUp, /deadline/);
    release();
    const releaseNext = await next;
    releaseNext();
    const again = await slots.acquire();
    again();
  });
});

describe('what is remembered for the next admission', () => {
  const kinds: Array<[kind: string, remembered: boolean]> = [
    ['not-found', true],
    ['server', true],
    ['timeout', false],
    ['refused', false],
    ['budget', false],
  ];
  for (const [kind, remembered] of kinds) {
    test(`a ${kind} failure is ${remembered ? '' : 'not '}remembered`, async () => {
      const source = new FakeSource();
      source.push('docker.io/library/nginx', '1', [linux('amd64')]);
      source.failure = new FakeRegistryError(kind, `registry docker.io: ${kind}`);
      const resolver = new Resolver({ source, cache: new MemoryCache(100), config });
      assert.equal((await resolveOnce(resolver, ['nginx:1'])).resolutions[0]?.ok, false);

      source.failure = undefined;
      const again = await resolveOnce(resolver, ['nginx:1']);
      assert.equal(again.resolutions[0]?.ok, !remembered, 'the next admission sees the registry as it is now, unless the failure was its own');
      assert.equal(source.resolveCalls.length, remembered ? 1 : 2);
    });
  }

  test('a lookup cut by its own deadline is not remembered: the next admission asks again', async () => {
    const source = new FakeSource();
    source.push('docker.io/library/nginx', '1', [linux('amd64')]);
    source.delayMs = 10_000;
    const resolver = new Resolver({ source, cache: new MemoryCache(100), config });
    const first = await resolveOnce(resolver, ['nginx:1'], 50);
    assert.equal(first.resolutions[0]?.ok, false);
    source.delayMs = 0;
    assert.equal((await resolveOnce(resolver, ['nginx:1'])).resolutions[0]?.ok, true);
  });
});
