import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EcrCredentials, EcrError, parseEcrHost, type AuthorizationTokenAnswer, type EcrRegistry, type GetAuthorizationToken } from '../../../lib/credentials/ecr.ts';
import { DeadlineExceededError } from '../../../lib/deadline.ts';

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

  test('tokens are kept for a bounded number of registries, however many account ids images name', async () => {
    const calls: EcrRegistry[] = [];
    const ecr = new EcrCredentials({
      getAuthorizationToken: async (registry) => {
        calls.push(registry);
        return { authorizationToken: Buffer.from('AWS:pw').toString('base64'), expiresAt: new Date(Date.now() + 3600_000) };
      },
    });
    const hostOf = (i: number): string => `${String(100_000_000_000 + i)}.dkr.ecr.us-east-1.amazonaws.com`;
    for (let i = 0; i < 200; i++) await ecr.credentialFor(hostOf(i));
    assert.equal(calls.length, 200);
    for (let i = 200 - 64; i < 200; i++) await ecr.credentialFor(hostOf(i));
    assert.equal(calls.length, 200, 'the 64 most recent registries are still kept');
    await ecr.credentialFor(hostOf(0));
    assert.equal(calls.length, 201, 'the oldest were let go');
  });

  test('a caller whose deadline comes first stops waiting; the shared request goes on for a later caller', async () => {
    const started = Promise.withResolvers<AbortSignal | undefined>();
    const answer = Promise.withResolvers<AuthorizationTokenAnswer>();
    let calls = 0;
    const ecr = new EcrCredentials({
      getAuthorizationToken: (_registry, signal) => {
        calls++;
        started.resolve(signal);
        return answer.promise;
      },
    });
    const short = new AbortController();
    const first = ecr.credentialFor(host, short.signal);
    const requestSignal = await started.promise;
    short.abort(new DeadlineExceededError('deadline'));
    await assert.rejects(first, (error: unknown) => {
      assert.ok(error instanceof EcrError);
      assert.match(error.message, /111122223333 in eu-central-1 failed \(no answer within the time budget\)/);
      return true;
    });
    assert.equal(requestSignal?.aborted, false, 'the first caller\'s deadline is not the request\'s');
    const later = ecr.credentialFor(host, new AbortController().signal);
    answer.resolve({ authorizationToken: Buffer.from('AWS:shared').toString('base64'), expiresAt: new Date(Date.now() + 3600_000) });
    const credential = await later;
    assert.ok(credential?.kind === 'basic' && credential.password === 'shared');
    assert.equal(calls, 1);
  });

  test('the shared request runs on its own budget, and running out of it is not kept', async () => {
    let calls = 0;
    const ecr = new EcrCredentials({
      requestBudgetMs: 1,
      getAuthorizationToken: (_registry, signal) => {
        calls++;
        if (calls > 1) return Promise.resolve({ authorizationToken: Buffer.from('AWS:second').toString('base64'), expiresAt: new Date(Date.now() + 3600_000) });
        // The first request answers only when its budget aborts it, as the SDK does.
        return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
      },
    });
    await assert.rejects(ecr.credentialFor(host), (error: unknown) => {
      assert.ok(error instanceof EcrError);
      assert.match(error.message, /111122223333 in eu-central-1 failed \(TimeoutError/);
      return true;
    });
    const credential = await ecr.credentialFor(host);
    assert.ok(credential?.kind === 'basic' && credential.password === 'second');
    assert.equal(calls, 2);
  });

  test('a token that expires within 5 minutes serves its callers but is not kept', async () => {
    const { calls, fetch } = recorder('pw', 4 * 60_000);
    const ecr = new EcrCredentials({ getAuthorizationToken: fetch });
    assert.ok((await ecr.credentialFor(host))?.kind === 'basic');
    await ecr.credentialFor(host);
    assert.equal(calls.length, 2);
  });
});
