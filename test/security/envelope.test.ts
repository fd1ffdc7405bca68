// The HTTP envelope: the token path is enforced when configured, oversized bodies get 413, and
// anything that is not a JSON AdmissionReview gets 400, all before admission runs. Past the
// envelope, a strange pod is admitted (fail open), never refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { createApp, type App } from '../../lib/app.ts';
import { createLambdaHandler } from '../../lib/http/lambda.ts';
import { MAX_BODY_BYTES, type HttpRequest, type HttpResponse } from '../../lib/http/router.ts';
import { selfSignedCertificate } from '../../lib/local/certificate.ts';
import { startLocalServer } from '../../lib/local/server.ts';
import { isolateFromKubeconfig, LogCapture, podWith, reviewBody } from '../reliability/support/review.ts';

const TOKEN = 'envelope-token-5c8e2a7f0b1d';
const REVIEW = reviewBody('uid-env', podWith(['busybox:1']));

isolateFromKubeconfig();

function admissionsLogged(logs: LogCapture): number {
  return logs.entries().filter((entry) => entry.msg === 'admission').length;
}

function appWith(env: Record<string, string>): { app: App; logs: LogCapture } {
  const logs = new LogCapture();
  // The excluded namespace makes admissions that get through answer without any registry.
  return { app: createApp({ env: { ARCHY_EXCLUDED_NAMESPACES: 'default', ...env }, logDestination: logs }), logs };
}

function call(app: App, request: Partial<HttpRequest>): Promise<HttpResponse> {
  return app.handle({ method: 'POST', path: `/mutate/${TOKEN}`, headers: { 'content-type': 'application/json' }, body: REVIEW, ...request });
}

describe('token path', () => {
  const { app, logs } = appWith({ ARCHY_WEBHOOK_TOKEN: TOKEN });

  test('without the token or with a wrong one: 401, admission never runs, the token is never echoed', async () => {
    for (const path of ['/mutate', '/mutate/', `/mutate/${TOKEN.slice(0, -1)}`, `/mutate/${TOKEN}x`, `/mutate/${TOKEN.toUpperCase()}`, '/healthz']) {
      const response = await call(app, { path, method: path === '/healthz' ? 'GET' : 'POST' });
      assert.equal(response.statusCode, 401, path);
      assert.ok(!response.body.includes(TOKEN), `${path}: the token is in the answer`);
    }
    assert.equal(admissionsLogged(logs), 0);
    assert.ok(!logs.text.includes(TOKEN), 'the token is in the logs');
  });

  test('with the token: answered', async () => {
    const response = await call(app, {});
    assert.equal(response.statusCode, 200);
    assert.equal((JSON.parse(response.body) as { response: { uid: string } }).response.uid, 'uid-env');
    assert.ok(!logs.text.includes(TOKEN), 'the token is in the logs');
  });

  test('without a configured token, a token-shaped path is not served', async () => {
    const { app: open } = appWith({});
    assert.equal((await call(open, { path: `/mutate/${TOKEN}` })).statusCode, 404);
    assert.equal((await call(open, { path: '/mutate' })).statusCode, 200);
  });
});

