// Placement with the cluster view: what nodes exist and what Karpenter NodePools can launch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, preferredArchitecture, type ClusterView, type NodePoolView, type PlacementPolicy } from '../../../lib/placement/index.ts';
import { applied, assertMutation, pod, preferred, required, resolved, withPolicy } from './fixtures.ts';

const graviton = (tolerate: boolean, weight = 10): NodePoolView => ({
  name: 'graviton',
  architectures: ['arm64'],
  taints: [{ key: 'arch', value: 'arm64', effect: 'NoSchedule' }],
  weight,
  tolerate,
});
// EKS Auto Mode's built-in pools.
const generalPurpose: NodePoolView = { name: 'general-purpose', architectures: ['amd64'], taints: [], weight: 0, tolerate: false };
const system = (tolerate = false): NodePoolView => ({
  name: 'system',
  architectures: ['amd64', 'arm64'],
  taints: [{ key: 'CriticalAddonsOnly', effect: 'NoSchedule' }],
  weight: 0,
  tolerate,
});
const gravitonToleration = { key: 'arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' };

/** No ARCHY_PREFERRED_ARCH: the view decides. */
function withView(cluster: ClusterView | undefined, overrides: Partial<PlacementPolicy> = {}): PlacementPolicy {
  const policy = withPolicy({ ...overrides, ...(cluster ? { cluster } : {}) });
  if (!('preferredArch' in overrides)) delete policy.preferredArch;
  return policy;
}

function place(images: string[], cluster: ClusterView | undefined, overrides: Partial<PlacementPolicy> = {}, spec: Record<string, unknown> = {}) {
  const input = pod(spec);
  const decision = assertMutation(decide({ pod: input, resolutions: [resolved('nginx:1', ...images.map((arch) => `linux/${arch}`))] }, withView(cluster, overrides)));
  return { decision, patched: applied(input, decision) };
}

const annotation = (patched: ReturnType<typeof place>['patched'], key: string): string | undefined => patched.metadata?.annotations?.[key];
const preferredArch = (patched: ReturnType<typeof place>['patched']): string[] =>
  preferred(patched).map((term) => (term as { preference: { matchExpressions: Array<{ values: string[] }> } }).preference.matchExpressions[0]?.values[0] ?? '?');

describe('nothing in the cluster can run the pod', () => {
  const autoMode: ClusterView = { nodes: { amd64: 4, arm64: 2 }, nodePools: [generalPurpose, system()] };

  test('an s390x-only pod in an amd64/arm64 cluster is still placed on s390x, with a warning and a reason', () => {
    const { decision, patched } = place(['s390x'], autoMode);
    assert.equal(patched.spec?.nodeSelector?.['kubernetes.io/arch'], 's390x');
    assert.deepEqual(decision.warnings, ['no node or NodePool in this cluster offers s390x (they offer amd64, arm64); the pod will stay Pending until one does']);
    assert.equal(annotation(patched, 'archy.io/reason'), 'pending: no node or NodePool offers s390x');
    assert.equal(annotation(patched, 'archy.io/nodepools'), undefined);
  });

  test('a multi-arch pod none of whose architectures is offered keeps all of them, and prefers none', () => {
    const { decision, patched } = place(['s390x', 'ppc64le'], autoMode);
    assert.deepEqual(required(patched), [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['ppc64le', 's390x'] }] }]);
    assert.deepEqual(preferred(patched), []);
    assert.match(decision.warnings[0] ?? '', /offers ppc64le or s390x/);
  });

  test('Karpenter absent (no NodePool can exist) and no node of the architecture: the same warning', () => {
    const { decision } = place(['arm64'], { nodes: { amd64: 3 }, nodePools: [] });
    assert.equal(decision.reason, 'pending: no node or NodePool offers arm64');
  });

  test('no node, but a Ready NodePool can launch one: no warning (Karpenter will)', () => {
    const { decision, patched } = place(['arm64'], { nodes: { amd64: 3 }, nodePools: [graviton(false)] });
    assert.deepEqual(decision.warnings, []);
    assert.equal(annotation(patched, 'archy.io/reason'), undefined);
  });

  test('the view unknown, or empty: as without a cluster view', () => {
    const views: Array<ClusterView | undefined> = [undefined, { nodes: {} }, { nodes: { amd64: 0 }, nodePools: [] }];
    for (const view of views) {
      const { decision, patched } = place(['s390x'], view);
      assert.deepEqual(decision.warnings, []);
      assert.equal(annotation(patched, 'archy.io/reason'), undefined);
    }
  });

  test('a partial resolution and a pending pod: both reasons', () => {
    const input = pod({ containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'gone:1' }] });
    const decision = assertMutation(decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/s390x')] }, withView(autoMode)));
    assert.equal(decision.reason, 'partial: 1 of 2 images not checked; pending: no node or NodePool offers s390x');
  });
});

