// One Kubernetes connection per function instance, shared by the pull-secret client and the cluster
// view: one eks:DescribeCluster and one EKS token cache, whoever connects first. A failed attempt is
// not kept; the next caller connects afresh.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { SingleFlightCache, type Loaded } from '../single-flight.ts';
import { resolveKubeConnection, type KubeConnection, type KubeConnectionDeps } from './kube-connection.ts';

const CONNECT_BUDGET_MS = 10_000;

export type KubeConnector = (signal: AbortSignal) => Promise<KubeConnection | undefined>;

export function sharedKubeConnection(
  config: Pick<Config, 'eksCluster' | 'kubeApiUrl' | 'kubeCaData'>,
  deps: KubeConnectionDeps = {},
  logger?: Logger,
): KubeConnector {
  const connections = new SingleFlightCache<KubeConnection | 'none'>({ maxEntries: 1, loadTimeoutMs: CONNECT_BUDGET_MS });
  const connect = async (budget: AbortSignal): Promise<Loaded<KubeConnection | 'none'>> => {
    try {
      return { value: (await resolveKubeConnection(config, deps, budget)) ?? 'none', ttlMs: Number.POSITIVE_INFINITY };
    } catch (error) {
      logger?.warn({ err: error instanceof Error ? error.message : String(error) }, 'cannot connect to the Kubernetes API');
      throw error;
    }
  };
  return async (signal) => {
    const connection = await connections.get('connection', connect, signal);
    return connection === 'none' ? undefined : connection;
  };
}
