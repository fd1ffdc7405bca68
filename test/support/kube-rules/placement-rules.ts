// The placement rule of DESIGN.md §2, as an oracle over a universe of nodes, written from the rule
// and not from lib/placement. Given the pod before and after the patch, the warnings and the
// registry answers, it lists every rule the admission broke, naming the node that shows it.
import type { ImageResolution } from '../../../lib/types.ts';
import type { ClusterViewLike } from './arbitraries.ts';
import { ARCH_LABELS, archOf, canUse, isValidTaint, placementMatches, tolerates, twinOf, type Node } from './scheduling.ts';
import { ANNOTATIONS_LIMIT_BYTES, isLabelValue, podProblems, warningProblems } from './validation.ts';

/** More platforms than this in one answer: the image counts as unresolved. */
export const PLATFORM_CAP = 64;

export interface Violation {
  rule: string;
  detail: string;
  node?: string;
}

type Json = Record<string, unknown>;
type TolerationLike = { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number };

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A plausible architecture name: lowercase `[a-z0-9_]`, at most 16 characters, a valid label value. */
export function isPlausibleArchitecture(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z0-9_]{1,16}$/.test(value) && isLabelValue(value);
}

export interface Allowed {
  /** S, sorted. */
  architectures: string[];
  resolved: string[];
  unresolved: string[];
  /** No image resolved: S is the default architecture. */
  fallback: boolean;
}

/**
 * S: the intersection of the linux architectures (variant ignored) of the images whose answer is
 * ok and lists at most PLATFORM_CAP platforms; implausible architecture names are ignored. With no
 * image resolved, S is the default architecture.
 */
export function allowedArchitectures(images: readonly string[], answers: ReadonlyMap<string, ImageResolution>, defaultArch: string): Allowed {
  const resolved: string[] = [];
  const unresolved: string[] = [];
  let common: Set<string> | undefined;
  for (const image of new Set(images)) {
    const answer = answers.get(image);
    if (!answer || !answer.ok || answer.platforms.length > PLATFORM_CAP) {
      unresolved.push(image);
      continue;
    }
    resolved.push(image);
    const archs = new Set(answer.platforms.filter((p) => p.os === 'linux' && isPlausibleArchitecture(p.architecture)).map((p) => p.architecture));
    common = common === undefined ? archs : new Set([...common].filter((arch) => archs.has(arch)));
  }
  if (common === undefined) return { architectures: [defaultArch], resolved, unresolved, fallback: true };
  return { architectures: [...common].sort(), resolved, unresolved, fallback: false };
}

export type Pinning = { kind: 'yes' | 'no' | 'ambiguous'; architectures: string[]; why: string };

