// Random admissions for the placement property: pods the API server would accept, and what the
// registry answers for each image. Both are generated as small descriptions (so that a shrunk
// counterexample reads well) and expanded into the real objects: a 256 KiB annotation is `filler`,
// a 40,000-platform answer is `{ huge: 40000 }`.
import fc from 'fast-check';
import type { ImageResolution, Platform } from '../../../lib/types.ts';
import { ANNOTATIONS_LIMIT_BYTES } from './validation.ts';
import { ARCH_LABEL, BETA_ARCH_LABEL, CORES_LABEL, HOSTNAME_LABEL, NODE_ARCHITECTURES, NODE_POOLS, POOL_LABEL, ZONE_LABEL } from './scheduling.ts';

export const IMAGES = [
  'nginx:1.27',
  'docker.io/library/busybox:1.36',
  'ghcr.io/acme/api:v2',
  `registry.example.com:5000/team/tool@sha256:${'ab'.repeat(32)}`,
  'public.ecr.aws/acme/worker:latest',
  `registry.example.com/${'a-rather-long-repository-path/'.repeat(6)}app:1`,
];

export interface PodCase {
  nodeSelector?: Record<string, string>;
  affinity?: Record<string, unknown>;
  tolerations?: Array<Record<string, unknown>>;
  /** Indexes into IMAGES. */
  containers: number[];
  initContainers: number[];
  annotations: Array<[string, string]>;
  /** A big annotation that leaves this many bytes under the 256 KiB limit. */
  filler?: number;
  /** An annotation key with `~` (invalid: the API server rejects the pod with or without Archy). */
  tildeKey: boolean;
}

export type AnswerCase =
  | { ok: true; platforms: Platform[] }
  | { ok: true; huge: number; plus: string[] }
  | { ok: false; error: keyof typeof ERRORS };

/** What the cluster view says: Ready nodes per architecture, and which NodePools (indexes into NODE_POOLS) opted in to tolerations. */
export interface ViewCase {
  nodes: Record<string, number>;
  /** Undefined: the NodePools could not be read. */
  pools?: Array<[index: number, tolerate: boolean]>;
}

export interface AdmissionCase {
  config: 'defaults' | 'arm64-toleration';
  pod: PodCase;
  /** One per entry of IMAGES (only the pod's images are asked for). */
  answers: AnswerCase[];
  /** Undefined: nothing known of the cluster. */
  view?: ViewCase;
}

/** The cluster view as placement takes it (lib/placement ClusterView, written here from the description). */
export interface ClusterViewLike {
  nodes: Record<string, number>;
  nodePools?: Array<{ name: string; architectures: string[]; taints: Array<{ key: string; value?: string; effect: string }>; weight: number; tolerate: boolean }>;
}

// ---- registry answers -------------------------------------------------------------------------

const linux = (architecture: string, variant?: string): Platform => (variant === undefined ? { os: 'linux', architecture } : { os: 'linux', architecture, variant });
const NORMAL: Platform[] = [linux('amd64'), linux('arm64'), linux('arm64', 'v8'), linux('arm', 'v7'), linux('arm', 'v6'), linux('s390x'), linux('ppc64le'), linux('riscv64')];
// Mostly multi-arch images, so that several images often still have architectures in common.
const PROFILES: Platform[][] = [
  [linux('amd64')],
  [linux('arm64')],
  [linux('amd64'), linux('arm64')],
  [linux('amd64'), linux('arm64')],
  [linux('amd64'), linux('arm64', 'v8'), linux('arm', 'v7')],
  [linux('amd64'), linux('arm64'), linux('s390x'), linux('ppc64le')],
  NORMAL,
  NORMAL,
];
const ODD: Platform[] = [
  { os: 'windows', architecture: 'amd64' },
  { os: 'unknown', architecture: 'unknown' },
  linux('amd64 evil'),
  linux('x'.repeat(100)),
  linux('arm64\nX'),
  linux('AMD64'),
  linux('Arm64'),
  linux(''),
  linux('arm64_'),
  linux('abcdefghijklmnopq'),
];

