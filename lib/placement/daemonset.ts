// DaemonSets. Their pods are placed by the DaemonSet controller, one per node the template fits, so
// Archy writes the rule into `spec.template` at CREATE and UPDATE: the controller then creates pods
// only on nodes whose architecture every image supports, instead of a crash-looping pod on each
// node of another one.
//
// Unlike a pod, a DaemonSet always gets the affinity form on all of S (never a nodeSelector pin,
// never one chosen architecture, no preferred term: each of its pods is bound to its node), so it
// keeps covering every node it can run on. Its template changes only when something placement
// depends on changed: a change to the template is a rollout of every pod, so an update that
// changed nothing relevant gets no patch, and the decision is computed as the template the user
// wants (Archy's earlier placement taken back, see own-placement.ts) and compared with what came.
import type { AdmissionMode } from '../config.ts';
import type { ImageResolution } from '../types.ts';
import { fitsAnnotations, MAX_ANNOTATION_BYTES } from './annotations.ts';
import { assessImages, checkPinned, commonArchitectures, describe } from './assess.ts';
import { applyChoices } from './choices.ts';
import { candidatePools, nothingOffers, offeredArchitectures } from './cluster.ts';
import { pinnedArchitectures, requiredTermsOf, termMatchesNothing } from './constraints.ts';
import { skip, type Decision, type Skip } from './decision.ts';
import { diffJson, sameJson } from './diff.ts';
import { withoutOwnPlacement, withoutRecords } from './own-placement.ts';
import { PatchBuilder } from './patch.ts';
import { auditRecords, enforceRecords } from './records.ts';
import { ANNOTATION_SKIP, asRecord, looksLikePod, podAnnotations, podImages, podTolerations, type PodLike } from './pod.ts';
import { modeFor, type PlacementPolicy } from './policy.ts';
import { configuredTolerations, poolTolerations } from './tolerations.ts';
import * as say from './warnings.ts';
import { writeRequiredAffinityInEveryTerm, writeTolerations } from './write-placement.ts';

export interface DaemonSetFacts {
  operation: string;
  /** `request.namespace`; the DaemonSet's own metadata.namespace is used when absent. */
  namespace?: string;
  object: unknown;
  /** UPDATE: the DaemonSet as it was. */
  oldObject?: unknown;
  subResource?: string;
}

export interface DaemonSetInput extends DaemonSetFacts {
  /** One per distinct image of the template; an image without one counts as not checked. */
  resolutions: readonly ImageResolution[];
}

const TEMPLATE = ['spec', 'template'];
const SUBJECT = 'the DaemonSet';

/** Whether the admission is of an `apps` DaemonSet (by the request's kind, else the object's). */
export function isDaemonSet(kind: { group?: string; kind?: string } | undefined, object: unknown): boolean {
  if (kind?.kind !== undefined) return kind.kind === 'DaemonSet' && kind.group === 'apps';
  return asRecord(object)?.kind === 'DaemonSet';
}

/** The pod template, when the object has one with a containers list. */
export function templateOf(object: unknown): PodLike | undefined {
  const template = asRecord(asRecord(asRecord(object)?.spec)?.template);
  return template !== undefined && looksLikePod(template) ? template : undefined;
}

/** A skip decided without any image lookup, or undefined when the template's images must be resolved. */
export function daemonSetPreflight(facts: DaemonSetFacts, policy: PlacementPolicy): Skip | undefined {
  if (facts.subResource !== undefined) return skip('operation', `${facts.operation} of daemonsets/${facts.subResource}: not placement`);
  if (facts.operation !== 'CREATE' && facts.operation !== 'UPDATE') return skip('operation', `${facts.operation || 'unknown'} operation: DaemonSets are placed at CREATE and UPDATE`);
  const template = templateOf(facts.object);
  if (template === undefined) return skip('not-a-pod', 'the object is not a DaemonSet with a pod template');
  if (metadataAnnotations(facts.object)[ANNOTATION_SKIP] === 'true' || podAnnotations(template)[ANNOTATION_SKIP] === 'true') {
    return skip('opt-out', `annotation ${ANNOTATION_SKIP}: "true"`);
  }
  const namespace = namespaceOf(facts);
  if (namespace !== undefined && policy.excludedNamespaces.includes(namespace)) return skip('excluded-namespace', `namespace ${namespace} is excluded`);
  if (facts.operation === 'UPDATE' && sameJson(relevantParts(facts.oldObject), relevantParts(facts.object))) {
    return skip('unchanged', 'nothing placement depends on changed: no patch, so no rollout');
  }
  if (podImages(template).length === 0) return skip('no-images', 'the pod template names no image');
  return undefined;
}

/** The template's images, to resolve once daemonSetPreflight returned undefined. */
export function daemonSetImages(object: unknown): ReturnType<typeof podImages> {
  const template = templateOf(object);
  return template === undefined ? [] : podImages(template);
}

