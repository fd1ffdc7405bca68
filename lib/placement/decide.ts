// The placement decision: pure, from the pod, its images' platforms and the policy.
import type { ImageResolution, Platform } from '../types.ts';
import { constrainedArchitectures } from './constraints.ts';
import { skip, type Decision, type Mutation, type Skip } from './decision.ts';
import { PatchBuilder } from './patch.ts';
import { intersect, linuxArchitectures, orderArchitectures } from './platforms.ts';
import { ANNOTATION_ARCHITECTURES, ANNOTATION_REASON, podImages, type PodImage, type PodLike } from './pod.ts';
import type { PlacementPolicy } from './policy.ts';
import { isEphemeralUpdate, placedArchitectures, preflight, type AdmissionFacts } from './preflight.ts';
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
  if (skipped) return skipped.reason === 'arch-constrained' ? withConflictWarning(skipped, pod, input.resolutions) : skipped;

  const images = groupByImage(podImages(pod), input.resolutions);
  const resolved = images.filter((entry) => entry.resolution.ok);
  const warnings = images
    .filter((entry) => !entry.resolution.ok)
    .map((entry) => say.imageNotChecked(entry.image, entry.containers.map((c) => c.container), errorOf(entry.resolution)));

  if (resolved.length === 0) {
    warnings.push(say.noImageChecked(policy.defaultArch));
    return place(pod, [policy.defaultArch], policy, warnings, say.reasonFallback(policy.defaultArch), true);
  }
  const allowed = intersect(resolved.map((entry) => linuxArchitectures(platformsOf(entry.resolution))));
  if (allowed.length === 0) {
    const described = resolved.flatMap((entry) =>
      entry.containers.map((c) => ({ container: c.container, image: entry.image, platforms: platformsOf(entry.resolution) })),
    );
    return skip('no-common-arch', 'no architecture is common to all images', [...warnings, say.noCommonArchitecture(described)]);
  }
  const reason = resolved.length < images.length ? say.reasonPartial(images.length - resolved.length, images.length) : undefined;
  return place(pod, allowed, policy, warnings, reason, false);
}

function place(
  pod: PodLike,
  allowed: string[],
  policy: PlacementPolicy,
  warnings: string[],
  reason: string | undefined,
  fallback: boolean,
): Mutation {
  const patch = new PatchBuilder(pod);
  let placed: string[];
  if (allowed.length === 1 || policy.multiArchStrategy === 'pin') {
    const arch = allowed.includes(policy.preferredArch) ? policy.preferredArch : (orderArchitectures(allowed, policy.defaultArch)[0] as string);
    writeNodeSelector(patch, arch);
    placed = [arch];
  } else {
    placed = [...allowed].sort();
    writeRequiredAffinity(patch, placed);
    if (placed.includes(policy.preferredArch)) writePreferredAffinity(patch, pod, policy.preferredArch, policy.preferenceWeight);
  }
  writeTolerations(patch, pod, placed, policy.archTolerations);
  patch.set(['metadata', 'annotations', ANNOTATION_ARCHITECTURES], placed.join(','));
  if (reason !== undefined) patch.set(['metadata', 'annotations', ANNOTATION_REASON], reason);

  const cluster = policy.clusterArchitectures;
  if (cluster && cluster.length > 0 && !placed.some((arch) => cluster.includes(arch))) warnings.push(say.noClusterNode(placed, cluster));
  const mutation: Mutation = { kind: 'mutate', architectures: placed, patch: patch.ops, warnings, fallback };
  if (reason !== undefined) mutation.reason = reason;
  return mutation;
}

/** The user chose the architecture; we keep it, but say so when no image can run there. */
function withConflictWarning(skipped: Skip, pod: PodLike, resolutions: readonly ImageResolution[]): Skip {
  const constrained = constrainedArchitectures(pod);
  const images = groupByImage(podImages(pod), resolutions).filter((entry) => entry.resolution.ok);
  if (constrained === undefined || images.length === 0) return skipped;
  const allowed = intersect(images.map((entry) => linuxArchitectures(platformsOf(entry.resolution))));
  if (constrained.some((arch) => allowed.includes(arch))) return skipped;
  return { ...skipped, warnings: [...skipped.warnings, say.userConstraintConflicts(constrained, allowed)] };
}

/** An ephemeral container joins a running pod: its image must run where the pod already is. */
function checkEphemeral(pod: PodLike, resolutions: readonly ImageResolution[]): Skip {
  const placed = placedArchitectures(pod) ?? [];
  const warnings: string[] = [];
  for (const entry of groupByImage(podImages(pod).filter((image) => image.kind === 'ephemeral'), resolutions)) {
    if (!entry.resolution.ok) continue;
    const supported = linuxArchitectures(entry.resolution.platforms);
    if (placed.every((arch) => supported.includes(arch))) continue;
    for (const container of entry.containers) {
      warnings.push(say.ephemeralMismatch(container.container, entry.image, entry.resolution.platforms, placed));
    }
  }
  return skip('operation', 'ephemeral containers update: placement is immutable', warnings);
}

function groupByImage(images: PodImage[], resolutions: readonly ImageResolution[]): CheckedImage[] {
  const byImage = new Map<string, CheckedImage>();
  for (const image of images) {
    const existing = byImage.get(image.image);
    if (existing) {
      existing.containers.push(image);
      continue;
    }
    const resolution = resolutions.find((candidate) => candidate.image === image.image) ?? {
      ok: false,
      image: image.image,
      error: 'no answer for this image',
    };
    byImage.set(image.image, { image: image.image, containers: [image], resolution });
  }
  return [...byImage.values()];
}

function platformsOf(resolution: ImageResolution): Platform[] {
  return resolution.ok ? resolution.platforms : [];
}

function errorOf(resolution: ImageResolution): string {
  return resolution.ok ? '' : resolution.error;
}

function optional(input: DecideInput): Pick<AdmissionFacts, 'namespace' | 'subResource'> {
  const picked: Pick<AdmissionFacts, 'namespace' | 'subResource'> = {};
  if (input.namespace !== undefined) picked.namespace = input.namespace;
  if (input.subResource !== undefined) picked.subResource = input.subResource;
  return picked;
}
