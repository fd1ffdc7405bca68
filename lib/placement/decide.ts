// The placement decision: pure, from the pod, its images' platforms and the policy.
import type { AdmissionMode } from '../config.ts';
import type { ImageResolution } from '../types.ts';
import { fitsAnnotations, MAX_ANNOTATION_BYTES } from './annotations.ts';
import { assessImages, checkPinned, commonArchitectures, describe, groupByImage } from './assess.ts';
import { applyChoices, type ChoiceName, type NamespaceDefaults } from './choices.ts';
import { candidatePools, nothingOffers, offeredArchitectures, preferredArchitecture, type NodePoolView } from './cluster.ts';
import { pinnedArchitectures, requiredTermsOf, termAdmitsAny, termMatchesNothing } from './constraints.ts';
import { skip, type Decision, type Mutation, type Skip } from './decision.ts';
import { PatchBuilder } from './patch.ts';
import { auditRecords, enforceRecords } from './records.ts';
import { linuxArchitectures, MAX_PLATFORMS, orderArchitectures } from './platforms.ts';
import {
  ANNOTATION_NODEPOOLS,
  podAnnotations,
  podImages,
  podNamespace,
  podTolerations,
  type PodLike,
} from './pod.ts';
import { modeFor, type PlacementPolicy } from './policy.ts';
import { isEphemeralUpdate, placedArchitectures, preflight, type AdmissionFacts } from './preflight.ts';
import { configuredTolerations, poolTolerations } from './tolerations.ts';
import * as say from './warnings.ts';
import { writeNodeSelector, writePreferredAffinity, writeRequiredAffinity, writeTolerations } from './write-placement.ts';

export interface DecideInput {
  pod: unknown;
  namespace?: string;
  /** One per distinct image; an image without one counts as not checked. */
  resolutions: readonly ImageResolution[];
  /** CREATE when absent. */
  operation?: string;
  subResource?: string;
  /** The pod's Namespace and its annotations, when they could be read: its defaults for the choices. */
  namespaceDefaults?: NamespaceDefaults;
}

export function decide(input: DecideInput, policy: PlacementPolicy): Decision {
  return planPlacement(input, policy).decide(input.namespaceDefaults);
}

/** An admission's placement once its images are known: the choices it depends on, and the decision given them. */
export interface PlacementPlan {
  /**
   * The choices (archy.io/ annotations of the pod or its Namespace) this placement depends on: the
   * fallback architecture when no image could be checked, the preference and the strategy when
   * the images share several architectures; none for a pod that is not placed. The caller reads
   * a Namespace only when this is not empty.
   */
  choicesNeeded: ChoiceName[];
  decide(namespaceDefaults?: NamespaceDefaults): Decision;
}

/** Everything that needs no choice is worked out once, whether or not a Namespace is read between. */
export function planPlacement(input: Omit<DecideInput, 'namespaceDefaults'>, policy: PlacementPolicy): PlacementPlan {
  const outcome = assess(input, policy);
  if (outcome.kind === 'decided') return { choicesNeeded: [], decide: () => outcome.decision };
  const needed = neededChoices(outcome);
  return {
    choicesNeeded: needed,
    decide(namespaceDefaults) {
      const { pod, allowed, fallback, warnings, reason } = outcome;
      // Only the choices that decide something are read (and warned about); their warnings come first.
      const choices = applyChoices(policy, podAnnotations(pod), namespaceDefaults, needed);
      const mode = modeFor(policy, input.namespace || podNamespace(pod));
      const all = [...choices.warnings, ...warnings];
      if (fallback) {
        const fallbackArch = choices.policy.defaultArch;
        all.push(say.noImageChecked(fallbackArch));
        return place(pod, [fallbackArch], choices.policy, mode, all, say.reasonFallback(fallbackArch), true);
      }
      return place(pod, allowed, choices.policy, mode, all, reason, false);
    },
  };
}

export function choicesNeeded(input: DecideInput, policy: PlacementPolicy): ChoiceName[] {
  return planPlacement(input, policy).choicesNeeded;
}

type Assessed =
  | { kind: 'decided'; decision: Decision }
  | { kind: 'place'; pod: PodLike; allowed: string[]; fallback: boolean; warnings: string[]; reason?: string };

/** Everything that needs no choice: the skips, and S. */
function assess(input: Omit<DecideInput, 'namespaceDefaults'>, policy: PlacementPolicy): Assessed {
  const facts: AdmissionFacts = { operation: input.operation ?? 'CREATE', pod: input.pod, ...optional(input) };
  const skipped = preflight(facts, policy);
  const pod = input.pod as PodLike;
  if (isEphemeralUpdate(facts)) return { kind: 'decided', decision: skipped ?? checkEphemeral(pod, input.resolutions) };
  if (skipped) return { kind: 'decided', decision: skipped };

  const { images, resolved, warnings } = assessImages(podImages(pod), input.resolutions);
  const pinned = pinnedArchitectures(pod);
  if (pinned !== undefined) return { kind: 'decided', decision: checkPinned(pinned, resolved) };
  if (resolved.length === 0) return { kind: 'place', pod, allowed: [], fallback: true, warnings };
  const allowed = commonArchitectures(resolved);
  if (allowed.length === 0) {
    return { kind: 'decided', decision: skip('no-common-arch', 'no architecture is common to all images', [...warnings, say.noCommonArchitecture(describe(resolved))]) };
  }
  const placing: Assessed = { kind: 'place', pod, allowed, fallback: false, warnings };
  if (resolved.length < images.length) placing.reason = say.reasonPartial(images.length - resolved.length, images.length);
  return placing;
}

