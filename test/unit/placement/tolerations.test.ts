import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../../lib/placement/index.ts';
import { applied, pod, resolved, withPolicy } from './fixtures.ts';

const armTaint = { key: 'kubernetes.io/arch', operator: 'Equal' as const, value: 'arm64', effect: 'NoSchedule' as const };
const graviton = { key: 'pool', operator: 'Equal' as const, value: 'graviton', effect: 'NoSchedule' as const };
const policy = withPolicy({ archTolerations: { arm64: [armTaint, graviton], amd64: [{ key: 'x86', operator: 'Exists' }] } });

describe('tolerations', () => {
  test('adds the tolerations of every placed architecture, creating the array', () => {
    const input = pod();
    const patched = applied(input, decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, policy));
    assert.deepEqual(patched.spec?.tolerations, [{ key: 'x86', operator: 'Exists' }, armTaint, graviton]);
  });

  test('only the pinned architecture gets its tolerations', () => {
    const input = pod();
    const pinned = withPolicy({ ...policy, multiArchStrategy: 'pin', preferredArch: 'arm64' });
    const patched = applied(input, decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, pinned));
    assert.deepEqual(patched.spec?.tolerations, [armTaint, graviton]);
  });

  test('appends after the user tolerations and never duplicates an equal one (absent operator means Equal)', () => {
    const existing = [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' }];
    const input = pod({ tolerations: existing });
    const patched = applied(input, decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/arm64')] }, policy));
    assert.deepEqual(patched.spec?.tolerations, [...existing, graviton]);
  });

  test('a toleration differing in one field (tolerationSeconds) is not equal and is added', () => {
    const input = pod({ tolerations: [{ ...graviton, tolerationSeconds: 30 }, armTaint] });
    const patched = applied(input, decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/arm64')] }, policy));
    assert.deepEqual(patched.spec?.tolerations, [{ ...graviton, tolerationSeconds: 30 }, armTaint, graviton]);
  });

  test('the same toleration configured for two architectures is added once', () => {
    const shared = withPolicy({ archTolerations: { arm64: [graviton], amd64: [graviton] } });
    const input = pod();
    const patched = applied(input, decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, shared));
    assert.deepEqual(patched.spec?.tolerations, [graviton]);
  });

  test('no tolerations field is written when none are configured for the placed architecture', () => {
    const input = pod();
    const patched = applied(input, decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/s390x')] }, policy));
    assert.equal(patched.spec?.tolerations, undefined);
  });
});
