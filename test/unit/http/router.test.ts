import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildResponse } from '../../../lib/admission/review.ts';
import { createRouter, MAX_BODY_BYTES, type HttpRequest } from '../../../lib/http/router.ts';
import { createLogger } from '../../../lib/log.ts';

const log = createLogger('silent');
const TOKEN = 'c2VjcmV0LXRva2VuLWZvci10ZXN0cw';
const review = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'abc-123', operation: 'CREATE', object: { kind: 'Pod', spec: { containers: [] } } },
});

function router(token?: string | (() => Promise<string | undefined>)) {
  const admitted: string[] = [];
  const route = createRouter({
    token,
    admit: async (parsed) => {
      admitted.push(parsed.request.uid);
      return buildResponse(parsed.request.uid, [{ op: 'add', path: '/metadata/labels', value: {} }], []);
    },
    health: async () => ({ ok: true }),
  });
  return { admitted, call: (request: Partial<HttpRequest>) => route({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body: review, ...request }, log) };
}

describe('HTTP routing', () => {
  test('POST /mutate answers with the same uid and the patch', async () => {
    const { call } = router();
    const response = await call({});
    assert.equal(response.statusCode, 200);
    const body = JSON.parse(response.body) as { response: { uid: string; patchType: string } };
    assert.equal(body.response.uid, 'abc-123');
    assert.equal(body.response.patchType, 'JSONPatch');
  });

  test('base64 bodies (Function URL) are decoded', async () => {
    const { call } = router();
    const response = await call({ body: Buffer.from(review).toString('base64'), isBase64Encoded: true });
    assert.equal(response.statusCode, 200);
  });

  test('GET /healthz answers 200, also with duplicate or trailing slashes', async () => {
    const { call } = router();
    for (const path of ['/healthz', '//healthz', '/healthz/', '//healthz//']) {
      assert.equal((await call({ method: 'GET', path })).statusCode, 200, path);
    }
    assert.equal((await call({ method: 'GET', path: '//healthz//x' })).statusCode, 404);
  });

  for (const [name, request, status, reason] of [
    ['not JSON', { body: '{"kind":' }, 400, /not valid JSON/],
    ['an empty body', { body: '' }, 400, /empty/],
    ['the wrong content type', { headers: { 'content-type': 'text/plain' } }, 400, /Content-Type must be application\/json/],
    ['not an AdmissionReview', { body: '{"kind":"Pod"}' }, 400, /kind is "Pod"/],
    ['an oversized body', { body: 'x'.repeat(MAX_BODY_BYTES + 1) }, 413, /limit/],
    ['GET on /mutate', { method: 'GET' }, 405, /POST/],
    ['an unknown path', { path: '/admit' }, 404, /not found/],
  ] as const) {
    test(`${name} gets ${status} with a reason and never reaches admission`, async () => {
      const { call, admitted } = router();
      const response = await call(request);
      assert.equal(response.statusCode, status);
      assert.match((JSON.parse(response.body) as { error: string }).error, reason);
      assert.equal(admitted.length, 0);
    });
  }

  describe('with ARCHY_WEBHOOK_TOKEN', () => {
    test('only /mutate/<token> is served', async () => {
      const { call, admitted } = router(TOKEN);
      assert.equal((await call({ path: `/mutate/${TOKEN}` })).statusCode, 200);
      assert.equal((await call({ path: '/mutate' })).statusCode, 401);
      assert.equal((await call({ path: `/mutate/${TOKEN}x` })).statusCode, 401);
      assert.equal((await call({ path: `/mutate/${TOKEN.slice(0, -1)}` })).statusCode, 401);
      assert.equal((await call({ path: `/other/${TOKEN}` })).statusCode, 404);
      assert.equal((await call({ method: 'GET', path: '/healthz' })).statusCode, 401);
      assert.equal((await call({ method: 'GET', path: `/healthz/${TOKEN}` })).statusCode, 200);
      assert.deepEqual(admitted, ['abc-123']);
    });

    test('duplicate and trailing slashes are tolerated: <WebhookUrl>/healthz/<token> is served', async () => {
      const { call, admitted } = router(TOKEN);
      const get = async (path: string): Promise<number> => (await call({ method: 'GET', path })).statusCode;
      assert.equal(await get(`//healthz/${TOKEN}`), 200);
      assert.equal(await get(`/healthz//${TOKEN}/`), 200);
      assert.equal((await call({ path: `//mutate//${TOKEN}//` })).statusCode, 200);
      assert.deepEqual(admitted, ['abc-123']);
      assert.equal(await get(`//healthz/${TOKEN}x`), 401, 'a wrong token stays wrong');
      assert.equal(await get('//healthz//'), 401);
      assert.match((await call({ method: 'GET', path: '//healthz' })).body, /\/healthz\/<token>/, 'names the path it needs');
      assert.equal(await get(`//healthz/${TOKEN}/extra`), 404);
    });

    test('a rejection never echoes the token', async () => {
      const { call } = router(TOKEN);
      const response = await call({ path: '/mutate/wrong-token-value' });
      assert.doesNotMatch(response.body, new RegExp(TOKEN));
      assert.doesNotMatch(response.body, /wrong-token-value/);
    });
  });

  describe('with a token read from Secrets Manager', () => {
    test('served as a given token once read; a webhook with none serves /mutate', async () => {
      const read = router(() => Promise.resolve(TOKEN));
      assert.equal((await read.call({ path: `/mutate/${TOKEN}` })).statusCode, 200);
      assert.equal((await read.call({ path: '/mutate' })).statusCode, 401);
      const none = router(() => Promise.resolve(undefined));
      assert.equal((await none.call({})).statusCode, 200);
    });

    test('not read (yet): 503 on /mutate and /healthz, with or without a token path; never served without it', async () => {
      const { call, admitted } = router(() => Promise.reject(new Error('Secrets Manager answered 500')));
      for (const request of [{}, { path: `/mutate/${TOKEN}` }, { method: 'GET', path: '/healthz' }, { method: 'GET', path: `/healthz/${TOKEN}` }]) {
        const response = await call(request);
        assert.equal(response.statusCode, 503, JSON.stringify(request));
        assert.match(response.body, /token not loaded/);
        assert.doesNotMatch(response.body, /Secrets Manager answered/, 'the cause stays in the logs');
      }
      assert.equal((await call({ path: '/admit' })).statusCode, 404, 'other paths need no token to be refused');
      assert.deepEqual(admitted, []);
    });
  });

  test('without a working configuration, pods are admitted unchanged with a warning', async () => {
    const route = createRouter({ health: async () => ({ ok: false }) });
    const response = await route({ method: 'POST', path: '/mutate', headers: {}, body: review }, log);
    const body = JSON.parse(response.body) as { response: { allowed: boolean; patch?: string; warnings: string[] } };
    assert.equal(body.response.allowed, true);
    assert.equal(body.response.patch, undefined);
    assert.match(body.response.warnings[0] ?? '', /misconfigured/);
    assert.equal((await route({ method: 'GET', path: '/healthz', headers: {} }, log)).statusCode, 503);
  });
});
