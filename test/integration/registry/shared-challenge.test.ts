// Registry challenges shared through the cache table (DynamoDB Local): a cold instance that meets a
// registry another instance has met skips the 401 probe; a remembered challenge expires, is
// forgotten (here and in the table) when it fails, is checked when read back, and holds no secret.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../../lib/aws/dynamodb.ts';
import type { DynamoDbApi, Item } from '../../../lib/aws/dynamodb-types.ts';
import { CHALLENGE_TTL_SECONDS, challengeKey, DynamoDbChallengeStore } from '../../../lib/cache/challenges.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { parseReference } from '../../../lib/image/reference.ts';
import type { ChallengeStore } from '../../../lib/registry/challenge-store.ts';
import { RegistryClient } from '../../../lib/registry/client.ts';
import { startDynamoDbLocal, TEST_CREDENTIALS, TEST_REGION, type DynamoDbLocal } from '../../support/dynamodb.ts';
import { startRegistry, type TestRegistry } from '../../support/registry/harness.ts';
import { startHostileServer } from '../../support/registry/hostile-server.ts';

let db: DynamoDbLocal;
let registry: TestRegistry;
let client: DynamoDbApi;
let tables = 0;
const PASSWORD = 'pull-secret-password-that-must-not-leak';

before(async () => {
  [db, registry] = await Promise.all([startDynamoDbLocal(), startRegistry({ auth: 'token', users: { robot: PASSWORD } })]);
  client = createDynamoDbClient({ endpoint: db.endpoint, region: TEST_REGION, credentials: () => Promise.resolve(TEST_CREDENTIALS) });
  for (const name of ['team/a', 'team/b', 'team/c', 'team/d', 'private/tool']) await registry.pushIndex(name, '1', [{ os: 'linux', architecture: 'arm64' }]);
});
after(() => Promise.all([db?.stop(), registry?.stop()]));

async function newTable(): Promise<string> {
  tables += 1;
  const name = `challenges-${tables}`;
  await db.createTable(name);
  return name;
}

/** A fresh function instance sharing `table`. */
function instance(table: string, now: () => number = Date.now, ...insecure: string[]): RegistryClient {
  return new RegistryClient({
    insecureRegistries: [registry.host, registry.tokenHost ?? '', ...insecure],
    privateRegistries: [],
    challenges: new DynamoDbChallengeStore({ table, client, now }),
    retryPolicy: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  });
}

async function resolve(registryClient: RegistryClient, image: string, credentials: Parameters<RegistryClient['resolve']>[1]['credentials'] = []): Promise<void> {
  const deadline = new Deadline(10_000);
  try {
    await registryClient.resolve(parseReference(image), { deadline, credentials });
  } finally {
    deadline.dispose();
  }
}

async function storedItem(table: string, origin: string): Promise<Item | undefined> {
  const output = await client.batchGetItem({ RequestItems: { [table]: { Keys: [{ pk: { S: challengeKey(origin) } }] } } });
  return output.Responses?.[table]?.[0];
}

