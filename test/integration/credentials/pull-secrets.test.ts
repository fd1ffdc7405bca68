// Private images end to end: pull secrets served by the Kubernetes fake, matched by the keyring and
// presented by the registry client to the real registry (htpasswd Basic and Bearer token auth), plus
// ECR IAM tokens from the ECR fake (through the SDK's AWS_ENDPOINT_URL_ECR override).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPodCredentials } from '../../../lib/credentials/pod-credentials.ts';
import { EcrCredentials } from '../../../lib/credentials/ecr.ts';
import { createKubeApi, type KubeApi } from '../../../lib/kube/kube-client.ts';
import { parseReference } from '../../../lib/image/reference.ts';
import { RegistryClient } from '../../../lib/registry/client.ts';
import { Deadline } from '../../../lib/deadline.ts';
import { startRegistry, type TestRegistry } from '../../support/registry/harness.ts';
import { basicAuth, startKubeFake, type KubeFake } from '../../support/kube-fake.ts';
import { startEcrFake, type EcrFake } from '../../support/ecr-fake.ts';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };

describe('pull secrets against the real registry', () => {
  let kube: KubeFake;
  let kubeApi: KubeApi;
  let basic: TestRegistry;
  let token: TestRegistry;
  let client: RegistryClient;

  before(async () => {
    [kube, basic, token] = await Promise.all([
      startKubeFake(),
      startRegistry({ auth: 'basic', users: { alice: 'alice-basic-pw' } }),
      startRegistry({ auth: 'token', users: { bob: 'bob-token-pw' } }),
    ]);
    kubeApi = createKubeApi(async () => kube.connection());
    await basic.pushIndex('team/app', '1.0', [AMD64, ARM64]);
    await token.pushImage('private/tool', 'v2', ARM64);
    client = new RegistryClient({ insecureRegistries: [basic.host, token.host, token.tokenHost ?? ''], privateRegistries: [] });
    kube.setPullSecret('shop', 'basic-cred', { [`http://${basic.host}`]: { auth: basicAuth('alice', 'alice-basic-pw') } });
    kube.setPullSecret('shop', 'token-cred', { [token.host]: { username: 'bob', password: 'bob-token-pw' } });
  });
  after(async () => {
    await Promise.all([kube?.close(), basic?.stop(), token?.stop()]);
  });

  async function resolveFor(pod: ReturnType<typeof createPodCredentials>, image: string, deadline: Deadline): Promise<string[]> {
    const ref = parseReference(image);
    const credentials = await pod.credentialsFor(ref.registry, ref.repository);
    const resolved = await client.resolve(ref, { deadline, credentials });
    return resolved.platforms.map((p) => p.architecture).sort();
  }

  test('htpasswd Basic: the pod\'s imagePullSecret opens the repository', async () => {
    const deadline = new Deadline(10_000);
    const pod = createPodCredentials({ kube: kubeApi, namespace: 'shop', imagePullSecrets: ['basic-cred'], deadline });
    assert.deepEqual(await resolveFor(pod, `${basic.host}/team/app:1.0`, deadline), ['amd64', 'arm64']);
    assert.ok(basic.requests.some((r) => r.authorization === 'basic' && r.identity === 'alice' && r.status === 200));
    assert.deepEqual(pod.warnings, []);
    deadline.dispose();
  });

  test('Bearer token auth: the secret is exchanged at the token service for a token the registry accepts', async () => {
    const deadline = new Deadline(10_000);
    const pod = createPodCredentials({ kube: kubeApi, namespace: 'shop', imagePullSecrets: ['token-cred'], deadline });
    assert.deepEqual(await resolveFor(pod, `${token.host}/private/tool:v2`, deadline), ['arm64']);
    assert.ok(token.requests.some((r) => r.server === 'token' && r.identity === 'bob'));
    assert.ok(token.requests.some((r) => r.server === 'registry' && r.authorization === 'bearer' && r.identity === 'bob' && r.status === 200));
    deadline.dispose();
  });

  test('the service account\'s secrets are used when the pod names none', async () => {
    kube.setServiceAccount('shop', 'deployer', ['basic-cred']);
    const deadline = new Deadline(10_000);
    const pod = createPodCredentials({ kube: kubeApi, namespace: 'shop', serviceAccountName: 'deployer', deadline });
    assert.deepEqual(await resolveFor(pod, `${basic.host}/team/app:1.0`, deadline), ['amd64', 'arm64']);
    assert.ok(kube.requests.some((r) => r.path === '/api/v1/namespaces/shop/serviceaccounts/deployer'));
    deadline.dispose();
  });

  test('a missing secret is a warning and the lookup goes on anonymously (and is refused)', async () => {
    const deadline = new Deadline(10_000);
    const pod = createPodCredentials({ kube: kubeApi, namespace: 'shop', imagePullSecrets: ['regcred'], deadline });
    basic.clearRequests();
    await assert.rejects(resolveFor(pod, `${basic.host}/team/app:1.0`, deadline), { name: 'RegistryError' });
    assert.deepEqual(pod.warnings, ['pull secret shop/regcred not found; resolving anonymously']);
    assert.ok(basic.requests.every((r) => r.authorization === 'none'));
    deadline.dispose();
  });

  test('two registries, two secrets: neither credential ever reaches the other registry', async () => {
    basic.clearRequests();
    token.clearRequests();
    const deadline = new Deadline(10_000);
    const pod = createPodCredentials({ kube: kubeApi, namespace: 'shop', imagePullSecrets: ['basic-cred', 'token-cred'], deadline });
    const [a, b] = await Promise.all([
      resolveFor(pod, `${basic.host}/team/app:1.0`, deadline),
      resolveFor(pod, `${token.host}/private/tool:v2`, deadline),
    ]);
    assert.deepEqual([a, b], [['amd64', 'arm64'], ['arm64']]);
    const basicIdentities = new Set(basic.requests.map((r) => r.identity).filter(Boolean));
    const tokenIdentities = new Set(token.requests.map((r) => r.identity).filter(Boolean));
    assert.deepEqual([...basicIdentities], ['alice']);
    assert.ok(!tokenIdentities.has('alice'), `token registry saw ${[...tokenIdentities].join(', ')}`);
    assert.ok(tokenIdentities.has('bob'));
    deadline.dispose();
  });
});

