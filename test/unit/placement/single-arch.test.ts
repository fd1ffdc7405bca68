import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../../lib/placement/index.ts';
import { applied, assertMutation, failed, pod, policy, resolved, withPolicy } from './fixtures.ts';

describe('one architecture: nodeSelector', () => {
  test('creates spec.nodeSelector when the pod has none and records the decision', () => {
    const input = pod();
    const decision = decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/arm64', 'windows/amd64')] }, policy);
    const patched = applied(input, decision);
    assert.deepEqual(patched.spec?.nodeSelector, { 'kubernetes.io/arch': 'arm64' });
    assert.equal(patched.metadata?.annotations?.['archy.io/architectures'], 'arm64');
    assert.equal(patched.metadata?.annotations?.['archy.io/reason'], undefined);
    assert.deepEqual(assertMutation(decision).architectures, ['arm64']);
    assert.equal(assertMutation(decision).fallback, false);
    assert.equal(patched.spec?.affinity, undefined);
  });

  test('adds the key to an existing nodeSelector with an escaped pointer and keeps the user entries', () => {
    const input = pod({ nodeSelector: { 'node.kubernetes.io/pool': 'web', 'a~b': 'c' } });
    const decision = decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64')] }, policy);
    const mutation = assertMutation(decision);
    assert.ok(mutation.patch.some((op) => op.path === '/spec/nodeSelector/kubernetes.io~1arch'));
    assert.ok(mutation.patch.some((op) => op.path === '/metadata/annotations'));
    const patched = applied(input, decision);
    assert.deepEqual(patched.spec?.nodeSelector, { 'node.kubernetes.io/pool': 'web', 'a~b': 'c', 'kubernetes.io/arch': 'amd64' });
  });

  test('keeps existing annotations and writes into them with escaped keys', () => {
    const input = pod({}, { annotations: { 'team.example.com/owner': 'ops' } });
    const decision = decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64')] }, policy);
    assert.ok(assertMutation(decision).patch.some((op) => op.path === '/metadata/annotations/archy.io~1architectures'));
    const patched = applied(input, decision);
    assert.deepEqual(patched.metadata?.annotations, { 'team.example.com/owner': 'ops', 'archy.io/architectures': 'amd64' });
  });

  test('a null nodeSelector or null annotations are replaced, not dereferenced', () => {
    const input = pod({ nodeSelector: null }, { annotations: null });
    const patched = applied(input, decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64')] }, policy));
    assert.deepEqual(patched.spec?.nodeSelector, { 'kubernetes.io/arch': 'amd64' });
    assert.equal(patched.metadata?.annotations?.['archy.io/architectures'], 'amd64');
  });

  test('placement uses the architecture without variant; platforms of other systems do not count', () => {
    const input = pod();
    const decision = decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/arm/v7', 'linux/arm/v6', 'windows/amd64')] }, policy);
    assert.equal(applied(input, decision).spec?.nodeSelector?.['kubernetes.io/arch'], 'arm');
  });

  test('the allowed set is the intersection over all container, init and ephemeral images', () => {
    const input = pod({
      initContainers: [{ name: 'init', image: 'busybox:1' }],
      containers: [{ name: 'app', image: 'nginx:1' }],
      ephemeralContainers: [{ name: 'debug', image: 'debug:1' }],
    });
    const resolutions = [
      resolved('busybox:1', 'linux/amd64', 'linux/arm64', 'linux/s390x'),
      resolved('nginx:1', 'linux/amd64', 'linux/arm64', 'linux/s390x'),
      resolved('debug:1', 'linux/arm64', 'linux/s390x'),
    ];
    const decision = assertMutation(decide({ pod: input, resolutions }, policy));
    assert.deepEqual(decision.architectures, ['arm64', 's390x']);
  });
});

describe('unresolved images', () => {
  test('are left out of the intersection, named in a warning, and recorded as a partial reason', () => {
    const input = pod({ containers: [{ name: 'app', image: 'nginx:1' }, { name: 'side', image: 'private.example/side:2' }] });
    const decision = decide(
      { pod: input, resolutions: [resolved('nginx:1', 'linux/arm64'), failed('private.example/side:2', 'registry answered 401 unauthorized')] },
      policy,
    );
    const mutation = assertMutation(decision);
    assert.equal(mutation.fallback, false);
    assert.equal(mutation.warnings.length, 1);
    assert.match(mutation.warnings[0] ?? '', /private\.example\/side:2 \(container side\).*401 unauthorized/);
    const patched = applied(input, decision);
    assert.equal(patched.spec?.nodeSelector?.['kubernetes.io/arch'], 'arm64');
    assert.equal(patched.metadata?.annotations?.['archy.io/reason'], 'partial: 1 of 2 images not checked');
  });

  test('when none resolved the default architecture is used, with a warning and a fallback reason', () => {
    const input = pod();
    const decision = decide({ pod: input, resolutions: [failed('nginx:1', 'timed out')] }, withPolicy({ defaultArch: 'arm64', preferredArch: 'arm64' }));
    const mutation = assertMutation(decision);
    assert.equal(mutation.fallback, true);
    assert.ok(mutation.warnings.some((warning) => warning.includes('default architecture arm64')));
    const patched = applied(input, decision);
    assert.equal(patched.spec?.nodeSelector?.['kubernetes.io/arch'], 'arm64');
    assert.match(patched.metadata?.annotations?.['archy.io/reason'] ?? '', /^fallback/);
  });

  test('an image missing from the resolutions counts as not checked', () => {
    const decision = assertMutation(decide({ pod: pod(), resolutions: [] }, policy));
    assert.equal(decision.fallback, true);
    assert.deepEqual(decision.architectures, ['amd64']);
  });

  test('one image used by two containers is warned about once, naming both', () => {
    const input = pod({ containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'x:1' }, { name: 'c', image: 'y:1' }] });
    const decision = assertMutation(decide({ pod: input, resolutions: [failed('x:1', 'not found'), resolved('y:1', 'linux/amd64')] }, policy));
    assert.equal(decision.warnings.length, 1);
    assert.match(decision.warnings[0] ?? '', /containers a, b/);
  });

  test('long errors are clipped so every warning stays under 256 characters', () => {
    const decision = assertMutation(decide({ pod: pod(), resolutions: [failed('nginx:1', 'e'.repeat(1000))] }, policy));
    for (const warning of decision.warnings) assert.ok(warning.length < 256, warning);
  });
});

