// Writing a chosen placement into the pod as JSONPatch operations.
import type { Toleration } from '../config.ts';
import { ARCH_LABEL, hasArchPreference, termAdmitsAny, termMatchesNothing, termWithin } from './constraints.ts';
import type { PatchBuilder } from './patch.ts';
import { asRecord, podTolerations, type PodLike } from './pod.ts';

const NODE_AFFINITY = ['spec', 'affinity', 'nodeAffinity'];
const REQUIRED_TERMS = [...NODE_AFFINITY, 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'];
const PREFERRED = [...NODE_AFFINITY, 'preferredDuringSchedulingIgnoredDuringExecution'];

export function writeNodeSelector(patch: PatchBuilder, arch: string): void {
  patch.set(['spec', 'nodeSelector', ARCH_LABEL], arch);
}

/**
 * Requires `kubernetes.io/arch In architectures` in every required term that can match a node
 * (terms are ORed, so a new term would widen the pod's choice instead of narrowing it), also in
 * terms that already name the arch: ANDed with them it keeps exactly the nodes both allow. A term
 * that already requires a subset is left as it is. Returns the indexes of the terms that no node
 * of these architectures can satisfy any more.
 */
export function writeRequiredAffinity(patch: PatchBuilder, architectures: readonly string[]): number[] {
  const expression = { key: ARCH_LABEL, operator: 'In', values: [...architectures] };
  const terms = patch.get(REQUIRED_TERMS);
  if (!Array.isArray(terms) || terms.length === 0) {
    patch.set(REQUIRED_TERMS, [{ matchExpressions: [expression] }]);
    return [];
  }
  const allowed = new Set(architectures);
  const closed: number[] = [];
  terms.forEach((term, index) => {
    if (termMatchesNothing(term)) return;
    if (!termAdmitsAny(term, architectures)) closed.push(index);
    if (termWithin(term, allowed)) return;
    patch.append([...REQUIRED_TERMS, String(index), 'matchExpressions'], expression);
  });
  return closed;
}

/**
 * The DaemonSet form: `kubernetes.io/arch In architectures` appended to every required term that
 * can match a node, even to one that already requires a subset (ANDed, that changes nothing), so
 * that every term Archy placed ends with exactly one expression of its own: the one it takes back
 * when the images change. Without terms, one term of Archy's alone. Returns the indexes of the
 * terms that no node of these architectures can satisfy any more.
 */
export function writeRequiredAffinityInEveryTerm(patch: PatchBuilder, architectures: readonly string[]): number[] {
  const expression = { key: ARCH_LABEL, operator: 'In', values: [...architectures] };
  const terms = patch.get(REQUIRED_TERMS);
  if (!Array.isArray(terms) || terms.length === 0) {
    patch.set(REQUIRED_TERMS, [{ matchExpressions: [expression] }]);
    return [];
  }
  const closed: number[] = [];
  terms.forEach((term, index) => {
    if (termMatchesNothing(term)) return;
    if (!termAdmitsAny(term, architectures)) closed.push(index);
    patch.append([...REQUIRED_TERMS, String(index), 'matchExpressions'], expression);
  });
  return closed;
}

/** A soft preference for one architecture, unless the pod already states an arch preference. */
export function writePreferredAffinity(patch: PatchBuilder, pod: PodLike, arch: string, weight: number): void {
  if (hasArchPreference(pod)) return;
  patch.append(PREFERRED, { weight, preference: { matchExpressions: [{ key: ARCH_LABEL, operator: 'In', values: [arch] }] } });
}

/** Appends each toleration the pod does not carry yet (every field compared), in order, never twice. */
export function writeTolerations(patch: PatchBuilder, pod: PodLike, wanted: readonly Toleration[]): void {
  if (wanted.length === 0) return;
  const present = podTolerations(pod).map(tolerationKey);
  for (const toleration of wanted) {
    const key = tolerationKey(toleration);
    if (present.includes(key)) continue;
    present.push(key);
    patch.append(['spec', 'tolerations'], { ...toleration });
  }
}

/** Every field compared; an absent operator is the API's default, Equal. */
function tolerationKey(value: unknown): string {
  const toleration = asRecord(value) ?? {};
  return JSON.stringify([
    toleration.key ?? '',
    toleration.operator ?? 'Equal',
    toleration.value ?? '',
    toleration.effect ?? '',
    toleration.tolerationSeconds ?? null,
  ]);
}
