// What placement needs from configuration, plus what the caller knows of the cluster.
import type { Config, MultiArchStrategy, Toleration } from '../config.ts';
import type { ClusterView } from './cluster.ts';

export interface PlacementPolicy {
  defaultArch: string;
  /** ARCHY_PREFERRED_ARCH. Unset: chosen among the allowed architectures from the cluster view (preferredArchitecture). */
  preferredArch?: string;
  multiArchStrategy: MultiArchStrategy;
  preferenceWeight: number;
  archTolerations: Record<string, Toleration[]>;
  excludedNamespaces: string[];
  /** Ready nodes and NodePools, when known: what the cluster can run a pod on now or soon. */
  cluster?: ClusterView;
}

export function placementPolicy(
  config: Pick<Config, 'defaultArch' | 'preferredArch' | 'multiArchStrategy' | 'preferenceWeight' | 'archTolerations' | 'excludedNamespaces'>,
  cluster?: ClusterView,
): PlacementPolicy {
  const policy: PlacementPolicy = {
    defaultArch: config.defaultArch,
    multiArchStrategy: config.multiArchStrategy,
    preferenceWeight: config.preferenceWeight,
    archTolerations: config.archTolerations,
    excludedNamespaces: config.excludedNamespaces,
  };
  if (config.preferredArch !== undefined) policy.preferredArch = config.preferredArch;
  if (cluster !== undefined) policy.cluster = cluster;
  return policy;
}
