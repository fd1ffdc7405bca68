import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEksToken, EksTokenCache } from '../../../lib/kube/eks-token.ts';

const credentials = async (): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-example',
});

function decode(token: string): URL {
  assert.ok(token.startsWith('k8s-aws-v1.'), token);
  const encoded = token.slice('k8s-aws-v1.'.length);
  assert.ok(!encoded.includes('='), 'no base64 padding');
  assert.match(encoded, /^[A-Za-z0-9_-]+$/, 'base64url alphabet');
  return new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
}

describe('createEksToken', () => {
  test('is a presigned STS GetCallerIdentity URL covering the cluster header', async () => {
    const when = new Date('2025-03-04T05:06:07Z');
    const { token } = await createEksToken({ cluster: 'prod-eu', region: 'eu-west-1', credentials, now: () => when });
    const url = decode(token);
    const q = url.searchParams;
    assert.equal(url.protocol, 'https:');
    assert.equal(url.host, 'sts.eu-west-1.amazonaws.com');
    assert.equal(url.pathname, '/');
    assert.equal(q.get('Action'), 'GetCallerIdentity');
    assert.equal(q.get('Version'), '2011-06-15');
    assert.equal(q.get('X-Amz-Expires'), '60');
    assert.equal(q.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
    assert.equal(q.get('X-Amz-Date'), '20250304T050607Z');
    assert.equal(q.get('X-Amz-Credential'), 'AKIDEXAMPLE/20250304/eu-west-1/sts/aws4_request');
    assert.equal(q.get('X-Amz-Security-Token'), 'session-token-example');
    assert.deepEqual(q.get('X-Amz-SignedHeaders')?.split(';'), ['host', 'x-k8s-aws-id']);
    assert.match(q.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
    // The cluster name travels as a signed header (sent by the API server), not in the URL.
    assert.equal(q.get('x-k8s-aws-id'), null);
  });

  test('the signature depends on the cluster name, so a token for one cluster is useless for another', async () => {
    const now = (): Date => new Date('2025-03-04T05:06:07Z');
    const a = decode((await createEksToken({ cluster: 'a', region: 'us-east-1', credentials, now })).token);
    const b = decode((await createEksToken({ cluster: 'b', region: 'us-east-1', credentials, now })).token);
    assert.notEqual(a.searchParams.get('X-Amz-Signature'), b.searchParams.get('X-Amz-Signature'));
  });

  test('the secret access key never appears in the token', async () => {
    const { token } = await createEksToken({ cluster: 'c', region: 'us-east-1', credentials });
    const text = decode(token).toString();
    assert.ok(!text.includes('wJalrXUtnFEMI'));
  });
});

describe('EksTokenCache', () => {
  test('reuses the token for 10 minutes, then renews it (tokens live 15)', async () => {
    let now = new Date('2025-01-01T00:00:00Z').getTime();
    let signed = 0;
    const cache = new EksTokenCache({
      cluster: 'c',
      region: 'us-east-1',
      credentials: async () => {
        signed++;
        return credentials();
      },
      now: () => new Date(now),
    });
    const first = await cache.token();
    now += 9 * 60_000;
    assert.equal(await cache.token(), first);
    assert.equal(signed, 1);
    now += 61_000;
    const renewed = await cache.token();
    assert.notEqual(renewed, first);
    assert.equal(signed, 2);
    assert.equal(decode(renewed).searchParams.get('X-Amz-Date'), '20250101T001001Z');
  });

  test('concurrent callers share one signing', async () => {
    let signed = 0;
    const cache = new EksTokenCache({ cluster: 'c', region: 'us-east-1', credentials: async () => (signed++, credentials()) });
    const tokens = await Promise.all([cache.token(), cache.token(), cache.token()]);
    assert.equal(new Set(tokens).size, 1);
    assert.equal(signed, 1);
  });

  test('a failed signing is not kept: the next call signs afresh', async () => {
    let attempts = 0;
    const cache = new EksTokenCache({
      cluster: 'c',
      region: 'us-east-1',
      credentials: async () => {
        attempts++;
        if (attempts === 1) throw new Error('instance metadata unreachable');
        return credentials();
      },
    });
    await assert.rejects(cache.token(), /instance metadata unreachable/);
    decode(await cache.token());
    assert.equal(attempts, 2);
  });

  test('a caller whose signal aborts stops waiting; the signing goes on for the others', async () => {
    const released = Promise.withResolvers<void>();
    const asked = Promise.withResolvers<void>();
    let signed = 0;
    const cache = new EksTokenCache({
      cluster: 'c',
      region: 'us-east-1',
      credentials: async () => {
        signed++;
        asked.resolve();
        await released.promise;
        return credentials();
      },
    });
    const impatient = new AbortController();
    const first = cache.token(impatient.signal);
    const second = cache.token(new AbortController().signal);
    await asked.promise;
    impatient.abort(new Error('admission budget spent'));
    await assert.rejects(first, /admission budget spent/);
    released.resolve();
    decode(await second);
    assert.equal(signed, 1);
  });
});
