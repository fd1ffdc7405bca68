// Every workload object of a cluster, or of some namespaces, read page by page: Deployments,
// StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Pods. Objects come back as plain JSON
// with their apiVersion and kind set (list items carry neither on the wire).
import { KubeError } from './kube-client.ts';
import { kubeErrorFrom, type CallOptions, type KubeconfigClient } from './kubeconfig-client.ts';

export type WorkloadObject = Record<string, unknown> & { apiVersion: string; kind: string };

interface Page {
  limit: number;
  _continue?: string;
}

interface ListAnswer {
  items: object[];
  metadata?: { _continue?: string };
}

type List = (client: KubeconfigClient, namespace: string | undefined, page: Page, options: CallOptions) => Promise<ListAnswer>;

interface Resource {
  resource: string;
  apiVersion: string;
  kind: string;
  list: List;
}

export const WORKLOAD_RESOURCES: readonly Resource[] = [
  {
    resource: 'deployments', apiVersion: 'apps/v1', kind: 'Deployment',
    list: (c, namespace, page, o) => (namespace === undefined ? c.apps.listDeploymentForAllNamespaces(page, o) : c.apps.listNamespacedDeployment({ namespace, ...page }, o)),
  },
  {
    resource: 'statefulsets', apiVersion: 'apps/v1', kind: 'StatefulSet',
    list: (c, namespace, page, o) => (namespace === undefined ? c.apps.listStatefulSetForAllNamespaces(page, o) : c.apps.listNamespacedStatefulSet({ namespace, ...page }, o)),
  },
  {
    resource: 'daemonsets', apiVersion: 'apps/v1', kind: 'DaemonSet',
    list: (c, namespace, page, o) => (namespace === undefined ? c.apps.listDaemonSetForAllNamespaces(page, o) : c.apps.listNamespacedDaemonSet({ namespace, ...page }, o)),
  },
  {
    resource: 'replicasets', apiVersion: 'apps/v1', kind: 'ReplicaSet',
    list: (c, namespace, page, o) => (namespace === undefined ? c.apps.listReplicaSetForAllNamespaces(page, o) : c.apps.listNamespacedReplicaSet({ namespace, ...page }, o)),
  },
  {
    resource: 'jobs', apiVersion: 'batch/v1', kind: 'Job',
    list: (c, namespace, page, o) => (namespace === undefined ? c.batch.listJobForAllNamespaces(page, o) : c.batch.listNamespacedJob({ namespace, ...page }, o)),
  },
  {
    resource: 'cronjobs', apiVersion: 'batch/v1', kind: 'CronJob',
    list: (c, namespace, page, o) => (namespace === undefined ? c.batch.listCronJobForAllNamespaces(page, o) : c.batch.listNamespacedCronJob({ namespace, ...page }, o)),
  },
  {
    resource: 'pods', apiVersion: 'v1', kind: 'Pod',
    list: (c, namespace, page, o) => (namespace === undefined ? c.core.listPodForAllNamespaces(page, o) : c.core.listNamespacedPod({ namespace, ...page }, o)),
  },
];

export interface ListWorkloadsOptions {
  /** Undefined: all namespaces. */
  namespaces?: readonly string[];
  signal?: AbortSignal;
  pageSize?: number;
  /** Each page request gives up after this long. */
  requestTimeoutMs?: number;
}

export interface WorkloadListing {
  objects: WorkloadObject[];
  /** E.g. a resource the API server does not serve. */
  notes: string[];
}

const PAGE_SIZE = 500;
const MAX_PAGES = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Throws KubeError (with the resource and namespace in its message) when a list fails. */
export async function listWorkloads(client: KubeconfigClient, options: ListWorkloadsOptions = {}): Promise<WorkloadListing> {
  const scopes = options.namespaces === undefined || options.namespaces.length === 0 ? [undefined] : [...new Set(options.namespaces)];
  const notes: string[] = [];
  const lists = await Promise.all(
    WORKLOAD_RESOURCES.flatMap((resource) => scopes.map((namespace) => listAll(client, resource, namespace, options, notes))),
  );
  return { objects: lists.flat(), notes };
}

async function listAll(
  client: KubeconfigClient,
  resource: Resource,
  namespace: string | undefined,
  options: ListWorkloadsOptions,
  notes: string[],
): Promise<WorkloadObject[]> {
  const where = `${resource.resource} ${namespace === undefined ? 'in all namespaces' : `in namespace ${namespace}`}`;
  // A continue token the server no longer knows (410 Expired) restarts the list once, from a fresh snapshot.
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await pages(client, resource, namespace, options);
    } catch (raw) {
      const error = kubeErrorFrom(raw, client.module, `cannot list ${where}`, options.signal);
      if (error.status === 410 && attempt === 0) continue;
      if (error.status === 404) {
        notes.push(`the API server does not serve ${resource.apiVersion} ${resource.resource}; none counted`);
        return [];
      }
      throw error;
    }
  }
}

async function pages(client: KubeconfigClient, resource: Resource, namespace: string | undefined, options: ListWorkloadsOptions): Promise<WorkloadObject[]> {
  const objects: WorkloadObject[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    const answer = await resource.list(client, namespace, { limit: options.pageSize ?? PAGE_SIZE, _continue: token }, client.callOptions(signal));
    for (const item of answer.items) objects.push({ ...plain(item), apiVersion: resource.apiVersion, kind: resource.kind });
    token = answer.metadata?._continue || undefined;
    if (token === undefined) return objects;
  }
  throw new KubeError(0, 'Unknown', `${resource.resource}: the list did not end after ${MAX_PAGES} pages`);
}

/** The client's model objects as wire JSON (the fields read here have the same names). */
function plain(item: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(item)) as Record<string, unknown>;
}