describe('Google-style registry users (GCR, Artifact Registry) against a token-auth registry', () => {
  // A service-account key as `gcloud` writes it: JSON with quotes, colons and newlines, used whole as
  // the password of user `_json_key`; and a short-lived access token for user `oauth2accesstoken`.
  const jsonKey = JSON.stringify({
    type: 'service_account',
    project_id: 'archy-test',
    private_key_id: '0123456789abcdef',
    private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC:made:up==\n-----END PRIVATE KEY-----\n',
    client_email: 'puller@archy-test.iam.gserviceaccount.com',
    token_uri: 'https://oauth2.googleapis.com/token',
  }, null, 2);
  const accessToken = 'ya29.a0AfB_byC-made-up-access-token_0123456789';
  let kube: KubeFake;
  let registry: TestRegistry;
  let client: RegistryClient;

  before(async () => {
    [kube, registry] = await Promise.all([
      startKubeFake(),
      startRegistry({ auth: 'token', users: { _json_key: jsonKey, oauth2accesstoken: accessToken } }),
    ]);
    await registry.pushIndex('private/gar-app', '7', [AMD64, ARM64]);
    client = new RegistryClient({ insecureRegistries: [registry.host, registry.tokenHost ?? ''], privateRegistries: [] });
    // `auth` is base64 of user:password; the password itself is full of colons.
    kube.setPullSecret('gcp', 'json-key', { [`https://${registry.host}`]: { auth: basicAuth('_json_key', jsonKey) } });
    kube.setPullSecret('gcp', 'access-token', { [registry.host]: { username: 'oauth2accesstoken', password: accessToken } });
  });
  after(async () => {
    await Promise.all([kube?.close(), registry?.stop()]);
  });

  for (const [secret, user] of [['json-key', '_json_key'], ['access-token', 'oauth2accesstoken']] as const) {
    test(`${user}: the secret's password, colons and all, opens the repository`, async () => {
      const deadline = new Deadline(10_000);
      const pod = createPodCredentials({ kube: createKubeApi(async () => kube.connection()), namespace: 'gcp', imagePullSecrets: [secret], deadline });
      const ref = parseReference(`${registry.host}/private/gar-app:7`);
      const resolved = await client.resolve(ref, { deadline, credentials: await pod.credentialsFor(ref.registry, ref.repository) });
      assert.deepEqual(resolved.platforms.map((p) => p.architecture).sort(), ['amd64', 'arm64']);
      assert.ok(registry.requests.some((r) => r.server === 'token' && r.identity === user));
      assert.deepEqual(pod.warnings, []);
      deadline.dispose();
    });
  }
});

