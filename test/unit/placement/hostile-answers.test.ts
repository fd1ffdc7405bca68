// What a registry says cannot make Archy write a pod the API server rejects.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type Mutation } from '../../../lib/placement/index.ts';
import { buildResponse } from '../../../lib/admission/review.ts';
import { applied, assertMutation, failed, pod, policy, resolved } from './fixtures.ts';

const annotationBytes = (annotations: Record<string, string> | null | undefined): number =>
  Object.entries(annotations ?? {}).reduce((total, [key, value]) => total + Buffer.byteLength(key) + Buffer.byteLength(value), 0);

describe('hostile registry answers', () => {
  test('architectures that are not valid names are ignored with a warning, never written', () => {
    const answer = resolved('nginx:1', 'linux/amd64 evil', `linux/${'a'.repeat(100)}`, 'linux/arm64\nX', 'linux/AMD64', 'linux/amd64', 'linux/arm64');
    const input = pod();
    const decision = assertMutation(decide({ pod: input, resolutions: [answer] }, policy));
    assert.deepEqual(decision.architectures, ['amd64', 'arm64']);
    const patched = applied(input, decision);
    assert.equal(patched.metadata?.annotations?.['archy.io/architectures'], 'amd64,arm64');
    assert.equal(decision.warnings.length, 1);
    assert.match(decision.warnings[0] ?? '', /^image nginx:1 names architectures that are not valid \("amd64 evil", .*and 1 more\); those platform entries were ignored$/);
  });

  test('an image whose only architectures are invalid has no architecture: nothing is pinned to garbage', () => {
    const decision = decide({ pod: pod(), resolutions: [resolved('nginx:1', 'linux/amd64 evil')] }, policy);
    assert.equal(decision.kind === 'skip' && decision.reason, 'no-common-arch');
  });

  test('an image listing more than 64 platforms is not believed: it counts as not checked', () => {
    const many = Array.from({ length: 40_000 }, (_, index) => `linux/a${index}`);
    const decision = assertMutation(decide({ pod: pod(), resolutions: [resolved('nginx:1', ...many, 'linux/amd64')] }, policy));
    assert.equal(decision.fallback, true);
    assert.deepEqual(decision.architectures, ['amd64']);
    assert.ok(decision.warnings.some((warning) => warning.includes('lists 40001 platforms, more than the 64 believed')));
    const sixtyFour = Array.from({ length: 63 }, (_, index) => `linux/a${index}`);
    const believed = assertMutation(decide({ pod: pod(), resolutions: [resolved('nginx:1', ...sixtyFour, 'linux/amd64')] }, policy));
    assert.equal(believed.fallback, false);
  });

  test("Archy's annotations are left out rather than push the pod past 256 KiB of annotations", () => {
    const nearlyFull = { big: 'x'.repeat(256 * 1024 - 3 - 20) };
    const input = pod({}, { annotations: nearlyFull });
    const decision = assertMutation(decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, policy));
    const patched = applied(input, decision);
    assert.ok(annotationBytes(patched.metadata?.annotations) <= 256 * 1024);
    assert.equal(patched.metadata?.annotations?.['archy.io/architectures'], undefined);
    assert.ok(patched.spec?.affinity?.nodeAffinity, 'the placement itself is still written');
    assert.ok(decision.warnings.some((warning) => warning.includes('annotations were left out')));

    const roomy = pod({}, { annotations: { big: 'x'.repeat(1000) } });
    const kept = applied(roomy, decide({ pod: roomy, resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, policy));
    assert.equal(kept.metadata?.annotations?.['archy.io/architectures'], 'amd64,arm64');
  });
});

describe('warnings', () => {
  const send = (decision: Mutation | ReturnType<typeof decide>): string[] => buildResponse('uid', undefined, decision.warnings).warnings ?? [];

  test('every warning, prefix included, is at most 256 printable characters and keeps what to do', () => {
    const error = `refusing plain HTTP to ${'r'.repeat(300)}.example:5000: list it in ARCHY_INSECURE_REGISTRIES to allow it`;
    const image = `${'r'.repeat(300)}.example:5000/team/app:1`;
    const decision = decide({ pod: pod({ containers: [{ name: 'app\u0000\n', image }] }), resolutions: [failed(image, error)] }, policy);
    const warnings = send(decision);
    assert.ok(warnings.length >= 1);
    for (const warning of warnings) {
      assert.ok(warning.length <= 256, `${warning.length}: ${warning}`);
      assert.match(warning, /^archy: [\x20-\x7e]*$/);
    }
    assert.match(warnings[0] ?? '', /list it in ARCHY_INSECURE_REGISTRIES to allow it$/);
  });

  test('warnings from elsewhere are clipped the same way, and never get the prefix twice', () => {
    const warnings = buildResponse('uid', undefined, ['x'.repeat(1000), 'archy: already prefixed']).warnings ?? [];
    assert.equal(warnings[0]?.length, 256);
    assert.deepEqual(warnings[1], 'archy: already prefixed');
  });
});