describe('malformed requests: 4xx with a reason, before admission', () => {
  const { app, logs } = appWith({ ARCHY_WEBHOOK_TOKEN: TOKEN });
  const review = JSON.parse(REVIEW) as Record<string, unknown>;
  const cases: Array<[string, Partial<HttpRequest>, number, RegExp]> = [
    ['an oversized body', { body: JSON.stringify({ ...review, padding: 'x'.repeat(MAX_BODY_BYTES) }) }, 413, /limit/],
    ['an oversized base64 body', { body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20).toString('base64'), isBase64Encoded: true }, 413, /limit/],
    ['text/plain', { headers: { 'content-type': 'text/plain' } }, 400, /Content-Type/],
    ['form encoding', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 400, /Content-Type/],
    ['not JSON', { body: '{"apiVersion": "admission.k8s.io/v1", ' }, 400, /not valid JSON/],
    ['a JSON array', { body: '[]' }, 400, /not a JSON object/],
    ['kind Pod', { body: JSON.stringify({ ...review, kind: 'Pod' }) }, 400, /kind is "Pod"/],
    ['an unknown apiVersion', { body: JSON.stringify({ ...review, apiVersion: 'admission.k8s.io/v2' }) }, 400, /apiVersion/],
    ['no request uid', { body: JSON.stringify({ ...review, request: { operation: 'CREATE' } }) }, 400, /uid/],
    ['an empty body', { body: '' }, 400, /empty/],
  ];
  for (const [name, request, status, reason] of cases) {
    test(`${name} → ${status}`, async () => {
      const response = await call(app, request);
      assert.equal(response.statusCode, status);
      assert.match((JSON.parse(response.body) as { error: string }).error, reason);
    });
  }
  test('none of them reached admission', () => {
    assert.equal(admissionsLogged(logs), 0);
  });

  test('a strange pod inside a valid envelope is admitted unchanged, not refused', async () => {
    const { app: open } = appWith({ ARCHY_EXCLUDED_NAMESPACES: '' });
    for (const object of ['a string', [1, 2], { spec: { containers: 'nope' } }, { spec: { containers: [{ image: 42 }] } }, null]) {
      const body = JSON.stringify({ ...review, request: { uid: 'odd', operation: 'CREATE', namespace: 'x', object } });
      const response = await call(open, { path: '/mutate', body });
      assert.equal(response.statusCode, 200, JSON.stringify(object));
      assert.equal((JSON.parse(response.body) as { response: { allowed: boolean } }).response.allowed, true);
    }
  });
});

