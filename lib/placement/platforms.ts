// From resolved platforms to the architectures placement works with.
import type { Platform } from '../types.ts';

/** Linux architectures without variant (`arm/v7` and `arm/v6` are both `arm`), sorted, distinct. */
export function linuxArchitectures(platforms: readonly Platform[]): string[] {
  const found = new Set<string>();
  for (const platform of platforms) {
    if (platform.os === 'linux' && platform.architecture && platform.architecture !== 'unknown') found.add(platform.architecture);
  }
  return [...found].sort();
}

/** `linux/amd64, linux/arm/v7` for a warning; variants kept, other systems left out. */
export function describeLinuxPlatforms(platforms: readonly Platform[]): string {
  const names = new Set<string>();
  for (const platform of platforms) {
    if (platform.os !== 'linux' || !platform.architecture || platform.architecture === 'unknown') continue;
    names.add(['linux', platform.architecture, platform.variant].filter(Boolean).join('/'));
  }
  return names.size > 0 ? [...names].sort().join(', ') : 'no linux platform';
}

export function intersect(sets: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = sets;
  if (first === undefined) return [];
  return first.filter((arch) => rest.every((set) => set.includes(arch)));
}

/** A stable choice among several architectures: the default first, then alphabetical. */
export function orderArchitectures(architectures: readonly string[], defaultArch: string): string[] {
  return [...architectures].sort((a, b) => (a === defaultArch ? -1 : b === defaultArch ? 1 : a < b ? -1 : a > b ? 1 : 0));
}