export const ERRORS = {
  unreachable: 'registry unreachable: connect ECONNREFUSED',
  notFound: 'manifest unknown: the registry answered 404',
  long: `the registry answered 500: ${'upstream proxy error; '.repeat(20)}`,
  control: 'unauthorized: \u001b[31mdenied\u001b[0m\u0007 by policy\r\nretry later',
  rockets: `quota exceeded ${'🚀'.repeat(160)}`,
  empty: '',
} as const;

const platformList: fc.Arbitrary<Platform[]> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc
      .tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PROFILES) }, { weight: 1, arbitrary: fc.subarray(NORMAL, { minLength: 1 }) }), fc.array(fc.constantFrom(...ODD), { maxLength: 2 }))
      .map(([base, odd]) => [...base, ...odd]),
  },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...ODD), { minLength: 1, maxLength: 2 }) },
  { weight: 1, arbitrary: fc.constant<Platform[]>([]) },
);

const answer: fc.Arbitrary<AnswerCase> = fc.oneof(
  { weight: 12, arbitrary: platformList.map((platforms): AnswerCase => ({ ok: true, platforms })) },
  { weight: 1, arbitrary: fc.record({ ok: fc.constant(true as const), huge: fc.constantFrom(40_000, 65, 64), plus: fc.subarray(['amd64', 'arm64']) }) },
  { weight: 3, arbitrary: fc.record({ ok: fc.constant(false as const), error: fc.constantFrom(...(Object.keys(ERRORS) as Array<keyof typeof ERRORS>)) }) },
);

const hugeLists = new Map<string, Platform[]>();

/** `n` distinct platforms: the `plus` architectures, then `a0`, `a1`… */
function hugeList(n: number, plus: readonly string[]): Platform[] {
  const key = `${n}:${plus.join(',')}`;
  let platforms = hugeLists.get(key);
  if (!platforms) {
    platforms = plus.map((arch) => linux(arch));
    for (let index = 0; platforms.length < n; index += 1) platforms.push(linux(`a${index}`));
    hugeLists.set(key, platforms);
  }
  return platforms;
}

export function buildAnswer(image: string, described: AnswerCase): ImageResolution {
  if (!described.ok) return { ok: false, image, error: ERRORS[described.error] };
  return {
    ok: true,
    image,
    reference: { registry: 'registry.example.com', repository: 'some/repo', canonical: image },
    digest: `sha256:${'0'.repeat(64)}`,
    platforms: 'huge' in described ? hugeList(described.huge, described.plus) : described.platforms.map((p) => ({ ...p })),
    source: 'registry',
  };
}

export function buildAnswers(described: readonly AnswerCase[]): Map<string, ImageResolution> {
  return new Map(IMAGES.map((image, index) => [image, buildAnswer(image, described[index] as AnswerCase)]));
}

// ---- pods -------------------------------------------------------------------------------------

const ARCH_VALUES = [...NODE_ARCHITECTURES, 'mips64le'];
const NODE_NAMES = ['amd64-zone-a-plain', 'arm64-zone-a-plain', 'arm64-zone-b-noschedule-nobeta', 's390x-zone-b-plain', 'ghost-node'];
const VALUES: Record<string, string[]> = {
  [ARCH_LABEL]: ARCH_VALUES,
  [BETA_ARCH_LABEL]: ARCH_VALUES,
  [ZONE_LABEL]: ['zone-a', 'zone-b', 'zone-c'],
  [HOSTNAME_LABEL]: NODE_NAMES,
  'kubernetes.io/os': ['linux', 'windows'],
  [POOL_LABEL]: ['general', 'graviton'],
  [CORES_LABEL]: ['2', '4', '16'],
  disktype: ['ssd', 'hdd'],
};
const KEY_WEIGHTS: Array<[string, number]> = [
  [ARCH_LABEL, 5], [BETA_ARCH_LABEL, 2], [ZONE_LABEL, 2], [HOSTNAME_LABEL, 1], ['kubernetes.io/os', 1], [POOL_LABEL, 1], [CORES_LABEL, 2], ['disktype', 1],
];

