// Which decisions become Events, under which reason, saying what: real decisions from decide(),
// so a reworded warning in lib/placement fails here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findingsOf } from '../../../lib/kube/event-reasons.ts';
import { decide, type Decision } from '../../../lib/placement/index.ts';
import { failed, pod, policy, resolved, withPolicy } from '../placement/fixtures.ts';

const twoImages = (first: string, second: string): Record<string, unknown> => ({
  containers: [
    { name: 'app', image: first },
    { name: 'sidecar', image: second },
  ],
});

function reasons(decision: Decision): string[] {
  return findingsOf(decision).map((finding) => finding.reason);
}

describe('Event reasons from placement decisions', () => {
  test('no image checked: ArchyFallback, saying so first and then why each image was not checked', () => {
    const decision = decide({ pod: pod(), resolutions: [failed('nginx:1', 'registry docker.io answered 429: too many requests')] }, policy);
    const findings = findingsOf(decision);
    assert.deepEqual(findings.map((finding) => finding.reason), ['ArchyFallback']);
    const [headline, why] = findings[0]?.warnings ?? [];
    assert.equal(headline, 'no image of this pod could be checked, so it is placed on the default architecture amd64');
    assert.match(why ?? '', /^image nginx:1 \(container app\) not checked, left out of the placement: registry docker\.io answered 429/);
  });

  test('no architecture in common: NoCommonArchitecture, naming each image\'s platforms', () => {
    const decision = decide({ pod: pod(twoImages('a:1', 'b:1')), resolutions: [resolved('a:1', 'linux/amd64'), resolved('b:1', 'linux/arm64')] }, policy);
    const findings = findingsOf(decision);
    assert.deepEqual(findings.map((finding) => finding.reason), ['NoCommonArchitecture']);
    assert.match(findings[0]?.warnings[0] ?? '', /^no architecture is common to all images: app \(a:1\) has .*amd64.*; sidecar \(b:1\) has .*arm64/);
  });

  test('some images not checked: ImagesNotChecked, one warning per image', () => {
    const decision = decide({ pod: pod(twoImages('a:1', 'b:1')), resolutions: [resolved('a:1', 'linux/amd64', 'linux/arm64'), failed('b:1', 'timed out')] }, policy);
    const findings = findingsOf(decision);
    assert.deepEqual(findings.map((finding) => finding.reason), ['ImagesNotChecked']);
    assert.equal(findings[0]?.warnings.length, 1);
    const tooMany = Array.from({ length: 65 }, (_, index) => `linux/arch${index}`);
    const untrusted = decide({ pod: pod(twoImages('a:1', 'b:1')), resolutions: [resolved('a:1', 'linux/amd64'), resolved('b:1', ...tooMany)] }, policy);
    assert.deepEqual(reasons(untrusted), ['ImagesNotChecked'], 'an image listing more platforms than believed');
  });

  test('a pod pinned to an architecture its images lack: PinnedArchitectureUnsupported', () => {
    const pinned = pod({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } });
    assert.deepEqual(reasons(decide({ pod: pinned, resolutions: [resolved('nginx:1', 'linux/amd64')] }, policy)), ['PinnedArchitectureUnsupported']);
    assert.deepEqual(reasons(decide({ pod: pinned, resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, policy)), [], 'a pin its images support');
  });

  test('nothing in the cluster offers the architecture: NoNodeForArchitecture', () => {
    const cluster = { nodes: { amd64: 3, arm64: 2 }, nodePools: [] };
    const decision = decide({ pod: pod(), resolutions: [resolved('nginx:1', 'linux/s390x')] }, withPolicy({ cluster }));
    assert.deepEqual(reasons(decision), ['NoNodeForArchitecture']);
    const unknownPools = decide({ pod: pod(), resolutions: [resolved('nginx:1', 'linux/s390x')] }, withPolicy({ cluster: { nodes: { amd64: 3 } } }));
    assert.deepEqual(reasons(unknownPools), ['NoNodeForArchitecture'], 'NodePools unreadable: the nodes alone');
  });

  test('a fallback onto an architecture nothing offers: both, and the fallback does not repeat the other', () => {
    const decision = decide({ pod: pod(), resolutions: [failed('nginx:1', 'unreachable')] }, withPolicy({ cluster: { nodes: { arm64: 2 }, nodePools: [] } }));
    const findings = findingsOf(decision);
    assert.deepEqual(findings.map((finding) => finding.reason).sort(), ['ArchyFallback', 'NoNodeForArchitecture']);
    const fallback = findings.find((finding) => finding.reason === 'ArchyFallback');
    assert.ok(fallback?.warnings.every((warning) => !warning.startsWith('no node')));
  });

  test('a pod placed as it should be, and skips, call for no Event', () => {
    assert.deepEqual(reasons(decide({ pod: pod(), resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, policy)), []);
    assert.deepEqual(reasons(decide({ pod: pod({}, { annotations: { 'archy.io/skip': 'true' } }), resolutions: [] }, policy)), []);
    const withOtherWarning: Decision = { kind: 'skip', reason: 'opt-out', detail: '', warnings: ['pull secret default/regcred not found; resolving anonymously'] };
    assert.deepEqual(reasons(withOtherWarning), []);
  });
});
