// How many requests one image lookup may cost: nested indexes are followed two levels down and
// eight GETs at most (a hostile loopback registry lists 20,000), and every HTTP exchange takes one
// request from the admission's budget first (the real registry, and a registry that keeps failing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Deadline } from '../../../lib/deadline.ts';
import { parseReference } from '../../../lib/image/reference.ts';
import { RegistryClient, type LookupOptions, type RequestBudget, type Resolved } from '../../../lib/registry/client.ts';
import { platformKey } from '../../../lib/registry/platforms.ts';
import { startRegistry, type TestRegistry } from '../../support/registry/harness.ts';
import { failureOf, resolveWithin } from '../../support/registry/lookups.ts';
import { startHostileServer, type Answer, type HostileServer } from '../../support/registry/hostile-server.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const sha = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

interface Index {
  body: string;
  digest: string;
}

/** An index with one platform entry (`arch`, when given) and entries for `nested` indexes. */
function index(nested: Index[], arch?: string, salt = ''): Index {
  const manifests: unknown[] = nested.map((child) => ({ mediaType: OCI_INDEX, digest: child.digest, size: child.body.length }));
  if (arch) manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(`image ${arch}`), size: 1, platform: { os: 'linux', architecture: arch } });
  const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests, annotations: { salt } });
  return { body, digest: sha(body) };
}

const servers: HostileServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

/** A registry serving `top` as tag 1 and every index in `all` by digest. */
async function serveIndexes(top: Index, all: Index[]): Promise<HostileServer> {
  const byDigest = new Map(all.map((entry) => [entry.digest, entry.body]));
  const server = await startHostileServer((request): Answer => {
    const reference = request.path.split('/manifests/')[1] ?? '';
    const body = reference === '1' ? top.body : byDigest.get(reference);
    return body === undefined ? { status: 404 } : { status: 200, headers: { 'content-type': OCI_INDEX }, body };
  });
  servers.push(server);
  return server;
}

async function lookup(host: string, options: Partial<LookupOptions> = {}, allowed: string[] = [host]): Promise<Resolved> {
  const client = new RegistryClient({ insecureRegistries: allowed, privateRegistries: [], maxManifestBytes: 8 * 1024 * 1024 });
  return resolveWithin(client, `${host}/app:1`, options, 10_000);
}

describe('nested indexes', () => {
  test('an index listing 20,000 distinct nested indexes: not resolvable, after one GET', async () => {
    const children = Array.from({ length: 20_000 }, (_, i) => index([], 'amd64', String(i)));
    const top = index(children);
    const registry = await serveIndexes(top, children);
    const error = await failureOf(lookup(registry.host));
    assert.equal(error.kind, 'invalid-manifest');
    assert.equal(error.message, `the image index for ${registry.host}/app:1 nests more than 8 indexes`);
    assert.equal(registry.requests.length, 1);
  });

  test('the same nested index listed 20,000 times is fetched once', async () => {
    const child = index([], 'arm64');
    const registry = await serveIndexes({ ...index([]), body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: Array(20_000).fill({ mediaType: OCI_INDEX, digest: child.digest, size: child.body.length }) }) }, [child]);
    const result = await lookup(registry.host);
    assert.deepEqual(result.platforms.map(platformKey), ['linux/arm64']);
    assert.equal(registry.requests.length, 2);
  });

  test('eight nested indexes are followed', async () => {
    const children = ['amd64', 'arm64', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le', 'loong64'].map((arch) => index([], arch));
    const registry = await serveIndexes(index(children), children);
    const result = await lookup(registry.host);
    assert.equal(result.platforms.length, 8);
    assert.equal(registry.requests.length, 9);
  });

  test('the limit counts every level: 4 nested indexes nesting 2 each is more than 8', async () => {
    const grandchildren = Array.from({ length: 8 }, (_, i) => index([], 'arm64', `g${i}`));
    const children = Array.from({ length: 4 }, (_, i) => index(grandchildren.slice(2 * i, 2 * i + 2), 'amd64', `c${i}`));
    const registry = await serveIndexes(index(children), [...children, ...grandchildren]);
    const error = await failureOf(lookup(registry.host));
    assert.match(error.message, /nests more than 8 indexes$/);
    assert.equal(registry.requests.length, 5, 'the top and the first level only');
  });

  test('followed two levels below the top, no deeper', async () => {
    const third = index([], 's390x');
    const second = index([third], 'arm64');
    const first = index([second], 'amd64');
    const registry = await serveIndexes(index([first]), [first, second, third]);
    const result = await lookup(registry.host);
    assert.deepEqual(result.platforms.map(platformKey), ['linux/amd64', 'linux/arm64']);
    assert.equal(registry.requests.length, 3);
  });
});

/** A budget of `limit` requests that records who asked. */
function budgetOf(limit: number): RequestBudget & { taken: string[] } {
  const taken: string[] = [];
  return {
    taken,
    take(registry: string): boolean {
      if (taken.length >= limit) return false;
      taken.push(registry);
      return true;
    },
  };
}

describe('the request budget', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({ auth: 'token' });
    await registry.pushIndex('public/multi', '1', [{ os: 'linux', architecture: 'amd64' }]);
  });
  after(() => registry.stop());
  const hosts = (): string[] => [registry.host, registry.tokenHost ?? ''];

  test('every exchange, token request included, takes one request for the image\'s registry', async () => {
    registry.clearRequests();
    const budget = budgetOf(10);
    const client = new RegistryClient({ insecureRegistries: hosts(), privateRegistries: [] });
    const deadline = new Deadline(5000);
    await client.resolve(parseReference(`${registry.host}/public/multi:1`), { deadline, budget }).finally(() => deadline.dispose());
    assert.deepEqual(budget.taken, [registry.host, registry.host, registry.host]);
    assert.equal(registry.requests.length, 3, '401, token, manifest');
  });

  test('an exhausted budget stops the lookup before the next request', async () => {
    registry.clearRequests();
    const client = new RegistryClient({ insecureRegistries: hosts(), privateRegistries: [] });
    const deadline = new Deadline(5000);
    const error = await failureOf(client.resolve(parseReference(`${registry.host}/public/multi:1`), { deadline, budget: budgetOf(2) }).finally(() => deadline.dispose()));
    assert.equal(error.kind, 'budget');
    assert.equal(error.message, `too many registry requests for this pod (limit reached for ${registry.host})`);
    assert.deepEqual(
      registry.requests.map((r) => `${r.server} ${r.status}`),
      ['registry 401', 'token 200'],
    );
  });

  test('retries spend the budget too', async () => {
    const failing = await startHostileServer(() => ({ status: 503 }));
    servers.push(failing);
    const client = new RegistryClient({ insecureRegistries: [failing.host], privateRegistries: [], retryPolicy: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 1 } });
    const deadline = new Deadline(5000);
    const error = await failureOf(client.resolve(parseReference(`${failing.host}/app:1`), { deadline, budget: budgetOf(2) }).finally(() => deadline.dispose()));
    assert.equal(error.kind, 'budget');
    assert.equal(failing.requests.length, 2);
  });
});
