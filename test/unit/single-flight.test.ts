import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SingleFlightCache, untilAborted, type Loaded } from '../../lib/single-flight.ts';

interface Loader {
  calls: number;
  signals: AbortSignal[];
  load: (signal: AbortSignal) => Promise<Loaded<string>>;
}

/** Each load answers `value-<n>` at once, kept for `ttlMs`. */
function counting(ttlMs = 1000): Loader {
  const loader: Loader = {
    calls: 0,
    signals: [],
    load: async (signal) => {
      loader.calls++;
      loader.signals.push(signal);
      return { value: `value-${loader.calls}`, ttlMs };
    },
  };
  return loader;
}

/** A load that answers only when the test says so. */
function held(): { started: Promise<AbortSignal>; answer: (loaded: Loaded<string>) => void; fail: (error: Error) => void; load: (signal: AbortSignal) => Promise<Loaded<string>> } {
  const started = Promise.withResolvers<AbortSignal>();
  const result = Promise.withResolvers<Loaded<string>>();
  return {
    started: started.promise,
    answer: result.resolve,
    fail: result.reject,
    load: (signal) => {
      started.resolve(signal);
      return result.promise;
    },
  };
}

/** Rejects with the signal's reason when its load budget runs out. */
const untilBudgetEnds = (signal: AbortSignal): Promise<Loaded<string>> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

function cache(options: { maxEntries?: number; loadTimeoutMs?: number; now?: () => number } = {}): SingleFlightCache<string> {
  return new SingleFlightCache<string>({ maxEntries: options.maxEntries ?? 8, loadTimeoutMs: options.loadTimeoutMs ?? 60_000, now: options.now ?? (() => 0) });
}

