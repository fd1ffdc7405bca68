// What a resolved platform list means for placement: its linux architectures. Registry answers are
// untrusted, so names that could not be an architecture (nor a label value) are left out, as the
// webhook leaves them out.
import type { Platform } from '../../types.ts';
import { isPlausibleArchitecture } from '../../validation/kubernetes.ts';

/** Linux architectures without variants (`arm/v7` is `arm`), sorted, distinct. */
export function linuxArchitectures(platforms: readonly Platform[]): string[] {
  const found = new Set<string>();
  for (const platform of platforms) {
    if (platform.os === 'linux' && isPlausibleArchitecture(platform.architecture)) found.add(platform.architecture);
  }
  return [...found].sort();
}

/** `linux/arm/v7`. */
export function platformText(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** The architectures every list has; empty for no lists. */
export function commonArchitectures(lists: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = lists;
  if (first === undefined) return [];
  return first.filter((arch) => rest.every((list) => list.includes(arch)));
}
