// The cluster view never costs an admission anything: a cold instance with Kubernetes access
// configured answers its first pod without loading @kubernetes/client-node (4 MB, >100 ms of
// blocked event loop) and without asking the Kubernetes API; the view is read after that answer,
// over plain HTTPS, and the next admission uses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

test('a cold app answers its first admission before the cluster view is read, and never loads the Kubernetes client for it', async () => {
  const probe = fileURLToPath(new URL('./cold-admission-probe.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [probe], { timeout: 30_000 });
  const report = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(report, {
    atFirstAnswer: { clientLoaded: false, kubeRequests: 0, warnings: [] },
    // The second admission's Event (nothing offers s390x) goes over the same plain HTTPS: still no client.
    afterRefresh: { clientLoaded: false, paths: ['/api/v1/nodes', '/apis/events.k8s.io/v1/namespaces/default/events', '/apis/karpenter.sh/v1/nodepools'] },
    second: ['archy: no node or NodePool in this cluster offers s390x (they offer amd64, arm64); the pod will stay Pending until one does'],
  });
});
