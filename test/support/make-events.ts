// Regenerates events/*.json: Lambda Function URL events (payload 2.0) wrapping AdmissionReviews
// for `sls invoke local`. Images live in the sample registry (`npm run samples`, localhost:5055).
// Run: node test/support/make-events.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { podAdmissionReview } from './review.ts';

export const SAMPLE_REGISTRY = 'localhost:5055';
const R = SAMPLE_REGISTRY;

type Pod = Record<string, unknown>;

function pod(name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name }, ...metadata },
    spec: { restartPolicy: 'Always', serviceAccountName: 'default', ...spec },
  };
}

function container(name: string, image: string): Record<string, unknown> {
  return { name, image, imagePullPolicy: 'IfNotPresent', resources: {} };
}

function review(uid: string, object: Pod): Record<string, unknown> {
  const metadata = object.metadata as { name: string; namespace: string };
  return podAdmissionReview(uid, object, { name: metadata.name, namespace: metadata.namespace, request: { options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions', fieldManager: 'kubectl-run' } } });
}

export function functionUrlEvent(body: string, path = '/mutate', method = 'POST'): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: 'timeout=10s',
    headers: { 'content-type': 'application/json', accept: 'application/json, */*', 'user-agent': 'kube-apiserver-admission', host: 'abcdefghij.lambda-url.us-east-1.on.aws' },
    queryStringParameters: { timeout: '10s' },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghij',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'kube-apiserver-admission' },
      requestId: '3f1c2d4e-0000-4000-8000-000000000001',
      routeKey: '$default',
      stage: '$default',
      time: '22/Nov/2026:12:00:00 +0000',
      timeEpoch: 1795348800000,
    },
    body,
    isBase64Encoded: false,
  };
}

export const SAMPLE_EVENTS: Record<string, { body: string; expect: string }> = {
  'single-arch.json': {
    body: JSON.stringify(review('6b1d4a51-1a5c-4c7e-9b10-000000000001', pod('legacy', { containers: [container('app', `${R}/samples/amd64-only:1.0`)] }))),
    expect: 'nodeSelector kubernetes.io/arch=amd64',
  },
  'multi-arch.json': {
    body: JSON.stringify(review('6b1d4a51-1a5c-4c7e-9b10-000000000002', pod('web', { containers: [container('web', `${R}/samples/multi:1.0`)] }))),
    expect: 'required affinity kubernetes.io/arch In [amd64, arm64] and a preferred term',
  },
  'several-containers.json': {
    body: JSON.stringify(review('6b1d4a51-1a5c-4c7e-9b10-000000000003', pod('api', {
      containers: [container('api', `${R}/samples/multi:1.0`), container('proxy', `${R}/samples/multi-wide:2.1`), container('agent', `${R}/samples/arm64-only:0.3`)],
    }))),
    expect: 'nodeSelector kubernetes.io/arch=arm64 (the only architecture all three share)',
  },
  'init-and-ephemeral.json': {
    body: JSON.stringify(review('6b1d4a51-1a5c-4c7e-9b10-000000000004', pod('batch', {
      initContainers: [container('migrate', `${R}/samples/amd64-only:1.0`)],
      containers: [container('worker', `${R}/samples/multi:1.0`)],
      ephemeralContainers: [{ name: 'debugger', image: `${R}/samples/multi-wide:2.1`, targetContainerName: 'worker' }],
    }))),
    expect: 'nodeSelector kubernetes.io/arch=amd64 (the init container is amd64 only)',
  },
  'arch-already-set.json': {
    body: JSON.stringify(review('6b1d4a51-1a5c-4c7e-9b10-000000000005', pod('pinned', {
      nodeSelector: { 'kubernetes.io/arch': 'arm64' },
      containers: [container('app', `${R}/samples/multi:1.0`)],
    }))),
    expect: 'no patch: the pod already chooses its architecture',
  },
  'daemonset-pod.json': {
    body: JSON.stringify(review('6b1d4a51-1a5c-4c7e-9b10-000000000006', pod('node-agent-x7k2p', {
      containers: [container('agent', `${R}/samples/amd64-only:1.0`)],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['ip-10-0-1-23.ec2.internal'] }] }] } } },
    }, {
      generateName: 'node-agent-',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-agent', uid: '0d5a3c1e-1111-4c2b-8a5e-2f6a0c9b7d10', controller: true, blockOwnerDeletion: true }],
    }))),
    expect: 'no patch: DaemonSet pods go where their DaemonSet puts them',
  },
  'opt-out.json': {
    body: JSON.stringify(review('6b1d4a51-1a5c-4c7e-9b10-000000000007', pod('hands-off', { containers: [container('app', `${R}/samples/amd64-only:1.0`)] }, { annotations: { 'archy.io/skip': 'true' } }))),
    expect: 'no patch: the pod opted out',
  },
  'no-common-arch.json': {
    body: JSON.stringify(review('6b1d4a51-1a5c-4c7e-9b10-000000000008', pod('mismatch', {
      containers: [container('app', `${R}/samples/amd64-only:1.0`), container('sidecar', `${R}/samples/s390x-only:1.0`)],
    }))),
    expect: 'no patch, and a warning naming each image and its platforms',
  },
  'malformed-body.json': {
    body: '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":',
    expect: '400 with the JSON parse error as the reason',
  },
};

if (import.meta.main) {
  const dir = join(import.meta.dirname, '..', '..', 'events');
  for (const [file, { body }] of Object.entries(SAMPLE_EVENTS)) {
    writeFileSync(join(dir, file), `${JSON.stringify(functionUrlEvent(body), null, 2)}\n`);
  }
  console.log(`wrote ${Object.keys(SAMPLE_EVENTS).length} events to events/`);
}
