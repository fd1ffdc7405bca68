// Applies and removes registration objects in the cluster of a kubeconfig: server-side apply with
// field manager `archy` (forced: Archy owns these objects), delete tolerating "already gone".
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { FIELD_MANAGER, type KubeObject } from './render.ts';

export interface KubeTarget {
  /** Where the objects go, for messages: context and API server. */
  readonly description: string;
  apply(objects: KubeObject[]): Promise<void>;
  /** Returns the names of the objects that existed and were deleted. */
  remove(objects: KubeObject[]): Promise<string[]>;
}

/** The current kubeconfig (KUBECONFIG or ~/.kube/config), optionally switched to `context`. */
export function loadKubeConfig(context?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  if (context !== undefined) {
    if (!kubeConfig.getContextObject(context)) throw new Error(`kubeconfig has no context "${context}"`);
    kubeConfig.setCurrentContext(context);
  }
  return kubeConfig;
}

/**
 * Refuses a kubeconfig whose current context is not the named EKS cluster, so registration never
 * lands in whatever cluster happens to be current. Matches the names `aws eks update-kubeconfig`
 * (the cluster ARN) and eksctl (`NAME.REGION.eksctl.io`) write.
 */
export function assertContextIsCluster(kubeConfig: KubeConfig, clusterName: string): void {
  const contextName = kubeConfig.getCurrentContext();
  const candidates = [contextName, kubeConfig.getCurrentCluster()?.name ?? ''];
  const matches = candidates.some(
    (name) => name === clusterName || name.endsWith(`/${clusterName}`) || name.startsWith(`${clusterName}.`),
  );
  if (!matches) {
    throw new Error(
      `the current kubeconfig context "${contextName}" is not cluster "${clusterName}": run ` +
        `"aws eks update-kubeconfig --name ${clusterName}" or pass --context`,
    );
  }
}

export function kubeTarget(kubeConfig: KubeConfig): KubeTarget {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  return {
    description: `context "${kubeConfig.getCurrentContext()}" (${kubeConfig.getCurrentCluster()?.server ?? 'no server'})`,
    async apply(objects) {
      for (const object of objects) {
        await api.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      }
    },
    async remove(objects) {
      const deleted: string[] = [];
      for (const object of objects) {
        try {
          await api.delete({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name } });
          deleted.push(`${object.kind}/${object.metadata.name}`);
        } catch (error) {
          if (statusCode(error) !== 404) throw error;
        }
      }
      return deleted;
    },
  };
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
