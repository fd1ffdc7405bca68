// DaemonSets for the placement rules: a pod's spec as the pod template of an apps/v1 DaemonSet, the
// AdmissionReview the API server sends for it (CREATE, or UPDATE with the old object), and the
// template read back as the pod the DaemonSet controller would create from it, which the
// validation and the scheduler of this folder judge as any pod.

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A DaemonSet in `namespace` whose template is the pod's metadata (labels, annotations) and spec. */
export function daemonSetOf(pod: unknown, name = 'node-agent', namespace = 'default'): Json {
  const metadata = record(record(pod)?.metadata) ?? {};
  const labels = { app: name, ...(record(metadata.labels) ?? {}) };
  const template: Json = { metadata: { labels, ...(metadata.annotations ? { annotations: metadata.annotations } : {}) }, spec: structuredClone(record(pod)?.spec ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace, labels: { app: name }, generation: 1 },
    spec: { selector: { matchLabels: labels }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }, template },
  };
}

/** The template as the pod the DaemonSet controller creates (what the API server validates). */
export function templatePod(daemonSet: unknown): Json {
  const template = record(record(record(daemonSet)?.spec)?.template) ?? {};
  const metadata = record(template.metadata) ?? {};
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: 'node-agent-x7k2p', namespace: 'default' }, spec: template.spec };
}

/** The same DaemonSet with its template's container and init container images replaced by `next(image)`. */
export function withImages(daemonSet: Json, next: (image: string) => string): Json {
  const copy = structuredClone(daemonSet);
  const spec = record(record(record(copy.spec)?.template)?.spec) ?? {};
  for (const field of ['containers', 'initContainers']) {
    for (const container of Array.isArray(spec[field]) ? (spec[field] as unknown[]) : []) {
      const entry = record(container);
      if (entry && typeof entry.image === 'string') entry.image = next(entry.image);
    }
  }
  return copy;
}

export interface DaemonSetReviewOptions {
  operation?: 'CREATE' | 'UPDATE';
  oldObject?: unknown;
  namespace?: string;
  dryRun?: boolean;
}

/** An AdmissionReview for a DaemonSet, shaped as the API server sends it (admission.k8s.io/v1). */
export function daemonSetReview(uid: string, object: unknown, options: DaemonSetReviewOptions = {}): Json {
  const operation = options.operation ?? 'CREATE';
  const gvk = { group: 'apps', version: 'v1', kind: 'DaemonSet' };
  const resource = { group: 'apps', version: 'v1', resource: 'daemonsets' };
  const name = record(record(object)?.metadata)?.name;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: gvk,
      resource,
      requestKind: gvk,
      requestResource: resource,
      name,
      namespace: options.namespace ?? 'default',
      operation,
      userInfo: { username: 'system:serviceaccount:argocd:argocd-application-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
      object,
      oldObject: operation === 'UPDATE' ? (options.oldObject ?? null) : null,
      dryRun: options.dryRun ?? false,
      options: operation === 'UPDATE' ? { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions', fieldManager: 'kubectl-client-side-apply' } : { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions', fieldManager: 'kubectl-client-side-apply' },
    },
  };
}
