// The whole lookup path: real registry (behind a recording proxy) → Resolver → memory + DynamoDB Local.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoDbCache } from '../../../lib/cache/dynamodb.ts';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { TieredCache } from '../../../lib/cache/tiered.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { RegistryClient } from '../../../lib/registry/client.ts';
import { Resolver } from '../../../lib/resolver/resolver.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../support/dynamodb.ts';
import { startRegistry, type TestRegistry } from '../../support/registry/harness.ts';

const config = { digestTtlSeconds: 30 * 86400, tagTtlSeconds: 3600, negativeTtlSeconds: 60, staleTtlSeconds: 7 * 86400 };
const TABLE = 'platform-cache';

let db: DynamoDbLocal;
let registry: TestRegistry;

before(async () => {
  [db, registry] = await Promise.all([startDynamoDbLocal(), startRegistry()]);
  await db.createTable(TABLE);
});
after(async () => {
  await Promise.all([db?.stop(), registry?.stop()]);
});

/** A fresh Lambda instance: new memory, new registry client, the shared table. */
function instance(now?: () => number): Resolver {
  const source = new RegistryClient({ insecureRegistries: [registry.host], privateRegistries: [] });
  const cache = new TieredCache(new MemoryCache(100, now), new DynamoDbCache({ table: TABLE, client: db.newClient(), now }));
  return new Resolver({ source, cache, config, now });
}

async function resolveAll(resolver: Resolver, images: Array<{ image: string; imagePullPolicy?: string }>) {
  const deadline = new Deadline(5000);
  try {
    const result = await resolver.resolveAll(images, deadline);
    await result.pendingWrites;
    return result;
  } finally {
    deadline.dispose();
  }
}

test('a second instance answers from DynamoDB with zero registry requests', async () => {
  await registry.pushIndex('team/web', '1.0', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ]);
  await registry.pushImage('team/worker', '2.0', { os: 'linux', architecture: 'arm64' });
  const images = [{ image: `${registry.host}/team/web:1.0` }, { image: `${registry.host}/team/worker:2.0` }];

  const first = await resolveAll(instance(), images);
  assert.deepEqual(first.resolutions.map((r) => (r.ok ? r.platforms.map((p) => p.architecture).join(',') : r.error)), ['amd64,arm64', 'arm64']);
  assert.ok(registry.requests.length > 0);

  registry.clearRequests();
  const second = await resolveAll(instance(), images);
  assert.deepEqual(second.resolutions.map((r) => (r.ok ? r.source : r.error)), ['dynamodb', 'dynamodb']);
  assert.deepEqual(registry.requests, []);
});

test('imagePullPolicy Always on an old entry costs one manifest HEAD, no GET', async () => {
  await registry.pushIndex('team/api', 'latest', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ]);
  const image = { image: `${registry.host}/team/api:latest`, imagePullPolicy: 'Always' };
  await resolveAll(instance(), [image]);

  registry.clearRequests();
  const later = Date.now() + 60_000;
  const result = await resolveAll(instance(() => later), [image]);
  const answer = result.resolutions[0];
  assert.ok(answer?.ok);
  assert.equal(answer.source, 'dynamodb');
  const manifestCalls = registry.requests.filter((r) => r.path.includes('/manifests/')).map((r) => r.method);
  assert.deepEqual(manifestCalls, ['HEAD']);
});
