// Skips that need no registry: checked before any image is resolved.
import { pinnedArchitectures } from './constraints.ts';
import { skip, type Skip } from './decision.ts';
import {
  ANNOTATION_ARCHITECTURES,
  ANNOTATION_SKIP,
  hasNodeName,
  isDaemonSetOwned,
  looksLikePod,
  podAnnotations,
  podImages,
  podNamespace,
  type PodImage,
  type PodLike,
} from './pod.ts';
import type { PlacementPolicy } from './policy.ts';

export interface AdmissionFacts {
  operation: string;
  /** `request.namespace`; the pod's own metadata.namespace is used when absent. */
  namespace?: string;
  /** The admitted object: untrusted, so not assumed to be a Pod. */
  pod: unknown;
  subResource?: string;
}

export const EPHEMERAL_SUBRESOURCE = 'ephemeralcontainers';

export function isEphemeralUpdate(facts: Pick<AdmissionFacts, 'operation' | 'subResource'>): boolean {
  return facts.operation === 'UPDATE' && facts.subResource === EPHEMERAL_SUBRESOURCE;
}

/** A skip decided without any image lookup, or undefined when images must be resolved. */
export function preflight(facts: AdmissionFacts, policy: PlacementPolicy): Skip | undefined {
  const { pod } = facts;
  if (isEphemeralUpdate(facts)) {
    if (!looksLikePod(pod)) return skip('not-a-pod', 'the object is not a pod');
    if (ephemeralImages(pod).length === 0) return skip('operation', 'ephemeral containers update without images');
    if (placedArchitectures(pod) === undefined) return skip('operation', 'ephemeral containers update; the pod architecture is not known');
    return undefined;
  }
  if (facts.operation !== 'CREATE') return skip('operation', `${facts.operation || 'unknown'} operation: placement is set only at creation`);
  if (!looksLikePod(pod)) return skip('not-a-pod', 'the object is not a pod (no spec.containers)');
  if (podAnnotations(pod)[ANNOTATION_SKIP] === 'true') return skip('opt-out', `annotation ${ANNOTATION_SKIP}: "true"`);
  const namespace = facts.namespace || podNamespace(pod);
  if (namespace !== undefined && policy.excludedNamespaces.includes(namespace)) {
    return skip('excluded-namespace', `namespace ${namespace} is excluded`);
  }
  if (isDaemonSetOwned(pod)) return skip('daemonset', 'DaemonSet pods run on every node they are meant for');
  if (hasNodeName(pod)) return skip('node-name', 'spec.nodeName is set: the node is already chosen');
  // A pod that pins its architecture itself is still resolved, to warn when its images cannot run
  // there (decide); one that carries our own placement needs nothing more.
  if (podAnnotations(pod)[ANNOTATION_ARCHITECTURES] !== undefined && pinnedArchitectures(pod) !== undefined) {
    return skip('already-placed', 'the pod carries our placement already');
  }
  if (podImages(pod).length === 0) return skip('no-images', 'the pod names no image');
  return undefined;
}

/** The images the caller must resolve for this admission (after preflight returned undefined). */
export function imagesToResolve(facts: AdmissionFacts): PodImage[] {
  if (!looksLikePod(facts.pod)) return [];
  return isEphemeralUpdate(facts) ? ephemeralImages(facts.pod) : podImages(facts.pod);
}

function ephemeralImages(pod: PodLike): PodImage[] {
  return podImages(pod).filter((image) => image.kind === 'ephemeral');
}

/** Where a running pod may be: its arch constraint, else the set we recorded at creation. */
export function placedArchitectures(pod: PodLike): string[] | undefined {
  const pinned = pinnedArchitectures(pod);
  if (pinned !== undefined) return pinned;
  const recorded = podAnnotations(pod)[ANNOTATION_ARCHITECTURES];
  if (typeof recorded !== 'string') return undefined;
  const list = recorded.split(',').map((arch) => arch.trim()).filter(Boolean);
  return list.length > 0 ? list.sort() : undefined;
}
