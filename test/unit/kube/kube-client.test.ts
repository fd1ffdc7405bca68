// The KubeApi over plain HTTPS (lib/kube/kube-rest.ts), against the wire-format fake on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKubeApi, KubeError, type KubeApi } from '../../../lib/kube/kube-client.ts';
import { startKubeFake, type KubeFake } from '../../support/kube-fake.ts';
import type { KubeConnection } from '../../../lib/kube/kube-connection.ts';

describe('createKubeApi against the Kubernetes fake', () => {
  let fake: KubeFake;
  let api: KubeApi;
  let tokensIssued = 0;

  before(async () => {
    fake = await startKubeFake();
    api = createKubeApi(async () => fake.connection(async () => `token-${++tokensIssued}`));
  });
  after(() => fake.close());

  test('reads a secret: type and base64 data as stored', async () => {
    fake.setSecret('team-a', 'regcred', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '{"auths":{}}' });
    const secret = await api.getSecret('team-a', 'regcred');
    assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
    assert.equal(Buffer.from(secret.data['.dockerconfigjson'] ?? '', 'base64').toString(), '{"auths":{}}');
    const request = fake.requests.at(-1);
    assert.equal(request?.path, '/api/v1/namespaces/team-a/secrets/regcred');
    assert.equal(request?.authScheme, 'Bearer');
  });

  test('reads a service account\'s imagePullSecrets', async () => {
    fake.setServiceAccount('team-a', 'builder', ['one', 'two']);
    assert.deepEqual(await api.getServiceAccount('team-a', 'builder'), { imagePullSecrets: ['one', 'two'] });
  });

  test('a missing object is a KubeError with status 404 and reason NotFound', async () => {
    await assert.rejects(api.getSecret('team-a', 'nope'), (error: unknown) => {
      assert.ok(error instanceof KubeError);
      assert.equal(error.status, 404);
      assert.equal(error.reason, 'NotFound');
      assert.match(error.message, /secret team-a\/nope/);
      return true;
    });
  });

  test('a forbidden object is a KubeError with status 403 and reason Forbidden', async () => {
    fake.forbid('team-b', 'locked');
    await assert.rejects(api.getSecret('team-b', 'locked'), { name: 'KubeError', status: 403, reason: 'Forbidden' });
  });

  test('lists nodes with limit and continue', async () => {
    fake.setNodes(Array.from({ length: 1203 }, (_, i) => ({ name: `n${i}`, labels: { 'kubernetes.io/arch': i % 3 === 0 ? 'arm64' : 'amd64' } })));
    const before = fake.requests.length;
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await api.listNodes({ limit: 500, continue: token });
      names.push(...page.items.map((node) => node.name));
      token = page.continue;
    } while (token !== undefined);
    assert.equal(names.length, 1203);
    assert.equal(new Set(names).size, 1203);
    const lists = fake.requests.slice(before).filter((r) => r.path === '/api/v1/nodes');
    assert.deepEqual(lists.map((r) => [r.query.limit, r.query.continue]), [['500', undefined], ['500', '500'], ['500', '1000']]);
  });

  test('a call aborted by the deadline fails with reason Timeout', async () => {
    const controller = new AbortController();
    controller.abort(new Error('budget spent'));
    await assert.rejects(api.getServiceAccount('team-a', 'builder', controller.signal), { name: 'KubeError', reason: 'Timeout' });
  });

  test('the bearer token is asked for on every request, so it can renew itself', () => {
    assert.ok(tokensIssued >= 5, `token provider called ${tokensIssued} times`);
  });
});

describe('createKubeApi without any Kubernetes access', () => {
  test('every call fails with reason Unavailable', async () => {
    const api = createKubeApi(async () => undefined);
    await assert.rejects(api.getSecret('ns', 'x'), { name: 'KubeError', reason: 'Unavailable' });
  });

  test('an unreachable server is reason Unreachable', async () => {
    const fake = await startKubeFake();
    const connection = fake.connection();
    await fake.close();
    const api = createKubeApi(async () => connection);
    await assert.rejects(api.listNodes({ limit: 1 }), { name: 'KubeError', reason: 'Unreachable' });
  });
});

describe('createKubeApi connects once, on its own budget', () => {
  let fake: KubeFake;
  before(async () => {
    fake = await startKubeFake();
    fake.setServiceAccount('team-a', 'builder', ['one']);
  });
  after(() => fake.close());

  test('concurrent first calls share one connection attempt', async () => {
    let connects = 0;
    const api = createKubeApi(async () => (connects++, fake.connection()));
    await Promise.all([api.getServiceAccount('team-a', 'builder'), api.getServiceAccount('team-a', 'builder'), api.listNodes({ limit: 1 })]);
    await api.getServiceAccount('team-a', 'builder');
    assert.equal(connects, 1);
  });

  test('a failed connection attempt is not kept: the next call connects afresh', async () => {
    let connects = 0;
    const api = createKubeApi(async () => {
      connects++;
      if (connects === 1) throw new Error('DescribeCluster throttled');
      return fake.connection();
    });
    await assert.rejects(api.getServiceAccount('team-a', 'builder'), { name: 'KubeError', reason: 'Unreachable', message: /DescribeCluster throttled/ });
    assert.deepEqual(await api.getServiceAccount('team-a', 'builder'), { imagePullSecrets: ['one'] });
    assert.equal(connects, 2);
  });

  test('a call whose deadline comes first stops waiting (Timeout); the connection goes on for the next call', async () => {
    const connecting = Promise.withResolvers<AbortSignal>();
    const connected = Promise.withResolvers<KubeConnection>();
    let connects = 0;
    const api = createKubeApi((signal) => {
      connects++;
      connecting.resolve(signal);
      return connected.promise;
    });
    const short = new AbortController();
    const first = api.getServiceAccount('team-a', 'builder', short.signal);
    const connectSignal = await connecting.promise;
    short.abort(new Error('budget spent'));
    await assert.rejects(first, { name: 'KubeError', reason: 'Timeout' });
    assert.equal(connectSignal.aborted, false, 'the first call\'s deadline is not the connection\'s');
    const later = api.getServiceAccount('team-a', 'builder', new AbortController().signal);
    connected.resolve(fake.connection());
    assert.deepEqual(await later, { imagePullSecrets: ['one'] });
    assert.equal(connects, 1);
  });

  test('a request waits for the bearer token only until its own signal', async () => {
    const token = Promise.withResolvers<string>();
    const asked: Array<AbortSignal | undefined> = [];
    const api = createKubeApi(async () => ({
      ...fake.connection(),
      bearerToken: (signal?: AbortSignal) => {
        asked.push(signal);
        return token.promise;
      },
    }));
    const short = new AbortController();
    const first = api.getServiceAccount('team-a', 'builder', short.signal);
    const second = api.getServiceAccount('team-a', 'builder');
    while (asked.length < 2) await new Promise(setImmediate);
    assert.ok(asked.includes(short.signal), 'the request\'s own signal reaches the token provider');
    short.abort(new Error('budget spent'));
    await assert.rejects(first, { name: 'KubeError', reason: 'Timeout' });
    token.resolve('late-token');
    assert.deepEqual(await second, { imagePullSecrets: ['one'] });
  });
});
