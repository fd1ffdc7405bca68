// Reading the architecture constraints a pod already carries (from its user or from us).
import { asArray, asRecord, type PodLike } from './pod.ts';

export const ARCH_LABEL = 'kubernetes.io/arch';
export const BETA_ARCH_LABEL = 'beta.kubernetes.io/arch';
const ARCH_LABELS = [ARCH_LABEL, BETA_ARCH_LABEL];

export function nodeSelectorOf(pod: PodLike): Record<string, unknown> | undefined {
  return asRecord(asRecord(pod.spec)?.nodeSelector);
}

export function nodeAffinityOf(pod: PodLike): Record<string, unknown> | undefined {
  return asRecord(asRecord(asRecord(pod.spec)?.affinity)?.nodeAffinity);
}

/** The required nodeSelectorTerms, or undefined when the pod has no required node affinity. */
export function requiredTermsOf(pod: PodLike): unknown[] | undefined {
  const required = asRecord(nodeAffinityOf(pod)?.requiredDuringSchedulingIgnoredDuringExecution);
  if (!required) return undefined;
  return asArray(required.nodeSelectorTerms);
}

export function nodeSelectorConstrainsArch(pod: PodLike): boolean {
  const selector = nodeSelectorOf(pod);
  return selector !== undefined && ARCH_LABELS.some((label) => selector[label] !== undefined && selector[label] !== null);
}

function archExpressions(term: unknown): Record<string, unknown>[] {
  return asArray(asRecord(term)?.matchExpressions)
    .map(asRecord)
    .filter((expression): expression is Record<string, unknown> => expression !== undefined && ARCH_LABELS.includes(expression.key as string));
}

/** Whatever the operator: a user who names the arch label has made a choice we respect. */
export function termConstrainsArch(term: unknown): boolean {
  return archExpressions(term).length > 0;
}

/**
 * A term with neither matchExpressions nor matchFields matches no node, so ANDing the arch into it
 * would wrongly make it match: such terms are left alone and count as constrained.
 */
export function termMatchesNothing(term: unknown): boolean {
  const record = asRecord(term);
  return asArray(record?.matchExpressions).length === 0 && asArray(record?.matchFields).length === 0;
}

export function termNeedsArch(term: unknown): boolean {
  return !termConstrainsArch(term) && !termMatchesNothing(term);
}

/** The pod cannot land on a node of an architecture it did not choose: nothing to add. */
export function podConstrainsArch(pod: PodLike): boolean {
  if (nodeSelectorConstrainsArch(pod)) return true;
  const terms = requiredTermsOf(pod);
  return terms !== undefined && terms.length > 0 && !terms.some(termNeedsArch);
}

/**
 * The architectures the pod may already be placed on, as far as its spec tells (nodeSelector,
 * else `In` expressions of every required term). Undefined when the spec does not pin it down.
 */
export function constrainedArchitectures(pod: PodLike): string[] | undefined {
  const selector = nodeSelectorOf(pod);
  for (const label of ARCH_LABELS) {
    const value = selector?.[label];
    if (typeof value === 'string' && value !== '') return [value];
  }
  const terms = requiredTermsOf(pod);
  if (terms === undefined || terms.length === 0) return undefined;
  const found = new Set<string>();
  for (const term of terms) {
    if (termMatchesNothing(term)) continue;
    const expressions = archExpressions(term);
    const inValues = expressions.filter((expression) => expression.operator === 'In');
    if (inValues.length === 0) return undefined;
    // Several In expressions in one term are ANDed: the term allows their intersection.
    let allowed: string[] | undefined;
    for (const expression of inValues) {
      const values = asArray(expression.values).filter((value): value is string => typeof value === 'string');
      allowed = allowed === undefined ? values : allowed.filter((value) => values.includes(value));
    }
    for (const arch of allowed ?? []) found.add(arch);
  }
  return found.size > 0 ? [...found].sort() : undefined;
}

/** True when some preferred term already expresses a preference on the architecture. */
export function hasArchPreference(pod: PodLike): boolean {
  const preferred = asArray(nodeAffinityOf(pod)?.preferredDuringSchedulingIgnoredDuringExecution);
  return preferred.some((entry) => termConstrainsArch(asRecord(entry)?.preference));
}