describe('the preferred architecture, from the view', () => {
  test('the architecture with the most Ready nodes', () => {
    assert.deepEqual(preferredArch(place(['amd64', 'arm64'], { nodes: { amd64: 2, arm64: 5 }, nodePools: [generalPurpose] }).patched), ['arm64']);
    assert.deepEqual(preferredArch(place(['amd64', 'arm64'], { nodes: { amd64: 7, arm64: 5 }, nodePools: [graviton(false, 100)] }).patched), ['amd64']);
  });

  test('a tie: the heaviest Ready NodePool offering one of the tied decides', () => {
    const view = { nodes: { amd64: 3, arm64: 3 }, nodePools: [generalPurpose, graviton(false, 10)] };
    assert.deepEqual(preferredArch(place(['amd64', 'arm64'], view).patched), ['arm64']);
  });

  test('no nodes at all (Karpenter scaled to zero): the heaviest pool decides', () => {
    assert.deepEqual(preferredArch(place(['amd64', 'arm64'], { nodes: {}, nodePools: [generalPurpose, graviton(false, 10)] }).patched), ['arm64']);
    assert.deepEqual(preferredArch(place(['amd64', 'arm64'], { nodes: {}, nodePools: [{ ...generalPurpose, weight: 50 }, graviton(false, 10)] }).patched), ['amd64']);
  });

  test('the heaviest pool offers several of them: the default architecture, else alphabetical', () => {
    assert.equal(preferredArchitecture(['amd64', 'arm64'], { nodes: {}, nodePools: [system()] }, 'amd64'), 'amd64');
    assert.equal(preferredArchitecture(['amd64', 'arm64'], { nodes: {}, nodePools: [system()] }, 'arm64'), 'arm64');
    assert.equal(preferredArchitecture(['arm64', 'ppc64le'], { nodes: {}, nodePools: [{ ...system(), architectures: ['arm64', 'ppc64le'] }] }, 'amd64'), 'arm64');
  });

  test('tied nodes and no pool: the default architecture, else alphabetical', () => {
    assert.equal(preferredArchitecture(['amd64', 'arm64'], { nodes: { amd64: 2, arm64: 2 } }, 'arm64'), 'arm64');
    assert.equal(preferredArchitecture(['arm64', 'ppc64le'], { nodes: { ppc64le: 2, arm64: 2 } }, 'amd64'), 'arm64');
  });

  test('never an architecture nothing offers, even the default', () => {
    assert.deepEqual(preferredArch(place(['amd64', 'arm64'], { nodes: { arm64: 1 }, nodePools: [] }).patched), ['arm64']);
    assert.deepEqual(preferredArch(place(['amd64', 's390x'], { nodes: {}, nodePools: [graviton(false)] }).patched), []);
  });

  test('ARCHY_PREFERRED_ARCH still wins over the view', () => {
    assert.deepEqual(preferredArch(place(['amd64', 'arm64'], { nodes: { amd64: 9 } }, { preferredArch: 'arm64' }).patched), ['arm64']);
  });

  test('strategy pin writes the architecture the rule prefers', () => {
    const { patched } = place(['amd64', 'arm64'], { nodes: { amd64: 1, arm64: 4 } }, { multiArchStrategy: 'pin' });
    assert.equal(patched.spec?.nodeSelector?.['kubernetes.io/arch'], 'arm64');
    const nothing = place(['ppc64le', 's390x'], { nodes: { amd64: 1 } }, { multiArchStrategy: 'pin' }).patched;
    assert.equal(nothing.spec?.nodeSelector?.['kubernetes.io/arch'], 'ppc64le');
  });

  test('without a view: the default architecture when allowed, as before', () => {
    assert.deepEqual(preferredArch(place(['amd64', 'arm64'], undefined).patched), ['amd64']);
    assert.deepEqual(preferredArch(place(['arm64', 's390x'], undefined).patched), []);
  });
});

