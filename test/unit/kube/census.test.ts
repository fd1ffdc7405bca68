import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mostCommonArchitecture, NodeCensus } from '../../../lib/kube/census.ts';
import { KubeError, type KubeApi, type KubeNode, type KubeNodePage } from '../../../lib/kube/kube-client.ts';
import { Deadline } from '../../../lib/deadline.ts';

function nodesApi(nodes: KubeNode[], calls: Array<{ limit: number; continue?: string }>, fail?: () => boolean): KubeApi {
  return {
    getSecret: () => Promise.reject(new Error('unused')),
    getServiceAccount: () => Promise.reject(new Error('unused')),
    async listNodes(page) {
      calls.push(page);
      if (fail?.()) throw new KubeError(500, 'InternalError', 'nodes: InternalError (HTTP 500)');
      const start = Number(page.continue ?? '0');
      // Pages of 2 regardless of the limit asked, as a server may answer fewer than `limit`.
      const next = start + 2 < nodes.length ? String(start + 2) : undefined;
      return { items: nodes.slice(start, start + 2), continue: next };
    },
  };
}

const node = (name: string, arch?: string): KubeNode => ({ name, labels: arch ? { 'kubernetes.io/arch': arch, 'kubernetes.io/os': 'linux' } : {} });

describe('NodeCensus', () => {
  test('counts nodes per architecture across every page, asking for 500 at a time', async () => {
    const calls: Array<{ limit: number; continue?: string }> = [];
    const census = new NodeCensus({ kube: nodesApi([node('a', 'amd64'), node('b', 'arm64'), node('c', 'arm64'), node('d'), node('e', 'arm64')], calls) });
    const deadline = new Deadline(1000);
    assert.deepEqual(await census.architectures(deadline), { amd64: 1, arm64: 3 });
    deadline.dispose();
    assert.deepEqual(calls.map((c) => c.continue), [undefined, '2', '4']);
    assert.ok(calls.every((c) => c.limit === 500));
  });

  test('cached for 5 minutes', async () => {
    const calls: Array<{ limit: number; continue?: string }> = [];
    let now = 0;
    const census = new NodeCensus({ kube: nodesApi([node('a', 'amd64')], calls), now: () => now });
    const deadline = new Deadline(1000);
    await census.architectures(deadline);
    now += 4 * 60_000;
    await census.architectures(deadline);
    assert.equal(calls.length, 1);
    now += 2 * 60_000;
    await census.architectures(deadline);
    assert.equal(calls.length, 2);
    deadline.dispose();
  });

  test('a failure never throws: undefined at first, the last known counts later, and it is counted', async () => {
    const calls: Array<{ limit: number; continue?: string }> = [];
    let failing = true;
    let now = 0;
    const counted: string[] = [];
    const census = new NodeCensus({
      kube: nodesApi([node('a', 'arm64')], calls, () => failing),
      now: () => now,
      metrics: { count: (name) => counted.push(name), timing: () => undefined },
    });
    const deadline = new Deadline(1000);
    assert.equal(await census.architectures(deadline), undefined);
    assert.deepEqual(counted, ['NodeCensusErrors']);
    failing = false;
    now += 60_000;
    assert.deepEqual(await census.architectures(deadline), { arm64: 1 });
    failing = true;
    now += 6 * 60_000;
    assert.deepEqual(await census.architectures(deadline), { arm64: 1 });
    deadline.dispose();
  });

  test('a Kubernetes API that cannot even be built gives undefined, not an exception', async () => {
    const census = new NodeCensus({ kube: () => Promise.reject(new KubeError(0, 'Unavailable', 'no Kubernetes API')) });
    const deadline = new Deadline(1000);
    assert.equal(await census.architectures(deadline), undefined);
    deadline.dispose();
  });
});

