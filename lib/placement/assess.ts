// What a pod's (or pod template's) images allow, before anything is written: which answers can be
// believed, the architectures they have in common, and what a pinned pod's own choice means.
// Shared by pods (decide.ts) and DaemonSet templates (daemonset.ts).
import type { ImageResolution, Platform } from '../types.ts';
import { skip, type Skip } from './decision.ts';
import { imageArchitectures, intersect, MAX_PLATFORMS } from './platforms.ts';
import type { PodImage } from './pod.ts';
import * as say from './warnings.ts';

export interface CheckedImage {
  image: string;
  containers: PodImage[];
  resolution: ImageResolution;
}

export interface ResolvedImage {
  image: string;
  containers: PodImage[];
  platforms: Platform[];
  architectures: string[];
}

export interface Assessment {
  /** Every distinct image, with its answer. */
  images: CheckedImage[];
  /** The images whose answers can be believed. */
  resolved: ResolvedImage[];
  /** One for each image left out or trimmed. */
  warnings: string[];
}

export function assessImages(images: PodImage[], resolutions: readonly ImageResolution[]): Assessment {
  const grouped = groupByImage(images, resolutions);
  return { images: grouped, ...checkImages(grouped) };
}

/** S: the architectures every resolved image supports, sorted. */
export function commonArchitectures(resolved: readonly ResolvedImage[]): string[] {
  return intersect(resolved.map((entry) => entry.architectures));
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
export function checkPinned(pinned: string[], resolved: ResolvedImage[], subject = 'the pod'): Skip {
  const detail = `${subject} pins ${pinned.join(', ') || 'no architecture'} itself`;
  if (resolved.length === 0) return skip('arch-constrained', detail);
  const supported = commonArchitectures(resolved);
  if (supported.length === 0) return skip('arch-constrained', detail, [say.noCommonArchitecture(describe(resolved))]);
  const supportedSet = new Set(supported);
  if (pinned.every((arch) => supportedSet.has(arch))) return skip('arch-constrained', detail);
  return skip('arch-constrained', detail, [say.pinnedUnsupported(pinned, supported, subject)]);
}

/** Each container with its image's platforms, for the no-common-architecture warning. */
export function describe(resolved: ResolvedImage[]): Array<{ container: string; image: string; platforms: Platform[] }> {
  return resolved.flatMap((entry) => entry.containers.map((c) => ({ container: c.container, image: entry.image, platforms: entry.platforms })));
}

export function groupByImage(images: PodImage[], resolutions: readonly ImageResolution[]): CheckedImage[] {
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
