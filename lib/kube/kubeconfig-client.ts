// The Kubernetes API as kubectl reaches it, for the command line: the kubeconfig files of
// KUBECONFIG (merged, the first one's current context winning, as kubectl does) or
// ~/.kube/config, with any of its contexts (exec plugins such as `aws eks get-token`, client
// certificates, tokens), or the pod's own service account when run inside a cluster. The webhook
// connects through kube-connection.ts instead.
import type * as KubeClient from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { callOptions, KubeError, type CallOptions, type KubeApi } from './kube-client.ts';

type ClientModule = typeof KubeClient;
type CoreApi = InstanceType<ClientModule['CoreV1Api']>;
type AppsApi = InstanceType<ClientModule['AppsV1Api']>;
type BatchApi = InstanceType<ClientModule['BatchV1Api']>;
export type { CallOptions };

/** No usable kubeconfig, or no such context: the user must fix their setup. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

export interface KubeconfigClient {
  module: ClientModule;
  /** The context used; undefined inside a cluster. */
  context: string | undefined;
  server: string;
  core: CoreApi;
  apps: AppsApi;
  batch: BatchApi;
  /** Per-call options that end the request when `signal` aborts. */
  callOptions(signal: AbortSignal | undefined): CallOptions;
}

export async function connectKubeconfig(env: Record<string, string | undefined>, context?: string): Promise<KubeconfigClient> {
  const module = await import('@kubernetes/client-node');
  const kubeConfig = new module.KubeConfig();
  const files = kubeconfigFiles(env);
  if (files.length === 0) {
    if (!env.KUBERNETES_SERVICE_HOST) {
      throw new KubeconfigError('no kubeconfig: set KUBECONFIG or create ~/.kube/config (for EKS: aws eks update-kubeconfig --name CLUSTER), or read manifests with -f');
    }
    if (context !== undefined) throw new KubeconfigError(`--context ${context}: there is no kubeconfig here, only the pod's service account`);
    kubeConfig.loadFromCluster();
  } else {
    load(kubeConfig, module, files);
    selectContext(kubeConfig, context);
  }
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new KubeconfigError(`kubeconfig context ${kubeConfig.getCurrentContext() || '(none)'} names no cluster server`);
  return {
    module,
    context: files.length === 0 ? undefined : kubeConfig.getCurrentContext(),
    server,
    core: kubeConfig.makeApiClient(module.CoreV1Api),
    apps: kubeConfig.makeApiClient(module.AppsV1Api),
    batch: kubeConfig.makeApiClient(module.BatchV1Api),
    callOptions: (signal) => callOptions(module, signal),
  };
}

/** The pull-secret reads of lib/credentials through a kubeconfig client. */
export function kubeconfigApi(client: KubeconfigClient): KubeApi {
  const { core } = client;
  return {
    async getSecret(namespace, name, signal) {
      try {
        const secret = await core.readNamespacedSecret({ namespace, name }, client.callOptions(signal));
        return { type: secret.type ?? 'Opaque', data: { ...(secret.data ?? {}) } };
      } catch (error) {
        throw kubeErrorFrom(error, client.module, `secret ${namespace}/${name}`, signal);
      }
    },
    async getServiceAccount(namespace, name, signal) {
      try {
        const account = await core.readNamespacedServiceAccount({ namespace, name }, client.callOptions(signal));
        return { imagePullSecrets: (account.imagePullSecrets ?? []).map((ref) => ref.name).filter((n): n is string => Boolean(n)) };
      } catch (error) {
        throw kubeErrorFrom(error, client.module, `service account ${namespace}/${name}`, signal);
      }
    },
    async listNodes(page, signal) {
      try {
        const list = await core.listNode({ limit: page.limit, _continue: page.continue }, client.callOptions(signal));
        return {
          items: list.items.map((node) => ({ name: node.metadata?.name ?? '', labels: { ...(node.metadata?.labels ?? {}) } })),
          continue: list.metadata?._continue || undefined,
        };
      } catch (error) {
        throw kubeErrorFrom(error, client.module, 'nodes', signal);
      }
    },
  };
}

/** A KubeError with the API's Status reason, `Timeout` or `Unreachable`. */
export function kubeErrorFrom(error: unknown, module: ClientModule, what: string, signal?: AbortSignal): KubeError {
  if (error instanceof KubeError) return error;
  if (error instanceof module.ApiException) {
    const reason = statusReason(error.body) ?? reasonForCode(error.code);
    return new KubeError(error.code, reason, `${what}: ${reason} (HTTP ${error.code})`);
  }
  if (signal?.aborted || (error instanceof Error && ['AbortError', 'TimeoutError', 'DeadlineExceededError'].includes(error.name))) {
    return new KubeError(0, 'Timeout', `${what}: no answer in time`);
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new KubeError(0, 'Unreachable', `${what}: ${error instanceof Error ? error.message : String(error)}${cause}`);
}

/** KUBECONFIG's existing files (kubectl skips missing ones), else ~/.kube/config when it exists. */
function kubeconfigFiles(env: Record<string, string | undefined>): string[] {
  if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '') {
    return env.KUBECONFIG.split(delimiter).filter((file) => file !== '' && existsSync(file));
  }
  const home = env.HOME === undefined ? undefined : join(env.HOME, '.kube', 'config');
  return home !== undefined && existsSync(home) ? [home] : [];
}

function load(kubeConfig: KubeClient.KubeConfig, module: ClientModule, files: string[]): void {
  for (const [index, file] of files.entries()) {
    try {
      if (index === 0) {
        kubeConfig.loadFromFile(file);
      } else {
        const more = new module.KubeConfig();
        more.loadFromFile(file);
        kubeConfig.mergeConfig(more, true);
      }
    } catch (error) {
      throw new KubeconfigError(`cannot load kubeconfig ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
}

function selectContext(kubeConfig: KubeClient.KubeConfig, context: string | undefined): void {
  const names = kubeConfig.getContexts().map((entry) => entry.name);
  const known = names.length === 0 ? 'it has none' : `it has ${names.join(', ')}`;
  if (context !== undefined) {
    if (!names.includes(context)) throw new KubeconfigError(`no context ${JSON.stringify(context)} in the kubeconfig (${known})`);
    kubeConfig.setCurrentContext(context);
    return;
  }
  const current = kubeConfig.getCurrentContext();
  if (!current || !names.includes(current)) throw new KubeconfigError(`the kubeconfig has no current context: pass --context (${known})`);
}

function statusReason(body: unknown): string | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  const reason = (value as { kind?: unknown; reason?: unknown } | null)?.reason;
  return (value as { kind?: unknown } | null)?.kind === 'Status' && typeof reason === 'string' && reason !== '' ? reason : undefined;
}

function reasonForCode(code: number): string {
  const reasons: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 410: 'Expired', 429: 'TooManyRequests' };
  return reasons[code] ?? (code >= 500 ? 'InternalError' : 'Unknown');
}
