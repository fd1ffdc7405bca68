// The cache's own DynamoDB client (lib/aws/dynamodb.ts: signed JSON 1.0 over node:http) against
// DynamoDB Local: the three calls, answers too large for one BatchGetItem (unprocessed keys),
// DynamoDB's errors by name, and the transport's failures (refused, silent, corrupted answers).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDynamoDbClient, DynamoDbError } from '../../../lib/aws/dynamodb.ts';
import type { DynamoDbApi, Item } from '../../../lib/aws/dynamodb-types.ts';
import { DynamoDbCache } from '../../../lib/cache/dynamodb.ts';
import { Deadline } from '../../../lib/deadline.ts';
import type { Metrics } from '../../../lib/metrics/metrics.ts';
import { startDynamoDbLocal, TEST_CREDENTIALS, TEST_REGION, type DynamoDbLocal } from '../../support/dynamodb.ts';
import { freeLoopbackPort } from '../../support/ports.ts';

let db: DynamoDbLocal;
let tables = 0;

before(async () => {
  db = await startDynamoDbLocal();
});
after(async () => {
  await db?.stop();
});

function clientFor(endpoint: string, options: { requestTimeoutMs?: number; maxAttempts?: number } = {}): DynamoDbApi {
  return createDynamoDbClient({ endpoint, region: TEST_REGION, credentials: () => Promise.resolve(TEST_CREDENTIALS), random: () => 0, ...options });
}

async function newTable(): Promise<string> {
  tables += 1;
  const name = `light-client-${tables}`;
  await db.createTable(name);
  return name;
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const error = await promise.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof Error, String(error));
  return error;
}

/** A loopback HTTP server answering every request with `answer` (or never, when it returns undefined). */
async function fakeDynamoDb(answer: (body: string) => { status: number; headers?: Record<string, string>; body: string } | undefined): Promise<{ endpoint: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push(String(req.headers['x-amz-target']));
      const reply = answer(body);
      if (!reply) return;
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0', ...reply.headers });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

describe('the light DynamoDB client against DynamoDB Local', () => {
  test('BatchWriteItem, BatchGetItem and DescribeTable round trip, items as DynamoDB JSON', async () => {
    const table = await newTable();
    const client = clientFor(db.endpoint);
    const item: Item = { pk: { S: 'tag#ghcr.io/acme/web:1' }, f: { N: '1900000000' }, expiresAt: { N: '1900000600' }, p: { L: [{ S: 'linux/amd64' }, { S: 'linux/arm/v7' }] } };
    const written = await client.batchWriteItem({ RequestItems: { [table]: [{ PutRequest: { Item: item } }] } });
    assert.deepEqual(written.UnprocessedItems ?? {}, {});
    const read = await client.batchGetItem({ RequestItems: { [table]: { Keys: [{ pk: { S: 'tag#ghcr.io/acme/web:1' } }, { pk: { S: 'absent' } }] } } });
    assert.deepEqual(read.Responses?.[table], [item]);
    const described = await client.describeTable({ TableName: table });
    assert.equal(described.Table?.TableStatus, 'ACTIVE');

    await client.batchWriteItem({ RequestItems: { [table]: [{ DeleteRequest: { Key: { pk: { S: 'tag#ghcr.io/acme/web:1' } } } }] } });
    const gone = await client.batchGetItem({ RequestItems: { [table]: { Keys: [{ pk: { S: 'tag#ghcr.io/acme/web:1' } }] } } });
    assert.deepEqual(gone.Responses?.[table], []);
  });

  test('an answer over 16 MB leaves keys unprocessed; the cache asks again until it has them all', async () => {
    const table = await newTable();
    const client = clientFor(db.endpoint);
    const cache = new DynamoDbCache({ table, client });
    const nowS = Math.floor(Date.now() / 1000);
    // 100 items of ~350 KB: a BatchGetItem of all of them cannot answer in one 16 MB response.
    const bulky = 'x'.repeat(350 * 1024);
    const keys = Array.from({ length: 100 }, (_, i) => `tag#ghcr.io/acme/bulky-${i}:1`);
    const deadline = new Deadline(60_000);
    try {
      await cache.putMany(keys.map((key) => [key, { error: bulky, freshUntil: nowS + 600, expiresAt: nowS + 600 }]), deadline);
      const first = await client.batchGetItem({ RequestItems: { [table]: { Keys: keys.map((key) => ({ pk: { S: key } })) } } });
      const unprocessed = first.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
      assert.ok(unprocessed > 0, 'DynamoDB Local left keys unprocessed');
      assert.equal((first.Responses?.[table]?.length ?? 0) + unprocessed, keys.length);

      const hits = await cache.getMany(keys, deadline);
      assert.equal(hits.size, keys.length, 'every key, unprocessed ones included');
      assert.equal(hits.get(keys[99] as string)?.entry.error?.length, bulky.length);
    } finally {
      deadline.dispose();
    }
  });

  test("DynamoDB's refusals carry its error type as the error's name", async () => {
    const client = clientFor(db.endpoint);
    const missing = await failure(client.batchGetItem({ RequestItems: { 'no-such-table': { Keys: [{ pk: { S: 'a' } }] } } }));
    assert.ok(missing instanceof DynamoDbError);
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.status, 400);

    const table = await newTable();
    const invalid = await failure(client.batchGetItem({ RequestItems: { [table]: { Keys: [{ pk: { S: 'a' } }, { pk: { S: 'a' } }] } } }));
    assert.equal(invalid.name, 'ValidationException', 'the same key twice');
    const wrongKey = await failure(client.batchWriteItem({ RequestItems: { [table]: [{ PutRequest: { Item: { other: { S: 'no pk' } } } }] } }));
    assert.equal(wrongKey.name, 'ValidationException');
  });

  test('the cache degrades on those errors exactly as before: a miss, counted by kind, health says why', async () => {
    const counted: string[] = [];
    const metrics: Metrics = { count: (_name, _value, dimensions) => counted.push(dimensions?.kind ?? ''), timing: () => undefined };
    const cache = new DynamoDbCache({ table: 'no-such-table', client: clientFor(db.endpoint), metrics });
    const deadline = new Deadline(5000);
    try {
      assert.equal((await cache.getMany(['a'], deadline)).size, 0);
      await cache.putMany([['a', { freshUntil: 1, expiresAt: 2 }]], deadline);
    } finally {
      deadline.dispose();
    }
    assert.deepEqual(counted, ['table-not-found', 'table-not-found']);
    assert.deepEqual(await cache.health(), { ok: false, tiers: ['dynamodb'], table: 'no-such-table', error: 'ResourceNotFoundException' });
    const table = await newTable();
    assert.deepEqual(await new DynamoDbCache({ table, client: clientFor(db.endpoint) }).health(), { ok: true, tiers: ['dynamodb'], table });
  });
});