export function decideDaemonSet(input: DaemonSetInput, policy: PlacementPolicy): Decision {
  const skipped = daemonSetPreflight(input, policy);
  if (skipped) return skipped;
  const template = templateOf(input.object) as PodLike;
  const previous = input.operation === 'UPDATE' ? templateOf(input.oldObject) : undefined;
  const mode = modeFor(policy, namespaceOf(input));
  const user = withoutOwnPlacement(template, previous);
  // What a DaemonSet that Archy does not place ends up as: in enforce its earlier placement taken
  // back, in audit only the records (audit never changes a scheduling field).
  const unplaced: PodLike = mode === 'enforce' ? user : { ...template, metadata: withoutRecords(template) };
  const answer = (decision: Skip, desired: PodLike): Skip => ({ ...decision, patch: diffJson(template, desired, TEMPLATE) });

  const { images, resolved, warnings } = assessImages(podImages(user), input.resolutions);
  const pinned = pinnedArchitectures(user);
  if (pinned !== undefined) return answer(checkPinned(pinned, resolved, SUBJECT), unplaced);
  if (resolved.length === 0) {
    // Restricting it to the default architecture would take it off every other node (for a CNI or
    // a log agent, worse than what Archy prevents): a placement made for these images stays.
    const sameImages = previous !== undefined && sameJson(imageList(previous), imageList(template));
    return answer(skip('unresolved', 'no image of the DaemonSet could be checked', [...warnings, say.daemonSetNotChecked(sameImages)]), sameImages ? template : unplaced);
  }
  const allowed = commonArchitectures(resolved);
  if (allowed.length === 0) {
    return answer(skip('no-common-arch', 'no architecture is common to all images', [...warnings, say.noCommonArchitecture(describe(resolved))]), unplaced);
  }
  // Of the choices, a DaemonSet takes none: a template that asks to pin is told why not.
  const choices = applyChoices(policy, podAnnotations(user), undefined, allowed.length > 1 ? ['multiArchStrategy'] : []);
  if (choices.sources.multiArchStrategy === 'pod' && choices.policy.multiArchStrategy === 'pin') warnings.unshift(say.daemonSetStrategyIgnored('pin'));
  warnings.unshift(...choices.warnings);
  const partial = resolved.length < images.length ? say.reasonPartial(images.length - resolved.length, images.length) : undefined;
  const placed = placeTemplate(template, user, allowed, policy, mode, warnings, partial);
  return placed.kind === 'skip' && placed.reason === 'no-room' ? answer(placed, unplaced) : placed;
}

function placeTemplate(
  template: PodLike,
  user: PodLike,
  allowed: string[],
  policy: PlacementPolicy,
  mode: AdmissionMode,
  warnings: string[],
  partialReason: string | undefined,
): Decision {
  const placed = [...allowed].sort();
  const patch = new PatchBuilder(user);
  const closed = writeRequiredAffinityInEveryTerm(patch, placed);
  if (closed.length > 0) warnings.push(say.termsClosed(closed, placed, closed.length === openTerms(user).length, 'DaemonSet'));
  const configured = configuredTolerations(placed, policy.archTolerations);
  const pools = candidatePools(policy.cluster, placed);
  writeTolerations(patch, user, [...configured, ...poolTolerations(pools, placed, [...podTolerations(user), ...configured])]);

  const reasons = partialReason === undefined ? [] : [partialReason];
  const cluster = policy.cluster;
  if (cluster !== undefined && nothingOffers(cluster, placed)) {
    const poolsKnown = cluster.nodePools !== undefined;
    warnings.push(say.nothingOffers(placed, offeredArchitectures(cluster), poolsKnown, 'DaemonSet'));
    reasons.push(say.reasonPending(placed, poolsKnown));
  }
  const reason = reasons.length > 0 ? reasons.join('; ') : undefined;
  const records = mode === 'audit' ? auditRecords(placed, placed, reason) : enforceRecords(placed, reason);
  const base = mode === 'audit' ? { ...template, metadata: withoutRecords(template) } : (patch.document() as PodLike);
  // Without its record Archy could not tell its expression from the user's at the next update
  // (it would AND a new one to it): no record, no placement.
  if (!fitsAnnotations(base, records)) {
    return skip('no-room', "the template's annotations leave no room for Archy's record", [...warnings, say.annotationsLeftOut(MAX_ANNOTATION_BYTES, 'DaemonSet')]);
  }
  const desired = withAnnotations(base, records);

  const ops = diffJson(template, desired, TEMPLATE);
  if (ops.length === 0) return skip('already-placed', 'the template carries this placement already', warnings);
  const mutation: Decision = { kind: 'mutate', architectures: placed, patch: ops, warnings, fallback: false };
  if (reason !== undefined) mutation.reason = reason;
  return mutation;
}

function withAnnotations(template: PodLike, records: Record<string, string>): PodLike {
  const metadata = asRecord(template.metadata) ?? {};
  return { ...template, metadata: { ...metadata, annotations: { ...podAnnotations(template), ...records } } } as PodLike;
}

/**
 * What placement depends on: the images, the template's scheduling fields and archy.io/
 * annotations, and the DaemonSet's opt-out. Not the cluster view, the configuration or the
 * namespace: a change there rolls no DaemonSet out; the next relevant update takes it in.
 */
function relevantParts(object: unknown): unknown {
  const template = templateOf(object);
  if (template === undefined) return undefined;
  const spec = asRecord(template.spec) ?? {};
  const annotations = Object.entries(podAnnotations(template)).filter(([key]) => key.startsWith('archy.io/'));
  return {
    skip: metadataAnnotations(object)[ANNOTATION_SKIP],
    images: imageList(template),
    nodeSelector: spec.nodeSelector,
    nodeAffinity: asRecord(spec.affinity)?.nodeAffinity,
    tolerations: spec.tolerations,
    annotations: Object.fromEntries(annotations),
  };
}

function imageList(template: PodLike): string[] {
  return [...new Set(podImages(template).map((image) => image.image))].sort();
}

function openTerms(template: PodLike): unknown[] {
  return (requiredTermsOf(template) ?? []).filter((term) => !termMatchesNothing(term));
}

function metadataAnnotations(object: unknown): Record<string, unknown> {
  return asRecord(asRecord(asRecord(object)?.metadata)?.annotations) ?? {};
}

function namespaceOf(facts: DaemonSetFacts): string | undefined {
  if (facts.namespace) return facts.namespace;
  const namespace = asRecord(asRecord(facts.object)?.metadata)?.namespace;
  return typeof namespace === 'string' && namespace !== '' ? namespace : undefined;
}
