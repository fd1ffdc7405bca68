// Audit mode and DaemonSets through the app (router, admitter, resolver, placement) against the
// in-memory registry: what the API server gets back, what the log line and the metrics say, and
// what /healthz shows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../../lib/app.ts';
import type { Dimensions, Metrics } from '../../../lib/metrics/metrics.ts';
import { applyAnswer, decodePatch, type ReviewAnswer } from '../../support/admission.ts';
import { daemonSetReview } from '../../support/kube-rules/daemonset.ts';
import { podProblems } from '../../support/kube-rules/validation.ts';
import { FUZZ_REGISTRY, FuzzRegistryTransport } from '../../support/memory-registry.ts';
import { podAdmissionReview } from '../../support/review.ts';
import { LogCapture } from '../../reliability/support/review.ts';

class RecordingMetrics implements Metrics {
  readonly counts: Array<{ name: string; value: number; dimensions: Dimensions }> = [];
  count(name: string, value = 1, dimensions: Dimensions = {}): void {
    this.counts.push({ name, value, dimensions });
  }
  timing(): void {}
}

/** Counts the registry's manifest requests. */
class CountingTransport extends FuzzRegistryTransport {
  requests = 0;
  override request(...args: Parameters<FuzzRegistryTransport['request']>): ReturnType<FuzzRegistryTransport['request']> {
    this.requests += 1;
    return super.request(...args);
  }
}

function harness(env: Record<string, string> = {}) {
  const logs = new LogCapture();
  const metrics = new RecordingMetrics();
  const transport = new CountingTransport();
  const app = createApp({ env: { KUBECONFIG: '/nonexistent', ...env }, logDestination: logs, metrics, registryTransport: transport });
  const send = async (review: Record<string, unknown>): Promise<ReviewAnswer> => {
    const response = await app.handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body: JSON.stringify(review) });
    assert.equal(response.statusCode, 200, response.body);
    return JSON.parse(response.body) as ReviewAnswer;
  };
  const admissionLines = (): Array<Record<string, unknown>> => logs.entries().filter((entry) => entry.msg === 'admission');
  return { app, logs, metrics, transport, send, admissionLines };
}

const image = (name: string): string => `${FUZZ_REGISTRY}/${name}:1`;
const pod = (namespace: string, name = 'multi'): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace }, spec: { containers: [{ name: 'app', image: image(name) }] } });

function daemonSet(imageName: string): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-exporter', namespace: 'monitoring', labels: { app: 'node-exporter' } },
    spec: {
      selector: { matchLabels: { app: 'node-exporter' } },
      template: {
        metadata: { labels: { app: 'node-exporter' } },
        spec: { hostNetwork: true, hostPID: true, containers: [{ name: 'node-exporter', image: image(imageName), args: ['--path.rootfs=/host'] }], tolerations: [{ operator: 'Exists' }] },
      },
    },
  };
}

