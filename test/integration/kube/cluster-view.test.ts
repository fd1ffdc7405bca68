// The cluster view read over the wire from the Kubernetes API fake: real karpenter.sh/v1 NodePool
// and karpenter.k8s.aws/v1 EC2NodeClass lists (paged, with a resourceVersion), over plain HTTP
// (skipTLSVerify), over HTTPS with the cluster's CA, and through a kubeconfig.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterViewReader } from '../../../lib/kube/cluster-view.ts';
import { createKubeRest } from '../../../lib/kube/kube-rest.ts';
import { startKubeFake, type KubeFake } from '../../support/kube-fake.ts';
import { startTlsFront } from '../../reliability/support/servers.ts';
import {
  archIn,
  autoModeGeneralPurpose,
  autoModeSystem,
  EC2NODECLASSES,
  ec2NodeClass,
  gravitonPool,
  nodePool,
  NODEPOOLS,
} from '../../unit/kube/karpenter-objects.ts';

describe('the cluster view against the Kubernetes API fake', () => {
  let kube: KubeFake;
  const clock = { now: 0 };

  before(async () => {
    kube = await startKubeFake();
  });
  after(async () => {
    await kube?.close();
  });

  function reader(): ClusterViewReader {
    return new ClusterViewReader({ rest: createKubeRest(async () => kube.connection(async () => 'token-1')), now: () => clock.now });
  }

  function cluster(): void {
    kube.setNodes([
      { name: 'ip-10-0-1-1', labels: { 'kubernetes.io/arch': 'amd64', 'karpenter.sh/nodepool': 'general-purpose' } },
      { name: 'ip-10-0-1-2', labels: { 'kubernetes.io/arch': 'amd64' } },
      { name: 'ip-10-0-1-3', labels: { 'kubernetes.io/arch': 'arm64', 'karpenter.sh/nodepool': 'graviton' } },
      { name: 'ip-10-0-1-4', labels: { 'kubernetes.io/arch': 'arm64' }, ready: false },
      { name: 'ip-10-0-1-5', labels: { 'kubernetes.io/arch': 'arm64' }, unschedulable: true },
    ]);
    kube.setList(NODEPOOLS, 'NodePoolList', [
      autoModeGeneralPurpose(),
      autoModeSystem(),
      gravitonPool({ tolerate: true }),
      { ...gravitonPool(), metadata: { ...(gravitonPool().metadata as object), name: 'graviton-shared' } },
      nodePool('next-gen', { requirements: [archIn('amd64')], weight: 90, ready: false }),
      nodePool('any-arch', { nodeClass: 'al2023-arm' }),
    ]);
    kube.setList(EC2NODECLASSES, 'EC2NodeClassList', [ec2NodeClass('al2023-arm', ['arm64']), ec2NodeClass('default', ['amd64', 'arm64'])]);
  }

  test("EKS Auto Mode's pools, tainted Graviton pools with and without archy.io/tolerate, a pool not Ready, an EC2NodeClass", async () => {
    cluster();
    const view = await reader().refresh();
    assert.deepEqual(view?.nodes, { amd64: 2, arm64: 1 });
    assert.deepEqual(
      view?.nodePools?.map((pool) => [pool.name, pool.architectures.join('+'), pool.taints.map((taint) => `${taint.key}=${taint.value ?? ''}:${taint.effect}`).join(' '), pool.weight, pool.tolerate]),
      [
        ['general-purpose', 'amd64', '', 0, false],
        ['system', 'amd64+arm64', 'CriticalAddonsOnly=:NoSchedule', 0, false],
        ['graviton', 'arm64', 'arch=arm64:NoSchedule', 10, true],
        ['graviton-shared', 'arm64', 'arch=arm64:NoSchedule', 10, false],
        ['any-arch', 'arm64', '', 0, false],
      ],
    );
    const asked = kube.requests.filter((request) => request.path.startsWith('/apis/'));
    assert.ok(asked.every((request) => request.authScheme === 'Bearer' && request.query.limit === '100'));
  });

  test('lists of more than a page are followed (limit + continue), and the next read asks for a list no older than the last', async () => {
    cluster();
    const many = Array.from({ length: 150 }, (_, index) => nodePool(`pool-${String(index).padStart(3, '0')}`, { requirements: [archIn('arm64')] }));
    kube.setList(NODEPOOLS, 'NodePoolList', many);
    kube.requests.length = 0;
    const view = reader();
    assert.equal((await view.refresh())?.nodePools?.length, 150);
    const first = kube.requests.filter((request) => request.path === NODEPOOLS);
    assert.deepEqual(first.map((request) => [request.query.limit, request.query.continue, request.query.resourceVersion]), [['100', undefined, undefined], ['100', '100', undefined]]);
    kube.requests.length = 0;
    await view.refresh();
    const second = kube.requests.filter((request) => request.path === NODEPOOLS);
    assert.equal(second[0]?.query.resourceVersionMatch, 'NotOlderThan');
    assert.match(second[0]?.query.resourceVersion ?? '', /^\d+$/);
    assert.equal(second[1]?.query.resourceVersion, undefined, 'a continued page carries no resourceVersion of its own');
  });

  test('CRDs absent (404): no NodePool can exist; forbidden (403): the nodes alone', async () => {
    cluster();
    kube.setList(NODEPOOLS, 'NodePoolList', undefined);
    assert.deepEqual((await reader().refresh())?.nodePools, []);
    cluster();
    kube.failList(NODEPOOLS, 403);
    try {
      assert.deepEqual(await reader().refresh(), { nodes: { amd64: 2, arm64: 1 } });
    } finally {
      kube.failList(NODEPOOLS, undefined);
    }
  });

  test('EC2NodeClasses forbidden: a pool without an arch requirement offers amd64 and arm64', async () => {
    cluster();
    kube.failList(EC2NODECLASSES, 403);
    try {
      const view = await reader().refresh();
      assert.deepEqual(view?.nodePools?.find((pool) => pool.name === 'any-arch')?.architectures, ['amd64', 'arm64']);
    } finally {
      kube.failList(EC2NODECLASSES, undefined);
    }
  });

  test('the view is refreshed when a NodePool changes', async () => {
    cluster();
    const view = reader();
    await view.refreshIfDue();
    assert.equal(view.current()?.nodePools?.find((pool) => pool.name === 'graviton-shared')?.tolerate, false);
    kube.setList(NODEPOOLS, 'NodePoolList', [autoModeGeneralPurpose(), { ...gravitonPool({ tolerate: true }), metadata: { ...(gravitonPool({ tolerate: true }).metadata as object), name: 'graviton-shared' } }]);
    await view.refreshIfDue();
    assert.equal(view.current()?.nodePools?.length, 5, 'fresh for a minute: not read again');
    clock.now += 60_000;
    await view.refreshIfDue();
    assert.deepEqual(view.current()?.nodePools?.map((pool) => [pool.name, pool.tolerate]), [['general-purpose', false], ['graviton-shared', true]]);
  });

  test('over HTTPS with the cluster CA, as Lambda connects', async () => {
    cluster();
    const front = await startTlsFront(kube.url);
    try {
      const trusted = new ClusterViewReader({ rest: createKubeRest(async () => ({ kind: 'direct', server: front.url, caData: front.caData })) });
      assert.deepEqual((await trusted.refresh())?.nodes, { amd64: 2, arm64: 1 });
      const untrusted = new ClusterViewReader({ rest: createKubeRest(async () => ({ kind: 'direct', server: front.url })) });
      assert.equal(await untrusted.refresh(), undefined, 'a server the CA does not vouch for is not read');
    } finally {
      await front.close();
    }
  });

  test('through a kubeconfig (local runs): its server, its token', async () => {
    cluster();
    const dir = mkdtempSync(join(tmpdir(), 'archy-kubeconfig-'));
    const path = join(dir, 'config');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: fake, cluster: { server: "' + kube.url + '", insecure-skip-tls-verify: true } }]',
        'users: [{ name: dev, user: { token: dev-token } }]',
        'contexts: [{ name: fake, context: { cluster: fake, user: dev } }]',
        'current-context: fake',
      ].join('\n'),
    );
    kube.requests.length = 0;
    const view = new ClusterViewReader({ rest: createKubeRest(async () => ({ kind: 'kubeconfig', path })) });
    assert.deepEqual((await view.refresh())?.nodes, { amd64: 2, arm64: 1 });
    assert.ok(kube.requests.length > 0 && kube.requests.every((request) => request.authScheme === 'Bearer'));
  });
});
