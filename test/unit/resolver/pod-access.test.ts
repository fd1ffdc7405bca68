// The resolver with real per-pod credentials (createPodCredentials) over a Kubernetes stub: which
// cache keys are read, when the Kubernetes API is touched, and which pods may read which answers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlatformCache } from '../../../lib/cache/cache.ts';
import type { CacheEntry, CacheHit } from '../../../lib/cache/entry.ts';
import { MemoryCache } from '../../../lib/cache/memory.ts';
import { TieredCache } from '../../../lib/cache/tiered.ts';
import { EcrCredentials } from '../../../lib/credentials/ecr.ts';
import { createPodCredentials, type PodCredentials } from '../../../lib/credentials/pod-credentials.ts';
import { pullSecretScope, serviceAccountScope } from '../../../lib/credentials/scope.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { KubeError, type KubeApi, type KubeSecret } from '../../../lib/kube/kube-client.ts';
import { Resolver } from '../../../lib/resolver/resolver.ts';
import type { ImageResolution } from '../../../lib/types.ts';
import { FakeRegistryError, FakeSource, linux } from './fake-source.ts';

const config = { digestTtlSeconds: 30 * 86400, tagTtlSeconds: 3600, negativeTtlSeconds: 60, staleTtlSeconds: 7 * 86400 };
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const pullSecret = (auths: Record<string, { username: string; password: string }>): KubeSecret => ({
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
});

/** The Kubernetes API as the pod credentials see it: every call and every client load counted. */
class KubeStub {
  readonly secrets = new Map<string, KubeSecret>();
  readonly accounts = new Map<string, string[]>();
  readonly calls: string[] = [];
  clientLoads = 0;
  readonly api: KubeApi = {
    getSecret: async (namespace, name) => {
      this.calls.push(`secret ${namespace}/${name}`);
      const secret = this.secrets.get(`${namespace}/${name}`);
      if (!secret) throw new KubeError(404, 'NotFound', `secret ${namespace}/${name}: NotFound (HTTP 404)`);
      return secret;
    },
    getServiceAccount: async (namespace, name) => {
      this.calls.push(`serviceaccount ${namespace}/${name}`);
      const names = this.accounts.get(`${namespace}/${name}`);
      if (!names) throw new KubeError(404, 'NotFound', 'not found');
      return { imagePullSecrets: names };
    },
    listNodes: () => Promise.reject(new Error('unused')),
  };
  /** Stands for createKubeAccess().get: where @kubernetes/client-node would be imported. */
  readonly get = (): Promise<KubeApi> => {
    this.clientLoads += 1;
    return Promise.resolve(this.api);
  };
}

/** Stands for DynamoDB: counts what reaches the shared tier; its hits report tier `dynamodb`. */
class CountingTier implements PlatformCache {
  readonly inner = new MemoryCache(1000);
  readonly reads: string[][] = [];
  readonly writes: string[] = [];
  async getMany(keys: string[]): Promise<Map<string, CacheHit>> {
    this.reads.push(keys);
    const hits = await this.inner.getMany(keys);
    return new Map([...hits].map(([key, hit]) => [key, { ...hit, tier: 'dynamodb' as const }]));
  }
  putMany(items: Array<[string, CacheEntry]>): Promise<void> {
    this.writes.push(...items.map(([key]) => key));
    return this.inner.putMany(items);
  }
  health(): ReturnType<PlatformCache['health']> {
    return this.inner.health();
  }
}

interface PodSpec {
  namespace: string;
  imagePullSecrets?: string[];
  serviceAccountName?: string;
  ecr?: EcrCredentials;
}

function world() {
  const kube = new KubeStub();
  const source = new FakeSource();
  const shared = new CountingTier();
  /** A fresh Lambda instance: own memory, the shared tier. */
  const instance = () => new Resolver({ source, cache: new TieredCache(new MemoryCache(1000), shared), config });
  const admit = async (resolver: Resolver, pod: PodSpec, images: string[]) => {
    const deadline = new Deadline(2000);
    try {
      const credentials: PodCredentials = createPodCredentials({ kube: kube.get, deadline, ...pod });
      const result = await resolver.resolveAll(images.map((image) => ({ image })), deadline, { credentials });
      await result.pendingWrites;
      return { ...result, credentialWarnings: credentials.warnings };
    } finally {
      deadline.dispose();
    }
  };
  return { kube, source, shared, instance, admit };
}

