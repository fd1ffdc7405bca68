// A Namespace's defaults through the whole app (lib/app.ts): archy.io/ annotations on the Namespace,
// read from the Kubernetes API fake behind TLS (one GET of its metadata, cached), applied below the
// pod's own and above the environment's; a cold read never holds an admission past a small share of
// its budget. Images come from the in-memory registry (multi = amd64+arm64, wide = +s390x, amd).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp, type App } from '../../../lib/app.ts';
import { applyAnswer, type ReviewAnswer } from '../../support/admission.ts';
import { startKubeFake, type KubeFake } from '../../support/kube-fake.ts';
import { FUZZ_REGISTRY, FuzzRegistryTransport } from '../../support/memory-registry.ts';
import { podAdmissionReview } from '../../support/review.ts';
import { startTlsFront } from '../../reliability/support/servers.ts';
import { LogCapture } from '../../reliability/support/review.ts';

interface Placed {
  metadata: { annotations?: Record<string, string> };
  spec: { nodeSelector?: Record<string, string>; affinity?: { nodeAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: Array<{ preference: { matchExpressions: Array<{ values: string[] }> } }> } } };
}

const image = (name: string): string => `${FUZZ_REGISTRY}/${name}:1`;

describe("a Namespace's archy.io/ annotations are its pods' defaults", () => {
  let kube: KubeFake;
  let front: Awaited<ReturnType<typeof startTlsFront>>;
  let uid = 0;

  before(async () => {
    kube = await startKubeFake();
    front = await startTlsFront(kube.url);
    kube.setNamespace('graviton-first', { 'archy.io/strategy': 'pin', 'archy.io/preferred-arch': 'arm64', 'example.com/owner': 'team-a', 'example.com/notes': 'x'.repeat(100_000) });
    kube.setNamespace('typos', { 'archy.io/preferred-arch': 'aarch64' });
    kube.setNamespace('plain', {});
  });
  after(async () => {
    await Promise.all([front?.close(), kube?.close()]);
  });

  function app(env: Record<string, string> = {}): { app: App; logs: LogCapture } {
    const logs = new LogCapture();
    const created = createApp({
      env: { ARCHY_KUBE_API_URL: front.url, ARCHY_KUBE_CA_DATA: front.caData, ARCHY_TIME_BUDGET_MS: '5000', ARCHY_PREFERRED_ARCH: 'amd64', ...env },
      logDestination: logs,
      registryTransport: new FuzzRegistryTransport(),
    });
    return { app: created, logs };
  }

  function pod(namespace: string, name: string, annotations: Record<string, string> = {}): Record<string, unknown> {
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${++uid}`, namespace, annotations }, spec: { containers: [{ name: 'app', image: image(name) }] } };
  }

  async function admit(target: App, object: Record<string, unknown>): Promise<{ answer: ReviewAnswer; placed: Placed }> {
    const namespace = (object.metadata as { namespace: string }).namespace;
    const body = JSON.stringify(podAdmissionReview(`uid-${++uid}`, object, { namespace }));
    const response = await target.handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.statusCode, 200, response.body);
    const answer = JSON.parse(response.body) as ReviewAnswer;
    return { answer, placed: applyAnswer(object, answer) as Placed };
  }

  const namespaceReads = (name: string): number => kube.requests.filter((request) => request.path === `/api/v1/namespaces/${name}`).length;
  const preferred = (placed: Placed): string | undefined => placed.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.preference.matchExpressions[0]?.values[0];

  test('the Namespace chooses for its pods, read once for many admissions', async () => {
    const { app: target } = app();
    const before = namespaceReads('graviton-first');
    const first = await admit(target, pod('graviton-first', 'multi'));
    assert.deepEqual(first.placed.spec.nodeSelector, { 'kubernetes.io/arch': 'arm64' }, 'pinned to the namespace\'s preference, over ARCHY_PREFERRED_ARCH=amd64 and strategy affinity');
    const second = await admit(target, pod('graviton-first', 'wide'));
    assert.deepEqual(second.placed.spec.nodeSelector, { 'kubernetes.io/arch': 'arm64' });
    assert.equal(namespaceReads('graviton-first') - before, 1, 'one GET of the Namespace, then the cache');
  });

  test("the pod's own annotation wins over its Namespace's, one choice at a time", async () => {
    const { app: target } = app();
    const own = await admit(target, pod('graviton-first', 'multi', { 'archy.io/strategy': 'affinity' }));
    assert.equal(own.placed.spec.nodeSelector, undefined);
    assert.equal(preferred(own.placed), 'arm64', "the Namespace's preference still applies");
    const preferAmd = await admit(target, pod('graviton-first', 'multi', { 'archy.io/preferred-arch': 'amd64' }));
    assert.deepEqual(preferAmd.placed.spec.nodeSelector, { 'kubernetes.io/arch': 'amd64' }, "the Namespace's strategy, the pod's preference");
  });

  test('an invalid Namespace annotation is ignored with a warning naming the namespace and the annotation', async () => {
    const { app: target } = app();
    const { answer, placed } = await admit(target, pod('typos', 'multi'));
    assert.equal(preferred(placed), 'amd64', 'the environment applies');
    assert.ok(answer.response.warnings?.includes('archy: namespace typos annotation archy.io/preferred-arch "aarch64" is not a Kubernetes architecture name (use "arm64"); it was ignored'), JSON.stringify(answer.response.warnings));
  });

  test('a pod whose placement no choice decides (one architecture) costs no Namespace read', async () => {
    const { app: target } = app();
    const before = namespaceReads('plain');
    const { placed } = await admit(target, pod('plain', 'amd'));
    assert.deepEqual(placed.spec.nodeSelector, { 'kubernetes.io/arch': 'amd64' });
    assert.equal(namespaceReads('plain'), before);
  });

  test('a cold read the API holds back: the admission goes on without it, and the next one has it', async () => {
    const { app: target } = app();
    let release = (): void => undefined;
    kube.holdNamespaces(new Promise<void>((resolve) => (release = resolve)));
    try {
      const cold = await admit(target, pod('graviton-first', 'multi'));
      assert.equal(cold.placed.spec.nodeSelector, undefined, 'placed by the environment, not held for the Namespace');
      assert.equal(preferred(cold.placed), 'amd64');
    } finally {
      kube.holdNamespaces(undefined);
      release();
    }
    const warm = await admit(target, pod('graviton-first', 'multi'));
    assert.deepEqual(warm.placed.spec.nodeSelector, { 'kubernetes.io/arch': 'arm64' }, 'the read went on and serves the next admission');
  });

  test('not allowed to get namespaces (RBAC not applied yet): the environment applies, said once in the log, not asked again at once', async () => {
    const { app: target, logs } = app();
    kube.failNamespaces(403);
    try {
      const before = namespaceReads('graviton-first');
      const first = await admit(target, pod('graviton-first', 'multi'));
      const second = await admit(target, pod('graviton-first', 'multi'));
      for (const { placed } of [first, second]) assert.equal(preferred(placed), 'amd64');
      assert.equal(namespaceReads('graviton-first') - before, 1);
      assert.equal(logs.entries().filter((entry) => String(entry.msg).startsWith('may not get namespaces')).length, 1);
    } finally {
      kube.failNamespaces(undefined);
    }
  });
});
