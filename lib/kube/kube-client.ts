// The three Kubernetes reads Archy needs, behind a small interface. @kubernetes/client-node is large,
// so it is imported on first use: pods without pull secrets never pay for it at cold start.
import type * as KubeClient from '@kubernetes/client-node';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { SingleFlightCache, untilAborted, type Loaded } from '../single-flight.ts';
import { kubeAccessConfigured, resolveKubeConnection, type KubeConnection, type KubeConnectionDeps } from './kube-connection.ts';

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

/** A failed Kubernetes call. `reason` is the Status reason (NotFound, Forbidden, …) when there is one. */
export class KubeError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeError';
    this.status = status;
    this.reason = reason;
  }
}

type ClientModule = typeof KubeClient;
type CoreApi = InstanceType<ClientModule['CoreV1Api']>;
export type CallOptions = Parameters<CoreApi['readNamespacedSecret']>[1];
interface Client {
  api: CoreApi;
  module: ClientModule;
}

/** Connecting: DescribeCluster, then importing the client library (seconds on a cold start). */
const CONNECT_BUDGET_MS = 10_000;

export interface KubeAccess {
  /** Known without any I/O: an EKS cluster or API URL is configured, or a kubeconfig exists. */
  available: boolean;
  /** The shared client; the connection (DescribeCluster, library import) happens on first call. */
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
  // One connection attempt at a time, on its own budget: a call whose deadline comes first stops
  // waiting without cutting it short for the next. A failed attempt (e.g. DescribeCluster
  // throttled) is not kept; the next call connects afresh. Once built, the client stays.
  const clients = new SingleFlightCache<Client | 'unavailable'>({ maxEntries: 1, loadTimeoutMs: CONNECT_BUDGET_MS });
  const connectOnce = async (budget: AbortSignal): Promise<Loaded<Client | 'unavailable'>> =>
    ({ value: (await buildClient(connect, budget)) ?? 'unavailable', ttlMs: Number.POSITIVE_INFINITY });
  const client = async (signal: AbortSignal | undefined): Promise<Client> => {
    let built: Client | 'unavailable';
    try {
      built = await clients.get('client', connectOnce, signal);
    } catch (error) {
      throw toKubeError(error, undefined, 'Kubernetes API', signal);
    }
    if (built === 'unavailable') throw new KubeError(0, 'Unavailable', 'no Kubernetes API configured (no EKS cluster, API URL or kubeconfig)');
    return built;
  };

  return {
    async getSecret(namespace, name, signal) {
      const { api, module } = await client(signal);
      try {
        const secret = await api.readNamespacedSecret({ namespace, name }, callOptions(module, signal));
        return { type: secret.type ?? 'Opaque', data: { ...(secret.data ?? {}) } };
      } catch (error) {
        throw toKubeError(error, module, `secret ${namespace}/${name}`, signal);
      }
    },
    async getServiceAccount(namespace, name, signal) {
      const { api, module } = await client(signal);
      try {
        const account = await api.readNamespacedServiceAccount({ namespace, name }, callOptions(module, signal));
        const names = (account.imagePullSecrets ?? []).map((ref) => ref.name).filter((n): n is string => !!n);
        return { imagePullSecrets: names };
      } catch (error) {
        throw toKubeError(error, module, `service account ${namespace}/${name}`, signal);
      }
    },
    async listNodes(page, signal) {
      const { api, module } = await client(signal);
      try {
        const list = await api.listNode({ limit: page.limit, _continue: page.continue }, callOptions(module, signal));
        return {
          items: list.items.map((node) => ({ name: node.metadata?.name ?? '', labels: { ...(node.metadata?.labels ?? {}) } })),
          continue: list.metadata?._continue || undefined,
        };
      } catch (error) {
        throw toKubeError(error, module, 'nodes', signal);
      }
    },
  };
}

async function buildClient(
  connect: (signal: AbortSignal) => Promise<KubeConnection | undefined>,
  signal: AbortSignal,
): Promise<Client | undefined> {
  const connection = await connect(signal);
  if (!connection) return undefined;
  const module = await import('@kubernetes/client-node');
  const kubeConfig = new module.KubeConfig();
  if (connection.kind === 'kubeconfig') {
    if (connection.path === undefined) kubeConfig.loadFromCluster();
    else kubeConfig.loadFromFile(connection.path);
    return { api: kubeConfig.makeApiClient(module.CoreV1Api), module };
  }
  kubeConfig.loadFromClusterAndUser(
    { name: 'archy', server: connection.server, caData: connection.caData, skipTLSVerify: connection.skipTLSVerify ?? false },
    { name: 'archy' },
  );
  const { bearerToken } = connection;
  if (!bearerToken) return { api: kubeConfig.makeApiClient(module.CoreV1Api), module };
  // The token is fetched per request so it renews itself; the library's own auth stays empty. The
  // request's signal (set by callOptions, which runs first) bounds only this request's wait for it.
  const server = new module.ServerConfiguration(connection.server.replace(/\/+$/, ''), {});
  const configuration = module.createConfiguration({
    baseServer: server,
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: async (context) => {
          const signal = context.getSignal();
          const token = bearerToken(signal);
          context.setHeaderParam('Authorization', `Bearer ${await (signal ? untilAborted(token, signal) : token)}`);
          return context;
        },
        post: async (context) => context,
      },
    ],
  });
  return { api: new module.CoreV1Api(configuration), module };
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

function toKubeError(error: unknown, module: ClientModule | undefined, what = 'Kubernetes API', signal?: AbortSignal): KubeError {
  if (error instanceof KubeError) return error;
  if (module && error instanceof module.ApiException) {
    const status = statusObject(error.body);
    const reason = status?.reason ?? reasonForCode(error.code);
    return new KubeError(error.code, reason, `${what}: ${reason} (HTTP ${error.code})`);
  }
  if (signal?.aborted || (error instanceof Error && (error.name === 'AbortError' || error.name === 'DeadlineExceededError' || error.name === 'TimeoutError'))) {
    return new KubeError(0, 'Timeout', `${what}: no answer within the time budget`);
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new KubeError(0, 'Unreachable', `${what}: ${detail}`);
}

function statusObject(body: unknown): { reason?: string } | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status') {
    const reason = (value as { reason?: unknown }).reason;
    return typeof reason === 'string' && reason ? { reason } : {};
  }
  return undefined;
}

function reasonForCode(code: number): string {
  const reasons: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 429: 'TooManyRequests' };
  return reasons[code] ?? (code >= 500 ? 'InternalError' : 'Unknown');
}