describe('NodePool tolerations (opt-in)', () => {
  const cluster = (tolerate: boolean): ClusterView => ({ nodes: { amd64: 3 }, nodePools: [generalPurpose, graviton(tolerate)] });

  test('an arm64-only pod gets the Graviton pool\'s toleration only when the pool opts in', () => {
    assert.deepEqual(place(['arm64'], cluster(true)).patched.spec?.tolerations, [gravitonToleration]);
    assert.equal(place(['arm64'], cluster(false)).patched.spec?.tolerations, undefined);
  });

  test('an amd64-only pod never gets it', () => {
    assert.equal(place(['amd64'], cluster(true)).patched.spec?.tolerations, undefined);
  });

  test('a multi-arch pod that may run on arm64 gets it; pinned to amd64 by strategy pin, it does not', () => {
    assert.deepEqual(place(['amd64', 'arm64'], cluster(true)).patched.spec?.tolerations, [gravitonToleration]);
    assert.equal(place(['amd64', 'arm64'], cluster(true), { multiArchStrategy: 'pin' }).patched.spec?.tolerations, undefined);
  });

  test('a taint without a value is tolerated exactly (Equal to the empty value)', () => {
    const { patched } = place(['amd64'], { nodes: { amd64: 1 }, nodePools: [system(true)] });
    assert.deepEqual(patched.spec?.tolerations, [{ key: 'CriticalAddonsOnly', operator: 'Equal', effect: 'NoSchedule' }]);
  });

  test('a toleration the pod has is not added again (an omitted operator is Equal), nor one for a taint it already tolerates', () => {
    const own = [{ key: 'arch', value: 'arm64', effect: 'NoSchedule' }];
    assert.deepEqual(place(['arm64'], cluster(true), {}, { tolerations: own }).patched.spec?.tolerations, own);
    const wildcard = [{ operator: 'Exists' }];
    assert.deepEqual(place(['arm64'], cluster(true), {}, { tolerations: wildcard }).patched.spec?.tolerations, wildcard);
    const otherEffect = [{ key: 'arch', operator: 'Exists', effect: 'NoExecute' }];
    assert.deepEqual(place(['arm64'], cluster(true), {}, { tolerations: otherEffect }).patched.spec?.tolerations, [...otherEffect, gravitonToleration]);
  });

  test('ARCHY_ARCH_TOLERATIONS keeps working alongside, and the same toleration is written once', () => {
    const configured = { key: 'kubernetes.io/arch', operator: 'Equal' as const, value: 'arm64', effect: 'NoSchedule' as const };
    const { patched } = place(['arm64'], cluster(true), { archTolerations: { arm64: [configured, { ...gravitonToleration, operator: 'Equal', effect: 'NoSchedule' }] } });
    assert.deepEqual(patched.spec?.tolerations, [configured, gravitonToleration]);
  });

  test('taints the API server would refuse as tolerations are never written', () => {
    const hostile: NodePoolView = {
      name: 'odd',
      architectures: ['arm64'],
      taints: [
        { key: 'bad key', effect: 'NoSchedule' },
        { key: 'ok', value: 'v'.repeat(64), effect: 'NoSchedule' },
        { key: 'ok', value: 'x', effect: 'Sometimes' as 'NoSchedule' },
        { key: 'fine.example.com/pool', value: 'odd', effect: 'NoExecute' },
      ],
      weight: 1,
      tolerate: true,
    };
    const { patched } = place(['arm64'], { nodes: {}, nodePools: [hostile] });
    assert.deepEqual(patched.spec?.tolerations, [{ key: 'fine.example.com/pool', operator: 'Equal', value: 'odd', effect: 'NoExecute' }]);
  });

  test('a pod that pins its architecture itself is left unchanged', () => {
    const input = pod({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } });
    const decision = decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/arm64')] }, withView(cluster(true)));
    assert.equal(decision.kind, 'skip');
  });
});

describe('archy.io/nodepools', () => {
  const pools = [generalPurpose, system(), graviton(false, 10), { ...graviton(false, 50), name: 'graviton-spot' }, { ...generalPurpose, name: 'a-amd', weight: 10 }];

  test('the Ready pools that can launch a node for the pod, heaviest first (equal weights by name)', () => {
    assert.equal(annotation(place(['amd64', 'arm64'], { nodes: {}, nodePools: pools }).patched, 'archy.io/nodepools'), 'graviton-spot,a-amd,graviton,general-purpose,system');
    assert.equal(annotation(place(['arm64'], { nodes: {}, nodePools: pools }).patched, 'archy.io/nodepools'), 'graviton-spot,graviton,system');
    assert.equal(annotation(place(['amd64'], { nodes: {}, nodePools: pools }).patched, 'archy.io/nodepools'), 'a-amd,general-purpose,system');
  });

  test('none when no pool can, or the pools are not known', () => {
    assert.equal(annotation(place(['amd64'], { nodes: { amd64: 1 }, nodePools: [graviton(true)] }).patched, 'archy.io/nodepools'), undefined);
    assert.equal(annotation(place(['amd64'], { nodes: { amd64: 1 } }).patched, 'archy.io/nodepools'), undefined);
  });

  test('left out (and only it) when it would take the annotations past 256 KiB', () => {
    const many = Array.from({ length: 40 }, (_, index) => ({ ...generalPurpose, name: `pool-${String(index).padStart(2, '0')}-${'p'.repeat(40)}` }));
    const namesBytes = many.map((entry) => entry.name).join(',').length + 'archy.io/nodepools'.length;
    const room = 'archy.io/architectures'.length + 'amd64'.length + namesBytes - 1;
    const filler = 'x'.repeat(256 * 1024 - 'example.com/big'.length - room);
    const { decision, patched } = place(['amd64'], { nodes: { amd64: 1 }, nodePools: many }, {}, {});
    assert.ok(annotation(patched, 'archy.io/nodepools')?.startsWith('pool-00-'));
    const input = pod({}, { annotations: { 'example.com/big': filler } });
    const tight = assertMutation(decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64')] }, withView({ nodes: { amd64: 1 }, nodePools: many })));
    const tightPatched = applied(input, tight);
    assert.equal(annotation(tightPatched, 'archy.io/nodepools'), undefined);
    assert.equal(annotation(tightPatched, 'archy.io/architectures'), 'amd64');
    assert.deepEqual(tight.warnings, []);
    assert.deepEqual(decision.warnings, []);
  });
});
