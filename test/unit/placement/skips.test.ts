import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, imagesToResolve, preflight, type SkipReason } from '../../../lib/placement/index.ts';
import { archIn, pod, policy, resolved } from './fixtures.ts';

function reasonOf(facts: Parameters<typeof preflight>[0]): SkipReason | undefined {
  return preflight(facts, policy)?.reason;
}

const create = (object: unknown, namespace?: string) => ({ operation: 'CREATE', pod: object, ...(namespace ? { namespace } : {}) });

describe('preflight skips (no registry needed)', () => {
  test('an ordinary pod needs its images resolved', () => {
    assert.equal(preflight(create(pod()), policy), undefined);
  });

  test('operations other than CREATE', () => {
    assert.equal(reasonOf({ operation: 'UPDATE', pod: pod() }), 'operation');
    assert.equal(reasonOf({ operation: 'DELETE', pod: null }), 'operation');
    assert.equal(reasonOf({ operation: 'CONNECT', pod: undefined }), 'operation');
  });

  test('objects that are not pods', () => {
    assert.equal(reasonOf(create({ msg: 'Expecting a Pod?' })), 'not-a-pod');
    assert.equal(reasonOf(create(null)), 'not-a-pod');
    assert.equal(reasonOf(create({ spec: { containers: 'nginx' } })), 'not-a-pod');
  });

  test('opt-out annotation archy.io/skip: "true" only', () => {
    assert.equal(reasonOf(create(pod({}, { annotations: { 'archy.io/skip': 'true' } }))), 'opt-out');
    assert.equal(reasonOf(create(pod({}, { annotations: { 'archy.io/skip': 'false' } }))), undefined);
  });

  test('excluded namespaces, from the request or the pod metadata', () => {
    assert.equal(reasonOf(create(pod(), 'kube-system')), 'excluded-namespace');
    assert.equal(reasonOf(create(pod({}, { namespace: 'kube-system' }))), 'excluded-namespace');
    assert.equal(reasonOf(create(pod({}, { namespace: 'team-a' }))), undefined);
  });

  test('DaemonSet-owned pods, not ReplicaSet-owned ones', () => {
    assert.equal(reasonOf(create(pod({}, { ownerReferences: [{ kind: 'DaemonSet', name: 'aws-node' }] }))), 'daemonset');
    assert.equal(reasonOf(create(pod({}, { ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1' }] }))), undefined);
  });

  test('spec.nodeName set', () => {
    assert.equal(reasonOf(create(pod({ nodeName: 'ip-10-0-0-1' }))), 'node-name');
  });

  test('a pod that pins its architecture is still resolved, then left as it is', () => {
    const decideFor = (spec: Record<string, unknown>) => decide({ pod: pod(spec), resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, policy);
    const pinned = (spec: Record<string, unknown>): void => {
      assert.equal(reasonOf(create(pod(spec))), undefined, 'preflight lets the images be checked');
      assert.equal(decideFor(spec).kind === 'skip' && decideFor(spec).reason, 'arch-constrained', JSON.stringify(spec));
    };
    const terms = (...list: unknown[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: list } } } });
    pinned({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } });
    pinned({ nodeSelector: { 'beta.kubernetes.io/arch': 'arm64' } });
    pinned(terms({ matchExpressions: [archIn('arm64')] }, { matchExpressions: [archIn('amd64')] }));
    pinned(terms({ matchExpressions: [{ key: 'beta.kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }, {}));
  });

  test('Exists, DoesNotExist, NotIn and a term without the arch are not pins', () => {
    const notPinned = (expression: Record<string, unknown>, other?: unknown): void => {
      const list = other === undefined ? [{ matchExpressions: [expression] }] : [{ matchExpressions: [expression] }, other];
      const spec = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: list } } } };
      const decision = decide({ pod: pod(spec), resolutions: [resolved('nginx:1', 'linux/amd64')] }, policy);
      assert.equal(decision.kind, 'mutate', JSON.stringify(list));
    };
    notPinned({ key: 'kubernetes.io/arch', operator: 'Exists' });
    notPinned({ key: 'kubernetes.io/arch', operator: 'NotIn', values: ['arm'] });
    notPinned({ key: 'beta.kubernetes.io/arch', operator: 'DoesNotExist' });
    notPinned(archIn('s390x'), { matchExpressions: [{ key: 'zone', operator: 'Exists' }] });
    assert.equal(decide({ pod: pod({ nodeSelector: { 'node.kubernetes.io/instance-type': 'm7g.large' } }), resolutions: [resolved('nginx:1', 'linux/amd64')] }, policy).kind, 'mutate');
  });

  test('a preferred arch term alone does not constrain', () => {
    const affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [archIn('arm64')] } }] } };
    assert.equal(reasonOf(create(pod({ affinity }))), undefined);
  });

  test('pods with no images', () => {
    assert.equal(reasonOf(create(pod({ containers: [] }))), 'no-images');
    assert.equal(reasonOf(create(pod({ containers: [{ name: 'a', image: '  ' }, { name: 'b' }] }))), 'no-images');
  });

  test('decide applies the same skips before looking at resolutions', () => {
    const decision = decide({ pod: pod({ nodeName: 'n1' }), resolutions: [resolved('nginx:1', 'linux/amd64')] }, policy);
    assert.deepEqual(decision, { kind: 'skip', reason: 'node-name', detail: 'spec.nodeName is set: the node is already chosen', warnings: [] });
  });

  test('a user arch constraint no image supports is respected but warned about', () => {
    const input = pod({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } });
    const decision = decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64')] }, policy);
    assert.equal(decision.kind === 'skip' && decision.reason, 'arch-constrained');
    assert.deepEqual(decision.warnings, ['the pod requires arm64 but its images support only amd64; on other architectures it fails with exec format error']);
    const onePinnedMissing = decide({ pod: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [archIn('amd64', 's390x')] }] } } } }), resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, policy);
    assert.equal(onePinnedMissing.kind === 'skip' && onePinnedMissing.reason, 'arch-constrained');
    assert.deepEqual(onePinnedMissing.warnings, ['the pod requires amd64 or s390x but its images support only amd64, arm64; on other architectures it fails with exec format error']);
    const fine = decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, policy);
    assert.deepEqual(fine.warnings, []);
  });
});