function archs(resolution: ImageResolution | undefined): string {
  assert.ok(resolution?.ok, `expected a resolution, got ${JSON.stringify(resolution)}`);
  return resolution.platforms.map((p) => p.architecture).join(',');
}

const PRIVATE = 'ghcr.io/acme/private';

describe('pull secrets are read only when the cache cannot answer', () => {
  test('a pod naming pull secrets whose images are cached publicly: zero Kubernetes calls, client never loaded', async () => {
    const { kube, source, shared, instance, admit } = world();
    kube.secrets.set('shop/ghcr', pullSecret({ 'ghcr.io': { username: 'bot', password: 'pw' } }));
    source.push('docker.io/library/nginx', 'latest', [linux('amd64'), linux('arm64')]);
    source.push('docker.io/library/redis', '7', [linux('amd64')]);
    await admit(instance(), { namespace: 'other' }, ['nginx', 'redis:7']);
    assert.equal(kube.clientLoads, 0, 'public images, no secrets named: the client is not even loaded');

    shared.reads.length = 0;
    const cold = instance();
    const result = await admit(cold, { namespace: 'shop', imagePullSecrets: ['ghcr'] }, ['nginx', 'redis:7']);
    assert.deepEqual(result.resolutions.map(archs), ['amd64,arm64', 'amd64']);
    assert.deepEqual(kube.calls, []);
    assert.equal(kube.clientLoads, 0);
    assert.equal(source.resolveCalls.length, 2, 'answered from the shared tier, not the registry');
    assert.equal(shared.reads.length, 1, 'one shared-tier read for the whole pod');
    const scope = pullSecretScope('shop', ['ghcr']);
    assert.deepEqual(shared.reads[0]?.sort(), [
      'tag#docker.io/library/nginx:latest',
      `tag#docker.io/library/nginx:latest#${scope}`,
      'tag#docker.io/library/redis:7',
      `tag#docker.io/library/redis:7#${scope}`,
    ]);

    // Warm: the shared answers were copied under the pod's scope, so memory answers every key.
    shared.reads.length = 0;
    await admit(cold, { namespace: 'shop', imagePullSecrets: ['ghcr'] }, ['nginx', 'redis:7']);
    assert.deepEqual(shared.reads, [], 'all in memory: no shared-tier read at all');
    assert.deepEqual(kube.calls, []);
  });

  test('a private image: secrets read on the miss, then the scoped entry answers the same scope with no Kubernetes call', async () => {
    const { kube, source, shared, instance, admit } = world();
    kube.secrets.set('shop/ghcr', pullSecret({ 'ghcr.io': { username: 'bot', password: 'shop-pw' } }));
    source.push(PRIVATE, '1', [linux('arm64')]);
    source.protectedRepositories.set(PRIVATE, 'shop-pw');

    const first = await admit(instance(), { namespace: 'shop', imagePullSecrets: ['ghcr'] }, [`${PRIVATE}:1`]);
    assert.equal(archs(first.resolutions[0]), 'arm64');
    assert.deepEqual(kube.calls, ['secret shop/ghcr']);
    const scope = pullSecretScope('shop', ['ghcr']);
    assert.ok(shared.writes.includes(`tag#${PRIVATE}:1#${scope}`));
    assert.ok(!shared.writes.includes(`tag#${PRIVATE}:1`), 'a credentialed answer is never written under the shared key');

    kube.calls.length = 0;
    const again = await admit(instance(), { namespace: 'shop', imagePullSecrets: ['ghcr'] }, [`${PRIVATE}:1`]);
    assert.equal(again.resolutions[0]?.ok && again.resolutions[0].source, 'dynamodb');
    assert.deepEqual(kube.calls, []);
    assert.equal(source.resolveCalls.length, 1);
  });

  test('tenant isolation: another namespace, other secret names, or no secrets never read the scoped answer', async () => {
    const { kube, source, instance, admit } = world();
    kube.secrets.set('shop/ghcr', pullSecret({ 'ghcr.io': { username: 'bot', password: 'shop-pw' } }));
    kube.secrets.set('rival/ghcr', pullSecret({ 'ghcr.io': { username: 'bot', password: 'wrong-pw' } }));
    kube.secrets.set('shop/other', pullSecret({ 'ghcr.io': { username: 'bot', password: 'wrong-pw' } }));
    source.push(PRIVATE, '1', [linux('arm64')]);
    source.protectedRepositories.set(PRIVATE, 'shop-pw');
    const resolver = instance();
    await admit(resolver, { namespace: 'shop', imagePullSecrets: ['ghcr'] }, [`${PRIVATE}:1`]);
    assert.equal(source.resolveCalls.length, 1);

    for (const pod of [
      { namespace: 'rival', imagePullSecrets: ['ghcr'] },
      { namespace: 'shop', imagePullSecrets: ['other'] },
      { namespace: 'shop', imagePullSecrets: ['ghcr', 'other'] },
      { namespace: 'rival' },
    ]) {
      const calls = source.resolveCalls.length;
      const result = await admit(resolver, pod, [`${PRIVATE}:1`]);
      const answer = result.resolutions[0];
      assert.ok(answer && (!answer.ok || answer.source === 'registry'), `${JSON.stringify(pod)} got ${JSON.stringify(answer)}`);
      assert.ok(source.resolveCalls.length > calls, `${JSON.stringify(pod)} asked the registry itself`);
    }
    const rival = await admit(resolver, { namespace: 'rival', imagePullSecrets: ['ghcr'] }, [`${PRIVATE}:1`]);
    assert.ok(rival.resolutions[0] && !rival.resolutions[0].ok, 'a wrong secret stays refused, also from the cache');
  });

  test('no credential matches the registry: the anonymous answer is shared with every pod', async () => {
    const { kube, source, instance, admit } = world();
    kube.secrets.set('shop/quay', pullSecret({ 'quay.io': { username: 'bot', password: 'pw' } }));
    source.push('ghcr.io/acme/public', '1', [linux('amd64')]);
    await admit(instance(), { namespace: 'shop', imagePullSecrets: ['quay'] }, ['ghcr.io/acme/public:1']);
    assert.deepEqual(kube.calls, ['secret shop/quay']);
    assert.deepEqual(source.seenCredentials, [[]]);

    kube.calls.length = 0;
    const other = await admit(instance(), { namespace: 'elsewhere' }, ['ghcr.io/acme/public:1']);
    assert.equal(other.resolutions[0]?.ok && other.resolutions[0].source, 'dynamodb');
    assert.equal(source.resolveCalls.length, 1);
    assert.deepEqual(kube.calls, []);
  });
});

