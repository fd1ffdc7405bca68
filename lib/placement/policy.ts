// What placement needs from configuration, plus what the caller knows of the cluster.
import type { AdmissionMode, Config, MultiArchStrategy, Toleration } from '../config.ts';
import type { ClusterView } from './cluster.ts';

export interface PlacementPolicy {
  defaultArch: string;
  /** ARCHY_PREFERRED_ARCH. Unset: chosen among the allowed architectures from the cluster view (preferredArchitecture). */
  preferredArch?: string;
  multiArchStrategy: MultiArchStrategy;
  preferenceWeight: number;
  archTolerations: Record<string, Toleration[]>;
  excludedNamespaces: string[];
  /** ARCHY_MODE; enforce when absent. */
  mode?: AdmissionMode;
  /** ARCHY_AUDIT_NAMESPACES: in audit whatever the mode. */
  auditNamespaces?: string[];
  /** Ready nodes and NodePools, when known: what the cluster can run a pod on now or soon. */
  cluster?: ClusterView;
}

export function placementPolicy(
  config: Pick<Config, 'defaultArch' | 'preferredArch' | 'multiArchStrategy' | 'preferenceWeight' | 'archTolerations' | 'excludedNamespaces'> &
    Partial<Pick<Config, 'mode' | 'auditNamespaces'>>,
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
  if (config.mode !== undefined) policy.mode = config.mode;
  if (config.auditNamespaces !== undefined && config.auditNamespaces.length > 0) policy.auditNamespaces = config.auditNamespaces;
  if (cluster !== undefined) policy.cluster = cluster;
  return policy;
}

/** Audit when the whole webhook audits or the namespace is one of ARCHY_AUDIT_NAMESPACES. */
export function modeFor(policy: Pick<PlacementPolicy, 'mode' | 'auditNamespaces'>, namespace: string | undefined): AdmissionMode {
  if (policy.mode === 'audit') return 'audit';
  return namespace !== undefined && (policy.auditNamespaces ?? []).includes(namespace) ? 'audit' : 'enforce';
}
