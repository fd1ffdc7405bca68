// The signing and checksum the cache's DynamoDB client (and the Secrets Manager read) use instead
// of the SDK's: the same Authorization header as @smithy/signature-v4 for the same request, and
// the same CRC-32 as zlib.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { crc32 } from '../../../lib/aws/crc32.ts';
import { endpointFor } from '../../../lib/aws/dynamodb.ts';
import { signRequest } from '../../../lib/aws/sigv4.ts';

const DATE = new Date('2026-11-30T12:34:56.789Z');

async function smithyAuthorization(url: URL, headers: Record<string, string>, body: string, region: string, service: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<Record<string, string>> {
  // As the SDK's DynamoDB and Secrets Manager clients configure it: no x-amz-content-sha256 header.
  const signer = new SignatureV4({ credentials, region, service, sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, ...headers },
      body,
    },
    { signingDate: DATE },
  );
  return signed.headers;
}

describe('SigV4', () => {
  const cases = [
    { name: 'DynamoDB, regional endpoint', url: 'https://dynamodb.eu-west-1.amazonaws.com/', region: 'eu-west-1', service: 'dynamodb', target: 'DynamoDB_20120810.BatchGetItem', token: undefined },
    { name: 'an endpoint override with a port, session credentials', url: 'http://127.0.0.1:8000/', region: 'us-east-1', service: 'dynamodb', target: 'DynamoDB_20120810.DescribeTable', token: 'IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes==' },
    { name: 'Secrets Manager in China', url: 'https://secretsmanager.cn-north-1.amazonaws.com.cn/', region: 'cn-north-1', service: 'secretsmanager', target: 'secretsmanager.GetSecretValue', token: undefined },
    { name: 'a path and a query', url: 'https://example.amazonaws.com/some path/a%2Fb?b=2&a=1&sp ace=x*y(~)', region: 'us-west-2', service: 'dynamodb', target: 'X.Y', token: undefined },
  ];
  for (const c of cases) {
    test(`the header @smithy/signature-v4 computes: ${c.name}`, async () => {
      const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', ...(c.token ? { sessionToken: c.token } : {}) };
      const url = new URL(c.url);
      const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': c.target };
      const body = JSON.stringify({ RequestItems: { t: { Keys: [{ pk: { S: 'tag#ghcr.io/acme/web:1' } }] } } });
      const ours = signRequest({ method: 'POST', url, headers, body }, { region: c.region, service: c.service }, credentials, DATE);
      const theirs = await smithyAuthorization(url, headers, body, c.region, c.service, credentials);
      assert.equal(ours.authorization, theirs.authorization);
      assert.equal(ours['x-amz-date'], theirs['x-amz-date']);
      assert.equal(ours['x-amz-security-token'], theirs['x-amz-security-token']);
      assert.equal(ours.host, url.host);
    });
  }

  test('a different day, region or secret signs differently (the derived key is not reused across them)', () => {
    const request = { method: 'POST', url: new URL('https://dynamodb.us-east-1.amazonaws.com/'), headers: { 'x-amz-target': 'T' }, body: '{}' };
    const credentials = { accessKeyId: 'AKID', secretAccessKey: 'one' };
    const base = signRequest(request, { region: 'us-east-1', service: 'dynamodb' }, credentials, DATE).authorization;
    const otherDay = signRequest(request, { region: 'us-east-1', service: 'dynamodb' }, credentials, new Date('2026-12-01T00:00:00Z')).authorization;
    const otherRegion = signRequest(request, { region: 'us-east-2', service: 'dynamodb' }, credentials, DATE).authorization;
    const otherSecret = signRequest(request, { region: 'us-east-1', service: 'dynamodb' }, { ...credentials, secretAccessKey: 'two' }, DATE).authorization;
    const again = signRequest(request, { region: 'us-east-1', service: 'dynamodb' }, credentials, DATE).authorization;
    assert.equal(new Set([base, otherDay, otherRegion, otherSecret]).size, 4);
    assert.equal(again, base);
  });
});

test('CRC-32 as zlib computes it', () => {
  for (const text of ['', 'a', '{"Responses":{"t":[]}}', 'é'.repeat(5000)]) {
    assert.equal(crc32(Buffer.from(text)), zlibCrc32(Buffer.from(text)));
  }
});

test('the endpoint follows the SDK: AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, then the region', () => {
  assert.equal(endpointFor('eu-west-1', {}), 'https://dynamodb.eu-west-1.amazonaws.com/');
  assert.equal(endpointFor('cn-north-1', {}), 'https://dynamodb.cn-north-1.amazonaws.com.cn/');
  assert.equal(endpointFor('us-gov-west-1', { AWS_USE_FIPS_ENDPOINT: 'true' }), 'https://dynamodb-fips.us-gov-west-1.amazonaws.com/');
  assert.equal(endpointFor('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }), 'http://127.0.0.1:4566');
  assert.equal(endpointFor('eu-west-1', { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' }), 'http://127.0.0.1:8000');
  assert.equal(endpointFor('eu-west-1', { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }), 'https://dynamodb.eu-west-1.amazonaws.com/');
});
