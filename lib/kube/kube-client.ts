// The three Kubernetes reads Archy needs for pull credentials, behind a small interface, over plain
// HTTPS (lib/kube/kube-rest.ts). The CLI's kubeconfig client (lib/kube/kubeconfig-client.ts) offers
// the same interface through @kubernetes/client-node, with `callOptions` from here.
import type * as KubeClient from '@kubernetes/client-node';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { kubeAccessConfigured, resolveKubeConnection, type KubeConnection, type KubeConnectionDeps } from './kube-connection.ts';
import { createKubeRest, type KubeRest } from './kube-rest.ts';

export interface KubeSecret {
  type: string;
  /** Values base64-encoded, as the API returns them. */
  data: Record<string, string>;
}

export interface KubeServiceAccount {
  imagePullSecrets: string[];
}

export interface KubeNode {
  name: string;
  labels: Record<string, string>;
}

export interface KubeNodePage {
  items: KubeNode[];
  continue?: string;
}

export interface KubeApi {
  getSecret(namespace: string, name: string, signal?: AbortSignal): Promise<KubeSecret>;
  getServiceAccount(namespace: string, name: string, signal?: AbortSignal): Promise<KubeServiceAccount>;
  listNodes(page: { limit: number; continue?: string }, signal?: AbortSignal): Promise<KubeNodePage>;
}

export { KubeError } from './kube-error.ts';

type ClientModule = typeof KubeClient;
type CoreApi = InstanceType<ClientModule['CoreV1Api']>;
export type CallOptions = Parameters<CoreApi['readNamespacedSecret']>[1];
/** Largest answers read: a Secret holds at most 1 MiB of data (base64 in JSON: about 1.4 MB). */
const MAX_SECRET_BYTES = 2 * 1024 * 1024;
const MAX_SERVICE_ACCOUNT_BYTES = 1024 * 1024;
const MAX_NODE_PAGE_BYTES = 16 * 1024 * 1024;

export interface KubeAccess {
  /** Known without any I/O: an EKS cluster or API URL is configured, or a kubeconfig exists. */
  available: boolean;
  /** The shared client; the connection (DescribeCluster) happens on first call. */
  get: () => Promise<KubeApi>;
}

/** Kubernetes access for the whole function instance, from configuration. */
export function createKubeAccess(
  config: Pick<Config, 'eksCluster' | 'kubeApiUrl' | 'kubeCaData'>,
  logger?: Logger,
  deps: KubeConnectionDeps = {},
): KubeAccess {
  const available = kubeAccessConfigured(config, deps.env ?? process.env);
  const api = createKubeApi(async (signal) => {
    try {
      return await resolveKubeConnection(config, deps, signal);
    } catch (error) {
      logger?.warn({ err: error instanceof Error ? error.message : String(error) }, 'cannot connect to the Kubernetes API');
      throw error;
    }
  });
  return { available, get: async () => api };
}

/**
 * A KubeApi that connects on first use. `connect` says where the API server is (undefined: no
 * Kubernetes access here, and every call fails with reason `Unavailable`).
 */
export function createKubeApi(connect: (signal: AbortSignal) => Promise<KubeConnection | undefined>): KubeApi {
  return kubeApiOver(createKubeRest(connect));
}

/**
 * The reads over plain HTTPS (lib/kube/kube-rest.ts: one connection attempt at a time on its own
 * budget, a failed one not kept): a cold instance meeting its first pull secret loads no Kubernetes
 * library (4 MB, a fifth of a second of CPU at a full core).
 */
export function kubeApiOver(rest: KubeRest): KubeApi {
  const read = (path: string, what: string, maxBytes: number, signal: AbortSignal | undefined, query: Record<string, string | undefined> = {}): Promise<Record<string, unknown>> =>
    rest.getJson(path, query, { signal: signal ?? NEVER, maxBytes, what }).then(asRecord);
  return {
    async getSecret(namespace, name, signal) {
      const secret = await read(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`, `secret ${namespace}/${name}`, MAX_SECRET_BYTES, signal);
      return { type: typeof secret.type === 'string' ? secret.type : 'Opaque', data: strings(secret.data) };
    },
    async getServiceAccount(namespace, name, signal) {
      const account = await read(`/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}`, `service account ${namespace}/${name}`, MAX_SERVICE_ACCOUNT_BYTES, signal);
      const refs = Array.isArray(account.imagePullSecrets) ? account.imagePullSecrets : [];
      return { imagePullSecrets: refs.map((ref) => asRecord(ref).name).filter((n): n is string => typeof n === 'string' && n.length > 0) };
    },
    async listNodes(page, signal) {
      const list = await read('/api/v1/nodes', 'nodes', MAX_NODE_PAGE_BYTES, signal, { limit: String(page.limit), continue: page.continue });
      const items = Array.isArray(list.items) ? list.items : [];
      const next = asRecord(list.metadata).continue;
      return {
        items: items.map((item) => {
          const metadata = asRecord(asRecord(item).metadata);
          return { name: typeof metadata.name === 'string' ? metadata.name : '', labels: strings(metadata.labels) };
        }),
        continue: typeof next === 'string' && next.length > 0 ? next : undefined,
      };
    },
  };
}

const NEVER = new AbortController().signal;

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The string members of a JSON object (a Secret's data, a node's labels). */
function strings(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, member] of Object.entries(asRecord(value))) if (typeof member === 'string') result[key] = member;
  return result;
}

/** Per-call options that hand the caller's signal to the request (client-node has no other way). */
export function callOptions(module: ClientModule, signal: AbortSignal | undefined): CallOptions {
  if (!signal) return undefined;
  return {
    middlewareMergeStrategy: 'prepend',
    middleware: [
      {
        pre: (context) => {
          context.setSignal(signal);
          return new module.Observable(Promise.resolve(context));
        },
        post: (context) => new module.Observable(Promise.resolve(context)),
      },
    ],
  };
}
