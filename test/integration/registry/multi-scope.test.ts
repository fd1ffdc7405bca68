// One admission asks a token service once per registry for every repository it needs (the scope
// parameter repeated), against the real CNCF registry and our token service; and falls back to one
// token per repository when the token's `access` claims, or a 401 on use, show the service grants
// one scope per token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { TieredCache } from '../../../lib/cache/tiered.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { RegistryClient } from '../../../lib/registry/client.ts';
import { Resolver } from '../../../lib/resolver/resolver.ts';
import { startRegistry, type RecordedRequest, type TestRegistry } from '../../support/registry/harness.ts';
import { startHostileServer, type Answer, type HostileServer, type SeenRequest } from '../../support/registry/hostile-server.ts';

const config = { digestTtlSeconds: 86400, tagTtlSeconds: 3600, negativeTtlSeconds: 60, staleTtlSeconds: 86400 };
const REPOSITORIES = ['team/web', 'team/worker', 'team/cron'];

/** A fresh function instance: its own registry client (tokens, challenges) and no cached answers. */
function instance(...insecure: string[]): Resolver {
  const client = new RegistryClient({ insecureRegistries: insecure, privateRegistries: [], retryPolicy: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
  return new Resolver({ source: client, cache: new TieredCache(new MemoryCache(0)), config });
}

async function admit(resolver: Resolver, images: string[]): Promise<void> {
  const deadline = new Deadline(10_000);
  try {
    const result = await resolver.resolveAll(images.map((image) => ({ image })), deadline);
    assert.deepEqual(result.resolutions.filter((r) => !r.ok).map((r) => !r.ok && r.error), []);
  } finally {
    deadline.dispose();
  }
}

function tokenRequests(requests: RecordedRequest[]): string[][] {
  return requests.filter((r) => r.server === 'token').map((r) => new URL(r.path, 'http://token.invalid').searchParams.getAll('scope').sort());
}

const scopes = (...repositories: string[]): string[] => repositories.map((name) => `repository:${name}:pull`).sort();

describe('one token for the repositories of an admission (the real registry and token service)', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({ auth: 'token' });
    for (const repository of [...REPOSITORIES, 'team/batch', 'team/api']) {
      await registry.pushIndex(repository, '1', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]);
    }
    await registry.pushImage('team/single', '1', { os: 'linux', architecture: 'arm64' });
  });
  after(() => registry?.stop());

  test('a pod of three repositories: one token request with three scopes, then one manifest each', async () => {
    const resolver = instance(registry.host, registry.tokenHost ?? '');
    registry.clearRequests();
    await admit(resolver, REPOSITORIES.map((name) => `${registry.host}/${name}:1`));
    assert.deepEqual(tokenRequests(registry.requests), [scopes(...REPOSITORIES)]);
    const manifests = registry.requests.filter((r) => r.server === 'registry' && r.authorization === 'bearer');
    assert.equal(manifests.length, 3, 'every manifest GET carried the one token');
    assert.ok(manifests.every((r) => r.status === 200));

    registry.clearRequests();
    await admit(resolver, [...REPOSITORIES, 'team/batch', 'team/api', 'team/single'].map((name) => `${registry.host}/${name}:1`));
    assert.deepEqual(tokenRequests(registry.requests), [scopes('team/batch', 'team/api', 'team/single')], 'only the repositories without a token');
  });

  test('a repository the token does not grant (private, anonymous) is refused as before; the others resolve', async () => {
    await registry.pushIndex('private/secret', '1', [{ os: 'linux', architecture: 'amd64' }]);
    const resolver = instance(registry.host, registry.tokenHost ?? '');
    registry.clearRequests();
    const deadline = new Deadline(10_000);
    const result = await resolver.resolveAll([`${registry.host}/team/web:1`, `${registry.host}/private/secret:1`].map((image) => ({ image })), deadline);
    deadline.dispose();
    assert.equal(result.resolutions[0]?.ok, true);
    assert.equal(result.resolutions[1]?.ok, false);
    // The shared token did not grant private/secret; its own token did not either: one request each.
    assert.deepEqual(tokenRequests(registry.requests), [scopes('team/web', 'private/secret'), scopes('private/secret')]);
  });
});

describe('a token service that grants one scope per token', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({ auth: 'token', scopesPerToken: 'first' });
    for (const repository of [...REPOSITORIES, 'team/batch', 'team/api']) {
      await registry.pushIndex(repository, '1', [{ os: 'linux', architecture: 'amd64' }]);
    }
  });
  after(() => registry?.stop());

  test("its tokens' access claims show it: one token per repository, and from then on one request per repository", async () => {
    const resolver = instance(registry.host, registry.tokenHost ?? '');
    registry.clearRequests();
    await admit(resolver, REPOSITORIES.map((name) => `${registry.host}/${name}:1`));
    const first = tokenRequests(registry.requests);
    assert.equal(first.filter((asked) => asked.length === 3).length, 1, 'the admission asked once for all three');
    assert.equal(first.filter((asked) => asked.length === 1).length, 2, 'then alone for the two the token did not grant');
    assert.ok(registry.requests.filter((r) => r.server === 'registry' && r.authorization === 'bearer').every((r) => r.status === 200), 'no request with a token was refused');

    registry.clearRequests();
    await admit(resolver, ['team/batch', 'team/api'].map((name) => `${registry.host}/${name}:1`));
    assert.deepEqual(tokenRequests(registry.requests).sort(), [scopes('team/api'), scopes('team/batch')], 'one scope per request now');
  });
});

describe('opaque tokens (no access claims) that serve one repository only', () => {
  const servers: HostileServer[] = [];
  after(() => Promise.all(servers.map((server) => server.close())));

  const INDEX: Answer = {
    status: 200,
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
    body: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'2'.repeat(64)}`, size: 10, platform: { os: 'linux', architecture: 'arm64' } }] }),
  };

  test('a 401 on use shows it: that repository gets a token of its own, and later requests ask one scope each', async () => {
    // token `opaque-N` serves the first scope it was asked for only.
    const issued: string[] = [];
    const realm = await startHostileServer((request: SeenRequest) => {
      const asked = new URL(request.path, 'http://t.invalid').searchParams.getAll('scope');
      issued.push(asked[0] ?? '');
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: `opaque-${issued.length - 1}`, expires_in: 300 }) };
    });
    servers.push(realm);
    const registry = await startHostileServer((request: SeenRequest) => {
      const repository = /^\/v2\/(.+)\/manifests\//.exec(request.path)?.[1] ?? '';
      const token = /^Bearer opaque-(\d+)$/.exec(request.authorization ?? '')?.[1];
      if (token !== undefined && issued[Number(token)] === `repository:${repository}:pull`) return INDEX;
      return { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm.url}/token",service="opaque"` } };
    });
    servers.push(registry);

    const resolver = instance(registry.host, realm.host);
    await admit(resolver, REPOSITORIES.map((name) => `${registry.host}/${name}:1`));
    const asked = realm.requests.map((r) => new URL(r.path, 'http://t.invalid').searchParams.getAll('scope').length);
    assert.deepEqual(asked, [3, 1, 1], 'one request for the three, then one for each refused repository');

    realm.requests.length = 0;
    await admit(resolver, ['team/batch', 'team/api'].map((name) => `${registry.host}/${name}:1`));
    assert.deepEqual(realm.requests.map((r) => new URL(r.path, 'http://t.invalid').searchParams.getAll('scope').length), [1, 1]);
  });
});
