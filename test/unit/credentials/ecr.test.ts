import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EcrCredentials, EcrError, parseEcrHost, type EcrRegistry, type GetAuthorizationToken } from '../../../lib/credentials/ecr.ts';

describe('parseEcrHost', () => {
  test('recognises standard, FIPS and China ECR hosts', () => {
    assert.deepEqual(parseEcrHost('123456789012.dkr.ecr.us-east-1.amazonaws.com'), { account: '123456789012', region: 'us-east-1', fips: false });
    assert.deepEqual(parseEcrHost('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com'), { account: '123456789012', region: 'us-gov-west-1', fips: true });
    assert.deepEqual(parseEcrHost('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn'), { account: '123456789012', region: 'cn-north-1', fips: false });
  });
  test('anything else is not ECR private', () => {
    for (const host of ['public.ecr.aws', 'docker.io', '12345.dkr.ecr.us-east-1.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.io', 'x123456789012.dkr.ecr.us-east-1.amazonaws.com']) {
      assert.equal(parseEcrHost(host), undefined, host);
    }
  });
});

function recorder(password = 'ecr-password', lifetimeMs = 12 * 3600_000, now: () => number = Date.now): { calls: EcrRegistry[]; fetch: GetAuthorizationToken } {
  const calls: EcrRegistry[] = [];
  return {
    calls,
    fetch: async (registry) => {
      calls.push(registry);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { authorizationToken: Buffer.from(`AWS:${password}-${calls.length}`).toString('base64'), expiresAt: new Date(now() + lifetimeMs) };
    },
  };
}

describe('EcrCredentials', () => {
  const host = '111122223333.dkr.ecr.eu-central-1.amazonaws.com';

  test('decodes the token into AWS:<password> Basic credentials, asking for that account', async () => {
    const { calls, fetch } = recorder();
    const ecr = new EcrCredentials({ getAuthorizationToken: fetch });
    const credential = await ecr.credentialFor(host);
    assert.equal(credential?.kind, 'basic');
    assert.ok(credential?.kind === 'basic' && credential.username === 'AWS' && credential.password === 'ecr-password-1');
    assert.match(credential?.identity ?? '', /^[0-9a-f]{16}$/);
    assert.deepEqual(calls, [{ account: '111122223333', region: 'eu-central-1', fips: false }]);
  });

  test('non-ECR hosts get nothing and cost nothing', async () => {
    const { calls, fetch } = recorder();
    assert.equal(await new EcrCredentials({ getAuthorizationToken: fetch }).credentialFor('ghcr.io'), undefined);
    assert.equal(calls.length, 0);
  });

  test('concurrent callers share one request; the token is reused until 5 minutes before expiry', async () => {
    let now = 1_000_000;
    const { calls, fetch } = recorder('pw', 60 * 60_000, () => now);
    const ecr = new EcrCredentials({ getAuthorizationToken: fetch, now: () => now });
    const together = await Promise.all([ecr.credentialFor(host), ecr.credentialFor(host), ecr.credentialFor(host)]);
    assert.equal(calls.length, 1);
    assert.equal(new Set(together.map((c) => c?.kind === 'basic' && c.password)).size, 1);
    now += 54 * 60_000;
    await ecr.credentialFor(host);
    assert.equal(calls.length, 1);
    now += 2 * 60_000; // 4 minutes left: renew
    const renewed = await ecr.credentialFor(host);
    assert.equal(calls.length, 2);
    assert.ok(renewed?.kind === 'basic' && renewed.password === 'pw-2');
  });

  test('one token per account and region', async () => {
    const { calls, fetch } = recorder();
    const ecr = new EcrCredentials({ getAuthorizationToken: fetch });
    await ecr.credentialFor(host);
    await ecr.credentialFor('444455556666.dkr.ecr.eu-central-1.amazonaws.com');
    await ecr.credentialFor('111122223333.dkr.ecr.us-west-2.amazonaws.com');
    await ecr.credentialFor(host);
    assert.equal(calls.length, 3);
  });

  test('a refusal becomes an EcrError naming account and region, and the next call tries again', async () => {
    let fail = true;
    const ecr = new EcrCredentials({
      getAuthorizationToken: async () => {
        if (fail) throw Object.assign(new Error('User is not authorized to perform ecr:GetAuthorizationToken'), { name: 'AccessDeniedException' });
        return { authorizationToken: Buffer.from('AWS:ok').toString('base64'), expiresAt: new Date(Date.now() + 3600_000) };
      },
    });
    await assert.rejects(ecr.credentialFor(host), (error: unknown) => {
      assert.ok(error instanceof EcrError);
      assert.match(error.message, /111122223333 in eu-central-1.*AccessDeniedException/);
      return true;
    });
    fail = false;
    assert.ok((await ecr.credentialFor(host))?.kind === 'basic');
  });
});
