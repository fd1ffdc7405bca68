// DynamoDbCache against a scripted client: batching, retries and degradation. The wire itself is
// covered by test/integration/cache against DynamoDB Local.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchGetItemCommand, type BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCache } from '../../../lib/cache/dynamodb.ts';
import { toItem } from '../../../lib/cache/item.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { createLogger } from '../../../lib/log.ts';
import type { Metrics } from '../../../lib/metrics/metrics.ts';

const TABLE = 'cache';
const NOW_S = 1_900_000_000;
const entry = { platforms: [{ os: 'linux', architecture: 'amd64' }], freshUntil: NOW_S + 60, expiresAt: NOW_S + 120 };

type Handler = (command: BatchGetItemCommand | BatchWriteItemCommand) => unknown;

function scriptedClient(handler: Handler) {
  const sent: Array<BatchGetItemCommand | BatchWriteItemCommand> = [];
  const client = {
    send: (command: BatchGetItemCommand | BatchWriteItemCommand) => {
      sent.push(command);
      return Promise.resolve().then(() => handler(command));
    },
  };
  // Only `send` is used by DynamoDbCache; a full client would need a live endpoint.
  return { client: client as unknown as DynamoDBClient, sent };
}

function keysOf(command: BatchGetItemCommand): string[] {
  return (command.input.RequestItems?.[TABLE]?.Keys ?? []).map((key) => key.pk?.S ?? '');
}

function captureLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('DynamoDbCache', () => {
  test('reads up to 100 keys per BatchGetItem and drops expired items', async () => {
    const { client, sent } = scriptedClient((command) => {
      const keys = keysOf(command as BatchGetItemCommand);
      const items = keys.map((key, index) => toItem(key, index === 0 ? { ...entry, expiresAt: NOW_S } : entry));
      return { Responses: { [TABLE]: items } };
    });
    const cache = new DynamoDbCache({ table: TABLE, client, now: () => NOW_S * 1000 });
    const keys = Array.from({ length: 250 }, (_, i) => `k${i}`);
    const deadline = new Deadline(1000);
    const hits = await cache.getMany([...keys, 'k1'], deadline);
    deadline.dispose();
    assert.deepEqual(sent.map((command) => keysOf(command as BatchGetItemCommand).length), [100, 100, 50]);
    assert.equal(hits.size, 250 - 3, 'the first item of each chunk had expired');
    assert.equal(hits.get('k1')?.tier, 'dynamodb');
  });

  test('retries unprocessed keys and unprocessed writes', async () => {
    let gets = 0;
    let writes = 0;
    const { client, sent } = scriptedClient((command) => {
      if (command instanceof BatchGetItemCommand) {
        gets += 1;
        const keys = keysOf(command);
        if (gets === 1) return { Responses: { [TABLE]: [toItem(keys[0] ?? '', entry)] }, UnprocessedKeys: { [TABLE]: { Keys: keys.slice(1).map((k) => ({ pk: { S: k } })) } } };
        return { Responses: { [TABLE]: keys.map((key) => toItem(key, entry)) } };
      }
      writes += 1;
      const requests = command.input.RequestItems?.[TABLE] ?? [];
      return writes === 1 ? { UnprocessedItems: { [TABLE]: requests.slice(0, 1) } } : {};
    });
    const cache = new DynamoDbCache({ table: TABLE, client, now: () => NOW_S * 1000 });
    const deadline = new Deadline(2000);
    const hits = await cache.getMany(['a', 'b', 'c'], deadline);
    assert.deepEqual([...hits.keys()].sort(), ['a', 'b', 'c']);
    assert.deepEqual(keysOf(sent[1] as BatchGetItemCommand), ['b', 'c']);

    sent.length = 0;
    await cache.putMany(Array.from({ length: 30 }, (_, i): [string, typeof entry] => [`w${i}`, entry]), deadline);
    deadline.dispose();
    const sizes = sent.map((command) => (command as BatchWriteItemCommand).input.RequestItems?.[TABLE]?.length);
    assert.deepEqual(sizes.slice(0, 2).sort(), [25, 5]);
    assert.deepEqual(sizes.slice(2), [1], 'the unprocessed item was sent again');
  });

  test('degrades to a miss, logs once per minute and counts errors by kind', async () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ProvisionedThroughputExceededException' });
    const { client } = scriptedClient(() => Promise.reject(throttled));
    const counted: string[] = [];
    const metrics: Metrics = { count: (name, _v, dims) => counted.push(`${name}:${dims?.kind}`), timing: () => undefined };
    const { logger, lines } = captureLogs();
    let nowMs = NOW_S * 1000;
    const cache = new DynamoDbCache({ table: TABLE, client, logger, metrics, now: () => nowMs });
    const deadline = new Deadline(1000);
    assert.equal((await cache.getMany(['a'], deadline)).size, 0);
    await cache.putMany([['a', entry]], deadline);
    await cache.getMany(['a'], deadline);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.kind, 'throttled');
    assert.deepEqual(counted, ['CacheErrors:throttled', 'CacheErrors:throttled', 'CacheErrors:throttled']);
    nowMs += 60_000;
    await cache.getMany(['a'], deadline);
    deadline.dispose();
    assert.equal(lines.length, 2);
    assert.equal(lines[1]?.suppressedSinceLastLog, 2);
  });

  test('classifies a missing table and a refused connection', async () => {
    const counted: string[] = [];
    const metrics: Metrics = { count: (_n, _v, dims) => counted.push(dims?.kind ?? ''), timing: () => undefined };
    const errors = [
      Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }),
    ];
    for (const error of errors) {
      const { client } = scriptedClient(() => Promise.reject(error));
      const deadline = new Deadline(1000);
      await new DynamoDbCache({ table: TABLE, client, metrics }).getMany(['a'], deadline);
      deadline.dispose();
    }
    assert.deepEqual(counted, ['table-not-found', 'network', 'access-denied']);
  });

  test('sends nothing once the deadline has passed', async () => {
    const { client, sent } = scriptedClient(() => ({}));
    const deadline = new Deadline(0);
    const cache = new DynamoDbCache({ table: TABLE, client });
    await cache.getMany(['a'], deadline);
    await cache.putMany([['a', entry]], deadline);
    deadline.dispose();
    assert.equal(sent.length, 0);
  });
});
