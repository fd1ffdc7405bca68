// The minimal Pod shape placement reads. Admission objects are untrusted JSON: any field may be
// missing, null or of the wrong type, so every read goes through the guards at the bottom.

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[] | null;
  matchFields?: NodeSelectorRequirement[] | null;
}

export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] | null } | null;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[] | null;
}

export interface Affinity {
  nodeAffinity?: NodeAffinity | null;
  podAffinity?: unknown;
  podAntiAffinity?: unknown;
}

export interface ContainerLike {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
}

export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface PodToleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface PodLike {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string> | null;
    annotations?: Record<string, string> | null;
    ownerReferences?: OwnerReference[] | null;
  } | null;
  spec?: {
    nodeName?: string | null;
    nodeSelector?: Record<string, string> | null;
    affinity?: Affinity | null;
    tolerations?: PodToleration[] | null;
    containers?: ContainerLike[] | null;
    initContainers?: ContainerLike[] | null;
    ephemeralContainers?: ContainerLike[] | null;
    /** Not read by placement; typed here for the credential lookup that shares this shape. */
    imagePullSecrets?: Array<{ name?: string }> | null;
    serviceAccountName?: string;
  } | null;
}

export type ContainerKind = 'container' | 'init' | 'ephemeral';

export interface PodImage {
  image: string;
  container: string;
  kind: ContainerKind;
  imagePullPolicy?: string;
}

export const ANNOTATION_SKIP = 'archy.io/skip';
export const ANNOTATION_ARCHITECTURES = 'archy.io/architectures';
export const ANNOTATION_REASON = 'archy.io/reason';
/** The Ready NodePools that can launch a node for the pod, heaviest first. */
export const ANNOTATION_NODEPOOLS = 'archy.io/nodepools';
/** Audit mode: the architectures Archy would have allowed (or the one it would have pinned). */
export const ANNOTATION_WOULD_PLACE = 'archy.io/would-place';
/** What Archy records about its decision (never a user's choice). */
export const RECORD_ANNOTATIONS: readonly string[] = [ANNOTATION_ARCHITECTURES, ANNOTATION_REASON, ANNOTATION_NODEPOOLS, ANNOTATION_WOULD_PLACE];

const CONTAINER_FIELDS: Array<[field: 'initContainers' | 'containers' | 'ephemeralContainers', kind: ContainerKind]> = [
  ['initContainers', 'init'],
  ['containers', 'container'],
  ['ephemeralContainers', 'ephemeral'],
];

/** Every container image of the pod, init containers first, in pod order. Blank images are left out. */
export function podImages(pod: PodLike): PodImage[] {
  const spec = asRecord(asRecord(pod)?.spec);
  if (!spec) return [];
  const images: PodImage[] = [];
  for (const [field, kind] of CONTAINER_FIELDS) {
    for (const entry of asArray(spec[field])) {
      const container = asRecord(entry);
      const image = container?.image;
      if (typeof image !== 'string' || image.trim() === '') continue;
      const found: PodImage = { image: image.trim(), container: stringOr(container?.name, '?'), kind };
      if (typeof container?.imagePullPolicy === 'string') found.imagePullPolicy = container.imagePullPolicy;
      images.push(found);
    }
  }
  return images;
}

/** True when the object has a spec with a containers list: the least a Pod must have. */
export function looksLikePod(pod: unknown): pod is PodLike {
  const spec = asRecord(asRecord(pod)?.spec);
  return spec !== undefined && Array.isArray(spec.containers);
}

export function podAnnotations(pod: PodLike): Record<string, unknown> {
  return asRecord(asRecord(pod.metadata)?.annotations) ?? {};
}

export function podNamespace(pod: PodLike): string | undefined {
  const namespace = asRecord(pod.metadata)?.namespace;
  return typeof namespace === 'string' && namespace !== '' ? namespace : undefined;
}

export function isDaemonSetOwned(pod: PodLike): boolean {
  return asArray(asRecord(pod.metadata)?.ownerReferences).some((owner) => asRecord(owner)?.kind === 'DaemonSet');
}

export function hasNodeName(pod: PodLike): boolean {
  const nodeName = asRecord(pod.spec)?.nodeName;
  return typeof nodeName === 'string' && nodeName !== '';
}

export function podTolerations(pod: PodLike): unknown[] {
  return asArray(asRecord(pod.spec)?.tolerations);
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
