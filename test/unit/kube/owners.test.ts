// Whom Events regard: the pod's controller owner (with its uid), a ReplicaSet's Deployment through
// one shared, kept lookup, a bare pod by name; and at most one Event per object and reason a while.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventLimiter } from '../../../lib/kube/event-limit.ts';
import { KubeError } from '../../../lib/kube/kube-client.ts';
import type { KubeRest } from '../../../lib/kube/kube-rest.ts';
import { DeploymentLookup, eventSubject, isReplicaSet } from '../../../lib/kube/owners.ts';
import type { PodLike } from '../../../lib/placement/index.ts';

const RS_UID = '0b6f6e0c-3a55-4e0c-9d1b-7f3c1a2b4c5d';
const DEPLOYMENT_UID = 'a3c1e2f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const replicaSetOwner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c', uid: RS_UID, controller: true, blockOwnerDeletion: true };
const replicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c', namespace: 'shop', uid: RS_UID };
const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid: DEPLOYMENT_UID };

function podOwnedBy(...ownerReferences: object[]): PodLike {
  return { metadata: { generateName: 'web-7d4b9c-', namespace: 'shop', ownerReferences } } as PodLike;
}

describe('eventSubject', () => {
  test("a Deployment's pod: its ReplicaSet, uid included, in the admission's namespace", () => {
    const subject = eventSubject(podOwnedBy(replicaSetOwner), 'shop');
    assert.deepEqual(subject, replicaSet);
    assert.ok(subject && isReplicaSet(subject));
  });

  test('any other controller (a Job, a StatefulSet, a custom resource) is regarded as it is', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-29123', uid: 'c0ffee00-1111-2222-3333-444455556666', controller: true };
    assert.deepEqual(eventSubject(podOwnedBy(job), 'shop'), { apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-29123', namespace: 'shop', uid: job.uid });
    const workflow = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: 'build', uid: 'ab12', controller: true };
    assert.equal(eventSubject(podOwnedBy(workflow), 'shop')?.kind, 'Workflow');
  });

  test('an owner that is not the controller is not regarded; a pod with no controller regards itself by name', () => {
    const bare = { metadata: { name: 'debug', namespace: 'shop', ownerReferences: [{ ...replicaSetOwner, controller: false }] } } as PodLike;
    assert.deepEqual(eventSubject(bare, 'shop'), { apiVersion: 'v1', kind: 'Pod', name: 'debug', namespace: 'shop' });
  });

  test('nothing to regard: a pod with only generateName, a controller reference that could not be real, no namespace', () => {
    assert.equal(eventSubject({ metadata: { generateName: 'x-' } }, 'shop'), undefined);
    for (const broken of [
      { ...replicaSetOwner, uid: undefined },
      { ...replicaSetOwner, uid: 'not a uid' },
      { ...replicaSetOwner, name: 'Web/../../secrets' },
      { ...replicaSetOwner, kind: 'replicaset' },
      { ...replicaSetOwner, apiVersion: 'apps/../v1' },
    ]) {
      assert.equal(eventSubject(podOwnedBy(broken), 'shop'), undefined, JSON.stringify(broken));
    }
    assert.equal(eventSubject(podOwnedBy(replicaSetOwner), undefined), undefined);
    assert.equal(eventSubject(podOwnedBy(replicaSetOwner), 'Not_A_Namespace'), undefined);
    assert.equal(eventSubject({ metadata: { name: 'web', ownerReferences: 'nonsense' } } as unknown as PodLike, 'shop')?.kind, 'Pod');
  });
});

/** A KubeRest answering GETs of ReplicaSets from `objects`, counting them; `failure` makes them fail. */
class ReplicaSets implements KubeRest {
  readonly asked: Array<{ path: string; accept?: string }> = [];
  failure?: KubeError;
  release?: Promise<void>;
  readonly objects: Record<string, unknown>;
  constructor(objects: Record<string, unknown>) {
    this.objects = objects;
  }

  async getJson(path: string, _query: Record<string, string | undefined>, options: { signal: AbortSignal; accept?: string }): Promise<unknown> {
    this.asked.push({ path, accept: options.accept });
    await this.release;
    if (this.failure) throw this.failure;
    const object = this.objects[path];
    if (object === undefined) throw new KubeError(404, 'NotFound', `${path}: NotFound (HTTP 404)`);
    return object;
  }
}

const RS_PATH = '/apis/apps/v1/namespaces/shop/replicasets/web-7d4b9c';
const ownedByDeployment = {
  kind: 'PartialObjectMetadata',
  apiVersion: 'meta.k8s.io/v1',
  metadata: { name: 'web-7d4b9c', namespace: 'shop', uid: RS_UID, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: DEPLOYMENT_UID, controller: true }] },
};

