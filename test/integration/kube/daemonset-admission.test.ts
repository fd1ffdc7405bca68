// A DaemonSet admission against the Kubernetes API fake behind TLS: its warnings go back to whoever
// applied it (kubectl, a GitOps controller), so it costs the Kubernetes API nothing: no Event (those
// regard a pod's owners), no Namespace read (no choice applies to a DaemonSet).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../../lib/app.ts';
import { type ReviewAnswer } from '../../support/admission.ts';
import { daemonSetReview } from '../../support/kube-rules/daemonset.ts';
import { startKubeFake, type KubeFake } from '../../support/kube-fake.ts';
import { FUZZ_REGISTRY, FuzzRegistryTransport } from '../../support/memory-registry.ts';
import { startTlsFront } from '../../reliability/support/servers.ts';
import { LogCapture } from '../../reliability/support/review.ts';

let kube: KubeFake;
let front: Awaited<ReturnType<typeof startTlsFront>>;

before(async () => {
  kube = await startKubeFake();
  front = await startTlsFront(kube.url);
  kube.setNamespace('monitoring', { 'archy.io/strategy': 'pin' });
});
after(async () => {
  await Promise.all([front?.close(), kube?.close()]);
});

test('a DaemonSet whose image cannot be checked: the warning in the answer, no Event and no Namespace read', async () => {
  const app = createApp({
    env: { ARCHY_KUBE_API_URL: front.url, ARCHY_KUBE_CA_DATA: front.caData },
    logDestination: new LogCapture(),
    registryTransport: new FuzzRegistryTransport(),
  });
  const object = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'log-agent', namespace: 'monitoring' },
    spec: {
      selector: { matchLabels: { app: 'log-agent' } },
      template: { metadata: { labels: { app: 'log-agent' } }, spec: { containers: [{ name: 'agent', image: `${FUZZ_REGISTRY}/missing:1` }, { name: 'exporter', image: `${FUZZ_REGISTRY}/multi:1` }] } },
    },
  };
  const asked = kube.requests.length;
  const response = await app.handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body: JSON.stringify(daemonSetReview('u-ds', object, { namespace: 'monitoring' })) });
  const answer = (JSON.parse(response.body) as ReviewAnswer).response;
  assert.match(answer.warnings?.join('\n') ?? '', /missing:1 \(container agent\) not checked/);
  assert.ok(answer.patch !== undefined, 'placed by the image that was checked');
  await app.idle();
  const paths = kube.requests.slice(asked).map((request) => request.path);
  assert.ok(!paths.some((path) => path.includes('/events') || path === '/api/v1/namespaces/monitoring'), JSON.stringify(paths));
});
