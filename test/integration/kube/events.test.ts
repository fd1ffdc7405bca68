// Kubernetes Events through the whole app (lib/app.ts), seen where the API server would see them:
// the Kubernetes API fake behind TLS records every Event POSTed and serves ReplicaSets; images come
// from the in-memory registry (multi = amd64+arm64, arm, amd, s390x; anything else is 404).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp, type App } from '../../../lib/app.ts';
import { AUDIT_NOTE_PREFIX } from '../../../lib/kube/events.ts';
import type { Metrics } from '../../../lib/metrics/metrics.ts';
import { decodePatch, type ReviewAnswer } from '../../support/admission.ts';
import { startKubeFake, type KubeFake } from '../../support/kube-fake.ts';
import { FUZZ_REGISTRY, FuzzRegistryTransport } from '../../support/memory-registry.ts';
import { podAdmissionReview } from '../../support/review.ts';
import { closedPort, startTlsFront } from '../../reliability/support/servers.ts';
import { LogCapture } from '../../reliability/support/review.ts';
import { eventProblems, type SentEvent } from '../../unit/kube/event-rules.ts';

const NAMESPACE = 'shop';
const RS_UID = '0b6f6e0c-3a55-4e0c-9d1b-7f3c1a2b4c5d';
const DEPLOYMENT_UID = 'a3c1e2f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const JOB_UID = 'c0ffee00-1111-2222-3333-444455556666';
const LOG_STREAM = '2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef';
const RS_PATH = `/apis/apps/v1/namespaces/${NAMESPACE}/replicasets/web-7d4b9c`;
const EVENTS_PATH = `/apis/events.k8s.io/v1/namespaces/${NAMESPACE}/events`;

const replicaSetRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c', namespace: NAMESPACE, uid: RS_UID };
const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: NAMESPACE, uid: DEPLOYMENT_UID };

const image = (name: string): string => `${FUZZ_REGISTRY}/${name}:1`;
const containers = (...names: string[]): Array<{ name: string; image: string }> => names.map((name, index) => ({ name: `c${index}`, image: image(name) }));

/** A pod as the ReplicaSet controller of Deployment `web` creates it: generateName, no uid yet. */
function deploymentPod(spec: Record<string, unknown>): Record<string, unknown> {
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c', uid: RS_UID, controller: true, blockOwnerDeletion: true };
  return { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-7d4b9c-', namespace: NAMESPACE, labels: { app: 'web' }, ownerReferences: [owner] }, spec };
}

function jobPod(spec: Record<string, unknown>): Record<string, unknown> {
  const owner = { apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-29123', uid: JOB_UID, controller: true, blockOwnerDeletion: true };
  return { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'nightly-29123-', namespace: NAMESPACE, ownerReferences: [owner] }, spec };
}

function barePod(spec: Record<string, unknown>, name: string | undefined = 'debug'): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: name === undefined ? { generateName: 'debug-', namespace: NAMESPACE } : { name, namespace: NAMESPACE }, spec };
}

class CountingMetrics implements Metrics {
  readonly counts = new Map<string, number>();
  count(name: string, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
  timing(): void {}
  of(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}

interface Harness {
  app: App;
  metrics: CountingMetrics;
  logs: LogCapture;
}

describe('Kubernetes Events on the pod\'s owners', () => {
  let kube: KubeFake;
  let front: Awaited<ReturnType<typeof startTlsFront>>;
  let uid = 0;

  before(async () => {
    kube = await startKubeFake();
    front = await startTlsFront(kube.url);
    kube.setReplicaSet(NAMESPACE, 'web-7d4b9c', {
      uid: RS_UID,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: DEPLOYMENT_UID, controller: true, blockOwnerDeletion: true }],
    });
  });
  after(async () => {
    await Promise.all([front?.close(), kube?.close()]);
  });

  /** A fresh app (its own rate limit and caches); `kubeApi: false` gives one without Kubernetes access. */
  function harness(env: Record<string, string> = {}, kubeApi = true): Harness {
    const metrics = new CountingMetrics();
    const logs = new LogCapture();
    const access = kubeApi ? { ARCHY_KUBE_API_URL: front.url, ARCHY_KUBE_CA_DATA: front.caData } : {};
    const app = createApp({
      env: { ...access, ARCHY_TIME_BUDGET_MS: '2000', AWS_LAMBDA_LOG_STREAM_NAME: LOG_STREAM, ...env },
      logDestination: logs,
      metrics,
      registryTransport: new FuzzRegistryTransport(),
    });
    return { app, metrics, logs };
  }

  async function admit(app: App, object: Record<string, unknown>, request: Record<string, unknown> = {}): Promise<ReviewAnswer['response']> {
    const body = JSON.stringify(podAdmissionReview(`uid-${++uid}`, object, { namespace: NAMESPACE, request: { uid: 'the-uid', ...request } }));
    const response = await app.handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.statusCode, 200, response.body);
    return (JSON.parse(response.body) as ReviewAnswer).response;
  }

