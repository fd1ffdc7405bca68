// archy check's rule for one workload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWorkload } from '../../../lib/cli/check/verdict.ts';
import type { ImageAnswer } from '../../../lib/cli/resolution/resolve-images.ts';
import type { Workload } from '../../../lib/cli/workloads/workload.ts';

const answers = new Map<string, ImageAnswer>(
  ([
    ['multi:1', ['amd64', 'arm64']],
    ['amd:1', ['amd64']],
    ['arm:1', ['arm64']],
    ['s390x:1', ['s390x']],
    ['windows:1', []],
  ] as Array<[string, string[]]>).map(([image, architectures]) => [image, { ok: true, image, canonical: image, digest: 'sha256:0', platforms: [], architectures, source: 'registry', warnings: [] }]),
);
answers.set('gone:1', { ok: false, image: 'gone:1', error: 'registry answered 404', warnings: [] });

function verdict(images: string[], wanted?: string[]) {
  const workload: Workload = { kind: 'Deployment', namespace: 'n', name: 'w', source: 'x.yaml', replicas: 1, perReplica: { cpuMillis: 0, memoryBytes: 0 }, images, access: { namespace: 'n', imagePullSecrets: [] } };
  return checkWorkload(workload, answers, wanted);
}

test('images that share an architecture pass', () => {
  assert.equal(verdict(['multi:1', 'amd:1']).ok, true);
  assert.deepEqual(verdict(['multi:1', 'amd:1']).architectures, ['amd64']);
});

test('images that share none fail, and the problem names each image\'s architectures', () => {
  const result = verdict(['amd:1', 'arm:1', 'multi:1']);
  assert.equal(result.ok, false);
  assert.equal(result.problem, 'images share no architecture: amd:1 has amd64; arm:1 has arm64; multi:1 has amd64, arm64');
  assert.equal(verdict(['windows:1']).problem, 'windows:1 has no linux platform: no linux architecture');
});

test('--arch: the shared architectures must include one of the list; the images lacking all of them are named', () => {
  assert.equal(verdict(['multi:1', 'amd:1'], ['amd64', 'arm64']).ok, true);
  const result = verdict(['multi:1', 'amd:1'], ['arm64']);
  assert.equal(result.ok, false);
  assert.equal(result.problem, 'runs on none of arm64 (together only amd64): amd:1 has amd64');
  assert.equal(verdict(['s390x:1'], ['amd64', 'arm64']).problem, 'runs on none of amd64, arm64: s390x:1 has s390x');
});

test('an image that cannot be resolved leaves the workload unchecked, unless the others already fail it', () => {
  assert.equal(verdict(['gone:1']).ok, null);
  assert.equal(verdict(['multi:1', 'gone:1'], ['arm64']).ok, null);
  assert.equal(verdict(['amd:1', 'gone:1'], ['arm64']).ok, false);
  assert.deepEqual(verdict(['multi:1', 'gone:1']).images, [{ image: 'multi:1', architectures: ['amd64', 'arm64'] }, { image: 'gone:1', error: 'registry answered 404' }]);
});
