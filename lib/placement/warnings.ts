// Warning texts: plain words for kubectl users, never anything secret (images and errors arrive
// already free of secrets). The API server asks for warnings of at most 256 characters; ours are
// sent as `archy: <text>`, so the text itself gets 249. What a registry or a pod supplied (image
// names, errors) is shortened in its middle, so the words around it, and the end of an error,
// where it says what to do, always stay.
import type { Platform } from '../types.ts';
import { describeLinuxPlatforms } from './platforms.ts';

export const WARNING_PREFIX = 'archy: ';
export const MAX_WARNING = 256 - WARNING_PREFIX.length;
const MAX_IMAGE = 64;
const ELLIPSIS = '...';

/** One printable ASCII line: what a header-borne warning can carry. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** At most `max` characters, the middle given up first; `headShare` of what is kept comes from the start. */
export function clipMiddle(text: string, max: number, headShare = 0.5): string {
  if (text.length <= max) return text;
  if (max <= ELLIPSIS.length) return text.slice(0, max);
  const head = Math.ceil((max - ELLIPSIS.length) * headShare);
  const tail = max - ELLIPSIS.length - head;
  return `${text.slice(0, head)}${ELLIPSIS}${tail > 0 ? text.slice(-tail) : ''}`;
}

/**
 * `before + detail + after`, printable, within MAX_WARNING: only `detail` is shortened, keeping
 * more of its end (an error says what to do last).
 */
function fit(before: string, detail: string, after = ''): string {
  const room = Math.max(0, MAX_WARNING - before.length - after.length);
  return clipMiddle(printable(`${before}${clipMiddle(printable(detail), room, 1 / 3)}${after}`), MAX_WARNING);
}

function image(name: string): string {
  return clipMiddle(printable(name), MAX_IMAGE);
}

export function imageNotChecked(name: string, containers: string[], error: string): string {
  return fit(`image ${image(name)} (${containerList(containers)}) not checked, left out of the placement: `, error);
}

export function tooManyPlatforms(name: string, count: number, limit: number): string {
  return fit(`image ${image(name)} lists ${count} platforms, more than the ${limit} believed; it was not checked and is left out of the placement`, '');
}

export function ignoredArchitectures(name: string, ignored: readonly string[]): string {
  const shown = ignored.slice(0, 3).map((arch) => JSON.stringify(clipMiddle(arch, 20)));
  const more = ignored.length > 3 ? ` and ${ignored.length - 3} more` : '';
  return fit(`image ${image(name)} names architectures that are not valid (`, `${shown.join(', ')}${more}`, '); those platform entries were ignored');
}

export function noImageChecked(defaultArch: string): string {
  return fit(`no image of this pod could be checked, so it is placed on the default architecture ${defaultArch}`, '');
}

export function noCommonArchitecture(images: Array<{ container: string; image: string; platforms: readonly Platform[] }>): string {
  const parts = images.map(({ container, image: name, platforms }) => `${container} (${image(name)}) has ${describeLinuxPlatforms(platforms)}`);
  return fit('no architecture is common to all images: ', parts.join('; '));
}

/**
 * Nothing in the cluster can run the pod. Without `poolsKnown` the NodePools could not be read, so
 * only the nodes are known (an autoscaler may still add one).
 */
/** What is placed: a pod, or a DaemonSet (whose pods the DaemonSet controller creates per node). */
export type Workload = 'pod' | 'DaemonSet';

export function nothingOffers(placed: readonly string[], offered: readonly string[], poolsKnown: boolean, workload: Workload = 'pod'): string {
  const what = offered.length > 0 ? offered.join(', ') : 'nothing';
  if (workload === 'DaemonSet') {
    const where = poolsKnown ? 'node or NodePool in this cluster offers' : 'node in the cluster is';
    return fit(`no ${where} ${placed.join(' or ')} (they offer `, what, '); the DaemonSet runs no pod until a node of that architecture joins');
  }
  if (!poolsKnown) return fit(`no node in the cluster is ${placed.join(' or ')} (nodes: `, what, '); the pod will wait for a node of that architecture (autoscaler)');
  return fit(`no node or NodePool in this cluster offers ${placed.join(' or ')} (they offer `, what, '); the pod will stay Pending until one does');
}

export function pinnedUnsupported(pinned: readonly string[], supported: readonly string[], subject = 'the pod'): string {
  const images = supported.length > 0 ? `its images support only ${supported.join(', ')}` : 'its images have no architecture in common';
  return fit(`${subject} requires ${pinned.join(' or ')} but `, images, '; on other architectures it fails with exec format error');
}

export function termsClosed(terms: readonly number[], allowed: readonly string[], unschedulable: boolean, workload: Workload = 'pod'): string {
  const which = terms.length === 1 ? `required node-affinity term ${terms[0]} allows` : `required node-affinity terms ${terms.join(', ')} allow`;
  const none = workload === 'DaemonSet' ? '; the DaemonSet fits no node' : '; no node can take this pod';
  const outcome = unschedulable ? none : '; the other terms still can';
  return fit(`${which} no architecture its images support (`, allowed.join(', '), `), so it can no longer match a node${outcome}`);
}

/** `kept`: the template's placement was made for these images and stays; else Archy's own, made for other images, was taken back. */
export function daemonSetNotChecked(kept: boolean): string {
  const outcome = kept ? 'its placement was left as it was' : 'it is not placed (a placement archy made for other images was taken back)';
  return fit(`no image of this DaemonSet could be checked, so ${outcome}`, '');
}

export function daemonSetStrategyIgnored(strategy: string): string {
  return fit(`annotation archy.io/strategy "${strategy}" is not used for a DaemonSet: it gets a required node affinity on every architecture its images support, to cover every such node`, '');
}

export function annotationsLeftOut(limit: number, workload: Workload = 'pod'): string {
  if (workload === 'DaemonSet') return fit(`the pod template's annotations are close to the ${limit}-byte limit, so archy's record and the placement it describes were left out`, '');
  return fit(`the pod's annotations are close to the ${limit}-byte limit, so archy's annotations were left out`, '');
}

export function ephemeralMismatch(container: string, name: string, platforms: readonly Platform[], placed: readonly string[]): string {
  return fit(`ephemeral container ${container} (${image(name)}) has `, describeLinuxPlatforms(platforms), `, but this pod runs on ${placed.join(' or ')}; it may fail to start`);
}

export const reasonFallback = (defaultArch: string): string => `fallback: no image checked, default ${defaultArch}`;
export const reasonPartial = (left: number, total: number): string => `partial: ${left} of ${total} images not checked`;
export const reasonPending = (placed: readonly string[], poolsKnown: boolean): string =>
  `pending: no node${poolsKnown ? ' or NodePool' : ''} offers ${clipMiddle(placed.join(','), 120)}`;

function containerList(containers: string[]): string {
  const names = containers.map((name) => clipMiddle(printable(name), 40));
  const shown = names.length > 3 ? [...names.slice(0, 3), `${names.length - 3} more`] : names;
  return names.length === 1 ? `container ${shown[0]}` : `containers ${shown.join(', ')}`;
}
