// The placement decision: pure, from the pod, its images' platforms and the policy.
import type { ImageResolution, Platform } from '../types.ts';
import { pinnedArchitectures, requiredTermsOf, termAdmitsAny, termMatchesNothing } from './constraints.ts';
import { skip, type Decision, type Mutation, type Skip } from './decision.ts';
import { PatchBuilder } from './patch.ts';
import { fitsAnnotations, MAX_ANNOTATION_BYTES } from './annotations.ts';
import { candidatePools, nothingOffers, offeredArchitectures, preferredArchitecture, type NodePoolView } from './cluster.ts';
import { imageArchitectures, intersect, linuxArchitectures, MAX_PLATFORMS, orderArchitectures } from './platforms.ts';
import { ANNOTATION_ARCHITECTURES, ANNOTATION_NODEPOOLS, ANNOTATION_REASON, podImages, podTolerations, type PodImage, type PodLike } from './pod.ts';
import type { PlacementPolicy } from './policy.ts';
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
}

interface CheckedImage {
  image: string;
  containers: PodImage[];
  resolution: ImageResolution;
}

export function decide(input: DecideInput, policy: PlacementPolicy): Decision {
  const facts: AdmissionFacts = { operation: input.operation ?? 'CREATE', pod: input.pod, ...optional(input) };
  const skipped = preflight(facts, policy);
  const pod = input.pod as PodLike;
  if (isEphemeralUpdate(facts)) return skipped ?? checkEphemeral(pod, input.resolutions);
  if (skipped) return skipped;

  const images = groupByImage(podImages(pod), input.resolutions);
  const { resolved, warnings } = checkImages(images);
  const pinned = pinnedArchitectures(pod);
  if (pinned !== undefined) return checkPinned(pinned, resolved);

  if (resolved.length === 0) {
    warnings.push(say.noImageChecked(policy.defaultArch));
    return place(pod, [policy.defaultArch], policy, warnings, say.reasonFallback(policy.defaultArch), true);
  }
  const allowed = intersect(resolved.map((entry) => entry.architectures));
  if (allowed.length === 0) {
    return skip('no-common-arch', 'no architecture is common to all images', [...warnings, say.noCommonArchitecture(describe(resolved))]);
  }
  const reason = resolved.length < images.length ? say.reasonPartial(images.length - resolved.length, images.length) : undefined;
  return place(pod, allowed, policy, warnings, reason, false);
}

interface ResolvedImage {
  image: string;
  containers: PodImage[];
  platforms: Platform[];
  architectures: string[];
}

/** The images whose answers can be believed, and a warning for each one left out or trimmed. */
function checkImages(images: CheckedImage[]): { resolved: ResolvedImage[]; warnings: string[] } {
  const resolved: ResolvedImage[] = [];
  const warnings: string[] = [];
  for (const { image, containers, resolution } of images) {
    if (!resolution.ok) {
      warnings.push(say.imageNotChecked(image, containers.map((c) => c.container), resolution.error));
      continue;
    }
    if (resolution.platforms.length > MAX_PLATFORMS) {
      warnings.push(say.tooManyPlatforms(image, resolution.platforms.length, MAX_PLATFORMS));
      continue;
    }
    const { architectures, ignored } = imageArchitectures(resolution.platforms);
    if (ignored.length > 0) warnings.push(say.ignoredArchitectures(image, ignored));
    resolved.push({ image, containers, platforms: resolution.platforms, architectures });
  }
  return { resolved, warnings };
}

/** The user chose the architecture: nothing is changed, but a choice its images cannot run on is said. */
function checkPinned(pinned: string[], resolved: ResolvedImage[]): Skip {
  const detail = `the pod pins ${pinned.join(', ') || 'no architecture'} itself`;
  if (resolved.length === 0) return skip('arch-constrained', detail);
  const supported = intersect(resolved.map((entry) => entry.architectures));
  if (supported.length === 0) return skip('arch-constrained', detail, [say.noCommonArchitecture(describe(resolved))]);
  const supportedSet = new Set(supported);
  if (pinned.every((arch) => supportedSet.has(arch))) return skip('arch-constrained', detail);
  return skip('arch-constrained', detail, [say.pinnedUnsupported(pinned, supported)]);
}

function describe(resolved: ResolvedImage[]): Array<{ container: string; image: string; platforms: Platform[] }> {
  return resolved.flatMap((entry) => entry.containers.map((c) => ({ container: c.container, image: entry.image, platforms: entry.platforms })));
}

function place(
  pod: PodLike,
  allowed: string[],
  policy: PlacementPolicy,
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
  writeAnnotations(patch, pod, placed, reason, pools, warnings);

  const mutation: Mutation = { kind: 'mutate', architectures: placed, patch: patch.ops, warnings, fallback };
  if (reason !== undefined) mutation.reason = reason;
  return mutation;
}

/**
 * What Archy decided, on the pod: the architectures, the reason, the candidate NodePools. The
 * NodePools go first when the annotations would not fit; all of them, with a warning, when even
 * the rest would not.
 */
function writeAnnotations(patch: PatchBuilder, pod: PodLike, placed: string[], reason: string | undefined, pools: NodePoolView[], warnings: string[]): void {
  const annotations: Record<string, string> = { [ANNOTATION_ARCHITECTURES]: placed.join(',') };
  if (reason !== undefined) annotations[ANNOTATION_REASON] = reason;
  const withPools = pools.length > 0 ? { ...annotations, [ANNOTATION_NODEPOOLS]: pools.map((pool) => pool.name).join(',') } : annotations;
  const written = [withPools, annotations].find((candidate) => fitsAnnotations(pod, candidate));
  if (written === undefined) {
    warnings.push(say.annotationsLeftOut(MAX_ANNOTATION_BYTES));
    return;
  }
  for (const [key, value] of Object.entries(written)) patch.set(['metadata', 'annotations', key], value);
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

function groupByImage(images: PodImage[], resolutions: readonly ImageResolution[]): CheckedImage[] {
  const answers = new Map<string, ImageResolution>();
  for (const resolution of resolutions) if (!answers.has(resolution.image)) answers.set(resolution.image, resolution);
  const byImage = new Map<string, CheckedImage>();
  for (const image of images) {
    const existing = byImage.get(image.image);
    if (existing) {
      existing.containers.push(image);
      continue;
    }
    const resolution = answers.get(image.image) ?? { ok: false, image: image.image, error: 'no answer for this image' };
    byImage.set(image.image, { image: image.image, containers: [image], resolution });
  }
  return [...byImage.values()];
}

function optional(input: DecideInput): Pick<AdmissionFacts, 'namespace' | 'subResource'> {
  const picked: Pick<AdmissionFacts, 'namespace' | 'subResource'> = {};
  if (input.namespace !== undefined) picked.namespace = input.namespace;
  if (input.subResource !== undefined) picked.subResource = input.subResource;
  return picked;
}
