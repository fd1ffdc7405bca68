import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readNodeCensus, readyNodeCounts } from '../../../lib/kube/census.ts';
import { KubeError } from '../../../lib/kube/kube-client.ts';
import type { KubeRest } from '../../../lib/kube/kube-rest.ts';

interface Asked {
  path: string;
  query: Record<string, string | undefined>;
}

const ready = { type: 'Ready', status: 'True' };

function node(name: string, arch: string | undefined, extra: { conditions?: unknown[]; unschedulable?: boolean; deleting?: boolean } = {}): Record<string, unknown> {
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name, labels: arch === undefined ? {} : { 'kubernetes.io/arch': arch }, ...(extra.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
    spec: extra.unschedulable ? { unschedulable: true } : {},
    status: { conditions: extra.conditions ?? [{ type: 'MemoryPressure', status: 'False' }, ready] },
  };
}

/** Pages of 2 whatever the limit asked, as a server may answer fewer than `limit`. */
function pagedNodes(nodes: unknown[], asked: Asked[]): KubeRest {
  return {
    getJson(path, query) {
      asked.push({ path, query });
      const start = Number(query.continue ?? '0');
      const next = start + 2 < nodes.length ? String(start + 2) : undefined;
      return Promise.resolve({ kind: 'NodeList', metadata: { resourceVersion: '812', ...(next ? { continue: next } : {}) }, items: nodes.slice(start, start + 2) });
    },
  };
}

describe('Ready nodes per architecture', () => {
  test('only nodes that can take a new pod count: Ready, not cordoned, not being deleted', () => {
    const counts = readyNodeCounts([
      node('a', 'amd64'),
      node('b', 'arm64'),
      node('c', 'arm64', { conditions: [{ type: 'Ready', status: 'False' }] }),
      node('d', 'arm64', { conditions: [{ type: 'Ready', status: 'Unknown' }] }),
      node('e', 'arm64', { conditions: [] }),
      node('f', 'arm64', { unschedulable: true }),
      node('g', 'arm64', { deleting: true }),
      node('h', undefined),
      node('i', 'arm64'),
    ]);
    assert.deepEqual(counts, { amd64: 1, arm64: 2 });
  });

  test('labels that are not architecture names do not count, and cannot reach an object prototype', () => {
    const counts = readyNodeCounts([node('a', 'AMD64'), node('b', '__proto__'), node('c', 'x'.repeat(40)), node('d', 'amd64')]);
    assert.deepEqual(counts, { amd64: 1 });
    assert.equal(Object.getPrototypeOf(counts), Object.prototype);
    assert.deepEqual(readyNodeCounts([null, 'node', { metadata: { labels: [] } }]), {});
  });
});

describe('readNodeCensus', () => {
  test('follows every page, 100 nodes at a time, and keeps the list resourceVersion', async () => {
    const asked: Asked[] = [];
    const nodes = [node('a', 'amd64'), node('b', 'arm64'), node('c', 'arm64'), node('d', undefined), node('e', 'arm64')];
    const census = await readNodeCensus(pagedNodes(nodes, asked), AbortSignal.timeout(1000));
    assert.deepEqual(census, { counts: { amd64: 1, arm64: 3 }, resourceVersion: '812' });
    assert.deepEqual(asked.map((a) => [a.path, a.query.limit, a.query.continue]), [
      ['/api/v1/nodes', '100', undefined],
      ['/api/v1/nodes', '100', '2'],
      ['/api/v1/nodes', '100', '4'],
    ]);
  });

  test('given the last resourceVersion, asks for a list no older than it, on the first page only', async () => {
    const asked: Asked[] = [];
    await readNodeCensus(pagedNodes([node('a', 'amd64'), node('b', 'amd64'), node('c', 'amd64')], asked), AbortSignal.timeout(1000), '700');
    assert.deepEqual(asked.map((a) => [a.query.resourceVersion, a.query.resourceVersionMatch, a.query.continue]), [
      ['700', 'NotOlderThan', undefined],
      [undefined, undefined, '2'],
    ]);
  });

  test('an API error is passed on', async () => {
    const rest: KubeRest = { getJson: () => Promise.reject(new KubeError(403, 'Forbidden', 'nodes: Forbidden (HTTP 403)')) };
    await assert.rejects(readNodeCensus(rest, AbortSignal.timeout(1000)), { status: 403 });
  });

  test('a list that never ends is refused, not followed forever', async () => {
    const rest: KubeRest = { getJson: () => Promise.resolve({ metadata: { continue: 'again' }, items: [] }) };
    await assert.rejects(readNodeCensus(rest, AbortSignal.timeout(1000)), { reason: 'TooMany' });
  });

  test('an answer that is not a list is refused', async () => {
    const rest: KubeRest = { getJson: () => Promise.resolve({ kind: 'Status' }) };
    await assert.rejects(readNodeCensus(rest, AbortSignal.timeout(1000)), { reason: 'InvalidResponse' });
  });
});
