// Conformance: real Pod and DaemonSet manifests written for arch-placement webhooks (the
// multiarch-tuning-operator test manifests and the aws-node DaemonSet), read from the realworld
// corpus at run time, with the outcome SOURCES.md states for each file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import jsonpatch from 'fast-json-patch';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../lib/config.ts';
import { daemonSetImages, decide, decideDaemonSet, placementPolicy, podImages, type Decision, type PlacementPolicy, type PodLike } from '../../lib/placement/index.ts';
import type { ImageResolution } from '../../lib/types.ts';

const corpus = process.env.ARCHY_CORPUS_DIR ?? path.resolve(import.meta.dirname, '../../../shared/realworld');
const folder = path.join(corpus, 'admission', 'pod-objects');
const EXCLUDE_LABEL = 'multiarch.openshift.io/exclude-pod-placement';
const ALL_FOUR = ['amd64', 'arm64', 'ppc64le', 's390x'];

// The shipped defaults (ARCHY_DEFAULT_ARCH amd64, strategy affinity, kube-system excluded…).
const basePolicy: PlacementPolicy = placementPolicy(loadConfig({}));

interface Case {
  pod: PodLike;
  namespace?: string;
  policy: PlacementPolicy;
}

/** A Namespace document before a Pod puts the pod there; its opt-out label excludes it. */
function loadCase(file: string): Case {
  const documents = parseAllDocuments(readFileSync(path.join(folder, file), 'utf8')).map((document) => document.toJS() as Record<string, unknown> | null);
  const excluded = [...basePolicy.excludedNamespaces];
  let namespace: string | undefined;
  for (const document of documents) {
    if (!document) continue;
    const metadata = (document.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, unknown> };
    if (document.kind === 'Namespace') {
      namespace = metadata.name;
      if (metadata.labels && EXCLUDE_LABEL in metadata.labels && metadata.name) excluded.push(metadata.name);
    } else if (document.kind === 'Pod') {
      return { pod: document as PodLike, namespace: metadata.namespace ?? namespace ?? 'default', policy: { ...basePolicy, excludedNamespaces: excluded } };
    } else if (document.kind === 'DaemonSet') {
      return { pod: daemonSetPod(document, metadata), namespace: metadata.namespace ?? 'default', policy: { ...basePolicy, excludedNamespaces: excluded } };
    }
  }
  throw new Error(`${file}: no Pod or DaemonSet document`);
}

/** The DaemonSet document of a corpus file, as the API server sends it to a webhook. */
function daemonSetDocument(file: string): Record<string, unknown> {
  const documents = parseAllDocuments(readFileSync(path.join(folder, file), 'utf8')).map((document) => document.toJS() as Record<string, unknown> | null);
  const found = documents.find((document) => document?.kind === 'DaemonSet');
  if (!found) throw new Error(`${file}: no DaemonSet document`);
  return found;
}

/** The pod the DaemonSet controller would create: the template, owned by the DaemonSet. */
function daemonSetPod(daemonSet: Record<string, unknown>, metadata: { name?: string; namespace?: string }): PodLike {
  const template = (daemonSet.spec as { template: { metadata?: Record<string, unknown>; spec: Record<string, unknown> } }).template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...template.metadata,
      generateName: `${metadata.name}-`,
      namespace: metadata.namespace,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: metadata.name, controller: true }],
    },
    spec: template.spec,
  } as PodLike;
}

/** `:multiarch` images run on four architectures; every other image on amd64 and arm64. */
function resolutionsFor(pod: PodLike, overrides: Record<string, ImageResolution> = {}): ImageResolution[] {
  return [...new Set(podImages(pod).map((image) => image.image))].map(
    (image) =>
      overrides[image] ?? {
        ok: true,
        image,
        reference: { registry: image.split('/')[0] ?? '', repository: image, canonical: image },
        digest: `sha256:${'1'.repeat(64)}`,
        platforms: (image.endsWith(':multiarch') ? ALL_FOUR : ['amd64', 'arm64']).map((architecture) => ({ os: 'linux', architecture })),
        source: 'registry',
      },
  );
}

function run(file: string, overrides?: Record<string, ImageResolution>): { input: Case; decision: Decision } {
  const input = loadCase(file);
  const decision = decide({ pod: input.pod, namespace: input.namespace, resolutions: resolutionsFor(input.pod, overrides) }, input.policy);
  return { input, decision };
}

