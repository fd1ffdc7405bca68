// The API server rejects a pod whose annotations (keys and values) add up to more than 256 KiB:
// Archy's own annotations are left out rather than push a pod over it.
import { podAnnotations, type PodLike } from './pod.ts';

export const MAX_ANNOTATION_BYTES = 256 * 1024;

/** Whether the pod's annotations, with `added` set (replacing same-named ones), stay within the limit. */
export function fitsAnnotations(pod: PodLike, added: Record<string, string>): boolean {
  let total = 0;
  for (const [key, value] of Object.entries(podAnnotations(pod))) {
    if (Object.hasOwn(added, key)) continue;
    total += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  for (const [key, value] of Object.entries(added)) total += Buffer.byteLength(key) + Buffer.byteLength(value);
  return total <= MAX_ANNOTATION_BYTES;
}
