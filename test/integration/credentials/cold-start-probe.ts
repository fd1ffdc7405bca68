// Run as its own process by cached-public.test.ts: records every module specifier resolved, then
// admits a pod that names pull secrets while its (public) image is already cached, and reports
// whether @kubernetes/client-node was loaded, before and after a real read of a pull secret.
import { registerHooks } from 'node:module';

const resolved = new Set<string>();
registerHooks({
  resolve(specifier, context, next) {
    resolved.add(specifier);
    return next(specifier, context);
  },
});

const { MemoryCache } = await import('../../../lib/cache/memory.ts');
const { createPodCredentials } = await import('../../../lib/credentials/pod-credentials.ts');
const { Deadline } = await import('../../../lib/deadline.ts');
const { createKubeAccess } = await import('../../../lib/kube/kube-client.ts');
const { Resolver } = await import('../../../lib/resolver/resolver.ts');
const { startKubeFake } = await import('../../support/kube-fake.ts');
const { FakeSource, linux } = await import('../../unit/resolver/fake-source.ts');

const { selfSignedCertificate } = await import('../../../lib/local/certificate.ts');

const CLIENT = '@kubernetes/client-node';
// Served over HTTPS with its own CA, as an API server is (plain http:// needs skipTLSVerify).
const { cert, key } = await selfSignedCertificate(['localhost'], ['127.0.0.1']);
const kube = await startKubeFake({ tls: { cert, key } });
kube.setPullSecret('shop', 'regcred', { 'ghcr.io': { username: 'bot', password: 'pw' } });
const access = createKubeAccess({ kubeApiUrl: kube.url, kubeCaData: Buffer.from(cert).toString('base64') });
const source = new FakeSource();
source.push('docker.io/library/nginx', 'latest', [linux('amd64'), linux('arm64')]);
const config = { digestTtlSeconds: 86400, tagTtlSeconds: 3600, negativeTtlSeconds: 60, staleTtlSeconds: 86400 };
const resolver = new Resolver({ source, cache: new MemoryCache(100), config });

async function admit(namespace: string, imagePullSecrets: string[]): Promise<string | undefined> {
  const deadline = new Deadline(5000);
  const credentials = createPodCredentials({ kube: access.get, namespace, imagePullSecrets, deadline });
  const result = await resolver.resolveAll([{ image: 'nginx' }], deadline, { credentials });
  await result.pendingWrites;
  deadline.dispose();
  const answer = result.resolutions[0];
  return answer?.ok ? answer.source : answer?.error;
}

const first = await admit('default', []);
const second = await admit('shop', ['regcred']);
const loadedBefore = resolved.has(CLIENT);
const requestsBefore = kube.requests.length;
const secret = await (await access.get()).getSecret('shop', 'regcred');
const loadedAfter = resolved.has(CLIENT);
await kube.close();
process.stdout.write(JSON.stringify({ first, second, loadedBefore, requestsBefore, secretRead: secret.type === 'kubernetes.io/dockerconfigjson', loadedAfter }));
