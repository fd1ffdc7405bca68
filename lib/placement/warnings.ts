// Warning texts: plain words for kubectl users, each under 256 characters (the API server's own
// limit per warning), never anything secret (images and errors arrive already free of secrets).
import type { Platform } from '../types.ts';
import { describeLinuxPlatforms } from './platforms.ts';

const MAX_WARNING = 255;

export function clip(text: string, max: number = MAX_WARNING): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function imageNotChecked(image: string, containers: string[], error: string): string {
  return clip(`image ${image} (${containerList(containers)}) was not checked and is left out of the placement: ${oneLine(error)}`);
}

export function noImageChecked(defaultArch: string): string {
  return clip(`no image of this pod could be checked, so it is placed on the default architecture ${defaultArch}`);
}

export function noCommonArchitecture(images: Array<{ container: string; image: string; platforms: readonly Platform[] }>): string {
  const parts = images.map(({ container, image, platforms }) => `${container} (${image}) has ${describeLinuxPlatforms(platforms)}`);
  return clip(`no architecture is common to all images: ${parts.join('; ')}`);
}

export function noClusterNode(placed: readonly string[], cluster: readonly string[]): string {
  return clip(
    `no node in the cluster is ${placed.join(' or ')} (nodes: ${cluster.join(', ')}); the pod will wait for a node of that architecture (autoscaler)`,
  );
}

export function userConstraintConflicts(constrained: readonly string[], allowed: readonly string[]): string {
  const supported = allowed.length > 0 ? `its images support only ${allowed.join(', ')}` : 'its images have no architecture in common';
  return clip(`the pod requires ${constrained.join(' or ')} but ${supported}; it may fail to start`);
}

export function ephemeralMismatch(container: string, image: string, platforms: readonly Platform[], placed: readonly string[]): string {
  return clip(
    `ephemeral container ${container} (${image}) has ${describeLinuxPlatforms(platforms)}, but this pod runs on ${placed.join(' or ')}; it may fail to start`,
  );
}

export const reasonFallback = (defaultArch: string): string => `fallback: no image checked, default ${defaultArch}`;
export const reasonPartial = (left: number, total: number): string => `partial: ${left} of ${total} images not checked`;

function containerList(containers: string[]): string {
  return containers.length === 1 ? `container ${containers[0]}` : `containers ${containers.join(', ')}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
