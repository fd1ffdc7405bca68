// Where the Kubernetes API is and how to authenticate, decided once per cold start:
//   ARCHY_EKS_CLUSTER        → endpoint + CA from eks:DescribeCluster, EKS token auth
//   ARCHY_KUBE_API_URL (+CA) → that endpoint, EKS token auth when a cluster name is known
//   neither                  → the standard kubeconfig, when there is one; else no Kubernetes access
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { namedOrDefault } from '../commonjs.ts';
import type { Config } from '../config.ts';
import { EksTokenCache, type AwsCredentialProvider } from './eks-token.ts';

export type KubeConnection =
  | {
      kind: 'direct';
      server: string;
      /** Base64 PEM, as kubeconfig and DescribeCluster carry it. */
      caData?: string;
      skipTLSVerify?: boolean;
      /** `signal` ends only this request's wait for the token. */
      bearerToken?: (signal?: AbortSignal) => Promise<string>;
    }
  /** `path`: the kubeconfig file to load; absent inside a cluster (the pod's service account). */
  | { kind: 'kubeconfig'; path?: string };

export interface ClusterEndpoint {
  endpoint: string;
  caData?: string;
}

export interface KubeConnectionDeps {
  env?: Record<string, string | undefined>;
  credentials?: AwsCredentialProvider;
  /** Injected in tests; defaults to eks:DescribeCluster. */
  describeCluster?: (cluster: string, region: string, signal?: AbortSignal) => Promise<ClusterEndpoint>;
  now?: () => Date;
}

export async function resolveKubeConnection(
  config: Pick<Config, 'eksCluster' | 'kubeApiUrl' | 'kubeCaData'>,
  deps: KubeConnectionDeps = {},
  signal?: AbortSignal,
): Promise<KubeConnection | undefined> {
  const env = deps.env ?? process.env;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const tokens = (): EksTokenCache | undefined => {
    if (!config.eksCluster) return undefined;
    if (!region) throw new Error('AWS_REGION is required to authenticate to EKS');
    return new EksTokenCache({ cluster: config.eksCluster, region, credentials: deps.credentials, now: deps.now });
  };

  if (config.kubeApiUrl) {
    const cache = tokens();
    return { kind: 'direct', server: config.kubeApiUrl, caData: config.kubeCaData, bearerToken: cache && ((wait) => cache.token(wait)) };
  }
  if (config.eksCluster) {
    const cache = tokens();
    const describe = deps.describeCluster ?? describeEksCluster;
    const cluster = await describe(config.eksCluster, region as string, signal);
    return { kind: 'direct', server: cluster.endpoint, caData: cluster.caData, bearerToken: cache && ((wait) => cache.token(wait)) };
  }
  if (env.KUBERNETES_SERVICE_HOST) return { kind: 'kubeconfig' };
  const path = kubeconfigPath(env);
  return path === undefined ? undefined : { kind: 'kubeconfig', path };
}

/** Whether any Kubernetes access is configured, decided without I/O beyond a file check. */
export function kubeAccessConfigured(
  config: Pick<Config, 'eksCluster' | 'kubeApiUrl'>,
  env: Record<string, string | undefined> = process.env,
): boolean {
  return Boolean(config.eksCluster || config.kubeApiUrl) || hasKubeconfig(env);
}

function hasKubeconfig(env: Record<string, string | undefined>): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) || kubeconfigPath(env) !== undefined; // in-cluster, or a file
}

/**
 * The kubeconfig file of `env` (not of the process: an app built for a test has its own env):
 * the first existing entry of KUBECONFIG, else $HOME/.kube/config when it exists. An env with
 * neither variable has no kubeconfig.
 */
export function kubeconfigPath(env: Record<string, string | undefined>): string | undefined {
  const home = env.HOME === undefined ? [] : [join(env.HOME, '.kube', 'config')];
  const candidates = env.KUBECONFIG !== undefined ? env.KUBECONFIG.split(':').filter(Boolean) : home;
  return candidates.find((file) => existsSync(file));
}

async function describeEksCluster(cluster: string, region: string, signal?: AbortSignal): Promise<ClusterEndpoint> {
  // A CommonJS package: in the bundle its named exports are under `default` (lib/commonjs.ts).
  const { EKSClient, DescribeClusterCommand } = namedOrDefault(await import('@aws-sdk/client-eks'));
  const client = new EKSClient({ region });
  const answer = await client.send(new DescribeClusterCommand({ name: cluster }), { abortSignal: signal });
  const endpoint = answer.cluster?.endpoint;
  if (!endpoint) throw new Error(`EKS cluster ${cluster} has no endpoint yet`);
  return { endpoint, caData: answer.cluster?.certificateAuthority?.data };
}