describe('SingleFlightCache', () => {
  test('concurrent callers share one load', async () => {
    const flights = cache();
    const load = held();
    const together = Promise.all([flights.get('k', load.load), flights.get('k', load.load), flights.get('k', load.load)]);
    await load.started;
    load.answer({ value: 'shared', ttlMs: 1000 });
    assert.deepEqual(await together, ['shared', 'shared', 'shared']);
    const loader = counting();
    assert.equal(await flights.get('k', loader.load), 'shared');
    assert.equal(loader.calls, 0, 'kept: no second load');
  });

  test('different keys load separately', async () => {
    const flights = cache();
    const loader = counting();
    assert.deepEqual(await Promise.all([flights.get('a', loader.load), flights.get('b', loader.load)]), ['value-1', 'value-2']);
    assert.equal(loader.calls, 2);
  });

  test('a caller whose signal aborts stops waiting; the others still get the value and the load goes on', async () => {
    const flights = cache();
    const load = held();
    const impatient = new AbortController();
    const first = flights.get('k', load.load, impatient.signal);
    const patient = flights.get('k', load.load, new AbortController().signal);
    const unbounded = flights.get('k', load.load);
    const loadSignal = await load.started;
    impatient.abort(new Error('admission budget spent'));
    await assert.rejects(first, /admission budget spent/);
    assert.equal(loadSignal.aborted, false, 'one caller giving up does not cancel the shared load');
    const late = flights.get('k', load.load);
    load.answer({ value: 'v', ttlMs: 1000 });
    assert.deepEqual(await Promise.all([patient, unbounded, late]), ['v', 'v', 'v']);
    assert.equal(flights.peek('k'), 'v', 'the value is kept for later callers');
  });

  test('a caller whose signal is already aborted gets a kept value, and is refused at once otherwise', async () => {
    const flights = cache();
    const loader = counting();
    const aborted = AbortSignal.abort(new Error('too late'));
    await assert.rejects(flights.get('k', loader.load, aborted), /too late/);
    assert.equal(await flights.get('k', loader.load), 'value-1', 'the load it started serves the next caller');
    assert.equal(await flights.get('k', loader.load, aborted), 'value-1');
    assert.equal(loader.calls, 1);
  });

  test('the load runs on its own budget: its signal aborts when the budget ends, and the failure is not kept', async () => {
    const flights = cache({ loadTimeoutMs: 1 });
    await assert.rejects(flights.get('k', untilBudgetEnds), { name: 'TimeoutError' });
    const loader = counting();
    assert.equal(await flights.get('k', loader.load), 'value-1');
    assert.equal(loader.calls, 1);
  });

  test('a load that ignores its signal still ends with its budget, and the key loads afresh', async () => {
    const flights = cache({ loadTimeoutMs: 1 });
    const never = (): Promise<Loaded<string>> => new Promise(() => undefined);
    await assert.rejects(flights.get('k', never), { name: 'TimeoutError' });
    const loader = counting();
    assert.equal(await flights.get('k', loader.load), 'value-1');
  });

  test('failures are never kept: the next call loads again', async () => {
    const flights = cache();
    let calls = 0;
    const failOnce = async (): Promise<Loaded<string>> => {
      calls++;
      if (calls === 1) throw new Error('registry said no');
      return { value: 'second try', ttlMs: 1000 };
    };
    await assert.rejects(flights.get('k', failOnce), /registry said no/);
    assert.equal(flights.size, 0);
    assert.equal(await flights.get('k', failOnce), 'second try');
    assert.equal(calls, 2);
  });

  test('a load that throws before its first await is not kept either', async () => {
    const flights = cache();
    const throwsAtOnce = (): Promise<Loaded<string>> => {
      throw new Error('bad input');
    };
    await assert.rejects(flights.get('k', throwsAtOnce), /bad input/);
    const loader = counting();
    assert.equal(await flights.get('k', loader.load), 'value-1');
  });

  test('a load that fails after every caller gave up is neither unhandled nor kept', async () => {
    const flights = cache();
    const load = held();
    const controller = new AbortController();
    const gaveUp = flights.get('k', load.load, controller.signal);
    await load.started;
    controller.abort(new Error('gone'));
    await assert.rejects(gaveUp, /gone/);
    load.fail(new Error('nobody listens'));
    // Every promise reaction runs before the next macrotask: by then the failed load has settled.
    await new Promise(setImmediate);
    const loader = counting();
    assert.equal(await flights.get('k', loader.load), 'value-1');
  });

  test('a value expires after its ttl, measured by the injected clock', async () => {
    let now = 1_000;
    const flights = cache({ now: () => now });
    const loader = counting(100);
    assert.equal(await flights.get('k', loader.load), 'value-1');
    now += 99;
    assert.equal(await flights.get('k', loader.load), 'value-1');
    now += 1;
    assert.equal(flights.peek('k'), undefined);
    assert.equal(await flights.get('k', loader.load), 'value-2');
    assert.equal(loader.calls, 2);
  });

  test('a ttl of 0 or less: the callers get the value, nothing is kept', async () => {
    const flights = cache();
    for (const ttlMs of [0, -5]) {
      const loader = counting(ttlMs);
      assert.equal(await flights.get('k', loader.load), 'value-1');
      assert.equal(await flights.get('k', loader.load), 'value-2');
      assert.equal(flights.size, 0);
    }
  });

  test('maxEntries bounds the kept values: the least recently loaded goes first', async () => {
    let now = 0;
    const flights = cache({ maxEntries: 2, now: () => now });
    const loader = counting(100);
    await flights.get('a', loader.load);
    await flights.get('b', loader.load);
    await flights.get('c', loader.load);
    assert.equal(flights.size, 2);
    assert.equal(flights.peek('a'), undefined, 'the oldest was evicted');
    assert.equal(flights.peek('b'), 'value-2');
    assert.equal(flights.peek('c'), 'value-3');
    // Reloaded after expiry, `b` becomes the newest: `c` goes next.
    now += 50;
    await flights.get('c', loader.load);
    now += 60;
    await flights.get('b', loader.load);
    await flights.get('d', loader.load);
    assert.deepEqual(['b', 'c', 'd'].map((key) => flights.peek(key)), ['value-4', undefined, 'value-5']);
  });

  test('many distinct keys never keep more than maxEntries', async () => {
    const flights = cache({ maxEntries: 16 });
    const loader = counting();
    await Promise.all(Array.from({ length: 500 }, (_, i) => flights.get(`key-${i}`, loader.load)));
    assert.equal(flights.size, 16);
    assert.equal(loader.calls, 500);
  });

  test('delete forgets a kept value', async () => {
    const flights = cache();
    const loader = counting();
    await flights.get('k', loader.load);
    flights.delete('k');
    assert.equal(await flights.get('k', loader.load), 'value-2');
  });
});

describe('untilAborted', () => {
  test('settles with the work', async () => {
    assert.equal(await untilAborted(Promise.resolve(7), new AbortController().signal), 7);
    await assert.rejects(untilAborted(Promise.reject(new Error('work failed')), new AbortController().signal), /work failed/);
  });

  test('rejects with the signal\'s reason when it aborts first, already or later', async () => {
    const never = new Promise<number>(() => undefined);
    await assert.rejects(untilAborted(never, AbortSignal.abort(new Error('already'))), /already/);
    const controller = new AbortController();
    const waiting = untilAborted(never, controller.signal);
    controller.abort(new Error('later'));
    await assert.rejects(waiting, /later/);
  });
});