  /** Events POSTed since `from`, each checked against the API server's rules. */
  function eventsSince(from: number): SentEvent[] {
    return kube.events.slice(from).map(({ namespace, body }) => {
      assert.deepEqual(eventProblems(body, namespace), [], JSON.stringify(body));
      return body as SentEvent;
    });
  }

  /** What Events cost at the API since `from`: ReplicaSet reads and Event writes (not the cluster view's lists, nor pull secrets). */
  function eventRequests(from: number): string[] {
    return kube.requests
      .slice(from)
      .filter((request) => request.path.startsWith('/apis/events.k8s.io/') || request.path.startsWith('/apis/apps/'))
      .map((request) => `${request.method} ${request.path}`)
      .sort();
  }

  const unprefixed = (warnings: string[] | undefined): string[] => (warnings ?? []).map((warning) => warning.replace(/^archy: /, ''));

  test("a Deployment's pod falls back: the warning, as a Warning Event on its ReplicaSet and on its Deployment, each one the API server accepts", async () => {
    const { app, metrics } = harness();
    const from = kube.events.length;
    const asked = kube.requests.length;
    const answer = await admit(app, deploymentPod({ containers: containers('missing') }));
    const events = eventsSince(from);

    assert.deepEqual(events.map((event) => event.regarding).sort((a, b) => String(a.kind).localeCompare(String(b.kind))), [deploymentRef, replicaSetRef]);
    const [fallback, why] = unprefixed(answer.warnings).sort((a) => (a.startsWith('no image') ? -1 : 1));
    for (const event of events) {
      assert.equal(event.type, 'Warning');
      assert.equal(event.reason, 'ArchyFallback');
      assert.equal(event.action, 'Place');
      assert.equal(event.reportingController, 'archy.io/webhook');
      assert.equal(event.reportingInstance, LOG_STREAM, 'the log stream of the instance, where its logs are');
      assert.equal(event.note, `${fallback}; ${why}`, 'the warnings the ReplicaSet controller got and nobody read');
      assert.equal(event.metadata.namespace, NAMESPACE);
      assert.ok(event.metadata.name.startsWith(`${event.regarding.name}.`));
    }
    assert.notEqual(events[0]?.metadata.name, events[1]?.metadata.name);
    assert.deepEqual(eventRequests(asked), [`GET ${RS_PATH}`, `POST ${EVENTS_PATH}`, `POST ${EVENTS_PATH}`]);
    assert.equal(metrics.of('Events'), 2);
    assert.equal(metrics.of('EventErrors'), 0);
  });

  test('in audit mode the Event says nothing was changed before the warnings (which say what enforce would do)', async () => {
    const { app } = harness({ ARCHY_MODE: 'audit' });
    const from = kube.events.length;
    const answer = await admit(app, barePod({ containers: containers('missing') }, 'audited'));
    const events = eventsSince(from);
    assert.equal(events.length, 1);
    const [fallback, why] = unprefixed(answer.warnings).sort((a) => (a.startsWith('no image') ? -1 : 1));
    assert.equal(events[0]?.reason, 'ArchyFallback');
    assert.equal(events[0]?.note, `${AUDIT_NOTE_PREFIX}${fallback}; ${why}`);
  });

  test('the same admission again writes nothing and asks nothing; another reason on the same owners writes once more each', async () => {
    const { app } = harness();
    await admit(app, deploymentPod({ containers: containers('missing') }));
    const from = kube.events.length;
    const asked = kube.requests.length;

    await admit(app, deploymentPod({ containers: containers('missing') }));
    assert.equal(kube.events.length, from, 'no second Event of the same reason on the same object');
    assert.deepEqual(eventRequests(asked), [], 'the ReplicaSet is not read again');

    const answer = await admit(app, deploymentPod({ containers: containers('amd', 'arm') }));
    const events = eventsSince(from);
    assert.deepEqual(events.map((event) => `${event.regarding.kind}:${event.reason}`).sort(), ['Deployment:NoCommonArchitecture', 'ReplicaSet:NoCommonArchitecture']);
    assert.deepEqual(events.map((event) => event.note), unprefixed(answer.warnings).concat(unprefixed(answer.warnings)));
  });

  test('a bare pod: the Event regards the pod by namespace and name, without a uid (it has none yet); one without a name gets none', async () => {
    const { app } = harness();
    const from = kube.events.length;
    await admit(app, barePod({ containers: containers('missing') }));
    const events = eventsSince(from);
    assert.deepEqual(events.map((event) => event.regarding), [{ apiVersion: 'v1', kind: 'Pod', name: 'debug', namespace: NAMESPACE }]);

    await admit(app, barePod({ containers: containers('missing') }, undefined));
    assert.equal(kube.events.length, from + 1);
  });

