// Shared builders for placement tests: pods, resolutions, a policy, and applying a decision.
import assert from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import type { Decision, Mutation, PlacementPolicy, PodLike } from '../../../lib/placement/index.ts';
import type { ImageResolution, Platform } from '../../../lib/types.ts';

export const policy: PlacementPolicy = {
  defaultArch: 'amd64',
  preferredArch: 'amd64',
  multiArchStrategy: 'affinity',
  preferenceWeight: 50,
  archTolerations: {},
  excludedNamespaces: ['kube-system'],
};

export function withPolicy(overrides: Partial<PlacementPolicy>): PlacementPolicy {
  return { ...policy, ...overrides };
}

export function pod(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): PodLike {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...metadata },
    spec: { containers: [{ name: 'app', image: 'nginx:1' }], ...spec },
  } as PodLike;
}

/** `linux/amd64`, `linux/arm/v7`, `windows/amd64` → Platform. */
export function platform(text: string): Platform {
  const [os = '', architecture = '', variant] = text.split('/');
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function resolved(image: string, ...platforms: string[]): ImageResolution {
  return {
    ok: true,
    image,
    reference: { registry: 'docker.io', repository: `library/${image}`, canonical: `docker.io/library/${image}` },
    digest: 'sha256:' + '0'.repeat(64),
    platforms: platforms.map(platform),
    source: 'registry',
  };
}

export function failed(image: string, error: string): ImageResolution {
  return { ok: false, image, error };
}

export function assertMutation(decision: Decision): Mutation {
  assert.equal(decision.kind, 'mutate', `expected a mutation, got ${JSON.stringify(decision)}`);
  return decision as Mutation;
}

/** Applies the decision's patch (validated) to a copy of the pod and returns the patched pod. */
export function applied(original: PodLike, decision: Decision): PodLike {
  const mutation = assertMutation(decision);
  const copy = structuredClone(original);
  return jsonpatch.applyPatch(copy, jsonpatch.deepClone(mutation.patch) as jsonpatch.Operation[], true).newDocument;
}

export function required(patched: PodLike): unknown[] {
  return patched.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
}

export function preferred(patched: PodLike): unknown[] {
  return patched.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
}

export const archIn = (...values: string[]): Record<string, unknown> => ({ key: 'kubernetes.io/arch', operator: 'In', values });