describe('pods naming no pull secrets', () => {
  test('anonymous answers never touch the service account', async () => {
    const { kube, source, instance, admit } = world();
    source.push('docker.io/library/nginx', 'latest', [linux('amd64')]);
    await admit(instance(), { namespace: 'shop', serviceAccountName: 'builder' }, ['nginx']);
    assert.deepEqual(kube.calls, []);
    assert.equal(kube.clientLoads, 0);
  });

  test('refused anonymously: the service account\'s secrets are tried; the answer is kept for that account only', async () => {
    const { kube, source, shared, instance, admit } = world();
    kube.accounts.set('shop/builder', ['ghcr']);
    kube.secrets.set('shop/ghcr', pullSecret({ 'ghcr.io': { username: 'bot', password: 'shop-pw' } }));
    source.push(PRIVATE, '1', [linux('arm64')]);
    source.protectedRepositories.set(PRIVATE, 'shop-pw');
    const pod = { namespace: 'shop', serviceAccountName: 'builder' };

    const first = await admit(instance(), pod, [`${PRIVATE}:1`]);
    assert.equal(archs(first.resolutions[0]), 'arm64');
    assert.deepEqual(kube.calls, ['serviceaccount shop/builder', 'secret shop/ghcr']);
    assert.deepEqual(source.seenCredentials.map((c) => c?.length), [0, 1], 'anonymous first, then the account\'s credential');
    assert.ok(shared.writes.includes(`tag#${PRIVATE}:1#${serviceAccountScope('shop', 'builder')}`));

    kube.calls.length = 0;
    shared.reads.length = 0;
    const again = await admit(instance(), pod, [`${PRIVATE}:1`]);
    assert.equal(again.resolutions[0]?.ok && again.resolutions[0].source, 'dynamodb');
    assert.deepEqual(kube.calls, [], 'the account scope is known without reading the account');
    assert.equal(shared.reads.length, 2, 'the account key is read only after the shared key said "refused"');
    assert.equal(source.resolveCalls.length, 2);

    const stranger = await admit(instance(), { namespace: 'shop', serviceAccountName: 'default' }, [`${PRIVATE}:1`]);
    assert.ok(stranger.resolutions[0] && !stranger.resolutions[0].ok, 'another account does not read it');
  });

  test('a registry that is down is not a refusal: the service account is not read', async () => {
    const { kube, source, instance, admit } = world();
    kube.accounts.set('shop/default', ['ghcr']);
    source.failure = new FakeRegistryError('server', 'registry ghcr.io answered 503: service unavailable');
    const result = await admit(instance(), { namespace: 'shop' }, ['ghcr.io/acme/app:1']);
    assert.ok(result.resolutions[0] && !result.resolutions[0].ok);
    assert.deepEqual(kube.calls, []);
  });
});

