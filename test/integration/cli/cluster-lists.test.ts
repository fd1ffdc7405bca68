// Reading a cluster's workloads through a kubeconfig, against the Kubernetes API fake: every kind,
// paged, per namespace, restarted after 410 Expired; and the ways access fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeError } from '../../../lib/kube/kube-client.ts';
import { connectKubeconfig, kubeconfigApi, KubeconfigError } from '../../../lib/kube/kubeconfig-client.ts';
import { listWorkloads } from '../../../lib/kube/workloads.ts';
import { startWorkloadApi, type FakeObject, type WorkloadApiFake } from '../../support/kube-workload-lists.ts';
import { writeKubeconfig } from '../../support/kubeconfig.ts';
import { freeLoopbackPort } from '../../support/ports.ts';

const template = { spec: { containers: [{ name: 'app', image: 'app:1' }] } };
const OBJECTS: FakeObject[] = [
  ...['a', 'b', 'c', 'd', 'e'].map((name): FakeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: name < 'c' ? 'shop' : 'ops' }, spec: { replicas: 1, template } })),
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' }, spec: { template } },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ops' }, spec: { template }, status: { desiredNumberScheduled: 3 } },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'a-1', namespace: 'shop' }, spec: { template } },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' }, spec: { template } },
  { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'ops' }, spec: { schedule: '@daily', jobTemplate: { spec: { template } } } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'shop' }, spec: template.spec },
];

let api: WorkloadApiFake;
let dir: string;
let env: Record<string, string>;

before(async () => {
  api = await startWorkloadApi();
  for (const object of OBJECTS) api.addObject(object);
  dir = await mkdtemp(join(tmpdir(), 'archy-kubeconfig-'));
  const closed = `http://127.0.0.1:${await freeLoopbackPort()}`;
  env = { KUBECONFIG: await writeKubeconfig(dir, { fake: api.url, gone: closed }), HOME: dir };
});
after(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

function names(objects: Array<{ kind: string; metadata?: unknown }>): string[] {
  return objects.map((object) => `${object.kind}/${(object.metadata as { name: string }).name}`).sort();
}

describe('listing', () => {
  test('every workload kind of every namespace, page by page, with apiVersion and kind set', async () => {
    const client = await connectKubeconfig(env);
    assert.equal(client.context, 'fake');
    api.listRequests.length = 0;
    const { objects, notes } = await listWorkloads(client, { pageSize: 2 });
    assert.deepEqual(names(objects), names(OBJECTS));
    assert.deepEqual(notes, []);
    const daemonSet = objects.find((object) => object.kind === 'DaemonSet');
    assert.equal(daemonSet?.apiVersion, 'apps/v1');
    assert.deepEqual((daemonSet?.status as { desiredNumberScheduled?: number }).desiredNumberScheduled, 3);
    const deploymentPages = api.listRequests.filter((request) => request.path === '/apis/apps/v1/deployments');
    assert.equal(deploymentPages.length, 3, 'five Deployments in pages of two');
    assert.ok(deploymentPages.every((request) => request.query.limit === '2' && request.authScheme === 'Bearer'));
    assert.ok(deploymentPages.slice(1).every((request) => request.query.continue !== undefined));
  });

  test('-n: only the namespaces asked for, each through its namespaced list', async () => {
    const client = await connectKubeconfig(env);
    api.listRequests.length = 0;
    const { objects } = await listWorkloads(client, { namespaces: ['ops'] });
    assert.deepEqual(names(objects), ['CronJob/nightly', 'DaemonSet/agent', 'Deployment/c', 'Deployment/d', 'Deployment/e']);
    assert.ok(api.listRequests.every((request) => request.path.includes('/namespaces/ops/')));
  });

  test('a continue token that expired (410) restarts that list once, from a fresh snapshot', async () => {
    const client = await connectKubeconfig(env);
    api.listRequests.length = 0;
    let expired = false;
    api.onList = (request) => {
      if (!expired && request.path === '/apis/apps/v1/deployments' && request.query.continue !== undefined) {
        expired = true;
        api.expireContinueTokens();
      }
    };
    try {
      const { objects } = await listWorkloads(client, { pageSize: 2 });
      assert.deepEqual(names(objects), names(OBJECTS), 'nothing lost, nothing twice');
      const firstPages = api.listRequests.filter((request) => request.path === '/apis/apps/v1/deployments' && request.query.continue === undefined);
      assert.equal(firstPages.length, 2);
    } finally {
      delete api.onList;
    }
  });

  test('pull secrets and service accounts are read through the same kubeconfig', async () => {
    api.kube.setPullSecret('shop', 'regcred', { 'registry.example': { auth: 'dTpw' } });
    api.kube.setServiceAccount('shop', 'deployer', ['regcred']);
    const kube = kubeconfigApi(await connectKubeconfig(env));
    assert.equal((await kube.getSecret('shop', 'regcred')).type, 'kubernetes.io/dockerconfigjson');
    assert.deepEqual(await kube.getServiceAccount('shop', 'deployer'), { imagePullSecrets: ['regcred'] });
    await assert.rejects(kube.getSecret('shop', 'missing'), (error: Error) => error instanceof KubeError && error.reason === 'NotFound');
  });
});

describe('no access', () => {
  test('a forbidden list is a KubeError naming the resource and scope', async () => {
    api.forbidList('cronjobs');
    const client = await connectKubeconfig(env);
    await assert.rejects(listWorkloads(client), (error: Error) =>
      error instanceof KubeError && error.reason === 'Forbidden' && error.message === 'cannot list cronjobs in all namespaces: Forbidden (HTTP 403)');
  });

  test('an API server that does not answer', async () => {
    const client = await connectKubeconfig(env, 'gone');
    assert.equal(client.context, 'gone');
    await assert.rejects(listWorkloads(client), (error: Error) => error instanceof KubeError && error.reason === 'Unreachable' && /cannot list \w+ in all namespaces/.test(error.message));
  });

  test('an unknown context names the ones there are; no kubeconfig says how to get one', async () => {
    await assert.rejects(connectKubeconfig(env, 'prod'), (error: Error) => error instanceof KubeconfigError && error.message === 'no context "prod" in the kubeconfig (it has fake, gone)');
    await assert.rejects(connectKubeconfig({ HOME: dir, KUBECONFIG: join(dir, 'nope') }), (error: Error) =>
      error instanceof KubeconfigError && /no kubeconfig: set KUBECONFIG or create ~\/\.kube\/config/.test(error.message));
  });
});
