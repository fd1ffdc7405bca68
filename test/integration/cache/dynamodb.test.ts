// The two-tier cache against DynamoDB Local: what a second Lambda instance (fresh memory) sees.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PlatformCache } from '../../../lib/cache/cache.ts';
import { DynamoDbCache } from '../../../lib/cache/dynamodb.ts';
import { createCache } from '../../../lib/cache/index.ts';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { TieredCache } from '../../../lib/cache/tiered.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { createLogger, type Logger } from '../../../lib/log.ts';
import { Resolver } from '../../../lib/resolver/resolver.ts';
import type { CredentialSource, ImageResolution } from '../../../lib/types.ts';
import { startDynamoDbLocal, TEST_CREDENTIALS, TEST_REGION, type DynamoDbLocal } from '../../support/dynamodb.ts';
import { FakeSource, linux } from '../../unit/resolver/fake-source.ts';

const config = { digestTtlSeconds: 30 * 86400, tagTtlSeconds: 3600, negativeTtlSeconds: 60, staleTtlSeconds: 7 * 86400 };
const IMAGES = Array.from({ length: 12 }, (_, i) => `ghcr.io/acme/service-${i}:v1`);

let db: DynamoDbLocal;
let tableCount = 0;

before(async () => {
  db = await startDynamoDbLocal();
});
after(async () => {
  await db?.stop();
});

async function newTable(options?: { timeToLive?: boolean }): Promise<string> {
  tableCount += 1;
  const name = `platform-cache-${tableCount}`;
  await db.createTable(name, options);
  return name;
}

function countBatchGets(client: DynamoDBClient): { count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'BatchGetItemCommand') counter.count += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countBatchGets' },
  );
  return counter;
}

/** One simulated Lambda instance: its own memory, its own client, the shared table. */
function instance(table: string, source: FakeSource, options: { logger?: Logger; client?: DynamoDBClient } = {}) {
  const client = options.client ?? db.newClient();
  const batchGets = countBatchGets(client);
  const cache: PlatformCache = new TieredCache(new MemoryCache(1000), new DynamoDbCache({ table, client, logger: options.logger }));
  const resolver = new Resolver({ source, cache, config, logger: options.logger });
  return { resolver, batchGets, client };
}

async function resolveAll(resolver: Resolver, images: string[], credentials?: CredentialSource) {
  const deadline = new Deadline(3000);
  try {
    const result = await resolver.resolveAll(images.map((image) => ({ image })), deadline, { credentials });
    await result.pendingWrites;
    return result;
  } finally {
    deadline.dispose();
  }
}

function sources(resolutions: ImageResolution[]): string[] {
  return resolutions.map((r) => (r.ok ? r.source : `failed: ${r.error}`));
}

function seededSource(): FakeSource {
  const source = new FakeSource();
  for (let i = 0; i < IMAGES.length; i += 1) source.push(`ghcr.io/acme/service-${i}`, 'v1', [linux('amd64'), linux('arm64')]);
  return source;
}

function captureLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('DynamoDB tier', () => {
  test('a second instance answers from DynamoDB without asking the registry', async () => {
    const table = await newTable();
    const firstSource = seededSource();
    const first = instance(table, firstSource);
    const answered = await resolveAll(first.resolver, IMAGES);
    assert.ok(sources(answered.resolutions).every((s) => s === 'registry'));

    const secondSource = seededSource();
    const second = instance(table, secondSource);
    const fromTable = await resolveAll(second.resolver, IMAGES);
    assert.equal(secondSource.calls, 0);
    assert.ok(sources(fromTable.resolutions).every((s) => s === 'dynamodb'), sources(fromTable.resolutions).join());
    assert.equal(fromTable.tiers.dynamodb, IMAGES.length);
    const firstAnswer = fromTable.resolutions[0];
    assert.ok(firstAnswer?.ok);
    assert.deepEqual(firstAnswer.platforms, [linux('amd64'), linux('arm64')]);

    const fromMemory = await resolveAll(second.resolver, IMAGES);
    assert.ok(sources(fromMemory.resolutions).every((s) => s === 'memory'));
  });

  test('one BatchGetItem per resolveAll, whatever the number of images', async () => {
    const table = await newTable();
    const warm = instance(table, seededSource());
    await resolveAll(warm.resolver, IMAGES.slice(0, 6));

    const cold = instance(table, seededSource());
    await resolveAll(cold.resolver, IMAGES);
    assert.equal(cold.batchGets.count, 1, '6 cached + 6 unknown images');
    await resolveAll(cold.resolver, [...IMAGES, 'ghcr.io/acme/other:1', 'ghcr.io/acme/other:2']);
    assert.equal(cold.batchGets.count, 2, 'only the two new misses, in one more call');
    await resolveAll(cold.resolver, IMAGES);
    assert.equal(cold.batchGets.count, 2, 'all in memory: no call at all');
  });

  test('expired items are not used even though DynamoDB has not deleted them', async () => {
    // DynamoDB Local's TTL may delete the expired item at once; the real one takes up to days.
    const table = await newTable({ timeToLive: false });
    const client = db.newClient();
    const nowS = Math.floor(Date.now() / 1000);
    const cache = new DynamoDbCache({ table, client });
    const deadline = new Deadline(3000);
    await cache.putMany(
      [
        ['tag#ghcr.io/acme/old:1', { digest: 'sha256:0', platforms: [linux('amd64')], freshUntil: nowS - 120, expiresAt: nowS - 60 }],
        ['tag#ghcr.io/acme/stale:1', { digest: 'sha256:1', platforms: [linux('arm64')], freshUntil: nowS - 120, expiresAt: nowS + 600 }],
      ],
      deadline,
    );
    const hits = await cache.getMany(['tag#ghcr.io/acme/old:1', 'tag#ghcr.io/acme/stale:1'], deadline);
    deadline.dispose();
    assert.deepEqual([...hits.keys()], ['tag#ghcr.io/acme/stale:1'], 'the stale-window item stays readable');
    const raw = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'tag#ghcr.io/acme/old:1' } } }));
    assert.ok(raw.Item, 'the expired item is still in the table');

    const source = new FakeSource();
    source.push('ghcr.io/acme/old', '1', [linux('arm64')]);
    const result = await resolveAll(instance(table, source).resolver, ['ghcr.io/acme/old:1']);
    assert.equal(source.resolveCalls.length, 1);
    assert.deepEqual(sources(result.resolutions), ['registry']);
  });

  test('items are small and carry no secret', async () => {
    const table = await newTable();
    const password = 'p4ssw0rd-that-must-not-leak';
    const credentials: CredentialSource = {
      credentialsFor: () => Promise.resolve([{ kind: 'basic', username: 'robot$acme', password, identity: 'c0ffee12' }]),
    };
    const source = new FakeSource();
    for (let i = 0; i < 3; i += 1) source.push(`ghcr.io/acme/service-${i}`, 'v1', [linux('amd64'), linux('arm', 'v7')]);
    const { resolver, client } = instance(table, source);
    await resolveAll(resolver, [...IMAGES.slice(0, 3), 'ghcr.io/acme/broken:v1'], credentials);

    const scan = await client.send(new ScanCommand({ TableName: table }));
    const items = scan.Items ?? [];
    assert.equal(items.length, 3 * 2 + 1, 'a tag and a digest entry per image, one negative entry');
    const text = JSON.stringify(items);
    assert.ok(!text.includes(password), 'no password');
    assert.ok(!text.includes('robot$acme'), 'no username');
    assert.ok(items.every((item) => item.pk?.S?.endsWith('#c0ffee12')), 'private answers are keyed by identity');
    for (const item of items) assert.ok(JSON.stringify(item).length < 400, `small item: ${JSON.stringify(item)}`);
  });

  test('createCache honours AWS_ENDPOINT_URL_DYNAMODB', async () => {
    const table = await newTable();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    });
    const first = new Resolver({ source: seededSource(), cache: createCache({ memoryCacheEntries: 100, cacheTable: table }), config });
    await resolveAll(first, IMAGES.slice(0, 2));
    const source = seededSource();
    const second = new Resolver({ source, cache: createCache({ memoryCacheEntries: 100, cacheTable: table }), config });
    const result = await resolveAll(second, IMAGES.slice(0, 2));
    assert.deepEqual(sources(result.resolutions), ['dynamodb', 'dynamodb']);
    assert.equal(source.calls, 0);
  });

  // Last: it stops the shared DynamoDB Local.
  test('with DynamoDB gone mid-run, resolveAll still answers and the outage is logged once', async () => {
    const table = await newTable();
    const { logger, lines } = captureLogs();
    const source = seededSource();
    const { resolver } = instance(table, source, { logger });
    await resolveAll(resolver, IMAGES.slice(0, 2));

    await db.stop();
    const afterStop = await resolveAll(resolver, IMAGES.slice(0, 6));
    assert.deepEqual(sources(afterStop.resolutions), ['memory', 'memory', 'registry', 'registry', 'registry', 'registry']);
    const again = await resolveAll(resolver, IMAGES.slice(6));
    assert.ok(sources(again.resolutions).every((s) => s === 'registry'));
    const warnings = lines.filter((line) => line.level === 'warn');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(warnings[0]?.kind, 'network');
  });
});
