// The app as Lambda runs it, with ARCHY_WEBHOOK_TOKEN_SECRET_ARN: the token is read from a loopback
// Secrets Manager fake at cold start, only /mutate/<token> is served, and while the token cannot be
// read every request gets 503, never an unauthenticated answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../../lib/app.ts';
import type { HttpResponse } from '../../../lib/http/router.ts';
import { isolateFromKubeconfig, LogCapture, podWith, reviewBody } from '../../reliability/support/review.ts';
import { startSecretsManagerFake, type SecretsManagerFake } from '../../support/secrets-manager-fake.ts';

const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:WebhookTokenSecret-x1Y2z3-AbCdEf';
const TOKEN = 'T0ken'.repeat(8);

isolateFromKubeconfig();

describe('the app with its token in Secrets Manager', () => {
  let fake: SecretsManagerFake;
  before(async () => {
    fake = await startSecretsManagerFake({ [ARN]: TOKEN });
  });
  after(() => fake.close());

  function app(logs = new LogCapture()) {
    const built = createApp({
      env: {
        ARCHY_WEBHOOK_TOKEN_SECRET_ARN: ARN,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.url,
        AWS_ACCESS_KEY_ID: 'AKIDARCHYTEST',
        AWS_SECRET_ACCESS_KEY: 'not-a-secret',
      },
      logDestination: logs,
    });
    const post = (path: string): Promise<HttpResponse> =>
      built.handle({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: reviewBody('uid-1', podWith([])) });
    const get = (path: string): Promise<HttpResponse> => built.handle({ method: 'GET', path, headers: {} });
    return { post, get, logs };
  }

  test('serves /mutate/<token> and refuses the rest; the summary shows the secret, never the token', async () => {
    const { post, get, logs } = app();
    assert.equal((await post(`/mutate/${TOKEN}`)).statusCode, 200);
    assert.equal((await post('/mutate')).statusCode, 401);
    assert.equal((await post('/mutate/wrong-token-0123456789')).statusCode, 401);
    const health = await get(`/healthz/${TOKEN}`);
    assert.match(health.body, /"webhookTokenSecretArn":"arn:aws:secretsmanager:us-east-1:111122223333:secret:WebhookTokenSecret-x1Y2z3-AbCdEf"/);
    assert.match(health.body, /"webhookToken":"unset"/);
    assert.doesNotMatch(`${health.body}\n${logs.text}`, new RegExp(TOKEN));
  });

  test('Secrets Manager failing at cold start: 503 until a later request reads the token', async () => {
    fake.failWith = 'InternalServiceError';
    const { post, logs } = app();
    try {
      const refused = await post('/mutate');
      assert.equal(refused.statusCode, 503);
      assert.match(refused.body, /token not loaded/);
      assert.equal((await post(`/mutate/${TOKEN}`)).statusCode, 503);
    } finally {
      fake.failWith = undefined;
    }
    assert.equal((await post(`/mutate/${TOKEN}`)).statusCode, 200);
    assert.equal((await post('/mutate')).statusCode, 401);
    assert.ok(logs.entries().some((entry) => entry.level === 'error' && /webhook token not read from Secrets Manager/.test(String(entry.msg))), logs.text);
  });
});
