// The AdmissionReview every tier admits: a 3-container Deployment-style pod, shaped like what the
// API server sends (managed fields and all), with the images given.
import type { HttpRequest } from '../../lib/http/router.ts';
import { podAdmissionReview } from '../../test/support/review.ts';

export function podReview(uid: string, images: string[], extraSpec: Record<string, unknown> = {}): Record<string, unknown> {
  const object = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'web-7d9c8b6f4d-',
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': '7d9c8b6f4d', tier: 'frontend' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-22T12:00:00Z' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9c8b6f4d', uid: '0d6a7c1e-5f2b-4c33-9a51-3e7f7f0c9b12', controller: true, blockOwnerDeletion: true }],
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: '2026-11-22T12:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {} } } } }],
    },
    spec: {
      containers: images.map((image, index) => ({
        name: `c${index}`,
        image,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 8080 + index, protocol: 'TCP' }],
        env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        volumeMounts: [{ name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      })),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      volumes: [{ name: 'kube-api-access-x7k2p', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
      ...extraSpec,
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
  return podAdmissionReview(uid, object, {
    namespace: 'shop',
    userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', uid: '5b1c9f0e-3c58-4c55-8f7d-0f55d6c3e0aa', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
  });
}

export function uidFor(i: number): string {
  return `6b1d4a51-1a5c-4c7e-9b10-${String(i).padStart(12, '0')}`;
}

export function mutateRequest(body: string): HttpRequest {
  return { method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body };
}

/** A pino destination that keeps only the last line: the benchmark measures Archy, not a terminal. */
export interface LastLine {
  write(line: string): void;
  last: string;
}

export function discardingDestination(): LastLine {
  const destination: LastLine = {
    last: '',
    write(line: string) {
      destination.last = line;
    },
  };
  return destination;
}

/** The cache tiers the last admission log line reports, e.g. `{ memory: 3, … }`. */
export function lastTiers(destination: LastLine): Record<string, number> {
  const lines = destination.last.trim().split('\n');
  const admission = lines.map((line) => JSON.parse(line) as { msg?: string; tiers?: Record<string, number> }).findLast((line) => line.msg === 'admission');
  return admission?.tiers ?? {};
}

/** Environment for an in-process app: nothing from the bench's own environment leaks in. */
export function benchEnv(overrides: Record<string, string>): Record<string, string> {
  return { ARCHY_PREFERRED_ARCH: 'amd64', ARCHY_LOG_LEVEL: 'info', ...overrides };
}
