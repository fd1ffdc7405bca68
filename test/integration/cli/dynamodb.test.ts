// `archy report` with ARCHY_CACHE_TABLE: where the webhook already runs, its DynamoDB table holds
// the answers and the report asks the registry nothing. DynamoDB Local and the real registry.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbCache } from '../../../lib/cache/dynamodb.ts';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { TieredCache } from '../../../lib/cache/tiered.ts';
import { loadConfig } from '../../../lib/config.ts';
import { Deadline } from '../../../lib/deadline.ts';
import type { ReportDocument } from '../../../lib/cli/report/document.ts';
import { RegistryClient } from '../../../lib/registry/client.ts';
import { Resolver } from '../../../lib/resolver/resolver.ts';
import { spawnArchy } from '../../support/archy-cli.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../support/dynamodb.ts';
import { startRegistry, type TestRegistry } from '../../support/registry/harness.ts';

const TABLE = 'archy-cli-cache';
let db: DynamoDbLocal;
let registry: TestRegistry;
let dir: string;
let manifest: string;
let images: string[];

before(async () => {
  [db, registry] = await Promise.all([startDynamoDbLocal(), startRegistry()]);
  await db.createTable(TABLE);
  await Promise.all([
    registry.pushIndex('shop/web', '1', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]),
    registry.pushImage('shop/legacy', '2', { os: 'linux', architecture: 'amd64' }),
    registry.pushImage('shop/worker', '3', { os: 'linux', architecture: 'arm64' }),
  ]);
  images = ['shop/web:1', 'shop/legacy:2', 'shop/worker:3'].map((name) => `${registry.host}/${name}`);
  dir = await mkdtemp(join(tmpdir(), 'archy-cli-dynamodb-'));
  manifest = join(dir, 'workloads.yaml');
  await writeFile(manifest, images.map((image, index) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-${index}, namespace: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: "${image}", resources: {requests: {cpu: 500m}}}]\n`).join('---\n'));
});
after(async () => {
  await Promise.all([db?.stop(), registry?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

async function report(withTable: boolean): Promise<ReportDocument> {
  const env: Record<string, string> = { ARCHY_INSECURE_REGISTRIES: registry.host };
  if (withTable) Object.assign(env, { ARCHY_CACHE_TABLE: TABLE, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
  const run = await spawnArchy(['report', '-f', manifest, '-o', 'json'], { env });
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as ReportDocument;
}

test('without the table every image is asked of the registry', async () => {
  registry.clearRequests();
  const result = await report(false);
  assert.equal(result.summary.imagesFromRegistry, 3);
  // An index answers in one GET; a single-arch manifest needs its config blob too.
  assert.equal(registry.requests.length, 5, registry.requests.map((request) => `${request.method} ${request.path}`).join('\n'));
});

test('with the table the webhook filled, the report makes no registry request', async () => {
  // The webhook's own resolver and table, as admissions leave them.
  const config = loadConfig({ ARCHY_INSECURE_REGISTRIES: registry.host, ARCHY_CACHE_TABLE: TABLE });
  const cache = new TieredCache(new MemoryCache(100), new DynamoDbCache({ table: TABLE, client: db.newClient() }));
  const webhook = new Resolver({ source: new RegistryClient({ insecureRegistries: config.insecureRegistries, privateRegistries: [] }), cache, config });
  const deadline = new Deadline(5000);
  const admission = await webhook.resolveAll(images.map((image) => ({ image })), deadline);
  await admission.pendingWrites;
  deadline.dispose();
  assert.ok(admission.resolutions.every((resolution) => resolution.ok));

  registry.clearRequests();
  const result = await report(true);
  assert.deepEqual(registry.requests, []);
  assert.equal(result.summary.imagesFromCache, 3);
  assert.equal(result.summary.imagesFromRegistry, 0);
  assert.deepEqual(result.workloads.map((w) => w.arm64), [true, false, true]);
});

test('a report fills the table for the next one (and for the webhook)', async () => {
  const fresh = `${registry.host}/shop/fresh:1`;
  await registry.pushIndex('shop/fresh', '1', [{ os: 'linux', architecture: 'arm64' }]);
  await writeFile(manifest, `apiVersion: v1\nkind: Pod\nmetadata: {name: fresh, namespace: shop}\nspec: {containers: [{name: c, image: "${fresh}"}]}\n`);
  registry.clearRequests();
  assert.equal((await report(true)).summary.imagesFromRegistry, 1);
  assert.equal(registry.requests.length, 1);
  registry.clearRequests();
  assert.equal((await report(true)).summary.imagesFromCache, 1);
  assert.deepEqual(registry.requests, []);
});