describe('DeploymentLookup', () => {
  const wait = (): AbortSignal => AbortSignal.timeout(5_000);

  test("finds the Deployment in the ReplicaSet's metadata, asked for alone, once for many admissions", async () => {
    const rest = new ReplicaSets({ [RS_PATH]: ownedByDeployment });
    const lookup = new DeploymentLookup({ rest });
    const answers = await Promise.all([lookup.deploymentOf(replicaSet, wait()), lookup.deploymentOf(replicaSet, wait())]);
    assert.deepEqual(answers, [deployment, deployment]);
    assert.deepEqual(await lookup.deploymentOf(replicaSet, wait()), deployment);
    assert.equal(rest.asked.length, 1);
    assert.match(rest.asked[0]?.accept ?? '', /as=PartialObjectMetadata;g=meta\.k8s\.io;v=v1.*,application\/json$/);
  });

  test('a ReplicaSet of its own (no controller, or not a Deployment) or another one of the same name: none', async () => {
    const orphan = { metadata: { name: 'web-7d4b9c', uid: RS_UID, ownerReferences: [{ ...ownedByDeployment.metadata.ownerReferences[0], controller: false }] } };
    assert.equal(await new DeploymentLookup({ rest: new ReplicaSets({ [RS_PATH]: orphan }) }).deploymentOf(replicaSet, wait()), undefined);
    const recreated = { metadata: { ...ownedByDeployment.metadata, uid: 'another-uid' } };
    assert.equal(await new DeploymentLookup({ rest: new ReplicaSets({ [RS_PATH]: recreated }) }).deploymentOf(replicaSet, wait()), undefined);
    const rolloutOwned = { metadata: { ...ownedByDeployment.metadata, ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'r-1', controller: true }] } };
    assert.equal(await new DeploymentLookup({ rest: new ReplicaSets({ [RS_PATH]: rolloutOwned }) }).deploymentOf(replicaSet, wait()), undefined);
  });

  test('not allowed to get replicasets: none, counted once, not asked again on every admission', async () => {
    const rest = new ReplicaSets({});
    rest.failure = new KubeError(403, 'Forbidden', 'replicasets: Forbidden (HTTP 403)');
    const counted: string[] = [];
    const lookup = new DeploymentLookup({ rest, metrics: { count: (name) => counted.push(name), timing: () => undefined } });
    assert.equal(await lookup.deploymentOf(replicaSet, wait()), undefined);
    assert.equal(await lookup.deploymentOf(replicaSet, wait()), undefined);
    assert.equal(rest.asked.length, 1);
    assert.deepEqual(counted, ['EventErrors']);
  });

  test('a server error is not kept: the next admission asks again', async () => {
    const rest = new ReplicaSets({ [RS_PATH]: ownedByDeployment });
    rest.failure = new KubeError(500, 'InternalError', 'boom');
    const lookup = new DeploymentLookup({ rest });
    assert.equal(await lookup.deploymentOf(replicaSet, wait()), undefined);
    rest.failure = undefined;
    assert.deepEqual(await lookup.deploymentOf(replicaSet, wait()), deployment);
  });

  test('an admission stops waiting at its own signal; the lookup goes on and serves the next one', async () => {
    let release = (): void => undefined;
    const rest = new ReplicaSets({ [RS_PATH]: ownedByDeployment });
    rest.release = new Promise<void>((resolve) => {
      release = resolve;
    });
    const lookup = new DeploymentLookup({ rest });
    const given = new AbortController();
    const first = lookup.deploymentOf(replicaSet, given.signal);
    given.abort();
    assert.equal(await first, undefined);
    release();
    assert.deepEqual(await lookup.deploymentOf(replicaSet, wait()), deployment);
    assert.equal(rest.asked.length, 1);
  });
});

describe('EventLimiter', () => {
  test('one Event per object and reason per five minutes; another reason or object goes through', () => {
    const clock = { now: 0 };
    const limiter = new EventLimiter({ now: () => clock.now });
    assert.equal(limiter.take(replicaSet, 'ArchyFallback'), true);
    assert.equal(limiter.take(replicaSet, 'ArchyFallback'), false);
    assert.equal(limiter.take(replicaSet, 'NoCommonArchitecture'), true);
    assert.equal(limiter.take(deployment, 'ArchyFallback'), true);
    assert.equal(limiter.take({ ...replicaSet, uid: 'a-new-replicaset' }, 'ArchyFallback'), true, 'the same name, another object');
    clock.now = 5 * 60_000 - 1;
    assert.equal(limiter.take(replicaSet, 'ArchyFallback'), false);
    clock.now = 5 * 60_000;
    assert.equal(limiter.take(replicaSet, 'ArchyFallback'), true);
  });
});