function neededChoices({ allowed, fallback }: { allowed: string[]; fallback: boolean }): ChoiceName[] {
  if (fallback) return ['defaultArch'];
  return allowed.length > 1 ? ['preferredArch', 'multiArchStrategy'] : [];
}

/**
 * Writes the placement (enforce), or only records it (audit: no scheduling field changes, and
 * `archy.io/would-place` says what enforce would have allowed). Both decide, warn and annotate alike.
 */
function place(
  pod: PodLike,
  allowed: string[],
  policy: PlacementPolicy,
  mode: AdmissionMode,
  warnings: string[],
  partialReason: string | undefined,
  fallback: boolean,
): Mutation {
  const patch = new PatchBuilder(pod);
  const preferred = policy.preferredArch ?? preferredArchitecture(allowed, policy.cluster, policy.defaultArch);
  let placed: string[];
  let closed: number[];
  if (allowed.length === 1 || policy.multiArchStrategy === 'pin') {
    const arch = preferred !== undefined && allowed.includes(preferred) ? preferred : (orderArchitectures(allowed, policy.defaultArch)[0] as string);
    writeNodeSelector(patch, arch);
    placed = [arch];
    // The nodeSelector is ANDed with every term: they need nothing written, only checking.
    closed = closedTerms(pod, placed);
  } else {
    placed = [...allowed].sort();
    closed = writeRequiredAffinity(patch, placed);
    if (preferred !== undefined && placed.includes(preferred)) writePreferredAffinity(patch, pod, preferred, policy.preferenceWeight);
  }
  if (closed.length > 0) warnings.push(say.termsClosed(closed, placed, closed.length === openTerms(pod).length));

  const configured = configuredTolerations(placed, policy.archTolerations);
  const pools = candidatePools(policy.cluster, placed);
  writeTolerations(patch, pod, [...configured, ...poolTolerations(pools, placed, [...podTolerations(pod), ...configured])]);

  const reasons = partialReason === undefined ? [] : [partialReason];
  const cluster = policy.cluster;
  if (cluster !== undefined && nothingOffers(cluster, placed)) {
    const poolsKnown = cluster.nodePools !== undefined;
    warnings.push(say.nothingOffers(placed, offeredArchitectures(cluster), poolsKnown));
    reasons.push(say.reasonPending(placed, poolsKnown));
  }
  const reason = reasons.length > 0 ? reasons.join('; ') : undefined;
  // Annotations and scheduling fields are apart (metadata vs spec): audit keeps only the first.
  const annotations = new PatchBuilder(pod);
  if (mode === 'audit') {
    writeAnnotations(annotations, pod, auditRecords(allowed, placed, reason), [], warnings);
  } else {
    writeAnnotations(annotations, pod, enforceRecords(placed, reason), pools, warnings);
  }

  const ops = mode === 'audit' ? annotations.ops : [...patch.ops, ...annotations.ops];
  const mutation: Mutation = { kind: 'mutate', architectures: placed, patch: ops, warnings, fallback };
  if (reason !== undefined) mutation.reason = reason;
  return mutation;
}

/**
 * What Archy decided, on the pod: `records`, and the candidate NodePools. The NodePools go first
 * when the annotations would not fit; all of them, with a warning, when even the rest would not.
 * A value the pod already carries is not written again (a second pass yields no patch).
 */
function writeAnnotations(patch: PatchBuilder, pod: PodLike, records: Record<string, string>, pools: NodePoolView[], warnings: string[]): void {
  const withPools = pools.length > 0 ? { ...records, [ANNOTATION_NODEPOOLS]: pools.map((pool) => pool.name).join(',') } : records;
  const written = [withPools, records].find((candidate) => fitsAnnotations(pod, candidate));
  if (written === undefined) {
    warnings.push(say.annotationsLeftOut(MAX_ANNOTATION_BYTES));
    return;
  }
  const present = podAnnotations(pod);
  for (const [key, value] of Object.entries(written)) {
    if (present[key] !== value) patch.set(['metadata', 'annotations', key], value);
  }
}

function openTerms(pod: PodLike): unknown[] {
  return (requiredTermsOf(pod) ?? []).filter((term) => !termMatchesNothing(term));
}

/** Indexes of the required terms that no node of these architectures can satisfy. */
function closedTerms(pod: PodLike, placed: readonly string[]): number[] {
  return (requiredTermsOf(pod) ?? []).flatMap((term, index) => (!termMatchesNothing(term) && !termAdmitsAny(term, placed) ? [index] : []));
}

/** An ephemeral container joins a running pod: its image must run where the pod already is. */
function checkEphemeral(pod: PodLike, resolutions: readonly ImageResolution[]): Skip {
  const placed = placedArchitectures(pod) ?? [];
  const warnings: string[] = [];
  for (const entry of groupByImage(podImages(pod).filter((image) => image.kind === 'ephemeral'), resolutions)) {
    if (!entry.resolution.ok || entry.resolution.platforms.length > MAX_PLATFORMS) continue;
    const supported = new Set(linuxArchitectures(entry.resolution.platforms));
    if (placed.every((arch) => supported.has(arch))) continue;
    for (const container of entry.containers) {
      warnings.push(say.ephemeralMismatch(container.container, entry.image, entry.resolution.platforms, placed));
    }
  }
  return skip('operation', 'ephemeral containers update: placement is immutable', warnings);
}

function optional(input: Pick<DecideInput, 'namespace' | 'subResource'>): Pick<AdmissionFacts, 'namespace' | 'subResource'> {
  const picked: Pick<AdmissionFacts, 'namespace' | 'subResource'> = {};
  if (input.namespace !== undefined) picked.namespace = input.namespace;
  if (input.subResource !== undefined) picked.subResource = input.subResource;
  return picked;
}