describe('podImages and imagesToResolve', () => {
  const input = pod({
    initContainers: [{ name: 'init', image: 'busybox:1', imagePullPolicy: 'Always' }],
    containers: [{ name: 'app', image: 'nginx:1' }, { name: 'noimage' }],
    ephemeralContainers: [{ name: 'debug', image: 'debug:1' }],
  });

  test('lists init, regular and ephemeral container images with their kind', () => {
    assert.deepEqual(imagesToResolve(create(input)), [
      { image: 'busybox:1', container: 'init', kind: 'init', imagePullPolicy: 'Always' },
      { image: 'nginx:1', container: 'app', kind: 'container' },
      { image: 'debug:1', container: 'debug', kind: 'ephemeral' },
    ]);
  });

  test('an ephemeral containers update needs only the ephemeral images', () => {
    assert.deepEqual(imagesToResolve({ operation: 'UPDATE', subResource: 'ephemeralcontainers', pod: input }), [
      { image: 'debug:1', container: 'debug', kind: 'ephemeral' },
    ]);
  });
});

describe('ephemeral containers update', () => {
  const running = (extra: Record<string, unknown>, annotations?: Record<string, string>) =>
    pod({ nodeName: 'n1', ephemeralContainers: [{ name: 'debug', image: 'debug:1' }], ...extra }, annotations ? { annotations } : {});
  const update = { operation: 'UPDATE', subResource: 'ephemeralcontainers' };

  test('warns when the ephemeral image lacks the architecture the pod is placed on, with no patch', () => {
    const decision = decide({ ...update, pod: running({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } }), resolutions: [resolved('debug:1', 'linux/amd64')] }, policy);
    assert.equal(decision.kind, 'skip');
    assert.equal(decision.kind === 'skip' && decision.reason, 'operation');
    assert.deepEqual(decision.warnings, ['ephemeral container debug (debug:1) has linux/amd64, but this pod runs on arm64; it may fail to start']);
  });

  test('reads the placement from required affinity or from our annotation', () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [archIn('amd64', 'arm64')] }] } } };
    const viaAffinity = decide({ ...update, pod: running({ affinity }), resolutions: [resolved('debug:1', 'linux/amd64')] }, policy);
    assert.match(viaAffinity.warnings[0] ?? '', /runs on amd64 or arm64/);
    const viaAnnotation = decide({ ...update, pod: running({}, { 'archy.io/architectures': 'amd64,arm64' }), resolutions: [resolved('debug:1', 'linux/amd64', 'linux/arm64')] }, policy);
    assert.deepEqual(viaAnnotation.warnings, []);
  });

  test('without a known placement there is nothing to check and nothing to resolve', () => {
    assert.equal(preflight({ ...update, pod: running({}) }, policy)?.reason, 'operation');
    assert.equal(preflight({ ...update, pod: running({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } }) }, policy), undefined);
  });
});