describe('the light DynamoDB client on a failing network', () => {
  test('a refused connection fails with its Node error code (the cache counts it as network)', async () => {
    const port = await freeLoopbackPort();
    const error = await failure(clientFor(`http://127.0.0.1:${port}`).describeTable({ TableName: 't' }));
    assert.equal(error.code, 'ECONNREFUSED');
    const counted: string[] = [];
    const metrics: Metrics = { count: (_name, _value, dimensions) => counted.push(dimensions?.kind ?? ''), timing: () => undefined };
    const deadline = new Deadline(5000);
    await new DynamoDbCache({ table: 't', client: clientFor(`http://127.0.0.1:${port}`), metrics }).getMany(['a'], deadline);
    deadline.dispose();
    assert.deepEqual(counted, ['network']);
  });

  test('throttling and 5xx are tried once more; the second answer counts', async () => {
    let calls = 0;
    const fake = await fakeDynamoDb(() => {
      calls += 1;
      if (calls === 1) return { status: 400, body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' }) };
      if (calls === 2) return { status: 200, body: JSON.stringify({ Responses: { t: [] } }) };
      if (calls === 3) return { status: 503, body: '' };
      return { status: 503, body: '' };
    });
    const client = clientFor(fake.endpoint);
    assert.deepEqual(await client.batchGetItem({ RequestItems: { t: { Keys: [{ pk: { S: 'a' } }] } } }), { Responses: { t: [] } });
    assert.equal(calls, 2);
    const unavailable = await failure(client.batchGetItem({ RequestItems: { t: { Keys: [{ pk: { S: 'a' } }] } } }));
    assert.equal((unavailable as DynamoDbError).status, 503);
    assert.equal(calls, 4, 'two attempts, no more');
    assert.deepEqual(fake.requests.slice(0, 1), ['DynamoDB_20120810.BatchGetItem']);
  });

  test('a refusal that is the caller\'s own (validation, access) is not tried again', async () => {
    const fake = await fakeDynamoDb(() => ({ status: 400, body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: 'not allowed' }) }));
    const error = await failure(clientFor(fake.endpoint).describeTable({ TableName: 't' }));
    assert.equal(error.name, 'AccessDeniedException');
    assert.match(error.message, /not allowed/);
    assert.equal(fake.requests.length, 1);
  });

  test('an answer that does not match its x-amz-crc32 is not believed', async () => {
    const body = JSON.stringify({ Responses: { t: [] } });
    const fake = await fakeDynamoDb(() => ({ status: 200, headers: { 'x-amz-crc32': '12345' }, body }));
    const error = await failure(clientFor(fake.endpoint).batchGetItem({ RequestItems: { t: { Keys: [{ pk: { S: 'a' } }] } } }));
    assert.equal(error.name, 'ChecksumError');
    assert.equal(fake.requests.length, 2, 'tried once more');
    const { crc32 } = await import('node:zlib');
    const good = await fakeDynamoDb(() => ({ status: 200, headers: { 'x-amz-crc32': String(crc32(Buffer.from(body))) }, body }));
    assert.deepEqual(await clientFor(good.endpoint).batchGetItem({ RequestItems: { t: { Keys: [{ pk: { S: 'a' } }] } } }), { Responses: { t: [] } });
  });

  test('a silent server: the request times out (the cache counts a timeout); the caller\'s signal ends it sooner', async () => {
    const fake = await fakeDynamoDb(() => undefined);
    const started = Date.now();
    const timedOut = await failure(clientFor(fake.endpoint, { requestTimeoutMs: 200, maxAttempts: 1 }).describeTable({ TableName: 't' }));
    assert.equal(timedOut.name, 'TimeoutError');
    assert.ok(Date.now() - started < 2000);

    const aborted = await failure(clientFor(fake.endpoint).describeTable({ TableName: 't' }, AbortSignal.timeout(100)));
    assert.equal(aborted.name, 'AbortError');
    const counted: string[] = [];
    const metrics: Metrics = { count: (_name, _value, dimensions) => counted.push(dimensions?.kind ?? ''), timing: () => undefined };
    const deadline = new Deadline(150);
    await new DynamoDbCache({ table: 't', client: clientFor(fake.endpoint), metrics }).getMany(['a'], deadline);
    deadline.dispose();
    assert.deepEqual(counted, ['timeout']);
  });
});