/** The writes go on in the background: waits until `check` holds (or gives up after 3 s). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 3000; ) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail('the table never reached the expected state');
}

const probes = (): number => registry.requests.filter((r) => r.server === 'registry' && r.authorization === 'none').length;
const origin = (): string => `http://${registry.host}`;

describe('a challenge shared through the table', () => {
  test('a second instance reads what the first learned and asks the token service without a probe', async () => {
    const table = await newTable();
    registry.clearRequests();
    await resolve(instance(table), `${registry.host}/team/a:1`);
    assert.equal(probes(), 1, 'the first instance probed');
    await eventually(async () => (await storedItem(table, origin())) !== undefined);
    const item = await storedItem(table, origin());
    assert.equal(item?.s?.S, 'bearer');
    assert.equal(item?.r?.S, `http://${registry.tokenHost}/token`);
    assert.equal(item?.v?.S, 'archy-test-registry');

    registry.clearRequests();
    await resolve(instance(table), `${registry.host}/team/b:1`);
    assert.equal(probes(), 0, 'no anonymous probe');
    assert.deepEqual(registry.requests.map((r) => `${r.server} ${r.status}`), ['token 200', 'registry 200']);
  });

  test('prepare starts reading it before the lookup, which then uses that read: one table read, no probe', async () => {
    const table = await newTable();
    await resolve(instance(table), `${registry.host}/team/a:1`);
    await eventually(async () => (await storedItem(table, origin())) !== undefined);
    const store = new DynamoDbChallengeStore({ table, client });
    const reads: string[] = [];
    const counting: ChallengeStore = {
      read: (from, signal) => {
        reads.push(from);
        return store.read(from, signal);
      },
      remember: (from, challenge) => store.remember(from, challenge),
      forget: (from) => store.forget(from),
    };
    const cold = new RegistryClient({
      insecureRegistries: [registry.host, registry.tokenHost ?? ''],
      privateRegistries: [],
      challenges: counting,
      retryPolicy: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    const deadline = new Deadline(10_000);
    try {
      const refs = [parseReference(`${registry.host}/team/b:1`), parseReference(`${registry.host}/team/c:1`)];
      cold.prepare(refs, deadline);
      assert.deepEqual(reads, [origin()], 'read at once, once for the two images of one registry');
      registry.clearRequests();
      await Promise.all(refs.map((ref) => cold.resolve(ref, { deadline })));
      assert.deepEqual(reads, [origin()], 'the lookups used that read');
      assert.equal(probes(), 0);
      cold.prepare(refs, deadline);
      assert.deepEqual(reads, [origin()], 'a known challenge is not read again');
    } finally {
      deadline.dispose();
    }
  });

  test('prepare reads the challenges of at most 8 registries at once, however many a pod names', () => {
    const reads: string[] = [];
    const store: ChallengeStore = { read: (from) => (reads.push(from), Promise.resolve(undefined)), remember: () => undefined, forget: () => undefined };
    const cold = new RegistryClient({ insecureRegistries: [], privateRegistries: [], challenges: store });
    const deadline = new Deadline(1_000);
    try {
      cold.prepare(Array.from({ length: 20 }, (_, i) => parseReference(`registry-${i}.example/team/app:1`)), deadline);
      assert.deepEqual(reads, Array.from({ length: 8 }, (_, i) => `https://registry-${i}.example`));
    } finally {
      deadline.dispose();
    }
  });

  test('it expires: an instance reading it an hour later probes, and shares the fresh one', async () => {
    const table = await newTable();
    await resolve(instance(table), `${registry.host}/team/a:1`);
    await eventually(async () => (await storedItem(table, origin())) !== undefined);
    const later = () => Date.now() + (CHALLENGE_TTL_SECONDS + 1) * 1000;
    registry.clearRequests();
    await resolve(instance(table, later), `${registry.host}/team/b:1`);
    assert.equal(probes(), 1);
    await eventually(async () => Number((await storedItem(table, origin()))?.f?.N) > Math.floor(later() / 1000));
  });

  test('one that fails is forgotten in the table too; the registry is probed afresh and its challenge shared', async () => {
    const table = await newTable();
    const gone = await startHostileServer(() => ({ status: 404 }));
    after(() => gone.close());
    const dead = `http://${gone.host}/token`;
    new DynamoDbChallengeStore({ table, client }).remember(origin(), { scheme: 'bearer', realm: dead, service: 'archy-test-registry' });
    await eventually(async () => (await storedItem(table, origin()))?.r?.S === dead);

    registry.clearRequests();
    await resolve(instance(table, Date.now, gone.host), `${registry.host}/team/c:1`);
    assert.equal(gone.requests.length, 1, 'the remembered token service was asked once');
    assert.equal(probes(), 1, 'then the registry was probed afresh');
    await eventually(async () => (await storedItem(table, origin()))?.r?.S === `http://${registry.tokenHost}/token`);
  });

  test('what is read back is checked: an item that is not a valid challenge is ignored and the registry probed', async () => {
    const invalid: Item[] = [
      { s: { S: 'bearer' }, r: { S: 'file:///etc/passwd' } },
      { s: { S: 'bearer' }, r: { S: `http://user:pass@${registry.tokenHost}/token` } },
      { s: { S: 'bearer' }, r: { S: `http://${registry.tokenHost}/${'x'.repeat(2000)}` } },
      { s: { S: 'bearer' }, r: { S: `http://${registry.tokenHost}/token` }, v: { S: 'bad\nservice' } },
      { s: { S: 'negotiate' } },
    ];
    for (const bad of invalid) {
      const table = await newTable();
      const freshUntil = String(Math.floor(Date.now() / 1000) + 600);
      await client.batchWriteItem({ RequestItems: { [table]: [{ PutRequest: { Item: { pk: { S: challengeKey(origin()) }, f: { N: freshUntil }, expiresAt: { N: freshUntil }, ...bad } } }] } });
      registry.clearRequests();
      await resolve(instance(table), `${registry.host}/team/d:1`);
      assert.equal(probes(), 1, JSON.stringify(bad));
    }
  });

  test('no credential reaches the table: a private repository resolved with a password leaves only the challenge', async () => {
    const table = await newTable();
    const credentials = [{ kind: 'basic' as const, username: 'robot', password: PASSWORD, identity: 'c0ffee' }];
    await resolve(instance(table), `${registry.host}/private/tool:1`, credentials);
    await eventually(async () => (await storedItem(table, origin())) !== undefined);
    const { Items = [] } = await db.client.send(new ScanCommand({ TableName: table }));
    const text = JSON.stringify(Items);
    assert.equal(Items.length, 1);
    assert.ok(!text.includes(PASSWORD) && !text.includes('robot') && !text.includes(Buffer.from(`robot:${PASSWORD}`).toString('base64')), text);
    assert.ok(text.length < 400, text);
  });
});