const requirement: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.oneof(...KEY_WEIGHTS.map(([key, weight]) => ({ weight, arbitrary: fc.constant(key) }))),
    fc.oneof(
      { weight: 5, arbitrary: fc.constant('In') },
      { weight: 2, arbitrary: fc.constant('NotIn') },
      { weight: 1, arbitrary: fc.constantFrom('Exists', 'DoesNotExist', 'Gt', 'Lt') },
    ),
  )
  .chain(([key, operator]) => {
    if (operator === 'In' || operator === 'NotIn') {
      const pool = VALUES[key] as string[];
      return fc.subarray(pool, { minLength: 1, maxLength: Math.min(3, pool.length) }).map((values) => ({ key, operator, values }));
    }
    if (operator === 'Gt' || operator === 'Lt') return fc.constantFrom('-1', '0', '3', '4', '15', '100').map((value) => ({ key, operator, values: [value] }));
    return fc.constantFrom<Record<string, unknown>>({ key, operator }, { key, operator, values: [] });
  });

const fieldRequirement = fc.record({ key: fc.constant('metadata.name'), operator: fc.constantFrom('In', 'NotIn'), values: fc.constantFrom(...NODE_NAMES).map((name) => [name]) });

const term: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 12, arbitrary: fc.array(requirement, { minLength: 1, maxLength: 3 }).map((matchExpressions) => ({ matchExpressions })) },
  { weight: 2, arbitrary: fc.tuple(fc.array(requirement, { maxLength: 2 }), fieldRequirement).map(([matchExpressions, field]) => (matchExpressions.length > 0 ? { matchExpressions, matchFields: [field] } : { matchFields: [field] })) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, unknown>>({}, { matchExpressions: [] }) },
);

const nodeAffinity = fc.record(
  {
    requiredDuringSchedulingIgnoredDuringExecution: fc.array(term, { minLength: 1, maxLength: 3 }).map((nodeSelectorTerms) => ({ nodeSelectorTerms })),
    preferredDuringSchedulingIgnoredDuringExecution: fc.array(fc.record({ weight: fc.integer({ min: 1, max: 100 }), preference: term }), { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: [] },
);

const ANTI_AFFINITY = {
  preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { topologyKey: HOSTNAME_LABEL, labelSelector: { matchLabels: { app: 'web' } } } }],
};

const affinity: fc.Arbitrary<Record<string, unknown> | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 8, arbitrary: nodeAffinity.map((value) => ({ nodeAffinity: value })) },
  { weight: 1, arbitrary: nodeAffinity.map((value) => ({ nodeAffinity: value, podAntiAffinity: ANTI_AFFINITY })) },
);

const rarely = <T>(arbitrary: fc.Arbitrary<T>, weight = 8): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const nodeSelector: fc.Arbitrary<Record<string, string> | undefined> = fc.option(
  fc
    .record({
      [ZONE_LABEL]: rarely(fc.constantFrom('zone-a', 'zone-b', 'zone-c'), 1),
      [POOL_LABEL]: rarely(fc.constantFrom('general', 'graviton'), 3),
      'kubernetes.io/os': rarely(fc.constant('linux'), 2),
      disktype: rarely(fc.constant('ssd'), 6),
      [ARCH_LABEL]: rarely(fc.constantFrom(...ARCH_VALUES), 6),
      [BETA_ARCH_LABEL]: rarely(fc.constantFrom(...ARCH_VALUES), 10),
    })
    .map((entries) => Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Record<string, string>),
  { freq: 3, nil: undefined },
);

