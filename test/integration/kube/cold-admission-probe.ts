// Run as its own process by cold-admission.test.ts: a cold app (lib/app.ts, the code Lambda runs)
// with Kubernetes access configured (the fake API behind TLS, as ARCHY_KUBE_API_URL) admits its
// first pod. Reports whether @kubernetes/client-node was loaded and whether the Kubernetes API was
// asked anything before that answer, then what the cluster view did after it.
import { registerHooks } from 'node:module';
import { Writable } from 'node:stream';

const resolved = new Set<string>();
registerHooks({
  resolve(specifier, context, next) {
    resolved.add(specifier);
    return next(specifier, context);
  },
});

const { createApp } = await import('../../../lib/app.ts');
const { startKubeFake } = await import('../../support/kube-fake.ts');
const { startTlsFront } = await import('../../reliability/support/servers.ts');
const { FUZZ_REGISTRY, FuzzRegistryTransport } = await import('../../support/memory-registry.ts');
const { autoModeGeneralPurpose, autoModeSystem, NODEPOOLS } = await import('../../unit/kube/karpenter-objects.ts');

const CLIENT = '@kubernetes/client-node';
const kube = await startKubeFake();
kube.setNodes([{ name: 'ip-10-0-1-1', labels: { 'kubernetes.io/arch': 'amd64' } }, { name: 'ip-10-0-1-2', labels: { 'kubernetes.io/arch': 'arm64' } }]);
kube.setList(NODEPOOLS, 'NodePoolList', [autoModeGeneralPurpose(), autoModeSystem()]);
const front = await startTlsFront(kube.url);
const app = createApp({
  env: { ARCHY_KUBE_API_URL: front.url, ARCHY_KUBE_CA_DATA: front.caData },
  logDestination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  registryTransport: new FuzzRegistryTransport(),
});

async function admit(image: string): Promise<{ warnings: string[] }> {
  const object = { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: `${FUZZ_REGISTRY}/${image}:1` }] } };
  const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: `uid-${image}`, operation: 'CREATE', namespace: 'default', object } });
  const response = await app.handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body });
  return { warnings: (JSON.parse(response.body) as { response: { warnings?: string[] } }).response.warnings ?? [] };
}

const first = await admit('s390x');
const atFirstAnswer = { clientLoaded: resolved.has(CLIENT), kubeRequests: kube.requests.length, warnings: first.warnings };
await app.idle();
const second = await admit('s390x');
const report = {
  atFirstAnswer,
  afterRefresh: { clientLoaded: resolved.has(CLIENT), paths: [...new Set(kube.requests.map((request) => request.path))].sort() },
  second: second.warnings,
};
await Promise.all([front.close(), kube.close()]);
process.stdout.write(JSON.stringify(report));
