// The client against a real registry (docker-registry 2.8) with no auth, htpasswd and token auth.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadline } from '../../../lib/deadline.ts';
import { parseReference } from '../../../lib/image/reference.ts';
import { RegistryClient, type RegistryError, type Resolved } from '../../../lib/registry/client.ts';
import { linuxArchitectures, platformKey } from '../../../lib/registry/platforms.ts';
import type { RegistryCredential } from '../../../lib/types.ts';
import { startRegistry, type TestRegistry } from '../../support/registry/harness.ts';
import { failureOf as failureOfLookup, resolveWithin } from '../../support/registry/lookups.ts';

const ALICE_PASSWORD = 'alice-wonderland-pw';
const alice: RegistryCredential = { kind: 'basic', username: 'alice', password: ALICE_PASSWORD, identity: 'id-alice' };
const wrongAlice: RegistryCredential = { kind: 'basic', username: 'alice', password: 'not-her-password', identity: 'id-wrong' };
const LINUX_AMD64 = { os: 'linux', architecture: 'amd64' };
const LINUX_ARM64 = { os: 'linux', architecture: 'arm64' };
const LINUX_ARM_V7 = { os: 'linux', architecture: 'arm', variant: 'v7' };

function resolveWith(client: RegistryClient, image: string, credentials?: RegistryCredential[]): Promise<Resolved> {
  return resolveWithin(client, image, credentials ? { credentials } : {});
}

async function failureOf(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await failureOfLookup(promise);
  assert.ok(!error.message.includes(ALICE_PASSWORD) && !error.message.includes('not-her-password'));
  return error;
}

/** The registry and, with token auth, its token service (another port: listed on its own). */
function clientFor(registry: TestRegistry): RegistryClient {
  return new RegistryClient({ insecureRegistries: [registry.host, ...(registry.tokenHost ? [registry.tokenHost] : [])], privateRegistries: [] });
}

const summary = (registry: TestRegistry): string[] =>
  registry.requests.map((r) => `${r.server} ${r.method} ${r.path.replace(/sha256:[a-f0-9]{64}/, 'DIGEST').replace(/\?.*/, '')} ${r.status}`);