describe('ECR IAM tokens against the real registry', () => {
  const ecrHost = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
  const saved: Record<string, string | undefined> = {};
  let ecrFake: EcrFake;
  let registry: TestRegistry;

  before(async () => {
    ecrFake = await startEcrFake({ password: 'ecr-issued-password', expiresInSeconds: 3600 });
    registry = await startRegistry({ auth: 'basic', users: { AWS: 'ecr-issued-password' } });
    await registry.pushImage('team/api', '3', ARM64);
    const env = { AWS_ENDPOINT_URL_ECR: ecrFake.url, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_REGION: 'us-east-1' };
    for (const [key, value] of Object.entries(env)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  });
  after(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await Promise.all([ecrFake?.close(), registry?.stop()]);
  });

  test('the SDK reaches the fake; the token\'s password is accepted as Basic AWS:<password>; reused until near expiry', async () => {
    let offset = 0;
    const ecr = new EcrCredentials({ now: () => Date.now() + offset });
    const client = new RegistryClient({ insecureRegistries: [registry.host], privateRegistries: [] });
    const deadline = new Deadline(10_000);

    const credential = await ecr.credentialFor(ecrHost, deadline.signal);
    assert.equal(ecrFake.calls.length, 1);
    assert.equal(ecrFake.calls[0]?.target, 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
    assert.deepEqual(ecrFake.calls[0]?.registryIds, ['123456789012']);
    assert.equal(ecrFake.calls[0]?.region, 'us-east-1');
    assert.ok(credential);

    const resolved = await client.resolve(parseReference(`${registry.host}/team/api:3`), { deadline, credentials: [credential] });
    assert.deepEqual(resolved.platforms.map((p) => p.architecture), ['arm64']);
    assert.ok(registry.requests.some((r) => r.authorization === 'basic' && r.identity === 'AWS' && r.status === 200));

    await Promise.all([ecr.credentialFor(ecrHost), ecr.credentialFor(ecrHost)]);
    offset = 50 * 60_000;
    await ecr.credentialFor(ecrHost);
    assert.equal(ecrFake.calls.length, 1, 'still 10 minutes left: reused');
    offset = 56 * 60_000;
    ecrFake.password = 'rotated-password';
    const renewed = await ecr.credentialFor(ecrHost);
    assert.equal(ecrFake.calls.length, 2, 'under 5 minutes left: renewed');
    assert.ok(renewed?.kind === 'basic' && renewed.password === 'rotated-password');
    deadline.dispose();
  });

  test('a refusal from ECR names the account and region, never a token', async () => {
    ecrFake.failWith = 'AccessDeniedException';
    const ecr = new EcrCredentials();
    await assert.rejects(ecr.credentialFor('999988887777.dkr.ecr.us-east-1.amazonaws.com'), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /999988887777 in us-east-1 failed \(AccessDeniedException/);
      assert.ok(!error.message.includes('password'));
      return true;
    });
    ecrFake.failWith = undefined;
  });
});
