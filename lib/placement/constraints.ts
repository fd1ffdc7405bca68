// Reading the architecture constraints a pod already carries (from its user or from us).
//
// Node affinity semantics: the nodeSelector is ANDed with the required terms; the terms are ORed;
// the expressions of one term are ANDed. A term with neither matchExpressions nor matchFields
// matches no node.
import { asArray, asRecord, type PodLike } from './pod.ts';

export const ARCH_LABEL = 'kubernetes.io/arch';
export const BETA_ARCH_LABEL = 'beta.kubernetes.io/arch';
const ARCH_LABELS: readonly string[] = [ARCH_LABEL, BETA_ARCH_LABEL];

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

interface ArchExpression {
  operator: unknown;
  values: string[];
}

function archExpressions(term: unknown, labels: readonly string[] = ARCH_LABELS): ArchExpression[] {
  const found: ArchExpression[] = [];
  for (const entry of asArray(asRecord(term)?.matchExpressions)) {
    const expression = asRecord(entry);
    if (expression === undefined || !labels.includes(expression.key as string)) continue;
    found.push({ operator: expression.operator, values: asArray(expression.values).filter((v): v is string => typeof v === 'string') });
  }
  return found;
}

/** A term with neither matchExpressions nor matchFields matches no node: it is left alone. */
export function termMatchesNothing(term: unknown): boolean {
  const record = asRecord(term);
  return asArray(record?.matchExpressions).length === 0 && asArray(record?.matchFields).length === 0;
}

/**
 * The architectures one term allows when it restricts the arch with `In` (several `In`s are ANDed:
 * their intersection); undefined when it has no `In` on an arch label. `Exists`, `DoesNotExist`
 * and `NotIn` do not pin an architecture.
 */
function termPinnedArchitectures(term: unknown): Set<string> | undefined {
  let allowed: Set<string> | undefined;
  for (const expression of archExpressions(term)) {
    if (expression.operator !== 'In') continue;
    const values = new Set(expression.values);
    allowed = allowed === undefined ? values : new Set([...allowed].filter((arch) => values.has(arch)));
  }
  return allowed;
}

/**
 * The architectures the pod pins itself to, or undefined when it pins none. A pod pins when its
 * nodeSelector names an arch label, or when every required term (that can match a node) restricts
 * an arch label with `In` to explicit values. Empty when its required terms can match no node.
 */
export function pinnedArchitectures(pod: PodLike): string[] | undefined {
  const selector = nodeSelectorOf(pod);
  const named = ARCH_LABELS.map((label) => selector?.[label]).filter((value): value is string => typeof value === 'string');
  if (named.length > 0) return [...new Set(named)].sort();

  const required = requiredTermsOf(pod) ?? [];
  const terms = required.filter((term) => !termMatchesNothing(term));
  // Only terms that match nothing: no node at all can take the pod, so there is nothing to narrow.
  if (terms.length === 0) return required.length > 0 ? [] : undefined;
  const pinned = new Set<string>();
  for (const term of terms) {
    const allowed = termPinnedArchitectures(term);
    if (allowed === undefined) return undefined;
    for (const arch of allowed) pinned.add(arch);
  }
  return [...pinned].sort();
}

/** A term needs nothing from us when it already requires `kubernetes.io/arch In` a subset of `allowed`. */
export function termWithin(term: unknown, allowed: ReadonlySet<string>): boolean {
  return archExpressions(term, [ARCH_LABEL]).some(
    (expression) => expression.operator === 'In' && expression.values.length > 0 && expression.values.every((arch) => allowed.has(arch)),
  );
}

/**
 * Whether a term still admits a node of some architecture in `allowed`, judged on its arch-label
 * expressions alone (nodes carry both arch labels with the same value). Other keys are the user's.
 */
export function termAdmitsAny(term: unknown, allowed: readonly string[]): boolean {
  const expressions = archExpressions(term);
  return allowed.some((arch) =>
    expressions.every(({ operator, values }) => {
      if (operator === 'In') return values.includes(arch);
      if (operator === 'NotIn') return !values.includes(arch);
      return operator === 'Exists';
    }),
  );
}

/** True when some preferred term already expresses a preference on the architecture. */
export function hasArchPreference(pod: PodLike): boolean {
  const preferred = asArray(nodeAffinityOf(pod)?.preferredDuringSchedulingIgnoredDuringExecution);
  return preferred.some((entry) => archExpressions(asRecord(entry)?.preference).length > 0);
}