  test('a dry run gets the same answer and records nothing', async () => {
    const pod = deploymentPod({ containers: containers('missing') });
    const dry = harness();
    const from = kube.events.length;
    const asked = kube.requests.length;
    const dryAnswer = await admit(dry.app, pod, { dryRun: true });
    assert.equal(kube.events.length, from);
    assert.deepEqual(eventRequests(asked), []);
    assert.deepEqual(dryAnswer, await admit(harness({}, false).app, pod));
  });

  test('a pod pinned to an architecture its image lacks: PinnedArchitectureUnsupported on its Job, with no lookup', async () => {
    const { app } = harness();
    const from = kube.events.length;
    const asked = kube.requests.length;
    const answer = await admit(app, jobPod({ nodeSelector: { 'kubernetes.io/arch': 'arm64' }, containers: containers('amd') }));
    const events = eventsSince(from);
    assert.deepEqual(events.map((event) => [event.reason, event.regarding]), [
      ['PinnedArchitectureUnsupported', { apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-29123', namespace: NAMESPACE, uid: JOB_UID }],
    ]);
    assert.deepEqual([events[0]?.note], unprefixed(answer.warnings));
    assert.deepEqual(eventRequests(asked), [`POST ${EVENTS_PATH}`]);
  });

  test('some images not checked: ImagesNotChecked; a pod placed without a doubt: nothing', async () => {
    const { app } = harness();
    const from = kube.events.length;
    await admit(app, jobPod({ containers: containers('multi', 'missing') }));
    assert.deepEqual(eventsSince(from).map((event) => event.reason), ['ImagesNotChecked']);
    await admit(app, deploymentPod({ containers: containers('multi') }));
    assert.equal(kube.events.length, from + 1);
  });

  test('no node or NodePool offers the architecture (the cluster view): NoNodeForArchitecture', async () => {
    kube.setNodes([
      { name: 'ip-10-0-1-1', labels: { 'kubernetes.io/arch': 'amd64' } },
      { name: 'ip-10-0-2-1', labels: { 'kubernetes.io/arch': 'arm64' } },
    ]);
    const { app } = harness();
    await admit(app, barePod({ containers: containers('multi') }));
    await app.idle();
    const from = kube.events.length;
    const answer = await admit(app, jobPod({ containers: containers('s390x') }));
    const events = eventsSince(from);
    assert.deepEqual(events.map((event) => event.reason), ['NoNodeForArchitecture']);
    assert.deepEqual([events[0]?.note], unprefixed(answer.warnings));
  });

  for (const [what, status] of [['500', 500], ['403 (RBAC not applied)', 403]] as const) {
    test(`the API server answers ${what}: the normal answer, the failure logged and counted`, async () => {
      kube.failEvents(status);
      try {
        const pod = deploymentPod({ containers: containers('missing') });
        const { app, metrics, logs } = harness();
        const answer = await admit(app, pod);
        assert.deepEqual(answer, await admit(harness({}, false).app, pod));
        assert.equal(metrics.of('EventErrors'), 2);
        assert.equal(metrics.of('Events'), 0);
        const logged = logs.entries().filter((entry) => entry.msg === 'could not record a Kubernetes Event; the admission goes on without it');
        assert.equal(logged.length, 2);
        assert.ok(logged.every((entry) => entry.level === 'warn' && String(entry.err).includes(`HTTP ${status}`)));
      } finally {
        kube.failEvents(undefined);
      }
    });
  }

  test('the Kubernetes API cannot be reached: the normal answer, the failure counted', async () => {
    // Images that resolve: a fallback would also say that the service account's pull secrets could not be read.
    const pod = barePod({ nodeSelector: { 'kubernetes.io/arch': 'arm64' }, containers: containers('amd') });
    const { app, metrics } = harness({ ARCHY_KUBE_API_URL: `https://127.0.0.1:${await closedPort()}` });
    assert.deepEqual(await admit(app, pod), await admit(harness({}, false).app, pod));
    assert.equal(metrics.of('EventErrors'), 1);
  });

  test('an API server that does not answer: the admission answers while the Event is still held, with its normal answer', async () => {
    let released = false;
    let release = (): void => undefined;
    kube.holdEvents(
      new Promise<void>((resolve) => {
        release = () => {
          released = true;
          resolve();
        };
      }),
    );
    try {
      const pod = deploymentPod({ containers: containers('missing') });
      const { app, metrics } = harness();
      const answer = await admit(app, pod);
      assert.equal(released, false, 'answered before the API server answered the Event');
      assert.deepEqual(answer, await admit(harness({}, false).app, pod));
      assert.ok(decodePatch({ apiVersion: '', kind: '', response: answer }).length > 0);
      assert.equal(metrics.of('EventErrors'), 2, 'both writes were cut off at their share of the budget');
    } finally {
      kube.holdEvents(undefined);
      release();
    }
  });

  test('without Kubernetes access nothing is written and nothing is counted', async () => {
    const { app, metrics } = harness({}, false);
    const from = kube.events.length;
    await admit(app, deploymentPod({ containers: containers('missing') }));
    assert.equal(kube.events.length, from);
    assert.equal(metrics.of('Events') + metrics.of('EventErrors'), 0);
  });
});
