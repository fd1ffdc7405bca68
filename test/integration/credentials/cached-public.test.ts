// Pull secrets cost a Kubernetes round trip (and, on a cold instance, loading the Kubernetes client
// library): they are read only when the cache cannot answer. Real registries, the Kubernetes fake.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { createPodCredentials } from '../../../lib/credentials/pod-credentials.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { createKubeApi, type KubeApi } from '../../../lib/kube/kube-client.ts';
import { RegistryClient } from '../../../lib/registry/client.ts';
import { Resolver } from '../../../lib/resolver/resolver.ts';
import { basicAuth, startKubeFake, type KubeFake } from '../../support/kube-fake.ts';
import { startRegistry, type TestRegistry } from '../../support/registry/harness.ts';

const config = { digestTtlSeconds: 30 * 86400, tagTtlSeconds: 3600, negativeTtlSeconds: 60, staleTtlSeconds: 7 * 86400 };
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };

describe('pull secrets are read only on a cache miss', () => {
  let kube: KubeFake;
  let open: TestRegistry;
  let locked: TestRegistry;
  let resolver: Resolver;
  /** How often the Kubernetes client was asked for (where the library would be imported) and connected. */
  const counts = { gets: 0, connects: 0 };
  let kubeApi: KubeApi;

  before(async () => {
    [kube, open, locked] = await Promise.all([
      startKubeFake(),
      startRegistry(),
      startRegistry({ auth: 'basic', users: { alice: 'alice-pw' } }),
    ]);
    await open.pushIndex('library/web', '1.0', [AMD64, ARM64]);
    await locked.pushImage('team/api', '2', ARM64);
    kube.setPullSecret('shop', 'regcred', { [`http://${locked.host}`]: { auth: basicAuth('alice', 'alice-pw') } });
    kube.setPullSecret('rival', 'regcred', { [`http://${locked.host}`]: { auth: basicAuth('alice', 'not-her-password') } });
    kubeApi = createKubeApi(async () => {
      counts.connects += 1;
      return kube.connection();
    });
    const source = new RegistryClient({ insecureRegistries: [open.host, locked.host], privateRegistries: [] });
    resolver = new Resolver({ source, cache: new MemoryCache(100), config });
  });
  after(async () => {
    await Promise.all([kube?.close(), open?.stop(), locked?.stop()]);
  });

  async function admit(namespace: string, imagePullSecrets: string[], images: string[]) {
    const deadline = new Deadline(10_000);
    try {
      const credentials = createPodCredentials({
        kube: () => {
          counts.gets += 1;
          return Promise.resolve(kubeApi);
        },
        namespace,
        imagePullSecrets,
        deadline,
      });
      const result = await resolver.resolveAll(images.map((image) => ({ image })), deadline, { credentials });
      await result.pendingWrites;
      return result.resolutions.map((r) => (r.ok ? `${r.source}:${r.platforms.map((p) => p.architecture).join(',')}` : `failed:${r.error}`));
    } finally {
      deadline.dispose();
    }
  }

  test('a pod naming a pull secret, all images cached publicly: zero Kubernetes requests, client never asked for', async () => {
    const image = `${open.host}/library/web:1.0`;
    assert.deepEqual(await admit('default', [], [image]), ['registry:amd64,arm64']);
    open.clearRequests();
    kube.requests.length = 0;

    assert.deepEqual(await admit('shop', ['regcred'], [image, image]), ['memory:amd64,arm64', 'memory:amd64,arm64']);
    assert.equal(kube.requests.length, 0, 'Kubernetes API requests');
    assert.deepEqual(counts, { gets: 0, connects: 0 });
    assert.equal(open.requests.length, 0, 'registry requests');
  });

  test('a private image: one secret read on the miss, none once cached; another namespace\'s secret never answers', async () => {
    const image = `${locked.host}/team/api:2`;
    kube.requests.length = 0;
    locked.clearRequests();
    assert.deepEqual(await admit('shop', ['regcred'], [image]), ['registry:arm64']);
    assert.deepEqual(kube.requests.map((r) => r.path), ['/api/v1/namespaces/shop/secrets/regcred']);
    const missRegistryRequests = locked.requests.length;
    assert.ok(missRegistryRequests > 0);

    kube.requests.length = 0;
    locked.clearRequests();
    assert.deepEqual(await admit('shop', ['regcred'], [image]), ['memory:arm64']);
    assert.equal(kube.requests.length, 0);
    assert.equal(locked.requests.length, 0);

    const rival = await admit('rival', ['regcred'], [image]);
    assert.match(rival[0] ?? '', /^failed:.*401/, 'the same secret name in another namespace reads its own secret and is refused');
    assert.deepEqual(kube.requests.map((r) => r.path), ['/api/v1/namespaces/rival/secrets/regcred']);
    assert.ok(locked.requests.every((r) => r.identity !== 'alice' || r.status !== 200));
  });

  test('a cold process does not load @kubernetes/client-node for a pod whose images are cached, nor to read a pull secret', async () => {
    const probe = fileURLToPath(new URL('./cold-start-probe.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [probe], { timeout: 30_000 });
    const report = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(report, { first: 'registry', second: 'memory', loadedBefore: false, requestsBefore: 0, secretRead: true, loadedAfter: false });
  });
});