const TOLERATIONS: Array<Record<string, unknown>> = [
  { key: ARCH_LABEL, operator: 'Equal', value: 'arm64', effect: 'NoSchedule' },
  { key: ARCH_LABEL, value: 'arm64', effect: 'NoSchedule' },
  { key: ARCH_LABEL, operator: 'Exists', effect: 'NoSchedule' },
  { key: ARCH_LABEL, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
  { key: ARCH_LABEL, operator: 'Equal', value: 's390x', effect: 'NoExecute' },
  { operator: 'Exists' },
  { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
  { key: 'arch', value: 'arm64', effect: 'NoSchedule' },
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
];

const ANNOTATION_KEYS = ['example.com/owner', 'team', 'app.kubernetes.io/name', 'a.b.example/c-d_e.f', 'x/y'];

const podCase: fc.Arbitrary<PodCase> = fc.record({
  nodeSelector,
  affinity,
  tolerations: fc.option(fc.array(fc.constantFrom(...TOLERATIONS), { maxLength: 3 }), { freq: 3, nil: undefined }),
  containers: fc.array(fc.nat(IMAGES.length - 1), { minLength: 1, maxLength: 3 }),
  initContainers: fc.array(fc.nat(IMAGES.length - 1), { maxLength: 2 }),
  annotations: fc.array(fc.tuple(fc.constantFrom(...ANNOTATION_KEYS), fc.string({ unit: fc.constantFrom('a', '/', '~', '0', ' ', 'é'), maxLength: 8 })), { maxLength: 3 }),
  filler: rarely(fc.nat(400), 4),
  tildeKey: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const viewCase: fc.Arbitrary<ViewCase> = fc.record(
  {
    nodes: fc.record({ amd64: fc.nat(3), arm64: fc.nat(3), s390x: fc.nat(1) }, { requiredKeys: [] }),
    pools: fc.uniqueArray(fc.tuple(fc.nat(NODE_POOLS.length - 1), fc.boolean()), { selector: ([index]) => index, maxLength: NODE_POOLS.length }),
  },
  { requiredKeys: ['nodes'] },
);

export const admissionCase: fc.Arbitrary<AdmissionCase> = fc.record(
  {
    config: fc.constantFrom('defaults' as const, 'arm64-toleration' as const),
    pod: podCase,
    answers: fc.tuple(...IMAGES.map(() => answer)),
    view: fc.option(viewCase, { freq: 4, nil: undefined }),
  },
  { requiredKeys: ['config', 'pod', 'answers'] },
);

export function buildView(described: ViewCase | undefined): ClusterViewLike | undefined {
  if (described === undefined) return undefined;
  const view: ClusterViewLike = { nodes: { ...described.nodes } };
  if (described.pools !== undefined) {
    view.nodePools = described.pools.map(([index, tolerate]) => {
      const pool = NODE_POOLS[index] as (typeof NODE_POOLS)[number];
      return { name: pool.name, architectures: [...pool.architectures], taints: pool.taints.map((taint) => ({ ...taint })), weight: pool.weight, tolerate };
    });
  }
  return view;
}

export const TILDE_KEY = 'example.com/a~b';
const FILLER_KEY = 'example.com/big-config';

/** The pod the description stands for, as JSON (what an AdmissionReview carries). */
export function buildPod(described: PodCase): Record<string, unknown> {
  const annotations: Record<string, string> = Object.fromEntries(described.annotations);
  if (described.tildeKey) annotations[TILDE_KEY] = 'tilde';
  if (described.filler !== undefined) {
    const used = Object.entries(annotations).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
    const length = ANNOTATIONS_LIMIT_BYTES - described.filler - used - FILLER_KEY.length;
    if (length > 0) annotations[FILLER_KEY] = 'x'.repeat(length);
  }
  const spec: Record<string, unknown> = {
    containers: described.containers.map((image, index) => ({ name: `app-${index}`, image: IMAGES[image] })),
  };
  if (described.initContainers.length > 0) spec.initContainers = described.initContainers.map((image, index) => ({ name: `init-${index}`, image: IMAGES[image] }));
  if (described.nodeSelector !== undefined) spec.nodeSelector = described.nodeSelector;
  if (described.affinity !== undefined) spec.affinity = described.affinity;
  if (described.tolerations !== undefined) spec.tolerations = described.tolerations;
  const metadata: Record<string, unknown> = { name: 'web-1', namespace: 'default', labels: { app: 'web' } };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata, spec })) as Record<string, unknown>;
}

/** The distinct images of the pod, as it names them. */
export function podImages(described: PodCase): string[] {
  return [...new Set([...described.initContainers, ...described.containers].map((index) => IMAGES[index] as string))];
}
