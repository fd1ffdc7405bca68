// How many Ready nodes of each architecture the cluster has (the node part of the cluster view).
// A node counts when its Ready condition is True, it is not cordoned and not being deleted: a node
// that cannot take a new pod says nothing about where a new pod can run.
import { isPlausibleArchitecture } from '../validation/kubernetes.ts';
import type { KubeRest } from './kube-rest.ts';
import { listAll, type ListBounds } from './list.ts';

export type ArchitectureCounts = Record<string, number>;

export const ARCH_LABEL = 'kubernetes.io/arch';
export const NODES_PATH = '/api/v1/nodes';
/** Node objects are large (status.images): small pages keep each parse short. */
export const NODE_LIST_BOUNDS: ListBounds = { pageSize: 100, maxItems: 50_000, maxBytesPerPage: 16 * 1024 * 1024 };

export interface NodeCensus {
  counts: ArchitectureCounts;
  resourceVersion?: string;
}

export async function readNodeCensus(rest: KubeRest, signal: AbortSignal, since?: string): Promise<NodeCensus> {
  const { items, resourceVersion } = await listAll(rest, NODES_PATH, NODE_LIST_BOUNDS, signal, since);
  const census: NodeCensus = { counts: readyNodeCounts(items) };
  if (resourceVersion !== undefined) census.resourceVersion = resourceVersion;
  return census;
}

/** Ready, schedulable nodes per architecture; nodes without a plausible architecture label are left out. */
export function readyNodeCounts(nodes: readonly unknown[]): ArchitectureCounts {
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const arch = record(record(record(node)?.metadata)?.labels)?.[ARCH_LABEL];
    if (typeof arch !== 'string' || !isPlausibleArchitecture(arch) || !takesPods(node)) continue;
    counts.set(arch, (counts.get(arch) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}

function takesPods(node: unknown): boolean {
  if (record(record(node)?.metadata)?.deletionTimestamp !== undefined) return false;
  if (record(record(node)?.spec)?.unschedulable === true) return false;
  const conditions = record(record(node)?.status)?.conditions;
  return Array.isArray(conditions) && conditions.some((condition) => record(condition)?.type === 'Ready' && record(condition)?.status === 'True');
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