describe('anonymous registry', () => {
  let registry: TestRegistry;
  let digests: Record<string, string>;
  before(async () => {
    registry = await startRegistry({ auth: 'none' });
    digests = {
      oci: await registry.pushIndex('multi/oci', '1', [LINUX_AMD64, LINUX_ARM64, LINUX_ARM_V7], { format: 'oci' }),
      docker: await registry.pushIndex('multi/docker', '1', [LINUX_AMD64, LINUX_ARM64], { format: 'docker' }),
      attest: await registry.pushIndex('multi/attest', '1', [LINUX_AMD64, LINUX_ARM64], { attestations: true }),
      nested: await registry.pushIndex('multi/nested', '1', [LINUX_ARM64, { os: 'linux', architecture: 's390x' }], { nestedIndex: true }),
      ociSingle: await registry.pushImage('single/oci', '1', { ...LINUX_ARM_V7, format: 'oci' }),
      dockerSingle: await registry.pushImage('single/docker', '1', { ...LINUX_ARM64, format: 'docker' }),
    };
  });
  after(() => registry.stop());

  test('OCI index: platforms from ONE manifest GET, no child manifests', async () => {
    registry.clearRequests();
    const result = await resolveWith(clientFor(registry), `${registry.host}/multi/oci:1`);
    assert.deepEqual(result.platforms.map(platformKey), ['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    assert.equal(result.digest, digests.oci);
    assert.equal(result.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(summary(registry), ['registry GET /v2/multi/oci/manifests/1 200']);
  });

  test('Docker manifest list: one GET', async () => {
    registry.clearRequests();
    const result = await resolveWith(clientFor(registry), `${registry.host}/multi/docker:1`);
    assert.deepEqual(linuxArchitectures(result.platforms), ['amd64', 'arm64']);
    assert.equal(result.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.equal(registry.requests.length, 1);
  });

  test('attestation entries of a buildx-style index are not platforms', async () => {
    const result = await resolveWith(clientFor(registry), `${registry.host}/multi/attest:1`);
    assert.deepEqual(result.platforms.map(platformKey), ['linux/amd64', 'linux/arm64']);
  });

  test('a nested index without platform is followed by digest (2 GETs)', async () => {
    registry.clearRequests();
    const result = await resolveWith(clientFor(registry), `${registry.host}/multi/nested:1`);
    assert.deepEqual(result.platforms.map(platformKey), ['linux/arm64', 'linux/s390x']);
    assert.deepEqual(summary(registry), ['registry GET /v2/multi/nested/manifests/1 200', 'registry GET /v2/multi/nested/manifests/DIGEST 200']);
  });

  test('single-arch OCI and Docker manifests: manifest GET + one config blob GET', async () => {
    registry.clearRequests();
    const client = clientFor(registry);
    const oci = await resolveWith(client, `${registry.host}/single/oci:1`);
    const docker = await resolveWith(client, `${registry.host}/single/docker:1`);
    assert.deepEqual(oci.platforms, [LINUX_ARM_V7]);
    assert.deepEqual(docker.platforms, [LINUX_ARM64]);
    assert.equal(docker.digest, digests.dockerSingle);
    assert.deepEqual(summary(registry), [
      'registry GET /v2/single/oci/manifests/1 200',
      'registry GET /v2/single/oci/blobs/DIGEST 200',
      'registry GET /v2/single/docker/manifests/1 200',
      'registry GET /v2/single/docker/blobs/DIGEST 200',
    ]);
  });

  test('tag + digest pulls the digest and verifies it', async () => {
    registry.clearRequests();
    const result = await resolveWith(clientFor(registry), `${registry.host}/multi/oci:whatever@${digests.oci}`);
    assert.equal(result.digest, digests.oci);
    assert.deepEqual(summary(registry), ['registry GET /v2/multi/oci/manifests/DIGEST 200']);
  });

  test('headDigest re-checks a tag with a HEAD', async () => {
    registry.clearRequests();
    const deadline = new Deadline(5000);
    const digest = await clientFor(registry).headDigest(parseReference(`${registry.host}/multi/docker:1`), { deadline });
    deadline.dispose();
    assert.equal(digest, digests.docker);
    assert.deepEqual(summary(registry), ['registry HEAD /v2/multi/docker/manifests/1 200']);
  });

  test('a missing tag is not-found with the registry\'s words', async () => {
    const error = await failureOf(resolveWith(clientFor(registry), `${registry.host}/multi/oci:nope`));
    assert.equal(error.kind, 'not-found');
    assert.equal(error.status, 404);
    assert.match(error.message, new RegExp(`^registry ${registry.host} answered 404: manifest unknown`));
  });

  test('without listing the registry, the loopback address is refused (and HTTPS is required)', async () => {
    const error = await failureOf(resolveWith(new RegistryClient({ insecureRegistries: [], privateRegistries: [] }), `${registry.host}/multi/oci:1`));
    assert.equal(error.kind, 'refused');
  });
});

describe('htpasswd Basic auth', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({ auth: 'basic', users: { alice: ALICE_PASSWORD } });
    await registry.pushIndex('team/app', '1', [LINUX_AMD64, LINUX_ARM64]);
  });
  after(() => registry.stop());

  test('the credential opens the repository; only alice is presented, only to this registry', async () => {
    registry.clearRequests();
    const result = await resolveWith(clientFor(registry), `${registry.host}/team/app:1`, [alice]);
    assert.deepEqual(linuxArchitectures(result.platforms), ['amd64', 'arm64']);
    assert.deepEqual(
      registry.requests.map((r) => [r.status, r.authorization, r.identity]),
      [
        [401, 'none', undefined],
        [200, 'basic', 'alice'],
      ],
    );
  });

  test('a wrong password is unauthorized; the next credential in the list is tried', async () => {
    const error = await failureOf(resolveWith(clientFor(registry), `${registry.host}/team/app:1`, [wrongAlice]));
    assert.equal(error.kind, 'unauthorized');
    assert.equal(error.status, 401);
    const result = await resolveWith(clientFor(registry), `${registry.host}/team/app:1`, [wrongAlice, alice]);
    assert.equal(result.platforms.length, 2);
  });

  test('anonymous is unauthorized', async () => {
    assert.equal((await failureOf(resolveWith(clientFor(registry), `${registry.host}/team/app:1`))).kind, 'unauthorized');
  });
});

describe('Bearer token auth', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({ auth: 'token', users: { alice: ALICE_PASSWORD } });
    await registry.pushIndex('public/multi', '1', [LINUX_AMD64, LINUX_ARM64]);
    await registry.pushIndex('public/multi', '2', [LINUX_ARM64]);
    await registry.pushImage('public/single', '1', LINUX_ARM64);
    await registry.pushIndex('private/app', '1', [LINUX_AMD64]);
  });
  after(() => registry.stop());

  test('multi-arch: 401 + 1 token GET + 1 manifest GET on first contact; the token is reused for the next image', async () => {
    registry.clearRequests();
    const client = clientFor(registry);
    await resolveWith(client, `${registry.host}/public/multi:1`);
    assert.deepEqual(summary(registry), ['registry GET /v2/public/multi/manifests/1 401', 'token GET /token 200', 'registry GET /v2/public/multi/manifests/1 200']);
    registry.clearRequests();
    const second = await resolveWith(client, `${registry.host}/public/multi:2`);
    assert.deepEqual(second.platforms, [LINUX_ARM64]);
    assert.deepEqual(summary(registry), ['registry GET /v2/public/multi/manifests/2 200']);
  });

  test('two tags of one repository resolved side by side on a cold client share one token request', async () => {
    registry.clearRequests();
    const client = clientFor(registry);
    const [one, two] = await Promise.all([resolveWith(client, `${registry.host}/public/multi:1`), resolveWith(client, `${registry.host}/public/multi:2`)]);
    assert.deepEqual([one.platforms, two.platforms], [[LINUX_AMD64, LINUX_ARM64], [LINUX_ARM64]]);
    assert.equal(registry.requests.filter((r) => r.server === 'token').length, 1);
  });

  test('single-arch: manifest + config blob; another repository needs a new token but no second 401', async () => {
    const client = clientFor(registry);
    await resolveWith(client, `${registry.host}/public/multi:1`);
    registry.clearRequests();
    const result = await resolveWith(client, `${registry.host}/public/single:1`);
    assert.deepEqual(result.platforms, [LINUX_ARM64]);
    assert.deepEqual(summary(registry), ['token GET /token 200', 'registry GET /v2/public/single/manifests/1 200', 'registry GET /v2/public/single/blobs/DIGEST 200']);
  });

  test('a private repository: the anonymous token is denied, the credential is allowed', async () => {
    const denied = await failureOf(resolveWith(clientFor(registry), `${registry.host}/private/app:1`));
    assert.equal(denied.kind, 'unauthorized');
    registry.clearRequests();
    const result = await resolveWith(clientFor(registry), `${registry.host}/private/app:1`, [alice]);
    assert.deepEqual(result.platforms, [LINUX_AMD64]);
    const tokenRequest = registry.requests.find((r) => r.server === 'token');
    assert.deepEqual([tokenRequest?.authorization, tokenRequest?.identity], ['basic', 'alice']);
    // The registry itself never saw the password, only alice's token.
    assert.ok(registry.requests.filter((r) => r.server === 'registry').every((r) => r.authorization !== 'basic'));
    assert.equal(registry.requests.at(-1)?.identity, 'alice');
  });

  test('a wrong password is rejected by the token service: unauthorized, no secret in the message', async () => {
    const error = await failureOf(resolveWith(clientFor(registry), `${registry.host}/private/app:1`, [wrongAlice]));
    assert.equal(error.kind, 'unauthorized');
    assert.match(error.message, /token service/);
  });
});
