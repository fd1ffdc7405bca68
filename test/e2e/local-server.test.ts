// The local HTTPS server, started as `npm run local` starts it, answering real AdmissionReviews
// for images in a real registry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { ChildProcess } from 'node:child_process';
import { startRegistry, type TestRegistry } from '../support/registry/harness.ts';
import { cleanEnv, startUntil, stop } from '../support/processes.ts';
import { applyAnswer, type ReviewAnswer } from '../support/admission.ts';

const TOKEN = 'e2e-local-server-token-0123456789';
let registry: TestRegistry;
let server: ChildProcess;
let base: string;
let ca: string;

function post(path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers, ca }, (res) => {
      let data = '';
      res.on('data', (chunk: Buffer) => (data += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function pod(images: string[]): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'e2e', namespace: 'default' },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
  };
}

function review(uid: string, object: unknown): string {
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, operation: 'CREATE', namespace: 'default', object } });
}

describe('local HTTPS server', () => {
  before(async () => {
    registry = await startRegistry();
    await registry.pushIndex('e2e/multi', '1', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]);
    await registry.pushImage('e2e/arm', '1', { os: 'linux', architecture: 'arm64' });
    const env = cleanEnv({ ARCHY_PORT: '0', ARCHY_INSECURE_REGISTRIES: registry.host, ARCHY_WEBHOOK_TOKEN: TOKEN, ARCHY_LOG_LEVEL: 'warn' });
    const started = await startUntil(process.execPath, ['functions/local-server.ts'], env, /archy local server listening/);
    server = started.child;
    const info = JSON.parse(started.line) as { url: string; caBundle: string };
    base = new URL(info.url).origin;
    ca = Buffer.from(info.caBundle, 'base64').toString();
  });
  after(async () => {
    if (server) await stop(server);
    await registry?.stop();
  });

  test('a multi-arch image gets a required affinity that applies cleanly to the pod', async () => {
    const object = pod([`${registry.host}/e2e/multi:1`]);
    const response = await post(`/mutate/${TOKEN}`, review('uid-multi', object));
    assert.equal(response.status, 200);
    const answer = JSON.parse(response.body) as ReviewAnswer;
    assert.equal(answer.response.uid, 'uid-multi');
    assert.equal(answer.response.allowed, true);
    const patched = applyAnswer(object, answer) as { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array<{ matchExpressions: unknown[] }> } } } }; metadata: { annotations: Record<string, string> } };
    assert.deepEqual(patched.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]?.matchExpressions, [
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] },
    ]);
    assert.equal(patched.metadata.annotations['archy.io/architectures'], 'amd64,arm64');
  });

  test('images whose only common architecture is arm64 get a nodeSelector', async () => {
    const object = pod([`${registry.host}/e2e/multi:1`, `${registry.host}/e2e/arm:1`]);
    const answer = JSON.parse((await post(`/mutate/${TOKEN}`, review('uid-arm', object))).body) as ReviewAnswer;
    const patched = applyAnswer(object, answer) as { spec: { nodeSelector: Record<string, string> } };
    assert.equal(patched.spec.nodeSelector['kubernetes.io/arch'], 'arm64');
  });

  test('an image that does not exist falls back to the default architecture with a warning', async () => {
    const object = pod([`${registry.host}/e2e/missing:1`]);
    const answer = JSON.parse((await post(`/mutate/${TOKEN}`, review('uid-missing', object))).body) as ReviewAnswer;
    assert.equal(answer.response.allowed, true);
    assert.ok(answer.response.warnings?.some((w) => /e2e\/missing/.test(w)), JSON.stringify(answer.response.warnings));
    const patched = applyAnswer(object, answer) as { spec: { nodeSelector: Record<string, string> } };
    assert.equal(patched.spec.nodeSelector['kubernetes.io/arch'], 'amd64');
  });

  test('the wrong token is refused and malformed bodies get a 4xx', async () => {
    assert.equal((await post('/mutate/not-the-token', review('uid-x', pod(['nginx'])))).status, 401);
    assert.equal((await post(`/mutate/${TOKEN}`, '{not json')).status, 400);
    assert.equal((await post(`/mutate/${TOKEN}`, 'x'.repeat(1024 * 1024 + 10))).status, 413);
  });
});
