// From resolved platforms to the architectures placement works with. Platform lists come from
// registries (or from cache entries they filled): hostile input, so every value is checked before
// it can reach a pod, and the work is linear in the list.
import type { Platform } from '../types.ts';
import { isPlausibleArchitecture } from '../validation/kubernetes.ts';

/** An image listing more platforms than this is not believed: it counts as not checked. */
export const MAX_PLATFORMS = 64;

/** What one image's platform list offers placement. */
export interface ImageArchitectures {
  /** Linux architectures without variant (`arm/v7` and `arm/v6` are both `arm`), sorted, distinct. */
  architectures: string[];
  /** Linux architectures that are not plausible architecture names: left out (and warned about). */
  ignored: string[];
}

export function imageArchitectures(platforms: readonly Platform[]): ImageArchitectures {
  const found = new Set<string>();
  const ignored = new Set<string>();
  for (const platform of platforms) {
    if (platform.os !== 'linux' || platform.architecture === 'unknown') continue;
    if (isPlausibleArchitecture(platform.architecture)) found.add(platform.architecture);
    else ignored.add(platform.architecture);
  }
  return { architectures: [...found].sort(), ignored: [...ignored] };
}

/** Linux architectures a placement may use (plausible names only), sorted, distinct. */
export function linuxArchitectures(platforms: readonly Platform[]): string[] {
  return imageArchitectures(platforms).architectures;
}

const VARIANT = /^[a-z0-9.]{1,8}$/;
const LISTED = 8;

/** `linux/amd64, linux/arm/v7` for a warning; variants kept, other systems and odd names left out. */
export function describeLinuxPlatforms(platforms: readonly Platform[]): string {
  const names = new Set<string>();
  for (const platform of platforms) {
    if (platform.os !== 'linux' || !isPlausibleArchitecture(platform.architecture)) continue;
    const variant = platform.variant !== undefined && VARIANT.test(platform.variant) ? platform.variant : undefined;
    names.add(['linux', platform.architecture, variant].filter(Boolean).join('/'));
  }
  if (names.size === 0) return 'no linux platform';
  const sorted = [...names].sort();
  const more = sorted.length > LISTED ? ` and ${sorted.length - LISTED} more` : '';
  return `${sorted.slice(0, LISTED).join(', ')}${more}`;
}

/** The architectures every set has, in the first set's order; linear in the total size. */
export function intersect(sets: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = sets;
  if (first === undefined) return [];
  const others = rest.map((set) => new Set(set));
  return first.filter((arch) => others.every((set) => set.has(arch)));
}

/** A stable choice among several architectures: the default first, then alphabetical. */
export function orderArchitectures(architectures: readonly string[], defaultArch: string): string[] {
  return [...architectures].sort((a, b) => (a === defaultArch ? -1 : b === defaultArch ? 1 : a < b ? -1 : a > b ? 1 : 0));
}