describe('audit mode through the app', () => {
  test('ARCHY_AUDIT_NAMESPACES: a pod there gets only the records; elsewhere it is placed; the log line and the metrics carry the mode', async () => {
    const { send, admissionLines, metrics } = harness({ ARCHY_AUDIT_NAMESPACES: 'payments' });
    const audited = await send(podAdmissionReview('u-audit', pod('payments'), { namespace: 'payments' }));
    assert.ok(decodePatch(audited).every((op) => op.path.startsWith('/metadata/annotations')), JSON.stringify(decodePatch(audited)));
    const auditedPod = applyAnswer(pod('payments'), audited) as { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> };
    assert.deepEqual(auditedPod.metadata.annotations, { 'archy.io/architectures': 'amd64,arm64', 'archy.io/would-place': 'amd64,arm64' });
    assert.deepEqual(auditedPod.spec, pod('payments').spec);

    const enforced = await send(podAdmissionReview('u-enforce', pod('web'), { namespace: 'web' }));
    assert.ok(decodePatch(enforced).some((op) => op.path.startsWith('/spec/affinity')));

    assert.deepEqual(admissionLines().map((line) => [line.namespace, line.mode, line.decision]), [['payments', 'audit', 'mutate'], ['web', 'enforce', 'mutate']]);
    const mutations = metrics.counts.filter((entry) => entry.name === 'Mutations').map((entry) => entry.dimensions);
    assert.deepEqual(mutations, [{ mode: 'audit' }, { mode: 'enforce' }]);
    assert.deepEqual(metrics.counts.filter((entry) => entry.name === 'Admissions').map((entry) => entry.dimensions.mode), ['audit', 'enforce']);
  });

  test('ARCHY_MODE=audit: a skip is counted with its mode too', async () => {
    const { send, metrics } = harness({ ARCHY_MODE: 'audit' });
    await send(podAdmissionReview('u-pinned', { ...pod('web'), spec: { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, containers: [{ name: 'app', image: image('multi') }] } }, { namespace: 'web' }));
    assert.deepEqual(metrics.counts.find((entry) => entry.name === 'Skips')?.dimensions, { reason: 'arch-constrained', mode: 'audit' });
  });

  test('/healthz shows the mode, and the namespaces that audit while the rest enforce', async () => {
    const health = async (env: Record<string, string>): Promise<Record<string, unknown>> => {
      const response = await harness(env).app.handle({ method: 'GET', path: '/healthz', headers: {} });
      return JSON.parse(response.body) as Record<string, unknown>;
    };
    assert.equal((await health({})).mode, 'enforce');
    assert.equal((await health({ ARCHY_MODE: 'audit' })).mode, 'audit');
    const some = await health({ ARCHY_AUDIT_NAMESPACES: 'payments,legacy' });
    assert.equal(some.mode, 'enforce');
    assert.deepEqual(some.auditNamespaces, ['payments', 'legacy']);
  });
});

describe('DaemonSets through the app', () => {
  test('CREATE: the rule goes into the pod template, valid as the API server checks it; the log line names the DaemonSet', async () => {
    const { send, admissionLines } = harness();
    const object = daemonSet('wide');
    const answer = await send(daemonSetReview('u-ds', object, { namespace: 'monitoring' }));
    assert.ok(decodePatch(answer).every((op) => op.path.startsWith('/spec/template/')), JSON.stringify(decodePatch(answer)));
    const placed = applyAnswer(object, answer) as { spec: { template: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> } } };
    assert.deepEqual(placed.spec.template.spec.affinity, {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64', 's390x'] }] }] } },
    });
    assert.equal(placed.spec.template.metadata.annotations['archy.io/architectures'], 'amd64,arm64,s390x');
    assert.deepEqual(podProblems({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', ...placed.spec.template.metadata }, spec: placed.spec.template.spec }), []);
    const [line] = admissionLines();
    assert.equal(line?.daemonSet, 'node-exporter');
    assert.equal(line?.decision, 'mutate');
  });

  test('UPDATE with nothing relevant changed: no patch, and no registry asked', async () => {
    const { send, transport } = harness();
    const object = daemonSet('multi');
    const placed = applyAnswer(object, await send(daemonSetReview('u-1', object, { namespace: 'monitoring' }))) as Record<string, unknown>;
    const asked = transport.requests;
    const relabelled = structuredClone(placed) as { metadata: { labels: Record<string, string> } };
    relabelled.metadata.labels.team = 'observability';
    const answer = await send(daemonSetReview('u-2', relabelled, { namespace: 'monitoring', operation: 'UPDATE', oldObject: placed }));
    assert.equal(answer.response.patch, undefined);
    assert.equal(transport.requests, asked);
  });

  test('a DaemonSet whose images share no architecture is left alone, with the warning kubectl shows', async () => {
    const { send } = harness();
    const object = daemonSet('amd');
    (object.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers.push({ name: 'sidecar', image: image('arm') });
    const answer = await send(daemonSetReview('u-3', object, { namespace: 'monitoring' }));
    assert.equal(answer.response.patch, undefined);
    assert.match(answer.response.warnings?.join('\n') ?? '', /no architecture is common to all images/);
  });

  test('a DaemonSet in kube-system is left alone', async () => {
    const { send } = harness();
    const object = { ...daemonSet('multi'), metadata: { name: 'kube-proxy', namespace: 'kube-system' } };
    const answer = await send(daemonSetReview('u-4', object, { namespace: 'kube-system' }));
    assert.equal(answer.response.patch, undefined);
  });
});
