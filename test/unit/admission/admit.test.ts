// The whole admission path in process (router, admitter, resolver, placement) against an
// in-memory registry: the cases that cross module boundaries.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createApp } from '../../../lib/app.ts';
import { applyAnswer, decodePatch, type ReviewAnswer } from '../../support/admission.ts';
import { FUZZ_REGISTRY, FuzzRegistryTransport } from '../../support/memory-registry.ts';

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });

function app(env: Record<string, string> = {}) {
  return createApp({ env: { KUBECONFIG: '/nonexistent', ...env }, logDestination: silent, registryTransport: new FuzzRegistryTransport() });
}

async function review(body: Record<string, unknown>, env?: Record<string, string>): Promise<ReviewAnswer> {
  const response = await app(env).handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', ...body } }) });
  assert.equal(response.statusCode, 200, response.body);
  return JSON.parse(response.body) as ReviewAnswer;
}

const image = (name: string): string => `${FUZZ_REGISTRY}/${name}:1`;

describe('admission across modules', () => {
  test('an ephemeral container that cannot run where the pod is placed gets a warning and no patch', async () => {
    const pod = {
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'ip-10-0-1-2', nodeSelector: { 'kubernetes.io/arch': 'arm64' }, containers: [{ name: 'app', image: image('arm') }], ephemeralContainers: [{ name: 'debug', image: image('amd') }] },
    };
    const answer = await review({ operation: 'UPDATE', subResource: 'ephemeralcontainers', namespace: 'default', object: pod, oldObject: { ...pod, spec: { ...pod.spec, ephemeralContainers: [] } } });
    assert.equal(answer.response.patch, undefined);
    assert.match(answer.response.warnings?.join('\n') ?? '', /debug.*amd64|amd64.*debug/s);
    assert.match(answer.response.warnings?.join('\n') ?? '', /arm64/);
  });

  test('an ephemeral container whose image runs there passes silently', async () => {
    const pod = {
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'n1', nodeSelector: { 'kubernetes.io/arch': 'arm64' }, containers: [{ name: 'app', image: image('arm') }], ephemeralContainers: [{ name: 'debug', image: image('multi') }] },
    };
    const answer = await review({ operation: 'UPDATE', subResource: 'ephemeralcontainers', namespace: 'default', object: pod });
    assert.equal(answer.response.patch, undefined);
    assert.equal(answer.response.warnings, undefined);
  });

  test('tolerations and the preferred architecture come from configuration', async () => {
    const pod = { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: image('multi') }] } };
    const answer = await review({ operation: 'CREATE', namespace: 'default', object: pod }, {
      ARCHY_PREFERRED_ARCH: 'arm64',
      ARCHY_ARCH_TOLERATIONS: '{"arm64":[{"key":"kubernetes.io/arch","operator":"Equal","value":"arm64","effect":"NoSchedule"}]}',
    });
    const patched = applyAnswer(pod, answer) as { spec: { tolerations: unknown[]; affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: Array<{ preference: { matchExpressions: Array<{ values: string[] }> } }> } } } };
    assert.deepEqual(patched.spec.tolerations, [{ key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }]);
    assert.deepEqual(patched.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]?.preference.matchExpressions[0]?.values, ['arm64']);
  });

  test('strategy pin writes a nodeSelector with the preferred architecture', async () => {
    const pod = { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: image('wide') }] } };
    const answer = await review({ operation: 'CREATE', namespace: 'default', object: pod }, { ARCHY_MULTI_ARCH_STRATEGY: 'pin', ARCHY_PREFERRED_ARCH: 'arm64' });
    assert.deepEqual(decodePatch(answer).find((op) => op.path === '/spec/nodeSelector'), { op: 'add', path: '/spec/nodeSelector', value: { 'kubernetes.io/arch': 'arm64' } });
  });

  test('a dry run gets the same patch as a real one', async () => {
    const pod = { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: image('amd') }] } };
    const dry = await review({ operation: 'CREATE', namespace: 'default', dryRun: true, object: pod });
    const real = await review({ operation: 'CREATE', namespace: 'default', object: pod });
    assert.equal(dry.response.patch, real.response.patch);
    assert.ok(real.response.patch);
  });
});

describe('a pod naming thousands of images', () => {
  test('is answered with its first images placed, and its log line stays small', async () => {
    const lines: string[] = [];
    const capture = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        lines.push(chunk.toString());
        done();
      },
    });
    const many = createApp({ env: { KUBECONFIG: '/nonexistent' }, logDestination: capture, registryTransport: new FuzzRegistryTransport() });
    const containers = Array.from({ length: 5000 }, (_, index) => ({ name: `c${index}`, image: `${FUZZ_REGISTRY}/gone-${index}:1` }));
    const body = { uid: 'u1', operation: 'CREATE', namespace: 'default', object: { metadata: { name: 'big', namespace: 'default' }, spec: { containers } } };
    const response = await many.handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: body }) });
    const answer = JSON.parse(response.body) as ReviewAnswer;
    assert.equal(answer.response.allowed, true);
    assert.ok((answer.response.warnings?.length ?? 0) <= 10);
    const admission = lines.find((line) => line.includes('"admission"'));
    assert.ok(admission, 'one admission line');
    assert.ok(admission.length < 64 * 1024, `the admission log line is ${admission.length} bytes`);
    assert.match(admission, /"imageCount":5000/);
    assert.match(admission, /"warningCount":5001/);
  });
});
