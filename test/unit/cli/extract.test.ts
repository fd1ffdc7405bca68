// Objects → workloads: which objects count, how many replicas, what they request, which images.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../lib/cli/input/input-error.ts';
import type { JsonObject } from '../../../lib/cli/input/kube-object.ts';
import { extractWorkloads } from '../../../lib/cli/workloads/extract.ts';
import { deployment, podSpec, workloadObject } from './fixtures.ts';

function extract(...objects: JsonObject[]) {
  return extractWorkloads(objects.map((object) => ({ object, source: 'test.yaml' })));
}

const spec = podSpec([{ image: 'nginx:1.27', cpu: '100m', memory: '64Mi' }]);

describe('which objects are workloads', () => {
  test('every workload kind counts once; other kinds are ignored', () => {
    const { workloads } = extract(
      deployment('web', 'shop', spec),
      workloadObject('StatefulSet', 'db', 'shop', spec),
      workloadObject('DaemonSet', 'agent', 'ops', spec),
      workloadObject('ReplicaSet', 'bare', 'shop', spec),
      workloadObject('Job', 'migrate', 'shop', spec),
      workloadObject('CronJob', 'nightly', 'ops', spec),
      workloadObject('Pod', 'debug', 'shop', spec),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: {} },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { template: { spec } } },
    );
    assert.deepEqual(workloads.map((w) => `${w.kind} ${w.namespace}/${w.name}`), [
      'Deployment shop/web', 'StatefulSet shop/db', 'DaemonSet ops/agent', 'ReplicaSet shop/bare', 'Job shop/migrate', 'CronJob ops/nightly', 'Pod shop/debug',
    ]);
  });

  test('what a counted workload controls is not counted again', () => {
    const owned = (kind: string) => ({ metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind, name: 'x', uid: 'u', controller: true }] } });
    const { workloads } = extract(
      deployment('web', 'shop', spec),
      workloadObject('ReplicaSet', 'web-6d4b', 'shop', spec, owned('Deployment')),
      workloadObject('Job', 'nightly-2891', 'ops', spec, owned('CronJob')),
      workloadObject('Pod', 'web-6d4b-x', 'shop', spec, owned('ReplicaSet')),
      workloadObject('Pod', 'db-0', 'shop', spec, owned('StatefulSet')),
      workloadObject('Pod', 'agent-x', 'ops', spec, owned('DaemonSet')),
      workloadObject('Pod', 'migrate-x', 'shop', spec, owned('Job')),
      workloadObject('Pod', 'static-etcd', 'kube-system', spec, owned('Node')),
      workloadObject('ReplicaSet', 'rollout-abc', 'shop', spec, owned('Rollout')),
    );
    assert.deepEqual(workloads.map((w) => `${w.kind} ${w.name}`), ['Deployment web', 'Pod static-etcd', 'ReplicaSet rollout-abc']);
  });

  test('the same workload twice is counted once, with a note naming both sources', () => {
    const result = extractWorkloads([
      { object: deployment('web', 'shop', spec), source: 'a.yaml' },
      { object: deployment('web', 'shop', spec, 5), source: 'b.yaml' },
    ]);
    assert.equal(result.workloads.length, 1);
    assert.equal(result.workloads[0]?.replicas, 1);
    assert.deepEqual(result.notes, ['Deployment shop/web appears more than once (a.yaml, b.yaml); the first is counted']);
  });

  test('a workload without a namespace is in default', () => {
    const object = deployment('web', 'shop', spec);
    delete (object.metadata as JsonObject).namespace;
    assert.equal(extract(object).workloads[0]?.namespace, 'default');
  });
});

describe('replicas', () => {
  test('spec.replicas, 1 when absent, 0 when scaled to zero (still a workload)', () => {
    const { workloads } = extract(deployment('a', 'n', spec, 4), deployment('b', 'n', spec), deployment('c', 'n', spec, 0));
    assert.deepEqual(workloads.map((w) => w.replicas), [4, 1, 0]);
  });

  test('a DaemonSet runs where it is scheduled when its status says so, else counts once', () => {
    const scheduled = workloadObject('DaemonSet', 'agent', 'ops', spec, { status: { desiredNumberScheduled: 12 } });
    const manifest = workloadObject('DaemonSet', 'agent2', 'ops', spec);
    assert.deepEqual(extract(scheduled, manifest).workloads.map((w) => w.replicas), [12, 1]);
  });

  test('a Job runs its parallelism, capped by its completions, and nothing once finished', () => {
    const job = (name: string, jobSpec: JsonObject, status?: JsonObject) => workloadObject('Job', name, 'n', spec, { spec: jobSpec, ...(status ? { status } : {}) });
    const { workloads } = extract(
      job('parallel', { parallelism: 5 }),
      job('capped', { parallelism: 5, completions: 2 }),
      job('plain', {}),
      job('done', { parallelism: 3 }, { conditions: [{ type: 'Complete', status: 'True' }] }),
    );
    assert.deepEqual(workloads.map((w) => w.replicas), [5, 2, 1, 0]);
  });

  test('replicas that are not a whole number are bad input', () => {
    assert.throws(() => extract(deployment('a', 'n', spec, '3' as unknown as number)), /spec\.replicas must be a whole number/);
  });
});

describe('requests, images and access', () => {
  test('one replica\'s requests, init containers as Kubernetes counts them', () => {
    const withInit = podSpec([{ image: 'app:1', cpu: '500m', memory: '256Mi' }, { image: 'sidecar:1', limits: { cpu: '250m' } }], {}, [{ image: 'migrate:1', cpu: '2', memory: '64Mi' }]);
    const [workload] = extract(deployment('web', 'shop', withInit, 3)).workloads;
    assert.deepEqual(workload?.perReplica, { cpuMillis: 2000, memoryBytes: 256 * 2 ** 20 });
    assert.deepEqual(workload?.images, ['migrate:1', 'app:1', 'sidecar:1']);
  });

  test('an image used by several containers is listed once; a CronJob reads its job template', () => {
    const twice = podSpec([{ image: 'app:1' }, { image: 'app:1' }]);
    assert.deepEqual(extract(workloadObject('CronJob', 'c', 'n', twice)).workloads[0]?.images, ['app:1']);
  });

  test('pull secrets and service account are kept for credentials', () => {
    const [workload] = extract(deployment('web', 'shop', podSpec([{ image: 'app:1' }], { imagePullSecrets: [{ name: 'regcred' }, {}], serviceAccountName: 'deployer' }))).workloads;
    assert.deepEqual(workload?.access, { namespace: 'shop', imagePullSecrets: ['regcred'], serviceAccountName: 'deployer' });
  });

  test('bad quantities, missing images and missing templates are bad input naming the workload and file', () => {
    assert.throws(() => extract(deployment('web', 'shop', podSpec([{ image: 'app:1', cpu: 'lots' }]))), (error: Error) =>
      error instanceof InputError && /Deployment shop\/web \(test\.yaml\): invalid quantity "lots"/.test(error.message));
    assert.throws(() => extract(deployment('web', 'shop', { containers: [{ name: 'x' }] })), /container "x" has no image/);
    assert.throws(() => extract({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: {} }), /has no pod template/);
    assert.throws(() => extract(deployment('web', 'shop', { containers: [] })), /has no containers/);
  });
});
