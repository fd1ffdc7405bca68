// The webhook token loader against a loopback Secrets Manager fake speaking its JSON 1.1 API: read
// once per instance, single-flight, bounded by its budget, and a failure is never kept.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../lib/log.ts';
import { createWebhookToken, NO_TOKEN_WARNING, TokenNotLoadedError, type WebhookTokenOptions } from '../../../lib/secrets/webhook-token.ts';
import { LogCapture } from '../../reliability/support/review.ts';
import { startSecretsManagerFake, type SecretsManagerFake } from '../../support/secrets-manager-fake.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:archy-token-AbCdEf';
const TOKEN = 'q'.repeat(40) + 'Z0123456';

describe('webhook token from Secrets Manager', () => {
  let fake: SecretsManagerFake;
  before(async () => {
    fake = await startSecretsManagerFake({ [ARN]: TOKEN });
  });
  after(() => fake.close());

  /** A loader as the app builds it, with its log lines and the fake's calls counted from here. */
  function loader(options: Partial<WebhookTokenOptions> = {}) {
    const logs = new LogCapture();
    const callsBefore = fake.calls.length;
    const token = createWebhookToken({
      config: { webhookTokenSecretArn: ARN },
      logger: createLogger('info', logs),
      env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.url, AWS_ACCESS_KEY_ID: 'AKIDARCHYTEST', AWS_SECRET_ACCESS_KEY: 'not-a-secret' },
      ...options,
    });
    return { token, logs, calls: () => fake.calls.slice(callsBefore), arrived: (count: number) => fake.requests(callsBefore + count) };
  }

  test('read at cold start with one signed GetSecretValue for the ARN, in the ARN\'s region, then kept', async () => {
    const { token, calls, logs } = loader();
    assert.equal(await token(), TOKEN);
    assert.equal(await token(), TOKEN);
    assert.deepEqual(calls(), [{ target: 'secretsmanager.GetSecretValue', secretId: ARN, region: 'eu-west-1', accessKeyId: 'AKIDARCHYTEST' }]);
    assert.ok(!logs.text.includes(TOKEN), 'the token is never logged');
  });

  test('requests that arrive while it is read share the one read', async () => {
    const release = fake.hold();
    const { token, calls, arrived } = loader();
    const waiting = [token(), token(), token()];
    await arrived(1);
    release();
    assert.deepEqual(await Promise.all(waiting), [TOKEN, TOKEN, TOKEN]);
    assert.equal(calls().length, 1);
  });

  test('a refusal is not kept: that request fails, the next one reads again', async () => {
    fake.failWith = 'AccessDeniedException';
    const { token, calls, logs } = loader();
    try {
      await assert.rejects(token(), (error: Error) => {
        assert.ok(error instanceof TokenNotLoadedError);
        assert.match(error.message, /Secrets Manager answered 400 AccessDeniedException/);
        return true;
      });
    } finally {
      fake.failWith = undefined;
    }
    assert.equal(await token(), TOKEN);
    assert.equal(calls().length, 2, 'the failure was not kept');
    const errors = logs.entries().filter((entry) => entry.level === 'error');
    assert.equal(errors.length, 1, 'one line per failed read, however many requests waited for it');
    assert.match(String(errors[0]?.error), /AccessDeniedException/);
  });

  test('a slow answer is bounded by the read\'s budget, and the next request reads again', async () => {
    const release = fake.hold();
    const { token, calls } = loader({ loadTimeoutMs: 100 });
    try {
      // Nothing but the budget can end this wait: the fake answers only after release().
      await assert.rejects(token(), (error: Error) => error instanceof TokenNotLoadedError && /no answer within its time budget/.test(error.message));
    } finally {
      release();
    }
    const readsBefore = calls().length;
    assert.equal(await token(), TOKEN);
    assert.equal(calls().length, readsBefore + 1, 'read again: the failed read was not kept');
  });

  test('a secret that is not a usable token is refused, without showing it', async () => {
    const arn = `${ARN}x`;
    fake.secrets.set(arn, 'has spaces, too short');
    const { token } = loader({ config: { webhookTokenSecretArn: arn } });
    await assert.rejects(token(), (error: Error) => {
      assert.match(error.message, /not a webhook token/);
      assert.ok(!error.message.includes('has spaces'), error.message);
      return true;
    });
  });

  test('an unknown secret and a service error name the error type only', async () => {
    const { token } = loader({ config: { webhookTokenSecretArn: `${ARN}-gone` } });
    await assert.rejects(token(), /answered 400 ResourceNotFoundException/);
    fake.failWith = 'InternalServiceError';
    try {
      await assert.rejects(loader().token(), /answered 500 InternalServiceError/);
    } finally {
      fake.failWith = undefined;
    }
  });
});

describe('webhook token without Secrets Manager', () => {
  test('ARCHY_WEBHOOK_TOKEN is the token, with no read', async () => {
    const token = createWebhookToken({
      config: { webhookToken: TOKEN },
      logger: createLogger('silent'),
      readSecret: () => Promise.reject(new Error('must not be read')),
    });
    assert.equal(await token(), TOKEN);
  });

  test('no token and no secret: served without one, and it says so once, at warn', async () => {
    const logs = new LogCapture();
    const token = createWebhookToken({ config: {}, logger: createLogger('info', logs) });
    assert.equal(await token(), undefined);
    assert.equal(await token(), undefined);
    assert.deepEqual(logs.entries().map((entry) => [entry.level, entry.msg]), [['warn', NO_TOKEN_WARNING]]);
  });
});
