// A workload as the report and the check see it: one pod template, how many replicas run it, what
// one replica requests and which images it needs.
import type { Requests } from './pod-requests.ts';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** How the kubelet would pull the workload's images: its namespace, pull secrets and service account. */
export interface AccessContext {
  namespace: string;
  imagePullSecrets: string[];
  serviceAccountName?: string;
}

export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** Where it was read from: a file path, `stdin`, or `cluster`. */
  source: string;
  replicas: number;
  /** One replica's requests (Kubernetes' own arithmetic, see pod-requests.ts). */
  perReplica: Requests;
  /** Distinct images of its init containers and containers, in the order the template names them. */
  images: string[];
  access: AccessContext;
}

export function isWorkloadKind(kind: unknown): kind is WorkloadKind {
  return typeof kind === 'string' && (WORKLOAD_KINDS as readonly string[]).includes(kind);
}

export function workloadName(workload: Pick<Workload, 'kind' | 'namespace' | 'name'>): string {
  return `${workload.kind} ${workload.namespace}/${workload.name}`;
}