describe('no common architecture', () => {
  test('skips with no patch and a warning naming each image and its linux platforms', () => {
    const input = pod({ containers: [{ name: 'app', image: 'nginx:1' }, { name: 'sidecar', image: 'x:2' }] });
    const decision = decide(
      { pod: input, resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64'), resolved('x:2', 'linux/s390x', 'windows/amd64')] },
      policy,
    );
    assert.equal(decision.kind, 'skip');
    assert.equal(decision.kind === 'skip' && decision.reason, 'no-common-arch');
    assert.deepEqual(decision.warnings, [
      'no architecture is common to all images: app (nginx:1) has linux/amd64, linux/arm64; sidecar (x:2) has linux/s390x',
    ]);
    assert.equal('patch' in decision, false);
  });

  test('an image with only windows platforms has no linux architecture at all', () => {
    const decision = decide({ pod: pod(), resolutions: [resolved('nginx:1', 'windows/amd64')] }, policy);
    assert.equal(decision.kind, 'skip');
    assert.match(decision.warnings[0] ?? '', /app \(nginx:1\) has no linux platform/);
  });

  test('the warning is clipped under 256 characters for many images', () => {
    const containers = Array.from({ length: 20 }, (_, index) => ({ name: `c${index}`, image: `image-${index}:1` }));
    const resolutions = containers.map((c, index) => resolved(c.image, index % 2 ? 'linux/amd64' : 'linux/arm64'));
    const decision = decide({ pod: pod({ containers }), resolutions }, policy);
    assert.equal(decision.kind, 'skip');
    assert.ok((decision.warnings[0] ?? '').length < 256);
  });
});

describe('cluster architectures', () => {
  test('warns that the pod will wait when no node of an allowed architecture exists and NodePools are not known', () => {
    const decision = assertMutation(
      decide({ pod: pod(), resolutions: [resolved('nginx:1', 'linux/arm64')] }, withPolicy({ cluster: { nodes: { amd64: 3 } } })),
    );
    assert.equal(decision.warnings.length, 1);
    assert.match(decision.warnings[0] ?? '', /no node in the cluster is arm64.*wait for a node of that architecture \(autoscaler\)/);
    assert.equal(decision.reason, 'pending: no node offers arm64');
  });

  test('no warning when one allowed architecture has nodes', () => {
    const decision = assertMutation(
      decide({ pod: pod(), resolutions: [resolved('nginx:1', 'linux/arm64', 'linux/amd64')] }, withPolicy({ cluster: { nodes: { amd64: 3 } } })),
    );
    assert.deepEqual(decision.warnings, []);
  });
});
