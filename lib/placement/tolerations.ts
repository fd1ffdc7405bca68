// Which tolerations a placed pod gets: the configured ones of its architectures
// (ARCHY_ARCH_TOLERATIONS), and the taints of the NodePools that opted in and can run it.
import type { Toleration } from '../config.ts';
import { tolerationProblems } from '../validation/kubernetes.ts';
import { byWeight, type NodePoolView, type PoolTaint } from './cluster.ts';
import { asRecord } from './pod.ts';

/** The configured tolerations of every placed architecture, in that order. */
export function configuredTolerations(placed: readonly string[], configured: Readonly<Record<string, readonly Toleration[]>>): Toleration[] {
  return placed.flatMap((arch) => (Object.hasOwn(configured, arch) ? (configured[arch] ?? []) : []).map((toleration) => ({ ...toleration })));
}

/**
 * The tolerations for the taints of the pools annotated `archy.io/tolerate: "true"` that can launch
 * a node of a placed architecture, heaviest pool first; none for a pool the pod cannot run on, none
 * for a taint some toleration in `present` already tolerates, and none that the API server would
 * refuse (the view is read from the cluster, not trusted to be well-formed).
 */
export function poolTolerations(pools: readonly NodePoolView[], placed: readonly string[], present: readonly unknown[]): Toleration[] {
  const wanted: Toleration[] = [];
  for (const pool of byWeight(pools)) {
    if (!pool.tolerate || !pool.architectures.some((arch) => placed.includes(arch))) continue;
    for (const taint of pool.taints) {
      const toleration = tolerationFor(taint);
      if (tolerationProblems(toleration).length > 0) continue;
      if (present.some((existing) => toleratesTaint(existing, taint))) continue;
      wanted.push(toleration);
    }
  }
  return wanted;
}

/** Exactly this taint: same key, value (an empty one omitted: `Equal` to "") and effect. */
export function tolerationFor(taint: PoolTaint): Toleration {
  const toleration: Toleration = { key: taint.key, operator: 'Equal' };
  if (taint.value !== undefined && taint.value !== '') toleration.value = taint.value;
  toleration.effect = taint.effect;
  return toleration;
}

/**
 * Kubernetes' ToleratesTaint: an empty effect matches every effect, an empty key with `Exists`
 * every key; an absent operator is `Equal`.
 */
export function toleratesTaint(value: unknown, taint: PoolTaint): boolean {
  const toleration = asRecord(value);
  if (toleration === undefined) return false;
  const { key = '', operator = '', value: wanted = '', effect = '' } = toleration;
  if (effect !== '' && effect !== taint.effect) return false;
  if (key !== '' && key !== taint.key) return false;
  if (operator === 'Exists') return true;
  return (operator === 'Equal' || operator === '') && wanted === (taint.value ?? '');
}
