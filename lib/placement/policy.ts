// What placement needs from configuration, plus facts the caller already looked up.
import type { Config, MultiArchStrategy, Toleration } from '../config.ts';

export interface PlacementPolicy {
  defaultArch: string;
  /** Already resolved by the caller: ARCHY_PREFERRED_ARCH, else the cluster census, else the default. */
  preferredArch: string;
  multiArchStrategy: MultiArchStrategy;
  preferenceWeight: number;
  archTolerations: Record<string, Toleration[]>;
  excludedNamespaces: string[];
  /** Node architectures present in the cluster, when known: lets us warn about a pod that must wait. */
  clusterArchitectures?: string[];
}

export function placementPolicy(
  config: Pick<Config, 'defaultArch' | 'preferredArch' | 'multiArchStrategy' | 'preferenceWeight' | 'archTolerations' | 'excludedNamespaces'>,
  census?: { mostCommonArch?: string; architectures?: string[] },
): PlacementPolicy {
  const policy: PlacementPolicy = {
    defaultArch: config.defaultArch,
    preferredArch: config.preferredArch ?? census?.mostCommonArch ?? config.defaultArch,
    multiArchStrategy: config.multiArchStrategy,
    preferenceWeight: config.preferenceWeight,
    archTolerations: config.archTolerations,
    excludedNamespaces: config.excludedNamespaces,
  };
  if (census?.architectures && census.architectures.length > 0) policy.clusterArchitectures = census.architectures;
  return policy;
}