/** Applies the patch (validated), and checks that the patched pod needs no second patch. */
function patchedPod({ input, decision }: { input: Case; decision: Decision }): PodLike {
  assert.equal(decision.kind, 'mutate', JSON.stringify(decision));
  if (decision.kind !== 'mutate') throw new Error('unreachable');
  const patched = jsonpatch.applyPatch(structuredClone(input.pod), jsonpatch.deepClone(decision.patch) as jsonpatch.Operation[], true).newDocument;
  const again = decide({ pod: patched, namespace: input.namespace, resolutions: resolutionsFor(patched) }, input.policy);
  assert.equal(again.kind === 'skip' && again.reason, 'already-placed', 'the patched pod yields no second patch');
  return patched;
}

const terms = (pod: PodLike): unknown[] => pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
const archIn = (...values: string[]) => ({ key: 'kubernetes.io/arch', operator: 'In', values });
const osLinux = { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] };

/** The outcome SOURCES.md ("Pod objects only") states for each file. */
const expectations: Record<string, () => void> = {
  'mto-01-example-no-affinity.yaml': () => {
    const patched = patchedPod(run('mto-01-example-no-affinity.yaml'));
    assert.deepEqual(terms(patched), [{ matchExpressions: [archIn('amd64', 'arm64')] }], 'gets an affinity set');
  },
  'mto-02-example-affinity-no-node-affinity.yaml': () => {
    const patched = patchedPod(run('mto-02-example-affinity-no-node-affinity.yaml'));
    assert.deepEqual(terms(patched), [{ matchExpressions: [archIn(...ALL_FOUR)] }], 'the empty affinity map gets a node affinity');
  },
  'mto-03-example-affinity-node-affinity-non-conflicting.yaml': () => {
    const patched = patchedPod(run('mto-03-example-affinity-node-affinity-non-conflicting.yaml'));
    assert.deepEqual(terms(patched), [{ matchExpressions: [osLinux, archIn(...ALL_FOUR)] }], 'the arch is ANDed into the existing term');
  },
  'mto-04-example-affinity-node-affinity-conflicting.yaml': () => {
    const { decision } = run('mto-04-example-affinity-node-affinity-conflicting.yaml');
    assert.equal(decision.kind === 'skip' && decision.reason, 'arch-constrained', "the user's arm64 is respected");
    assert.deepEqual(decision.warnings, []);
  },
  'mto-05-example-multiple-containers.yaml': () => {
    const { input, decision } = run('mto-05-example-multiple-containers.yaml');
    assert.equal(decision.kind === 'skip' && decision.reason, 'arch-constrained');
    // Without the user's constraint, the set is the intersection of both images' platforms.
    const free = structuredClone(input.pod);
    delete free.spec?.affinity;
    const placed = decide({ pod: free, resolutions: resolutionsFor(free) }, input.policy);
    assert.deepEqual(placed.kind === 'mutate' && placed.architectures, ['amd64', 'arm64']);
    // And a user constraint no image supports is kept, with a warning.
    const amd64Only = Object.fromEntries(
      resolutionsFor(input.pod).map((resolution) => [resolution.image, { ...resolution, platforms: [{ os: 'linux', architecture: 'amd64' }] }]),
    );
    const conflicting = run('mto-05-example-multiple-containers.yaml', amd64Only).decision;
    assert.equal(conflicting.kind === 'skip' && conflicting.reason, 'arch-constrained');
    assert.match(conflicting.warnings[0] ?? '', /requires arm64 but its images support only amd64/);
  },
  'mto-06-example-registry-auth.yaml': () => {
    const patched = patchedPod(run('mto-06-example-registry-auth.yaml'));
    assert.deepEqual(terms(patched), [{ matchExpressions: [archIn('amd64', 'arm64')] }]);
    // Without the pull credentials the image cannot be read: the default architecture applies, said plainly.
    const image = 'registry.redhat.io/rhel8/httpd-24:latest';
    const denied = run('mto-06-example-registry-auth.yaml', { [image]: { ok: false, image, error: 'registry.redhat.io answered 401: authentication required' } });
    const fallback = patchedPod(denied);
    assert.equal(fallback.spec?.nodeSelector?.['kubernetes.io/arch'], 'amd64');
    assert.match(fallback.metadata?.annotations?.['archy.io/reason'] ?? '', /^fallback/);
    assert.ok(denied.decision.warnings.some((warning) => warning.includes('401')));
  },
  'mto-07-example-affinity-node-affinity.yaml': () => {
    const { decision } = run('mto-07-example-affinity-node-affinity.yaml');
    assert.equal(decision.kind === 'skip' && decision.reason, 'excluded-namespace', 'the opted-out namespace is not mutated');
  },
  'mto-08-example-node-selector.yaml': () => {
    const { input, decision } = run('mto-08-example-node-selector.yaml');
    assert.equal(decision.kind === 'skip' && decision.reason, 'arch-constrained', 'the existing nodeSelector is respected');
    assert.equal(input.pod.spec?.affinity, undefined, 'affinity stays nil');
  },
  'mto-09-example-multiple-affinity.yaml': () => {
    const patched = patchedPod(run('mto-09-example-multiple-affinity.yaml'));
    assert.deepEqual(terms(patched), [
      { matchExpressions: [archIn('arm64')] },
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'Exists' }, archIn('amd64', 'arm64')] },
    ], 'the arch set goes only into the term without an arch key');
  },
  'aws-node-daemonset-arch-nodeaffinity.yaml': () => {
    const { input, decision } = run('aws-node-daemonset-arch-nodeaffinity.yaml');
    assert.equal(decision.kind === 'skip' && decision.reason, 'excluded-namespace', 'kube-system is excluded by default');
    // Outside an excluded namespace the DaemonSet owner alone keeps the pod unchanged.
    const anywhere = decide({ pod: input.pod, namespace: 'networking', resolutions: resolutionsFor(input.pod) }, { ...input.policy, excludedNamespaces: [] });
    assert.equal(anywhere.kind === 'skip' && anywhere.reason, 'daemonset');
    assert.equal(podImages(input.pod).length, 3, 'init and regular containers are read from the template');
    // The DaemonSet itself, as Archy is registered for it: its template already requires amd64 or
    // arm64, so it is left as it is, and warned about when an image lacks one of them.
    const daemonSet = daemonSetDocument('aws-node-daemonset-arch-nodeaffinity.yaml');
    const images = daemonSetImages(daemonSet);
    const excluded = decideDaemonSet({ operation: 'CREATE', object: daemonSet, resolutions: [] }, basePolicy);
    assert.equal(excluded.kind === 'skip' && excluded.reason, 'excluded-namespace');
    const elsewhere = { ...basePolicy, excludedNamespaces: [] };
    const both = decideDaemonSet({ operation: 'CREATE', object: daemonSet, resolutions: resolutionsFor(input.pod) }, elsewhere);
    assert.equal(both.kind === 'skip' && both.reason, 'arch-constrained');
    assert.deepEqual([both.patch ?? [], both.warnings], [[], []]);
    const amd64Only = resolutionsFor(input.pod).map((resolution) => (resolution.ok && resolution.image === images[1]?.image ? { ...resolution, platforms: [{ os: 'linux', architecture: 'amd64' }] } : resolution));
    const lacking = decideDaemonSet({ operation: 'CREATE', object: daemonSet, resolutions: amd64Only }, elsewhere);
    assert.deepEqual(lacking.patch ?? [], []);
    assert.match(lacking.warnings.join('\n'), /the DaemonSet requires amd64 or arm64 but its images support only amd64/);
  },
};

describe('pod-objects conformance', () => {
  if (!existsSync(folder)) {
    test('pod-objects corpus', { skip: `realworld corpus not found at ${folder}; set ARCHY_CORPUS_DIR` }, () => undefined);
    return;
  }
  const files = readdirSync(folder).filter((file) => /\.ya?ml$/.test(file)).sort();
  test('the corpus holds the files SOURCES.md lists', () => {
    for (const file of Object.keys(expectations)) assert.ok(files.includes(file), `${file} is missing from ${folder}`);
  });
  for (const file of files) {
    const expectation = expectations[file];
    test(file, () => {
      if (expectation) return expectation();
      // A file added to the corpus later: no stated outcome, but decide must cope and stay idempotent.
      const outcome = run(file);
      if (outcome.decision.kind === 'mutate') patchedPod(outcome);
    });
  }
});
