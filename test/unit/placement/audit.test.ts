// Audit mode over the same fixtures as enforce: the same decision, warnings and reason; no
// scheduling field written; archy.io/would-place says what enforce placed, archy.io/architectures
// what the images run on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, modeFor, type ClusterView, type Decision, type PlacementPolicy, type PodLike } from '../../../lib/placement/index.ts';
import type { ImageResolution } from '../../../lib/types.ts';
import { applied, archIn, failed, pod, policy, resolved, withPolicy } from './fixtures.ts';

const audit = (overrides: Partial<PlacementPolicy> = {}): PlacementPolicy => withPolicy({ ...overrides, mode: 'audit' });
const required = (...terms: unknown[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
const zoneA = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a'] };
const graviton = { name: 'graviton', architectures: ['arm64'], taints: [{ key: 'arch', value: 'arm64', effect: 'NoSchedule' as const }], weight: 10, tolerate: true };

interface Fixture {
  name: string;
  pod: PodLike;
  resolutions: ImageResolution[];
  policy?: Partial<PlacementPolicy>;
}

const FIXTURES: Fixture[] = [
  { name: 'one architecture', pod: pod(), resolutions: [resolved('nginx:1', 'linux/amd64')] },
  { name: 'several architectures', pod: pod(), resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] },
  { name: 'several, strategy pin', pod: pod(), resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')], policy: { multiArchStrategy: 'pin', preferredArch: 'arm64' } },
  { name: 'no image checked: the default', pod: pod(), resolutions: [failed('nginx:1', 'registry unreachable')] },
  { name: 'one of two images checked', pod: pod({ containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'tool:2' }] }), resolutions: [resolved('nginx:1', 'linux/arm64', 'linux/amd64'), failed('tool:2', 'registry unreachable')] },
  { name: 'a term of the pod closed by S', pod: pod(required({ matchExpressions: [archIn('s390x')] }, { matchExpressions: [zoneA] })), resolutions: [resolved('nginx:1', 'linux/amd64')] },
  { name: 'configured and NodePool tolerations', pod: pod(), resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')], policy: { archTolerations: { arm64: [{ key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }] }, cluster: { nodes: { amd64: 1 }, nodePools: [graviton] } } },
  { name: 'nothing in the cluster offers S', pod: pod(), resolutions: [resolved('nginx:1', 'linux/s390x')], policy: { cluster: { nodes: { amd64: 3 }, nodePools: [] } satisfies ClusterView } },
  { name: 'the pod pins an architecture its images lack', pod: pod({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } }), resolutions: [resolved('nginx:1', 'linux/amd64')] },
  { name: 'no architecture in common', pod: pod({ containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'tool:2' }] }), resolutions: [resolved('nginx:1', 'linux/arm64'), resolved('tool:2', 'linux/amd64')] },
];

const SCHEDULING = ['nodeSelector', 'affinity', 'tolerations'] as const;

function outcome(fixture: Fixture, mode: 'enforce' | 'audit'): { decision: Decision; patched: PodLike } {
  const chosen = withPolicy({ ...fixture.policy, mode });
  const decision = decide({ pod: fixture.pod, resolutions: fixture.resolutions }, chosen);
  return { decision, patched: decision.kind === 'mutate' ? applied(fixture.pod, decision) : fixture.pod };
}

describe('audit mode, over the same fixtures as enforce', () => {
  for (const fixture of FIXTURES) {
    test(`${fixture.name}: the same decision and warnings, and no scheduling field changed`, () => {
      const enforced = outcome(fixture, 'enforce');
      const audited = outcome(fixture, 'audit');
      assert.equal(audited.decision.kind, enforced.decision.kind);
      assert.equal(audited.decision.reason, enforced.decision.reason);
      assert.deepEqual(audited.decision.warnings, enforced.decision.warnings);
      for (const field of SCHEDULING) assert.deepEqual(audited.patched.spec?.[field], fixture.pod.spec?.[field], `spec.${field} untouched`);
      if (enforced.decision.kind !== 'mutate') {
        assert.deepEqual(audited.patched, fixture.pod, 'a skip is a skip in both modes');
        return;
      }
      const [records, placed] = [audited.patched.metadata?.annotations ?? {}, enforced.patched.metadata?.annotations ?? {}];
      assert.equal(records['archy.io/would-place'], placed['archy.io/architectures'], 'would-place is what enforce placed');
      assert.equal(records['archy.io/reason'], placed['archy.io/reason']);
      assert.equal(records['archy.io/nodepools'], undefined, 'no NodePools named for a pod that was not placed');
      assert.equal(placed['archy.io/would-place'], undefined, 'enforce writes no would-place');
      // The only difference: the scheduling fields and the records.
      const strip = (value: PodLike): unknown => ({ ...value, metadata: { ...value.metadata, annotations: undefined }, spec: { ...value.spec, nodeSelector: undefined, affinity: undefined, tolerations: undefined } });
      assert.deepEqual(strip(audited.patched), strip(enforced.patched));
    });
  }

  test('archy.io/architectures is what the images run on, would-place what enforce would allow or pin', () => {
    const multi = [resolved('nginx:1', 'linux/arm64', 'linux/amd64')];
    const affinity = applied(pod(), decide({ pod: pod(), resolutions: multi }, audit())).metadata?.annotations;
    assert.deepEqual(affinity, { 'archy.io/architectures': 'amd64,arm64', 'archy.io/would-place': 'amd64,arm64' });
    const pinned = applied(pod(), decide({ pod: pod(), resolutions: multi }, audit({ multiArchStrategy: 'pin', preferredArch: 'arm64' }))).metadata?.annotations;
    assert.deepEqual(pinned, { 'archy.io/architectures': 'amd64,arm64', 'archy.io/would-place': 'arm64' });
    const fallback = applied(pod(), decide({ pod: pod(), resolutions: [failed('nginx:1', 'timeout')] }, audit())).metadata?.annotations;
    assert.deepEqual(fallback, { 'archy.io/architectures': 'amd64', 'archy.io/would-place': 'amd64', 'archy.io/reason': 'fallback: no image checked, default amd64' });
  });

  test('a second pass over the audited pod yields no patch (reinvocation)', () => {
    for (const fixture of FIXTURES) {
      const first = outcome(fixture, 'audit');
      const again = decide({ pod: first.patched, resolutions: fixture.resolutions }, withPolicy({ ...fixture.policy, mode: 'audit' }));
      assert.deepEqual(again.kind === 'mutate' ? again.patch : [], [], fixture.name);
    }
  });

  test('ARCHY_AUDIT_NAMESPACES: those namespaces audit, the rest enforce; ARCHY_MODE=audit audits everywhere', () => {
    const some = withPolicy({ auditNamespaces: ['payments', 'legacy'] });
    assert.equal(modeFor(some, 'payments'), 'audit');
    assert.equal(modeFor(some, 'web'), 'enforce');
    assert.equal(modeFor(some, undefined), 'enforce');
    assert.equal(modeFor(policy, 'payments'), 'enforce');
    assert.equal(modeFor(audit(), 'web'), 'audit');
    const resolutions = [resolved('nginx:1', 'linux/amd64')];
    const inPayments = decide({ pod: pod({}, { namespace: 'payments' }), resolutions }, some);
    assert.ok(inPayments.kind === 'mutate' && inPayments.patch.every((op) => op.path.startsWith('/metadata/annotations')), 'the namespace from the pod');
    const inWeb = decide({ pod: pod(), namespace: 'web', resolutions }, some);
    assert.ok(inWeb.kind === 'mutate' && inWeb.patch.some((op) => op.path.startsWith('/spec/nodeSelector')));
  });
});
