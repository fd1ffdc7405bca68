// What the cluster runs now and what it can provision (Karpenter NodePools): an input of
// placement, read elsewhere (lib/kube/cluster-view.ts). Everything here is pure.

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface PoolTaint {
  key: string;
  value?: string;
  effect: TaintEffect;
}

export interface NodePoolView {
  name: string;
  /** The architectures this pool can launch nodes of, sorted. */
  architectures: readonly string[];
  /** `spec.template.spec.taints` (not startupTaints: pods need not tolerate those). */
  taints: readonly PoolTaint[];
  /** `spec.weight`; 0 when unset. Karpenter tries heavier pools first. */
  weight: number;
  /** The pool is annotated `archy.io/tolerate: "true"`: pods that can run on it get its tolerations. */
  tolerate: boolean;
}

export interface ClusterView {
  /** Ready, schedulable nodes per architecture. */
  nodes: Readonly<Record<string, number>>;
  /**
   * The Ready NodePools. Empty when Karpenter is not installed (no NodePool can exist); undefined
   * when they could not be read (not allowed): then only the nodes are known.
   */
  nodePools?: readonly NodePoolView[];
}

/** A view that says something: at least one node or NodePool. An empty one is treated as unknown. */
export function knownView(view: ClusterView | undefined): ClusterView | undefined {
  if (view === undefined) return undefined;
  const hasNodes = Object.values(view.nodes).some((count) => count > 0);
  return hasNodes || (view.nodePools?.length ?? 0) > 0 ? view : undefined;
}

/** Heaviest first, as Karpenter tries them; equal weights by name. */
export function byWeight(pools: readonly NodePoolView[]): NodePoolView[] {
  return [...pools].sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The pools that can launch a node of one of `architectures`, heaviest first. */
export function candidatePools(view: ClusterView | undefined, architectures: readonly string[]): NodePoolView[] {
  return byWeight((view?.nodePools ?? []).filter((pool) => pool.architectures.some((arch) => architectures.includes(arch))));
}

function nodeCount(view: ClusterView, arch: string): number {
  const count = Object.hasOwn(view.nodes, arch) ? view.nodes[arch] : 0;
  return count !== undefined && count > 0 ? count : 0;
}

/** Whether a Ready node of `arch` exists or a Ready NodePool can launch one. */
export function offers(view: ClusterView, arch: string): boolean {
  return nodeCount(view, arch) > 0 || (view.nodePools ?? []).some((pool) => pool.architectures.includes(arch));
}

/** True when the view is known and nothing in it can run any of `architectures`. */
export function nothingOffers(view: ClusterView | undefined, architectures: readonly string[]): boolean {
  const known = knownView(view);
  return known !== undefined && !architectures.some((arch) => offers(known, arch));
}

/**
 * The preferred architecture among `allowed` (when ARCHY_PREFERRED_ARCH is unset), by one rule:
 *   1. of the architectures something offers, the one with the most Ready nodes;
 *   2. a tie, or no node of any: the heaviest NodePool offering one of them decides
 *      (the pool offering several of them: the default architecture if it is one, else alphabetical);
 *   3. else (tied nodes, no pool) the default architecture if among them, else alphabetical.
 * An architecture nothing offers is never preferred: undefined when nothing offers any. With no
 * view, the default architecture when it is allowed (as before the cluster was known).
 */
export function preferredArchitecture(allowed: readonly string[], view: ClusterView | undefined, defaultArch: string): string | undefined {
  const known = knownView(view);
  if (known === undefined) return allowed.includes(defaultArch) ? defaultArch : undefined;
  const offered = allowed.filter((arch) => offers(known, arch));
  if (offered.length === 0) return undefined;
  const most = Math.max(...offered.map((arch) => nodeCount(known, arch)));
  const tied = most > 0 ? offered.filter((arch) => nodeCount(known, arch) === most) : offered;
  if (tied.length === 1) return tied[0];
  const [heaviest] = candidatePools(known, tied);
  const among = heaviest === undefined ? tied : tied.filter((arch) => heaviest.architectures.includes(arch));
  return among.includes(defaultArch) ? defaultArch : [...among].sort()[0];
}

/** Every architecture a Ready node has or a Ready NodePool offers, sorted (for warnings). */
export function offeredArchitectures(view: ClusterView): string[] {
  const found = new Set(Object.keys(view.nodes).filter((arch) => nodeCount(view, arch) > 0));
  for (const pool of view.nodePools ?? []) for (const arch of pool.architectures) found.add(arch);
  return [...found].sort();
}
