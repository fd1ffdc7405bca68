import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPodCredentials } from '../../../lib/credentials/pod-credentials.ts';
import { EcrCredentials } from '../../../lib/credentials/ecr.ts';
import { KubeError, type KubeApi, type KubeSecret } from '../../../lib/kube/kube-client.ts';
import { Deadline } from '../../../lib/deadline.ts';
import type { RegistryCredential } from '../../../lib/types.ts';
import { pullSecretScope, serviceAccountScope } from '../../../lib/credentials/scope.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const pullSecret = (auths: Record<string, { username: string; password: string }>): KubeSecret => ({
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
});
const users = (credentials: RegistryCredential[]): string[] => credentials.map((c) => (c.kind === 'basic' ? c.username : 'token'));

interface Stub extends KubeApi {
  calls: string[];
  inFlightPeak: number;
}

function stubKube(secrets: Record<string, KubeSecret | 'forbidden'>, accounts: Record<string, string[]> = {}): Stub {
  let inFlight = 0;
  const stub: Stub = {
    calls: [],
    inFlightPeak: 0,
    async getSecret(namespace, name) {
      stub.calls.push(`secret ${namespace}/${name}`);
      inFlight++;
      stub.inFlightPeak = Math.max(stub.inFlightPeak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight--;
      const secret = secrets[`${namespace}/${name}`];
      if (secret === 'forbidden') throw new KubeError(403, 'Forbidden', `secret ${namespace}/${name}: Forbidden (HTTP 403)`);
      if (!secret) throw new KubeError(404, 'NotFound', `secret ${namespace}/${name}: NotFound (HTTP 404)`);
      return secret;
    },
    async getServiceAccount(namespace, name) {
      stub.calls.push(`serviceaccount ${namespace}/${name}`);
      const names = accounts[`${namespace}/${name}`];
      if (!names) throw new KubeError(404, 'NotFound', 'not found');
      return { imagePullSecrets: names };
    },
    listNodes: () => Promise.reject(new Error('unused')),
  };
  return stub;
}

describe('createPodCredentials', () => {
  const deadline = new Deadline(5000);

  test('reads nothing until a lookup needs it, then reads each secret once, in parallel', async () => {
    const kube = stubKube({
      'app/ghcr': pullSecret({ 'ghcr.io': { username: 'ghcr-bot', password: 'p1' } }),
      'app/quay': pullSecret({ 'quay.io': { username: 'quay-bot', password: 'p2' } }),
    });
    const pod = createPodCredentials({ kube, namespace: 'app', imagePullSecrets: ['ghcr', 'quay'], deadline });
    assert.deepEqual(kube.calls, []);
    const [ghcr, quay, other] = await Promise.all([
      pod.credentialsFor('ghcr.io', 'org/app'),
      pod.credentialsFor('quay.io', 'org/app'),
      pod.credentialsFor('docker.io', 'library/nginx'),
    ]);
    assert.deepEqual(users(ghcr), ['ghcr-bot']);
    assert.deepEqual(users(quay), ['quay-bot']);
    assert.deepEqual(other, []);
    await pod.credentialsFor('ghcr.io', 'org/other');
    assert.deepEqual(kube.calls.sort(), ['secret app/ghcr', 'secret app/quay']);
    assert.equal(kube.inFlightPeak, 2);
    assert.deepEqual(pod.warnings, []);
  });

  test('without imagePullSecrets, the service account\'s are used', async () => {
    const kube = stubKube({ 'app/sa-cred': pullSecret({ 'ghcr.io': { username: 'from-sa', password: 'p' } }) }, { 'app/builder': ['sa-cred'] });
    const pod = createPodCredentials({ kube, namespace: 'app', serviceAccountName: 'builder', deadline });
    assert.deepEqual(users(await pod.credentialsFor('ghcr.io', 'a/b')), ['from-sa']);
    assert.deepEqual(kube.calls, ['serviceaccount app/builder', 'secret app/sa-cred']);
  });

  test('the service account defaults to "default"; a missing one means anonymous without a warning', async () => {
    const kube = stubKube({});
    const pod = createPodCredentials({ kube, namespace: 'app', deadline });
    assert.deepEqual(await pod.credentialsFor('ghcr.io', 'a/b'), []);
    assert.deepEqual(kube.calls, ['serviceaccount app/default']);
    assert.deepEqual(pod.warnings, []);
  });

  test('missing and forbidden secrets become warnings; the rest still work', async () => {
    const kube = stubKube({ 'default/locked': 'forbidden', 'default/ok': pullSecret({ 'ghcr.io': { username: 'ok', password: 'p' } }) });
    const pod = createPodCredentials({ kube, namespace: 'default', imagePullSecrets: ['regcred', 'locked', 'ok'], deadline });
    assert.deepEqual(users(await pod.credentialsFor('ghcr.io', 'a/b')), ['ok']);
    assert.deepEqual(pod.warnings, [
      'pull secret default/regcred not found; resolving anonymously',
      'pull secret default/locked is not readable by Archy (forbidden); resolving anonymously',
    ]);
  });

  test('a secret that is not a pull secret is a warning that carries none of its content', async () => {
    const kube = stubKube({ 'default/opaque': { type: 'Opaque', data: { password: b64('hunter2-secret') } } });
    const pod = createPodCredentials({ kube, namespace: 'default', imagePullSecrets: ['opaque'], deadline });
    assert.deepEqual(await pod.credentialsFor('ghcr.io', 'a/b'), []);
    assert.equal(pod.warnings.length, 1);
    assert.match(pod.warnings[0] ?? '', /default\/opaque.*not a pull secret/);
    assert.ok(!pod.warnings.join().includes('hunter2'));
  });

  test('no Kubernetes access: the pod\'s named secrets become one warning', async () => {
    const pod = createPodCredentials({ namespace: 'default', imagePullSecrets: ['regcred'], deadline });
    assert.deepEqual(await pod.credentialsFor('ghcr.io', 'a/b'), []);
    assert.match(pod.warnings[0] ?? '', /default\/regcred could not be read \(no Kubernetes API access\)/);
  });

  test('ECR hosts: the IAM credential first, then matching pull secrets', async () => {
    const ecrHost = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
    const ecr = new EcrCredentials({
      getAuthorizationToken: async () => ({ authorizationToken: b64('AWS:iam-password'), expiresAt: new Date(Date.now() + 3600_000) }),
    });
    const kube = stubKube({ 'app/ecr': pullSecret({ [ecrHost]: { username: 'AWS', password: 'static-password' } }) });
    const listed = createPodCredentials({ kube, namespace: 'app', imagePullSecrets: ['ecr'], ecr, deadline });
    const credentials = await listed.credentialsFor(ecrHost, 'team/app');
    assert.deepEqual(credentials.map((c) => c.kind === 'basic' && c.password), ['iam-password', 'static-password']);

    const quiet = stubKube({});
    const unlisted = createPodCredentials({ kube: quiet, namespace: 'app', ecr, deadline });
    assert.deepEqual((await unlisted.credentialsFor(ecrHost, 'team/app')).map((c) => c.kind === 'basic' && c.password), ['iam-password']);
    assert.deepEqual(quiet.calls, [], 'IAM is enough: no Kubernetes round trip');
  });

  test('ECR refusing IAM is a warning, and pull secrets are still tried', async () => {
    const ecrHost = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
    const ecr = new EcrCredentials({ getAuthorizationToken: () => Promise.reject(new Error('AccessDenied')) });
    const kube = stubKube({ 'app/ecr': pullSecret({ [ecrHost]: { username: 'AWS', password: 'static' } }) }, { 'app/default': ['ecr'] });
    const pod = createPodCredentials({ kube, namespace: 'app', ecr, deadline });
    assert.deepEqual(users(await pod.credentialsFor(ecrHost, 'team/app')), ['AWS']);
    assert.match(pod.warnings[0] ?? '', /ECR GetAuthorizationToken for account 123456789012 in us-east-1 failed/);
  });
});

describe('stagesFor: how each registry is reached, decided with no I/O', () => {
  const deadline = new Deadline(5000);
  const kinds = (stages: ReturnType<ReturnType<typeof createPodCredentials>['stagesFor']>): string[] =>
    stages.map((s) => (s.kind === 'shared' ? 'shared' : `scoped:${s.scope}:${s.readFirst ? 'first' : 'later'}`));

  test('named secrets: one scoped stage (namespace + sorted names), read with the first cache read', () => {
    const kube = stubKube({});
    const pod = createPodCredentials({ kube, namespace: 'app', imagePullSecrets: ['b', 'a', 'a'], deadline });
    assert.deepEqual(kinds(pod.stagesFor('ghcr.io', 'org/app')), [`scoped:${pullSecretScope('app', ['a', 'b'])}:first`]);
    assert.equal(pullSecretScope('app', ['b', 'a']), pullSecretScope('app', ['a', 'b']));
    assert.notEqual(pullSecretScope('app', ['a']), pullSecretScope('other', ['a']));
    assert.notEqual(pullSecretScope('app', ['a']), pullSecretScope('app', ['a', 'b']));
    assert.deepEqual(kube.calls, []);
  });

  test('no named secrets: anonymous first, the service account after; without Kubernetes access, anonymous only', () => {
    const kube = stubKube({});
    const pod = createPodCredentials({ kube, namespace: 'app', serviceAccountName: 'builder', deadline });
    assert.deepEqual(kinds(pod.stagesFor('ghcr.io', 'org/app')), ['shared', `scoped:${serviceAccountScope('app', 'builder')}:later`]);
    assert.deepEqual(kinds(createPodCredentials({ namespace: 'app', deadline }).stagesFor('ghcr.io', 'org/app')), ['shared']);
    assert.deepEqual(kube.calls, []);
  });

  test('ECR: IAM (shared) first; the pod\'s secrets only after, read lazily', async () => {
    const ecrHost = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
    const ecr = new EcrCredentials({
      getAuthorizationToken: async () => ({ authorizationToken: b64('AWS:iam-password'), expiresAt: new Date(Date.now() + 3600_000) }),
    });
    const kube = stubKube({});
    const pod = createPodCredentials({ kube, namespace: 'app', imagePullSecrets: ['ecr'], ecr, deadline });
    const stages = pod.stagesFor(ecrHost, 'team/app');
    assert.deepEqual(kinds(stages), ['shared', `scoped:${pullSecretScope('app', ['ecr'])}:later`]);
    const iam = await stages[0]?.credentials();
    assert.deepEqual(iam?.map((c) => c.kind === 'basic' && c.password), ['iam-password']);
    assert.deepEqual(kube.calls, []);
  });
});
