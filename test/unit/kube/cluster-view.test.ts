// The cluster view reader: what it reads, when, and what it does when the API says no. The API is
// a stub answering real list shapes; the clock is injected.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LogCapture } from '../../reliability/support/review.ts';
import { ClusterViewReader } from '../../../lib/kube/cluster-view.ts';
import { KubeError } from '../../../lib/kube/kube-client.ts';
import type { KubeRest } from '../../../lib/kube/kube-rest.ts';
import { createLogger } from '../../../lib/log.ts';
import { autoModeGeneralPurpose, autoModeSystem, EC2NODECLASSES, ec2NodeClass, gravitonPool, nodePool, NODEPOOLS } from './karpenter-objects.ts';

const NODES = '/api/v1/nodes';

function readyNode(name: string, arch: string): Record<string, unknown> {
  return { kind: 'Node', metadata: { name, labels: { 'kubernetes.io/arch': arch } }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
}

const forbidden = (path: string) => new KubeError(403, 'Forbidden', `${path}: Forbidden (HTTP 403)`);
const notFound = (path: string) => new KubeError(404, 'NotFound', `${path}: NotFound (HTTP 404)`);

/** A stub API: each path answers its current list (one page) or error; every call is recorded. */
class StubApi implements KubeRest {
  readonly calls: Array<{ path: string; query: Record<string, string | undefined> }> = [];
  readonly lists = new Map<string, unknown[] | Error>();
  version = 100;

  set(path: string, answer: unknown[] | Error): void {
    this.version += 1;
    this.lists.set(path, answer);
  }

  getJson(path: string, query: Record<string, string | undefined>): Promise<unknown> {
    this.calls.push({ path, query });
    const answer = this.lists.get(path) ?? notFound(path);
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({ metadata: { resourceVersion: String(this.version) }, items: answer });
  }

  asked(path: string): number {
    return this.calls.filter((call) => call.path === path).length;
  }
}

function setup(options: { metrics?: string[] } = {}) {
  const api = new StubApi();
  api.set(NODES, [readyNode('a', 'amd64'), readyNode('b', 'amd64'), readyNode('c', 'arm64')]);
  api.set(NODEPOOLS, [autoModeGeneralPurpose(), autoModeSystem()]);
  const logs = new LogCapture();
  const clock = { now: 0 };
  const metrics = options.metrics;
  const reader = new ClusterViewReader({
    rest: api,
    logger: createLogger('debug', logs),
    now: () => clock.now,
    ...(metrics ? { metrics: { count: (name: string) => void metrics.push(name), timing: () => undefined } } : {}),
  });
  return { api, logs, clock, reader };
}

describe('ClusterViewReader', () => {
  test('current() answers from memory, never asks the API; nothing known before the first refresh', async () => {
    const { api, reader } = setup();
    assert.equal(reader.current(), undefined);
    assert.equal(api.calls.length, 0);
    await reader.refreshIfDue();
    assert.deepEqual(reader.current(), {
      nodes: { amd64: 2, arm64: 1 },
      nodePools: [
        { name: 'general-purpose', architectures: ['amd64'], taints: [], weight: 0, tolerate: false },
        { name: 'system', architectures: ['amd64', 'arm64'], taints: [{ key: 'CriticalAddonsOnly', effect: 'NoSchedule' }], weight: 0, tolerate: false },
      ],
    });
    const calls = api.calls.length;
    reader.current();
    assert.equal(api.calls.length, calls);
  });

  test('EC2NodeClasses are read only when a Ready pool names one, and decide what a pool without an arch requirement offers', async () => {
    const { api, reader } = setup();
    await reader.refresh();
    assert.equal(api.asked(EC2NODECLASSES), 0, 'EKS Auto Mode pools name no EC2NodeClass');
    api.set(NODEPOOLS, [nodePool('any-arch', { nodeClass: 'graviton-only' })]);
    api.set(EC2NODECLASSES, [ec2NodeClass('graviton-only', ['arm64'])]);
    assert.deepEqual((await reader.refresh())?.nodePools?.map((pool) => pool.architectures), [['arm64']]);
  });

  test('NodePools absent (404): no pool can exist; said once', async () => {
    const { api, clock, logs, reader } = setup();
    api.set(NODEPOOLS, notFound(NODEPOOLS));
    assert.deepEqual((await reader.refresh())?.nodePools, []);
    clock.now += 60_000;
    await reader.refreshIfDue();
    assert.equal(api.asked(NODEPOOLS), 2, 'asked again: Karpenter may be installed later');
    const said = logs.entries().filter((entry) => /NodePools \(karpenter\.sh\/v1\) are not served here/.test(String(entry.msg)));
    assert.equal(said.length, 1);
  });

  test('NodePools forbidden (403): the nodes alone; said once', async () => {
    const { api, clock, logs, reader } = setup();
    api.set(NODEPOOLS, forbidden(NODEPOOLS));
    const view = await reader.refresh();
    assert.deepEqual(view, { nodes: { amd64: 2, arm64: 1 } });
    clock.now += 60_000;
    await reader.refreshIfDue();
    const said = logs.entries().filter((entry) => /not allowed to list NodePools/.test(String(entry.msg)));
    assert.equal(said.length, 1);
    assert.equal(said[0]?.level, 'warn');
  });

  test('EC2NodeClasses forbidden: a pool without an arch requirement offers amd64 and arm64; said once', async () => {
    const { api, logs, reader } = setup();
    api.set(NODEPOOLS, [nodePool('any-arch')]);
    api.set(EC2NODECLASSES, forbidden(EC2NODECLASSES));
    assert.deepEqual((await reader.refresh())?.nodePools?.[0]?.architectures, ['amd64', 'arm64']);
    assert.equal(logs.entries().filter((entry) => /not allowed to list EC2NodeClasses/.test(String(entry.msg))).length, 1);
  });

  test('the view is refreshed when a NodePool changes: pools every minute, the node list every five', async () => {
    const { api, clock, reader } = setup();
    await reader.refreshIfDue();
    api.set(NODEPOOLS, [autoModeGeneralPurpose(), gravitonPool({ tolerate: true })]);
    clock.now += 59_000;
    await reader.refreshIfDue();
    assert.deepEqual(reader.current()?.nodePools?.map((pool) => pool.name), ['general-purpose', 'system'], 'still fresh');
    clock.now += 1_000;
    await reader.refreshIfDue();
    assert.deepEqual(reader.current()?.nodePools?.map((pool) => [pool.name, pool.tolerate]), [['general-purpose', false], ['graviton', true]]);
    assert.equal(api.asked(NODES), 1, 'the node list is not due yet');
    clock.now += 4 * 60_000;
    await reader.refreshIfDue();
    assert.equal(api.asked(NODES), 2);
    assert.equal(api.asked(NODEPOOLS), 3);
  });

  test('each list after the first asks for one no older than the last (resourceVersion, NotOlderThan)', async () => {
    const { api, clock, reader } = setup();
    await reader.refresh();
    const version = String(api.version);
    clock.now += 5 * 60_000;
    await reader.refresh();
    const second = api.calls.filter((call) => call.path === NODES || call.path === NODEPOOLS).slice(-2);
    assert.deepEqual(second.map((call) => [call.query.resourceVersion, call.query.resourceVersionMatch]), [[version, 'NotOlderThan'], [version, 'NotOlderThan']]);
  });

  test('the node list failing: the last view stays, the failure is counted, the API is not asked again for 30 s', async () => {
    const counted: string[] = [];
    const { api, clock, reader } = setup({ metrics: counted });
    const first = await reader.refresh();
    clock.now += 5 * 60_000;
    api.set(NODES, new KubeError(500, 'InternalError', 'nodes: InternalError (HTTP 500)'));
    assert.deepEqual(await reader.refresh(), first);
    assert.deepEqual(reader.current(), first);
    assert.deepEqual(counted, ['NodeCensusErrors']);
    const asked = api.asked(NODES);
    clock.now += 29_000;
    await reader.refreshIfDue();
    assert.equal(api.asked(NODES), asked);
    clock.now += 1_000;
    api.set(NODES, [readyNode('z', 'arm64')]);
    await reader.refreshIfDue();
    assert.deepEqual(reader.current()?.nodes, { arm64: 1 });
    assert.equal(api.calls.filter((call) => call.path === NODES).at(-1)?.query.resourceVersion, undefined, 'the refused resourceVersion is not asked for again');
  });

  test('NodePools failing for a moment: the pools known before are kept', async () => {
    const { api, clock, reader } = setup();
    await reader.refresh();
    api.set(NODEPOOLS, new KubeError(0, 'Unreachable', 'connection reset'));
    clock.now += 60_000;
    assert.deepEqual((await reader.refresh())?.nodePools?.map((pool) => pool.name), ['general-purpose', 'system']);
  });

  test('a view older than 15 minutes is not believed', async () => {
    const { api, clock, reader } = setup();
    await reader.refresh();
    api.set(NODES, new KubeError(0, 'Unreachable', 'connection reset'));
    clock.now += 15 * 60_000;
    assert.ok(reader.current());
    clock.now += 1;
    assert.equal(reader.current(), undefined);
  });

  test('one refresh at a time: callers join the one under way', async () => {
    const { api, reader } = setup();
    await Promise.all([reader.refreshIfDue(), reader.refreshIfDue(), reader.refresh()]);
    assert.equal(api.asked(NODES), 1);
    assert.equal(api.asked(NODEPOOLS), 1);
  });

  test('a pool whose taint could not be a toleration: said once, however often it is read', async () => {
    const { api, clock, logs, reader } = setup();
    api.set(NODEPOOLS, [nodePool('odd', { taints: [{ key: 'bad key', effect: 'NoSchedule' }] })]);
    await reader.refresh();
    clock.now += 60_000;
    await reader.refresh();
    assert.equal(logs.entries().filter((entry) => /NodePool odd: a taint/.test(String(entry.msg))).length, 1);
  });
});

describe('ClusterViewReader: its own budget', () => {
  test('a refresh that runs out of its budget gives up, keeps nothing, and is not started again at once', async () => {
    const calls: string[] = [];
    const silent: KubeRest = {
      getJson(path, _query, { signal }) {
        calls.push(path);
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new KubeError(0, 'Timeout', `${path}: no answer within the time budget`)), { once: true }));
      },
    };
    const reader = new ClusterViewReader({ rest: silent, refreshBudgetMs: 5, now: () => 0 });
    assert.equal(await reader.refresh(), undefined);
    const asked = calls.length;
    await reader.refreshIfDue();
    assert.equal(calls.length, asked);
    assert.equal(reader.current(), undefined);
  });
});