describe('NodeCensus: one refresh on its own budget', () => {
  function heldApi(): { api: KubeApi; signals: AbortSignal[]; answer: (page: KubeNodePage) => void } {
    const signals: AbortSignal[] = [];
    const page = Promise.withResolvers<KubeNodePage>();
    const api = nodesApi([], []);
    api.listNodes = (_page, signal) => {
      if (signal) signals.push(signal);
      return page.promise;
    };
    return { api, signals, answer: page.resolve };
  }

  test('an admission whose deadline comes first gets the last known counts; the refresh goes on for the next', async () => {
    const { api, signals, answer } = heldApi();
    const census = new NodeCensus({ kube: api });
    const short = new Deadline(1);
    assert.equal(await census.architectures(short), undefined, 'nothing known yet, and no more waiting');
    short.dispose();
    assert.equal(signals.length, 1);
    assert.equal(signals[0]?.aborted, false, 'the admission\'s deadline is not the refresh\'s');
    const deadline = new Deadline(60_000);
    const next = census.architectures(deadline);
    answer({ items: [node('a', 'arm64')] });
    assert.deepEqual(await next, { arm64: 1 });
    deadline.dispose();
    assert.equal(signals.length, 1, 'one refresh served both');
  });

  test('an API failure backs off for 30 seconds', async () => {
    const calls: Array<{ limit: number; continue?: string }> = [];
    let now = 0;
    const census = new NodeCensus({ kube: nodesApi([node('a', 'arm64')], calls, () => calls.length === 1), now: () => now });
    const deadline = new Deadline(60_000);
    assert.equal(await census.architectures(deadline), undefined);
    assert.equal(await census.architectures(deadline), undefined);
    assert.equal(calls.length, 1, 'not asked again at once');
    now += 30_000;
    assert.deepEqual(await census.architectures(deadline), { arm64: 1 });
    deadline.dispose();
  });

  test('a refresh that runs out of its own budget starts no back-off', async () => {
    const calls: Array<{ limit: number; continue?: string }> = [];
    const api = nodesApi([node('a', 'amd64')], calls);
    const answer = api.listNodes.bind(api);
    // The first list answers only when its budget aborts it; the next one at once.
    api.listNodes = (page, signal) => {
      if (calls.length > 0) return answer(page, signal);
      calls.push(page);
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    };
    const census = new NodeCensus({ kube: api, refreshBudgetMs: 1, now: () => 0 });
    const deadline = new Deadline(60_000);
    assert.equal(await census.architectures(deadline), undefined);
    assert.deepEqual(await census.architectures(deadline), { amd64: 1 }, 'asked again at once, at the same instant');
    deadline.dispose();
  });

  test('a Kubernetes client that timed out connecting starts no back-off either', async () => {
    const calls: Array<{ limit: number; continue?: string }> = [];
    const api = nodesApi([node('a', 'amd64')], calls);
    let connects = 0;
    const kube = async (): Promise<KubeApi> => {
      connects++;
      if (connects === 1) throw new KubeError(0, 'Timeout', 'Kubernetes API: no answer within the time budget');
      return api;
    };
    const census = new NodeCensus({ kube, now: () => 0 });
    const deadline = new Deadline(60_000);
    assert.equal(await census.architectures(deadline), undefined);
    assert.deepEqual(await census.architectures(deadline), { amd64: 1 });
    deadline.dispose();
  });
});

describe('mostCommonArchitecture', () => {
  test('the most common node architecture', () => {
    assert.equal(mostCommonArchitecture({ amd64: 2, arm64: 5 }, 'amd64'), 'arm64');
  });
  test('a tie that includes the default goes to the default', () => {
    assert.equal(mostCommonArchitecture({ arm64: 3, amd64: 3 }, 'amd64'), 'amd64');
    assert.equal(mostCommonArchitecture({ arm64: 3, amd64: 3 }, 'arm64'), 'arm64');
  });
  test('other ties are broken alphabetically', () => {
    assert.equal(mostCommonArchitecture({ s390x: 4, arm64: 4, amd64: 1 }, 'amd64'), 'arm64');
  });
  test('nothing known: no answer (the policy then uses the default)', () => {
    assert.equal(mostCommonArchitecture(undefined, 'amd64'), undefined);
    assert.equal(mostCommonArchitecture({}, 'arm64'), undefined);
    assert.equal(mostCommonArchitecture({ arm64: 0 }, 'amd64'), undefined);
  });
});

describe('census for admissions (current)', () => {
  test('answers at once from what it knows and refreshes in the background', async () => {
    const calls: Array<{ limit: number; continue?: string }> = [];
    let now = 0;
    const census = new NodeCensus({ kube: nodesApi([node('a', 'arm64'), node('b', 'arm64'), node('c', 'amd64')], calls), now: () => now });
    assert.equal(census.current(), undefined, 'nothing known yet: the admission does not wait');
    assert.equal(calls.length, 0, 'the refresh has started but not answered');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(census.current(), { amd64: 1, arm64: 2 });
    const listed = calls.length;
    now += 60_000;
    census.current();
    assert.equal(calls.length, listed, 'fresh counts are not fetched again');
    now += 5 * 60_000;
    assert.deepEqual(census.current(), { amd64: 1, arm64: 2 }, 'stale counts still answer while the refresh runs');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(calls.length > listed, 'stale counts were refreshed');
  });

  test('a failing API leaves the admission with no counts and no error', async () => {
    const census = new NodeCensus({ kube: nodesApi([node('a', 'arm64')], [], () => true) });
    assert.equal(census.current(), undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(census.current(), undefined);
  });
});
