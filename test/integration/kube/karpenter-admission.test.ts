// Karpenter-aware placement through the whole app (lib/app.ts): the Kubernetes API fake behind TLS
// serves an EKS Auto Mode cluster with a tainted Graviton NodePool; images come from the in-memory
// registry (multi = amd64+arm64, arm, amd, s390x).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../../lib/app.ts';
import { startKubeFake, type KubeFake } from '../../support/kube-fake.ts';
import { FUZZ_REGISTRY, FuzzRegistryTransport } from '../../support/memory-registry.ts';
import { applyAnswer, type ReviewAnswer } from '../../support/admission.ts';
import { startTlsFront } from '../../reliability/support/servers.ts';
import { archIn, autoModeGeneralPurpose, autoModeSystem, gravitonPool, nodePool, NODEPOOLS } from '../../unit/kube/karpenter-objects.ts';

interface PlacedPod {
  metadata: { annotations?: Record<string, string> };
  spec: {
    nodeSelector?: Record<string, string>;
    tolerations?: unknown[];
    affinity?: { nodeAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: Array<{ preference: { matchExpressions: Array<{ values: string[] }> } }> } };
  };
}

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
const gravitonToleration = { key: 'arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' };

describe('Karpenter-aware placement through the app', () => {
  let kube: KubeFake;
  let front: Awaited<ReturnType<typeof startTlsFront>>;

  before(async () => {
    kube = await startKubeFake();
    front = await startTlsFront(kube.url);
    kube.setNodes([
      { name: 'ip-10-0-1-1', labels: { 'kubernetes.io/arch': 'amd64' } },
      { name: 'ip-10-0-1-2', labels: { 'kubernetes.io/arch': 'amd64' } },
      { name: 'ip-10-0-2-1', labels: { 'kubernetes.io/arch': 'arm64' } },
      { name: 'ip-10-0-2-2', labels: { 'kubernetes.io/arch': 'arm64' } },
    ]);
  });
  after(async () => {
    await Promise.all([front?.close(), kube?.close()]);
  });

  /** A fresh app whose cluster view has been read (after its first answer, as in Lambda). */
  async function appWith(tolerate: boolean): Promise<App> {
    kube.setList(NODEPOOLS, 'NodePoolList', [
      autoModeGeneralPurpose(),
      autoModeSystem(),
      gravitonPool({ tolerate }),
      // Heavier, but not Ready: it must neither steer the preference nor be named.
      nodePool('next-gen', { requirements: [archIn('amd64')], weight: 90, ready: false }),
    ]);
    const app = createApp({ env: { ARCHY_KUBE_API_URL: front.url, ARCHY_KUBE_CA_DATA: front.caData }, logDestination: silent, registryTransport: new FuzzRegistryTransport() });
    await admit(app, 'amd');
    await app.idle();
    return app;
  }

  async function admit(app: App, image: string): Promise<{ pod: PlacedPod; warnings: string[] }> {
    const object = { metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: `${FUZZ_REGISTRY}/${image}:1` }] } };
    const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: `uid-${image}`, operation: 'CREATE', namespace: 'shop', object } });
    const response = await app.handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.statusCode, 200, response.body);
    const answer = JSON.parse(response.body) as ReviewAnswer;
    return { pod: applyAnswer(object, answer) as PlacedPod, warnings: answer.response.warnings ?? [] };
  }

  const preferredArch = (pod: PlacedPod): string[] =>
    (pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((term) => term.preference.matchExpressions[0]?.values[0] ?? '?');

  test('an s390x-only pod in an amd64/arm64 cluster: still placed on s390x, with a warning and a reason', async () => {
    const { pod, warnings } = await admit(await appWith(true), 's390x');
    assert.equal(pod.spec.nodeSelector?.['kubernetes.io/arch'], 's390x');
    assert.deepEqual(warnings, ['archy: no node or NodePool in this cluster offers s390x (they offer amd64, arm64); the pod will stay Pending until one does']);
    assert.equal(pod.metadata.annotations?.['archy.io/reason'], 'pending: no node or NodePool offers s390x');
  });

  test("an arm64-only pod gets the Graviton pool's toleration only when the pool opts in", async () => {
    const optedIn = await admit(await appWith(true), 'arm');
    assert.deepEqual(optedIn.pod.spec.tolerations, [gravitonToleration]);
    assert.equal(optedIn.pod.metadata.annotations?.['archy.io/nodepools'], 'graviton,system');
    const notOptedIn = await admit(await appWith(false), 'arm');
    assert.equal(notOptedIn.pod.spec.tolerations, undefined);
    assert.deepEqual(notOptedIn.warnings, []);
  });

  test('an amd64-only pod never gets it', async () => {
    const { pod } = await admit(await appWith(true), 'amd');
    assert.equal(pod.spec.nodeSelector?.['kubernetes.io/arch'], 'amd64');
    assert.equal(pod.spec.tolerations, undefined);
    assert.equal(pod.metadata.annotations?.['archy.io/nodepools'], 'general-purpose,system');
  });

  test('a multi-arch pod: nodes tie 2-2, so the heaviest Ready pool (graviton) decides the preferred term', async () => {
    const { pod } = await admit(await appWith(true), 'multi');
    assert.deepEqual(preferredArch(pod), ['arm64']);
    assert.deepEqual(pod.spec.tolerations, [gravitonToleration]);
    assert.equal(pod.metadata.annotations?.['archy.io/nodepools'], 'graviton,general-purpose,system');
  });

  test('the first admission of a cold instance does not wait for the view: placed as without one', async () => {
    kube.setList(NODEPOOLS, 'NodePoolList', [gravitonPool({ tolerate: true })]);
    const app = createApp({ env: { ARCHY_KUBE_API_URL: front.url, ARCHY_KUBE_CA_DATA: front.caData }, logDestination: silent, registryTransport: new FuzzRegistryTransport() });
    const first = await admit(app, 'multi');
    assert.deepEqual(preferredArch(first.pod), ['amd64'], 'the default architecture');
    assert.equal(first.pod.spec.tolerations, undefined);
    await app.idle();
    assert.deepEqual((await admit(app, 'multi')).pod.spec.tolerations, [gravitonToleration]);
  });
});
