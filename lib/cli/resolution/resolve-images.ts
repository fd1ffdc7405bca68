// Every distinct image of a report, resolved once with the webhook's resolver:
// - images written differently but naming the same thing (`nginx`, `docker.io/library/nginx:latest`)
//   are one lookup;
// - each lookup runs on its own time budget, at most `perRegistry` at once against one registry
//   and `concurrency` overall, so one slow registry neither stalls the run nor gets hammered;
// - the cache's shared tier (DynamoDB) is read up front in a few batched calls, so a cluster the
//   webhook already serves costs almost no registry request;
// - credentials are a workload's, as the kubelet would use them: its pull secrets, else its
//   service account's (cluster input), and ECR through the caller's AWS credentials.
import { lookupKey } from '../../cache/keys.ts';
import { createPodCredentials } from '../../credentials/pod-credentials.ts';
import { pullSecretScope } from '../../credentials/scope.ts';
import { Deadline } from '../../deadline.ts';
import { parseReference } from '../../image/reference.ts';
import type { KubeApi } from '../../kube/kube-client.ts';
import { Semaphore } from '../../semaphore.ts';
import type { ImageReference } from '../../types.ts';
import type { AccessContext } from '../workloads/workload.ts';
import { linuxArchitectures, platformText } from './architectures.ts';
import type { ResolutionStack } from './stack.ts';

export interface ImageUse {
  image: string;
  access: AccessContext;
}

export type AnswerSource = 'cache' | 'registry' | 'stale';

export type ImageAnswer =
  | {
      ok: true;
      image: string;
      canonical: string;
      digest: string;
      /** `linux/arm64`, `linux/arm/v7`, … as the registry lists them. */
      platforms: string[];
      /** Linux architectures (no variants), sorted. */
      architectures: string[];
      source: AnswerSource;
      warnings: string[];
    }
  | { ok: false; image: string; canonical?: string; error: string; warnings: string[] };

export interface ResolveImagesOptions {
  stack: ResolutionStack;
  /** Pull secrets are read through it (cluster input); without it, lookups are anonymous or ECR IAM. */
  kube?: KubeApi;
  /** Budget of one image's lookup. */
  timeoutMs: number;
  concurrency?: number;
  perRegistry?: number;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_PER_REGISTRY = 4;

interface Lookup {
  ref: ImageReference;
  images: string[];
  access: AccessContext;
}

/** One answer per distinct image as written. Never throws for an image: failures are answers. */
export async function resolveImages(uses: readonly ImageUse[], options: ResolveImagesOptions): Promise<Map<string, ImageAnswer>> {
  const answers = new Map<string, ImageAnswer>();
  const lookups = new Map<string, Lookup>();
  const accessByImage = new Map<string, AccessContext[]>();
  for (const use of uses) accessByImage.set(use.image, [...(accessByImage.get(use.image) ?? []), use.access]);
  for (const [image, contexts] of accessByImage) {
    let ref: ImageReference;
    try {
      ref = parseReference(image);
    } catch (error) {
      answers.set(image, { ok: false, image, error: errorText(error), warnings: [] });
      continue;
    }
    const lookup = lookups.get(ref.canonical) ?? { ref, images: [], access: contexts[0] as AccessContext };
    lookup.images.push(image);
    lookup.access = likeliestAccess([lookup.access, ...contexts], options.kube !== undefined);
    lookups.set(ref.canonical, lookup);
  }

  await prefetch([...lookups.values()], options);
  const all = new Semaphore(options.concurrency ?? DEFAULT_CONCURRENCY);
  const registries = new Map<string, Semaphore>();
  const perRegistry = (registry: string): Semaphore => {
    let slots = registries.get(registry);
    if (slots === undefined) registries.set(registry, (slots = new Semaphore(options.perRegistry ?? DEFAULT_PER_REGISTRY)));
    return slots;
  };
  let done = 0;
  const total = lookups.size;
  options.onProgress?.(done, total);
  await Promise.all(
    [...lookups.values()].map((lookup) =>
      perRegistry(lookup.ref.registry).run(() => all.run(() => resolveOne(lookup, options))).then((answer) => {
        for (const image of lookup.images) answers.set(image, { ...answer, image });
        done += 1;
        options.onProgress?.(done, total);
      }),
    ),
  );
  return answers;
}

/**
 * The access most likely to be allowed: a workload that names pull secrets, else one with its own
 * service account (its secrets are tried once anonymous access is refused), else any.
 */
function likeliestAccess(contexts: AccessContext[], withSecrets: boolean): AccessContext {
  const [first] = contexts;
  if (!withSecrets || first === undefined) return first as AccessContext;
  return (
    contexts.find((context) => context.imagePullSecrets.length > 0) ??
    contexts.find((context) => context.serviceAccountName !== undefined && context.serviceAccountName !== 'default') ??
    first
  );
}

/** One batched read of every key the lookups read first: fills the memory tier from DynamoDB. */
async function prefetch(lookups: Lookup[], options: ResolveImagesOptions): Promise<void> {
  const keys = new Set<string>();
  for (const { ref, access } of lookups) {
    keys.add(lookupKey(ref));
    if (options.kube !== undefined && access.imagePullSecrets.length > 0) keys.add(lookupKey(ref, pullSecretScope(access.namespace, access.imagePullSecrets)));
  }
  if (keys.size === 0) return;
  const deadline = new Deadline(options.timeoutMs);
  try {
    await options.stack.cache.getMany([...keys], deadline);
  } finally {
    deadline.dispose();
  }
}

async function resolveOne(lookup: Lookup, options: ResolveImagesOptions): Promise<ImageAnswer> {
  const { ref, access } = lookup;
  const image = ref.canonical;
  const deadline = new Deadline(options.timeoutMs);
  try {
    const credentials = createPodCredentials({
      kube: options.kube,
      namespace: access.namespace,
      imagePullSecrets: options.kube === undefined ? [] : access.imagePullSecrets,
      serviceAccountName: access.serviceAccountName,
      ecr: options.stack.ecr,
      deadline,
    });
    const result = await options.stack.resolver.resolveAll([{ image }], deadline, { credentials });
    await result.pendingWrites;
    const warnings = [...new Set([...result.warnings, ...credentials.warnings])];
    const [resolution] = result.resolutions;
    if (resolution === undefined || !resolution.ok) {
      return { ok: false, image, canonical: image, error: resolution?.error ?? 'not resolved', warnings };
    }
    if (resolution.staleBecause !== undefined) warnings.push(`served from a stale cache entry: ${resolution.staleBecause}`);
    return {
      ok: true,
      image,
      canonical: image,
      digest: resolution.digest,
      platforms: resolution.platforms.map(platformText),
      architectures: linuxArchitectures(resolution.platforms),
      source: resolution.source === 'registry' ? 'registry' : resolution.source === 'stale' ? 'stale' : 'cache',
      warnings,
    };
  } finally {
    deadline.dispose();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