describe('deeply nested values: never stringified, never recursed into', () => {
  // 100,000 levels fit in the body limit and overflow the stack of String() or JSON.stringify.
  const DEPTH = 100_000;
  const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
  const deepObject = '{"a":'.repeat(DEPTH) + '0' + '}'.repeat(DEPTH);
  const HOLE = '"__deep__"';
  /** `review` as JSON with `deep` where the template holds HOLE (JSON.stringify cannot write it). */
  const withDeep = (template: unknown, deep: string): string => JSON.stringify(template).replace(HOLE, deep);
  const review = JSON.parse(REVIEW) as { request: Record<string, unknown> };
  const inRequest = (field: string): unknown => ({ ...review, request: { ...review.request, [field]: JSON.parse(HOLE) } });

  for (const [shape, deep] of [['array', deepArray], ['object', deepObject]] as const) {
    const cases: Array<[string, unknown, RegExp]> = [
      ['apiVersion', { ...review, apiVersion: JSON.parse(HOLE) }, /^apiVersion must be a string, got an? (array|object)$/],
      ['kind', { ...review, kind: JSON.parse(HOLE) }, /^kind must be a string/],
      ['request', { ...review, request: JSON.parse(HOLE) }, /^request must be an object|^request\.uid is missing/],
      ['request.uid', inRequest('uid'), /^request\.uid must be a string/],
      ['request.operation', inRequest('operation'), /^request\.operation must be a string/],
    ];
    for (const [field, template, reason] of cases) {
      test(`a 100,000-deep ${shape} as ${field} → 400 with a reason`, async () => {
        const { app } = appWith({ ARCHY_WEBHOOK_TOKEN: TOKEN });
        const body = withDeep(template, deep);
        assert.ok(body.length < MAX_BODY_BYTES, `the body is ${body.length} bytes`);
        const response = await call(app, { body });
        assert.equal(response.statusCode, 400, response.body);
        assert.match((JSON.parse(response.body) as { error: string }).error, reason);
      });
    }
  }

  test('apiVersion names an Object.prototype member: unsupported, not a crash', async () => {
    const { app } = appWith({ ARCHY_WEBHOOK_TOKEN: TOKEN });
    for (const apiVersion of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const response = await call(app, { body: JSON.stringify({ ...review, apiVersion }) });
      assert.equal(response.statusCode, 400, apiVersion);
      assert.match((JSON.parse(response.body) as { error: string }).error, /is not supported/);
    }
  });

  test('a megabyte-long kind is quoted short in the answer', async () => {
    const { app } = appWith({ ARCHY_WEBHOOK_TOKEN: TOKEN });
    const response = await call(app, { body: JSON.stringify({ ...review, kind: 'K'.repeat(MAX_BODY_BYTES - 1000) }) });
    assert.equal(response.statusCode, 400);
    assert.ok(response.body.length < 300, `${response.body.length} bytes of answer`);
  });

  // Past the envelope a deep pod is admitted like any strange pod; the log line still gets written.
  const pod = podWith(['127.0.0.1:1/deep:1'], { namespace: 'deep' });
  const placesInPod: Array<[string, unknown]> = [
    ['the whole object', JSON.parse(HOLE)],
    ['metadata.name', { ...pod, metadata: { name: JSON.parse(HOLE), namespace: 'deep' } }],
    ['metadata.namespace', { ...pod, metadata: { name: 'deep', namespace: JSON.parse(HOLE) } }],
    ['metadata.labels', { ...pod, metadata: { name: 'deep', labels: JSON.parse(HOLE) } }],
    ['metadata.annotations', { ...pod, metadata: { name: 'deep', annotations: { 'archy.io/skip': JSON.parse(HOLE) } } }],
    ['metadata.ownerReferences', { ...pod, metadata: { name: 'deep', ownerReferences: JSON.parse(HOLE) } }],
    ['spec.nodeSelector', { ...pod, spec: { ...(pod.spec as object), nodeSelector: JSON.parse(HOLE) } }],
    ['spec.affinity', { ...pod, spec: { ...(pod.spec as object), affinity: { nodeAffinity: JSON.parse(HOLE) } } }],
    ['spec.tolerations', { ...pod, spec: { ...(pod.spec as object), tolerations: JSON.parse(HOLE) } }],
    ['an image', { ...pod, spec: { containers: [{ name: 'c', image: JSON.parse(HOLE) }] } }],
  ];
  for (const [shape, deep] of [['array', deepArray], ['object', deepObject]] as const) {
    for (const [place, object] of placesInPod) {
      test(`a 100,000-deep ${shape} at ${place} of the pod → 200, allowed, logged`, async () => {
        const { app, logs } = appWith({ ARCHY_EXCLUDED_NAMESPACES: '' });
        const template = { ...review, request: { uid: 'deep', operation: 'CREATE', namespace: 'deep', object } };
        const response = await call(app, { path: '/mutate', body: withDeep(template, deep) });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal((JSON.parse(response.body) as { response: { allowed: boolean } }).response.allowed, true);
        assert.equal(admissionsLogged(logs), 1, logs.text.slice(0, 2000));
        assert.ok(logs.text.length < 100_000, `${logs.text.length} characters of logs`);
      });
    }
  }
});

describe('the local HTTPS server', () => {
  let server: Awaited<ReturnType<typeof startLocalServer>>;
  let ca: string;
  before(async () => {
    const { app } = appWith({ ARCHY_WEBHOOK_TOKEN: TOKEN });
    const tls = await selfSignedCertificate(['localhost'], ['127.0.0.1']);
    ca = tls.cert;
    server = await startLocalServer({ handler: createLambdaHandler(app), port: 0, host: '127.0.0.1', ...tls });
  });
  after(() => server?.close());

  function post(path: string, body: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(`${server.url}${path}`, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      // The server may close while the rest of an oversized body is still being written.
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
      req.end(body);
    });
  }

  test('an 8 MiB body gets 413 without the server reading it all', async () => {
    const response = await post(`/mutate/${TOKEN}`, Buffer.alloc(8 * MAX_BODY_BYTES, 0x20));
    assert.equal(response.status, 413);
    assert.match(response.body, /over the limit/);
  });

  test('the wrong token over HTTPS: 401', async () => {
    const response = await post('/mutate/not-the-token', Buffer.from(REVIEW));
    assert.equal(response.status, 401);
  });
});
