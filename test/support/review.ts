// An AdmissionReview for a pod, shaped as the API server sends it (admission.k8s.io/v1).
export interface ReviewOptions {
  operation?: string;
  namespace?: string;
  name?: string;
  userInfo?: Record<string, unknown>;
  /** Extra or replacing `request` fields (options, dryRun, subResource…). */
  request?: Record<string, unknown>;
}

export function podAdmissionReview(uid: string, object: unknown, options: ReviewOptions = {}): Record<string, unknown> {
  const pod = { kind: 'Pod', group: '', version: 'v1' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: pod.group, version: pod.version, kind: pod.kind },
      resource: { group: pod.group, version: pod.version, resource: 'pods' },
      requestKind: { group: pod.group, version: pod.version, kind: pod.kind },
      requestResource: { group: pod.group, version: pod.version, resource: 'pods' },
      ...(options.name === undefined ? {} : { name: options.name }),
      namespace: options.namespace ?? 'default',
      operation: options.operation ?? 'CREATE',
      userInfo: options.userInfo ?? { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      ...options.request,
    },
  };
}