describe('ECR', () => {
  const host = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
  const ecrImage = `${host}/team/api:3`;

  test('IAM answers are shared by every pod, whatever secrets it names, without reading them', async () => {
    const { kube, source, instance, admit } = world();
    let tokens = 0;
    const ecr = new EcrCredentials({
      getAuthorizationToken: async () => {
        tokens += 1;
        return { authorizationToken: b64('AWS:iam-pw'), expiresAt: new Date(Date.now() + 3600_000) };
      },
    });
    source.push(`${host}/team/api`, '3', [linux('arm64')]);
    source.protectedRepositories.set(`${host}/team/api`, 'iam-pw');
    kube.secrets.set('shop/ecr', pullSecret({ [host]: { username: 'AWS', password: 'static' } }));

    const first = await admit(instance(), { namespace: 'shop', imagePullSecrets: ['ecr'], ecr }, [ecrImage]);
    assert.equal(archs(first.resolutions[0]), 'arm64');
    assert.equal(tokens, 1);
    assert.deepEqual(kube.calls, [], 'IAM worked: the pod\'s ECR secret was not needed');

    const other = await admit(instance(), { namespace: 'rival', ecr }, [ecrImage]);
    assert.equal(other.resolutions[0]?.ok && other.resolutions[0].source, 'dynamodb');
    assert.equal(source.resolveCalls.length, 1);
  });

  test('IAM refused: the pod\'s own ECR secret answers, scoped to that pod', async () => {
    const { kube, source, shared, instance, admit } = world();
    const ecr = new EcrCredentials({
      getAuthorizationToken: async () => ({ authorizationToken: b64('AWS:iam-pw'), expiresAt: new Date(Date.now() + 3600_000) }),
    });
    source.push(`${host}/team/api`, '3', [linux('arm64')]);
    source.protectedRepositories.set(`${host}/team/api`, 'static');
    kube.secrets.set('shop/ecr', pullSecret({ [host]: { username: 'AWS', password: 'static' } }));

    const first = await admit(instance(), { namespace: 'shop', imagePullSecrets: ['ecr'], ecr }, [ecrImage]);
    assert.equal(archs(first.resolutions[0]), 'arm64');
    assert.ok(shared.writes.includes(`tag#${host}/team/api:3#${pullSecretScope('shop', ['ecr'])}`));
    const rival = await admit(instance(), { namespace: 'rival', ecr }, [ecrImage]);
    assert.ok(rival.resolutions[0] && !rival.resolutions[0].ok);
  });
});