function requiredTerms(pod: unknown): unknown[] | undefined {
  const required = record(record(record(record(record(pod)?.spec)?.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution);
  return required ? list(required.nodeSelectorTerms) : undefined;
}

const isEmptyTerm = (term: unknown): boolean => list(record(term)?.matchExpressions).length === 0 && list(record(term)?.matchFields).length === 0;

function archInExpressions(term: unknown): Json[] {
  return list(record(term)?.matchExpressions)
    .map(record)
    .filter((e): e is Json => e !== undefined && ARCH_LABELS.includes(e.key as string) && e.operator === 'In' && list(e.values).length > 0);
}

/** The architectures one pinning term allows: its `In` lists intersected, less its `NotIn` values. */
function termArchitectures(term: unknown): string[] {
  let allowed: string[] | undefined;
  for (const expression of archInExpressions(term)) {
    const values = list(expression.values).filter((v): v is string => typeof v === 'string');
    allowed = allowed === undefined ? values : allowed.filter((v) => values.includes(v));
  }
  const excluded = list(record(term)?.matchExpressions)
    .map(record)
    .filter((e) => e !== undefined && ARCH_LABELS.includes(e.key as string) && e.operator === 'NotIn')
    .flatMap((e) => list(e?.values));
  return (allowed ?? []).filter((arch) => !excluded.includes(arch));
}

/**
 * A pod pins its architecture when its nodeSelector names an arch label, or when it has at least
 * one required term and every term restricts an arch label with `In` to explicit values.
 * Ambiguous: a term with neither expressions nor fields matches no node; the pod is pinned if
 * those terms are ignored but not if they are counted. Either reading is accepted there.
 */
export function pinning(pod: unknown): Pinning {
  const selector = record(record(record(pod)?.spec)?.nodeSelector) ?? {};
  const named = ARCH_LABELS.filter((label) => selector[label] !== undefined);
  if (named.length > 0) return { kind: 'yes', architectures: [...new Set(named.map((label) => String(selector[label])))].sort(), why: `nodeSelector names ${named.join(', ')}` };
  const terms = requiredTerms(pod) ?? [];
  if (terms.length === 0) return { kind: 'no', architectures: [], why: 'no arch in nodeSelector, no required term' };
  const live = terms.filter((term) => !isEmptyTerm(term));
  const pinsEach = (candidates: unknown[]): boolean => candidates.length > 0 && candidates.every((term) => archInExpressions(term).length > 0);
  const architectures = [...new Set(live.flatMap(termArchitectures))].sort();
  if (pinsEach(terms)) return { kind: 'yes', architectures, why: 'every required term has an arch label In' };
  if (pinsEach(live)) return { kind: 'ambiguous', architectures, why: 'every required term that can match has an arch label In; the others are empty' };
  if (live.length === 0) return { kind: 'no', architectures: [], why: 'its required terms are all empty (they match no node)' };
  return { kind: 'no', architectures: [], why: 'some required term does not restrict an arch label with In' };
}

export interface Outcome {
  before: unknown;
  after: unknown;
  warnings: readonly string[];
  allowed: Allowed;
  configuredTolerations: Readonly<Record<string, readonly TolerationLike[]>>;
  nodes: readonly Node[];
  /** The cluster view the admission was given; undefined: none. */
  view?: ClusterViewLike;
  /** A pod, or a DaemonSet's pod template (before and after are then the template as a pod). */
  workload?: 'pod' | 'daemonset';
}

/** Every broken rule; empty when the admission did what §2 asks. */
export function checkOutcome(outcome: Outcome): Violation[] {
  const violations: Violation[] = [];
  const { before, after, warnings, allowed } = outcome;
  for (const problem of newProblems(before, after)) violations.push({ rule: 'api-validation', detail: `the patched pod would be rejected: ${problem}` });
  for (const problem of warningProblems(warnings)) violations.push({ rule: 'warnings', detail: problem });
  violations.push(...untouchedElsewhere(before, after));
  violations.push(...noWidening(outcome));

  const pinned = pinning(before);
  const S = allowed.architectures;
  const unchanged = schedulingUnchanged(before, after);
  if (pinned.kind === 'yes' || (pinned.kind === 'ambiguous' && unchanged)) {
    if (!unchanged) violations.push({ rule: 'pinned: unchanged', detail: `the pod pins its architecture (${pinned.why}) but the patch changes ${changedSchedulingFields(before, after).join(', ')}` });
    const missing = pinned.architectures.filter((arch) => !S.includes(arch));
    if (allowed.resolved.length > 0 && missing.length > 0 && warnings.length === 0) {
      violations.push({ rule: 'pinned: warning', detail: `the pod pins ${pinned.architectures.join(', ')} but S = [${S.join(', ')}] lacks ${missing.join(', ')}, and no warning says so` });
    }
    return violations;
  }
  if (allowed.resolved.length > 0 && S.length === 0) {
    if (!unchanged) violations.push({ rule: 'no common arch: unchanged', detail: `no architecture is common to the images, yet the patch changes ${changedSchedulingFields(before, after).join(', ')}` });
    if (warnings.length === 0) violations.push({ rule: 'no common arch: warning', detail: 'no architecture is common to the images, and no warning says so' });
    return violations;
  }
  violations.push(...placementViolations(outcome), ...viewViolations(outcome));
  if (outcome.workload === 'daemonset') violations.push(...daemonSetForm(outcome));
  return violations;
}

/**
 * A DaemonSet's template gets the required affinity on all of S and nothing that chooses among
 * them (no nodeSelector arch, no preferred term: each of its pods is bound to its node), and
 * nothing that depends on the cluster view beyond tolerations (no archy.io/nodepools: a change
 * there would be a rollout of every pod).
 */
function daemonSetForm({ before, after }: Outcome): Violation[] {
  const violations: Violation[] = [];
  const spec = (pod: unknown): Json => record(record(pod)?.spec) ?? {};
  if (!sameJson(spec(before).nodeSelector, spec(after).nodeSelector)) violations.push({ rule: 'daemonset: affinity form', detail: 'the patch changes the template nodeSelector' });
  const preferred = (pod: unknown): unknown => record(record(spec(pod).affinity)?.nodeAffinity)?.preferredDuringSchedulingIgnoredDuringExecution;
  if (!sameJson(preferred(before), preferred(after))) violations.push({ rule: 'daemonset: affinity form', detail: 'the patch adds a preferred node affinity term to the template' });
  const annotations = record(record(record(after)?.metadata)?.annotations) ?? {};
  if (annotations['archy.io/nodepools'] !== undefined) violations.push({ rule: 'daemonset: affinity form', detail: 'the template carries archy.io/nodepools' });
  return violations;
}

/** Safety, no loss, the unschedulable warning, and the configured tolerations. */
function placementViolations({ before, after, warnings, allowed, configuredTolerations, nodes }: Outcome): Violation[] {
  const violations: Violation[] = [];
  const S = allowed.architectures;
  const usableBefore = nodes.filter((node) => canUse(before, node));
  const usableAfter = nodes.filter((node) => canUse(after, node));
  const unsafe = usableAfter.find((node) => !S.includes(archOf(node)));
  if (unsafe) violations.push({ rule: 'safety', node: unsafe.name, detail: `after the patch the pod may run on ${unsafe.name} (arch ${archOf(unsafe)}), which is not in S = [${S.join(', ')}]` });
  const lost = usableBefore.find((node) => S.includes(archOf(node)) && !canUse(after, node));
  if (lost) violations.push({ rule: 'no loss', node: lost.name, detail: `before the patch the pod could run on ${lost.name} (arch ${archOf(lost)}, in S = [${S.join(', ')}]); after it, it cannot` });
  // Unschedulable by the patch: judged on what the pod says (its selector and terms), not on what
  // only the cluster knows: a node the pod names (hostname, metadata.name) also counts in each
  // architecture of S, and taints are not considered (which arch pools are tainted is the cluster's).
  const placeableInS = nodes.some((node) => S.some((arch) => placementMatches(after, twinOf(node, arch))));
  if (usableAfter.length === 0 && usableBefore.length > 0 && warnings.length === 0 && !placeableInS) {
    violations.push({ rule: 'unschedulable: warning', node: usableBefore[0]?.name, detail: `the pod could use ${usableBefore.length} nodes (e.g. ${usableBefore[0]?.name}) before the patch and no node of S after, and no warning says so` });
  }
  const afterTolerations = list(record(record(after)?.spec)?.tolerations);
  for (const arch of S) {
    const wanted = configuredTolerations[arch] ?? [];
    const reachable = nodes.find((node) => archOf(node) === arch && placementMatches(after, node));
    if (wanted.length === 0 || !reachable) continue;
    for (const toleration of wanted) {
      if (!afterTolerations.some((present) => sameToleration(present, toleration))) {
        violations.push({ rule: 'tolerations: configured', node: reachable.name, detail: `the pod may run on ${arch} (${reachable.name}) but lacks the configured toleration ${JSON.stringify(toleration)}` });
      }
    }
  }
  return violations;
}

/**
 * With a cluster view (issue 12): a pod nothing can run is said to wait; the preference names an
 * architecture something offers; the NodePools that opted in and can run the pod have their taints
 * tolerated, and no toleration is added that neither the configuration nor such a pool asked for;
 * `archy.io/nodepools` names exactly the pools that can run the pod, heaviest first.
 */
function viewViolations(outcome: Outcome): Violation[] {
  const { before, after, warnings, allowed, configuredTolerations, view } = outcome;
  if (view === undefined) return [];
  const violations: Violation[] = [];
  const S = allowed.architectures;
  const pools = view.nodePools ?? [];
  const offered = (arch: string): boolean => (Object.hasOwn(view.nodes, arch) && (view.nodes[arch] ?? 0) > 0) || pools.some((pool) => pool.architectures.includes(arch));
  const informative = Object.values(view.nodes).some((count) => count > 0) || pools.length > 0;
  const annotations = record(record(after)?.metadata)?.annotations as Json | undefined;
  const written = annotations?.['archy.io/architectures'] !== undefined;
  // A pod Archy left alone (e.g. required terms that match no node at all) owes the view nothing.
  if (!written && schedulingUnchanged(before, after)) return violations;

  if (informative && !S.some(offered)) {
    if (warnings.length === 0) violations.push({ rule: 'pending: warning', detail: `nothing in the view offers any of S = [${S.join(', ')}], and no warning says the pod will wait` });
    if (written && annotations?.['archy.io/reason'] === undefined) violations.push({ rule: 'pending: reason', detail: 'nothing in the view offers S, and archy.io/reason does not say so' });
  }

  const preferredBefore = list(record(record(record(record(before)?.spec)?.affinity)?.nodeAffinity)?.preferredDuringSchedulingIgnoredDuringExecution).length;
  const added = list(record(record(record(record(after)?.spec)?.affinity)?.nodeAffinity)?.preferredDuringSchedulingIgnoredDuringExecution).slice(preferredBefore);
  for (const term of added) {
    const archs = list(record(record(term)?.preference)?.matchExpressions).flatMap((e) => list(record(e)?.values)).filter((v): v is string => typeof v === 'string');
    const bad = archs.find((arch) => !S.includes(arch) || (informative && !offered(arch)));
    if (bad !== undefined) violations.push({ rule: 'preferred: offered', detail: `the added preferred term names ${bad}, which is not in S or which nothing in the view offers` });
  }

  const eligible = pools.filter((pool) => pool.architectures.some((arch) => S.includes(arch)));
  const tolerationsBefore = list(record(record(before)?.spec)?.tolerations);
  const tolerationsAfter = list(record(record(after)?.spec)?.tolerations);
  const wantedTaints = eligible.filter((pool) => pool.tolerate).flatMap((pool) => pool.taints.filter(isValidTaint).map((taint) => ({ pool: pool.name, taint })));
  for (const { pool, taint } of wantedTaints) {
    if (!tolerationsAfter.some((toleration) => tolerates(toleration, taint))) {
      violations.push({ rule: 'tolerations: pools', detail: `NodePool ${pool} opted in and offers an architecture of S, but its taint ${JSON.stringify(taint)} is not tolerated` });
    }
  }
  for (const toleration of tolerationsAfter.slice(tolerationsBefore.length)) {
    const configured = S.some((arch) => (configuredTolerations[arch] ?? []).some((wanted) => sameToleration(wanted, toleration)));
    if (!configured && !wantedTaints.some(({ taint }) => tolerates(toleration, taint))) {
      violations.push({ rule: 'tolerations: unasked', detail: `added toleration ${JSON.stringify(toleration)} is neither configured for S nor for a taint of a NodePool that opted in and can run the pod` });
    }
  }

  const named = annotations?.['archy.io/nodepools'];
  if (outcome.workload === 'daemonset') return violations;
  if (typeof named === 'string') {
    const names = named.split(',');
    const expected = eligible.map((pool) => pool.name).sort();
    if (!sameJson([...names].sort(), expected)) violations.push({ rule: 'nodepools: annotation', detail: `archy.io/nodepools is ${JSON.stringify(named)}; the pools that can run the pod are [${expected.join(', ')}]` });
    const weights = names.map((name) => pools.find((pool) => pool.name === name)?.weight ?? -1);
    if (weights.some((weight, index) => index > 0 && weight > (weights[index - 1] as number))) violations.push({ rule: 'nodepools: order', detail: `archy.io/nodepools ${JSON.stringify(named)} is not heaviest first` });
  } else if (written && eligible.length > 0) {
    const value = eligible.map((pool) => pool.name).join(',');
    const used = Object.entries(annotations ?? {}).reduce((sum, [key, v]) => sum + Buffer.byteLength(key) + Buffer.byteLength(String(v)), 0);
    if (used + Buffer.byteLength('archy.io/nodepools') + Buffer.byteLength(value) <= ANNOTATIONS_LIMIT_BYTES) {
      violations.push({ rule: 'nodepools: annotation', detail: `archy.io/nodepools is missing though ${eligible.length} pools can run the pod and it would fit` });
    }
  }
  return violations;
}

/** The patch may open tainted nodes (tolerations), never a node the pod's own selector or affinity excluded. */
function noWidening({ before, after, nodes }: Outcome): Violation[] {
  const widened = nodes.find((node) => canUse(after, node) && !placementMatches(before, node));
  return widened ? [{ rule: 'no widening', node: widened.name, detail: `after the patch the pod may run on ${widened.name}, which its own nodeSelector/affinity excluded before` }] : [];
}

/** Problems of the patched pod that the pod did not have before. */
function newProblems(before: unknown, after: unknown): string[] {
  const old = new Set(podProblems(before));
  return podProblems(after).filter((problem) => !old.has(problem));
}

const SCHEDULING_FIELDS = ['nodeSelector', 'affinity', 'tolerations'];

function changedSchedulingFields(before: unknown, after: unknown): string[] {
  const [a, b] = [record(record(before)?.spec) ?? {}, record(record(after)?.spec) ?? {}];
  return SCHEDULING_FIELDS.filter((field) => !sameJson(withoutEmptyMembers(a[field]), withoutEmptyMembers(b[field]))).map((field) => `spec.${field}`);
}

/** Equal once members that are empty objects are left out (see withoutEmptyMembers). */
export function sameSemantics(a: unknown, b: unknown): boolean {
  return sameJson(withoutEmptyMembers(a), withoutEmptyMembers(b));
}

/** An object member that is an empty object (`affinity: {}`, `nodeAffinity: {}`) constrains nothing: the same as absent. */
function withoutEmptyMembers(value: unknown): unknown {
  const object = record(value);
  if (object === undefined) return value;
  const kept = Object.entries(object).map(([key, member]) => [key, withoutEmptyMembers(member)] as const).filter(([, member]) => member !== undefined);
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

function schedulingUnchanged(before: unknown, after: unknown): boolean {
  return changedSchedulingFields(before, after).length === 0;
}

/**
 * Outside the scheduling fields the patch changes nothing but Archy's own annotations; within them
 * it only adds: nodeSelector entries, tolerations (appended), preferred terms (appended), and the
 * required terms stay the same number (the arch is ANDed in, never a new ORed term).
 */
function untouchedElsewhere(before: unknown, after: unknown): Violation[] {
  const violations: Violation[] = [];
  const strip = (pod: unknown): unknown => {
    const copy = structuredClone(pod) as { metadata?: Json; spec?: Json };
    if (copy.metadata) delete copy.metadata.annotations;
    if (copy.spec) for (const field of SCHEDULING_FIELDS) delete copy.spec[field];
    return copy;
  };
  if (!sameJson(strip(before), strip(after))) violations.push({ rule: 'kept', detail: 'the patch changes fields outside nodeSelector, affinity, tolerations and annotations' });
  const annotations = (pod: unknown): Json => record(record(record(pod)?.metadata)?.annotations) ?? {};
  for (const [key, value] of Object.entries(annotations(before))) {
    if (!key.startsWith('archy.io/') && annotations(after)[key] !== value) violations.push({ rule: 'kept', detail: `annotation ${JSON.stringify(key)} changed or removed` });
  }
  const spec = (pod: unknown): Json => record(record(pod)?.spec) ?? {};
  for (const [key, value] of Object.entries(record(spec(before).nodeSelector) ?? {})) {
    if (record(spec(after).nodeSelector)?.[key] !== value) violations.push({ rule: 'kept', detail: `nodeSelector ${key} changed or removed` });
  }
  const [tolerationsBefore, tolerationsAfter] = [list(spec(before).tolerations), list(spec(after).tolerations)];
  if (!sameJson(tolerationsBefore, tolerationsAfter.slice(0, tolerationsBefore.length))) violations.push({ rule: 'kept', detail: "the pod's own tolerations were changed (Archy may only append)" });
  const added = tolerationsAfter.slice(tolerationsBefore.length);
  added.forEach((toleration, index) => {
    if ([...tolerationsBefore, ...added.slice(0, index)].some((other) => sameToleration(other, toleration))) {
      violations.push({ rule: 'tolerations: duplicated', detail: `added toleration ${JSON.stringify(toleration)} is already on the pod` });
    }
  });
  const affinity = (pod: unknown): Json => record(spec(pod).affinity) ?? {};
  const others = (pod: unknown): Json => Object.fromEntries(Object.entries(affinity(pod)).filter(([key]) => key !== 'nodeAffinity'));
  if (!sameJson(others(before), others(after))) violations.push({ rule: 'kept', detail: 'podAffinity/podAntiAffinity changed' });
  const preferred = (pod: unknown): unknown[] => list(record(affinity(pod).nodeAffinity)?.preferredDuringSchedulingIgnoredDuringExecution);
  if (!sameJson(preferred(before), preferred(after).slice(0, preferred(before).length))) violations.push({ rule: 'kept', detail: "the pod's own preferred node affinity terms were changed (Archy may only append)" });
  const termCount = (pod: unknown): number => requiredTerms(pod)?.length ?? 0;
  if (termCount(before) > 0 && termCount(after) !== termCount(before)) {
    violations.push({ rule: 'terms ANDed, not ORed', detail: `required terms went from ${termCount(before)} to ${termCount(after)}` });
  }
  return violations;
}

/** Tolerations compared field by field; no operator is Equal. */
export function sameToleration(a: unknown, b: unknown): boolean {
  const norm = (t: unknown): string => {
    const { key = '', operator = 'Equal', value = '', effect = '', tolerationSeconds = null } = (record(t) ?? {}) as TolerationLike & Json;
    return JSON.stringify([key, operator || 'Equal', value, effect, tolerationSeconds]);
  };
  return norm(a) === norm(b);
}

/** JSON equality, member order ignored; an absent member equals `undefined`. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonical(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

