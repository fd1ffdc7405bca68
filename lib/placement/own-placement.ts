// Telling Archy's placement in a pod template from the user's, so that it can be replaced rather
// than ANDed again when the images change. Archy's expression is `kubernetes.io/arch In <S>`,
// where S is what the template's `archy.io/architectures` records (an audit record, which comes
// with `archy.io/would-place`, wrote no expression), appended last to every term it placed
// (writeRequiredAffinityInEveryTerm); a term of Archy's expression alone is a term Archy added.
import { ARCH_LABEL, requiredTermsOf, termMatchesNothing } from './constraints.ts';
import { sameJson } from './diff.ts';
import { ANNOTATION_ARCHITECTURES, ANNOTATION_WOULD_PLACE, asArray, asRecord, podAnnotations, RECORD_ANNOTATIONS, type PodLike } from './pod.ts';

/** The architectures of the expression Archy wrote into this template, or undefined when it wrote none. */
export function enforcedRecord(template: PodLike | undefined): string[] | undefined {
  if (template === undefined) return undefined;
  const annotations = podAnnotations(template);
  const recorded = annotations[ANNOTATION_ARCHITECTURES];
  if (typeof recorded !== 'string' || annotations[ANNOTATION_WOULD_PLACE] !== undefined) return undefined;
  const architectures = recorded.split(',').map((arch) => arch.trim()).filter(Boolean).sort();
  return architectures.length > 0 ? architectures : undefined;
}

/**
 * The user's template: `template` without Archy's records and without the expressions Archy wrote.
 * A term the update left as the previous version had it carries the expression the previous
 * record names. Any other term is the user's, unless the template's own record differs from the
 * previous one (or there is no previous version): then that record is Archy's of this very request
 * (a reinvocation after another webhook), or of a cluster where Archy ran (a copied manifest), and
 * names the expression in each such term. A term the user rewrote under an unchanged record is the
 * user's.
 */
export function withoutOwnPlacement(template: PodLike, previous?: PodLike): PodLike {
  const before = enforcedRecord(previous);
  const now = enforcedRecord(template);
  const previousTerms = before === undefined ? [] : (requiredTermsOf(previous as PodLike) ?? []);
  const recordOf = (term: unknown): readonly string[] | undefined => {
    if (before !== undefined && previousTerms.some((old) => sameJson(old, term))) return before;
    return now !== undefined && (previous === undefined || !sameJson(now, before)) ? now : undefined;
  };
  const terms = requiredTermsOf(template);
  let spec = asRecord(template.spec) ?? {};
  if ((before !== undefined || now !== undefined) && terms !== undefined) {
    const userTerms = terms.flatMap((term) => {
      const record = recordOf(term);
      if (record === undefined) return [term];
      const stripped = withoutLastExpression(term, record);
      return stripped !== term && termMatchesNothing(stripped) ? [] : [stripped];
    });
    if (userTerms.length !== terms.length || userTerms.some((term, index) => term !== terms[index])) spec = withRequiredTerms(spec, userTerms);
  }
  return { ...template, metadata: withoutRecords(template), spec } as PodLike;
}

/** The template's metadata without Archy's record annotations (scheduling untouched: audit). */
export function withoutRecords(template: PodLike): NonNullable<PodLike['metadata']> {
  const metadata = asRecord(template.metadata) ?? {};
  const annotations = asRecord(metadata.annotations);
  if (annotations === undefined || !RECORD_ANNOTATIONS.some((key) => Object.hasOwn(annotations, key))) return metadata;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([key]) => !RECORD_ANNOTATIONS.includes(key))) as Record<string, string>;
  const { annotations: _dropped, ...rest } = metadata;
  return Object.keys(kept).length > 0 ? { ...rest, annotations: kept } : rest;
}

function isOwnExpression(expression: unknown, record: readonly string[]): boolean {
  const { key, operator, values } = asRecord(expression) ?? {};
  if (key !== ARCH_LABEL || operator !== 'In') return false;
  const given = asArray(values);
  return given.every((value) => typeof value === 'string') && sameJson([...(given as string[])].sort(), record);
}

/** The term without its last expression of Archy's (the same object when it has none). */
function withoutLastExpression(term: unknown, record: readonly string[]): unknown {
  const value = asRecord(term);
  const expressions = asArray(value?.matchExpressions);
  const index = expressions.findLastIndex((expression) => isOwnExpression(expression, record));
  if (value === undefined || index < 0) return term;
  const rest = expressions.filter((_, at) => at !== index);
  const { matchExpressions: _replaced, ...others } = value;
  return rest.length > 0 ? { ...others, matchExpressions: rest } : others;
}

/** `spec` with these required terms; none left: the required node affinity (and what it leaves empty) goes. */
function withRequiredTerms(spec: Record<string, unknown>, terms: unknown[]): Record<string, unknown> {
  const affinity = asRecord(spec.affinity) ?? {};
  const nodeAffinity = asRecord(affinity.nodeAffinity) ?? {};
  const required = asRecord(nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) ?? {};
  const { requiredDuringSchedulingIgnoredDuringExecution: _required, ...otherNodeAffinity } = nodeAffinity;
  const nextNodeAffinity = terms.length > 0 ? { ...otherNodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { ...required, nodeSelectorTerms: terms } } : otherNodeAffinity;
  const { nodeAffinity: _node, ...otherAffinity } = affinity;
  const nextAffinity = Object.keys(nextNodeAffinity).length > 0 ? { ...otherAffinity, nodeAffinity: nextNodeAffinity } : otherAffinity;
  const { affinity: _affinity, ...otherSpec } = spec;
  return Object.keys(nextAffinity).length > 0 ? { ...otherSpec, affinity: nextAffinity } : otherSpec;
}
