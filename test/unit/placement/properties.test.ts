// Properties over random pods and platform sets: the patch applies, every term is constrained,
// nothing the user set is lost, and the patched pod needs no second patch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, type PlacementPolicy, type PodLike } from '../../../lib/placement/index.ts';
import type { Toleration } from '../../../lib/config.ts';
import type { ImageResolution } from '../../../lib/types.ts';
import { applied, failed, policy as basePolicy, required, resolved } from './fixtures.ts';
import { assertKept } from '../../support/pod-assertions.ts';

const ARCH_KEYS = ['kubernetes.io/arch', 'beta.kubernetes.io/arch'];
const IMAGES = ['nginx:1', 'busybox:1', 'ghcr.io/a/b:2', 'x@sha256:' + 'a'.repeat(64)];
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/s390x', 'windows/amd64'];

// Keys with `/` and `~` exercise pointer escaping.
const key = fc.string({ unit: fc.constantFrom('a', 'b', '.', '/', '~', '0', '1'), minLength: 1, maxLength: 8 });
const value = fc.string({ maxLength: 6 });
const expression = fc.record({
  key: fc.oneof({ weight: 3, arbitrary: key }, { weight: 1, arbitrary: fc.constantFrom(...ARCH_KEYS, 'kubernetes.io/os') }),
  operator: fc.constantFrom('In', 'NotIn', 'Exists'),
  values: fc.array(value, { maxLength: 2 }),
});
const term = fc.record(
  { matchExpressions: fc.array(expression, { maxLength: 3 }), matchFields: fc.array(fc.record({ key: fc.constant('metadata.name'), operator: fc.constant('In'), values: fc.array(value, { minLength: 1, maxLength: 1 }) }), { maxLength: 1 }) },
  { requiredKeys: [] },
);
const nodeAffinity = fc.record(
  {
    requiredDuringSchedulingIgnoredDuringExecution: fc.record({ nodeSelectorTerms: fc.array(term, { maxLength: 3 }) }),
    preferredDuringSchedulingIgnoredDuringExecution: fc.array(fc.record({ weight: fc.integer({ min: 1, max: 100 }), preference: term }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const affinity = fc.oneof(
  fc.constant({}),
  fc.record({ nodeAffinity }, { requiredKeys: [] }),
  fc.record({ nodeAffinity, podAntiAffinity: fc.constant({ preferredDuringSchedulingIgnoredDuringExecution: [] }) }),
);
const toleration = fc.record(
  { key: fc.constantFrom('pool', 'kubernetes.io/arch', 'dedicated'), operator: fc.constantFrom('Equal', 'Exists'), value: fc.constantFrom('arm64', 'graviton'), effect: fc.constantFrom('NoSchedule', 'NoExecute') },
  { requiredKeys: ['key'] },
);
const container = fc.record({ name: fc.constantFrom('app', 'side', 'init'), image: fc.constantFrom(...IMAGES) });
const nodeSelector = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(key, value, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.record({ [ARCH_KEYS[0] as string]: fc.constantFrom('amd64', 'arm64') }) },
);

const pod: fc.Arbitrary<PodLike> = fc
  .record(
    {
      nodeSelector,
      affinity,
      tolerations: fc.array(toleration, { maxLength: 3 }),
      initContainers: fc.array(container, { maxLength: 1 }),
      annotations: fc.dictionary(key, value, { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  )
  .chain(({ annotations, ...spec }) =>
    fc.array(container, { minLength: 1, maxLength: 3 }).map((containers) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', ...(annotations ? { annotations } : {}) },
      spec: { ...spec, containers },
    })),
  )
  // Admission objects arrive as JSON: plain objects (fast-check builds null-prototype ones).
  .map((generated) => JSON.parse(JSON.stringify(generated)) as PodLike);

const resolutions: fc.Arbitrary<ImageResolution[]> = fc.tuple(
  ...IMAGES.map((image) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.subarray(PLATFORMS, { minLength: 1 }).map((platforms) => resolved(image, ...platforms)) },
      { weight: 1, arbitrary: fc.constant(failed(image, 'registry unreachable')) },
    ),
  ),
);

const policy: fc.Arbitrary<PlacementPolicy> = fc.record({
  multiArchStrategy: fc.constantFrom('affinity' as const, 'pin' as const),
  preferredArch: fc.constantFrom('amd64', 'arm64', 'riscv64'),
  archTolerations: fc.constantFrom<Record<string, Toleration[]>>({}, { arm64: [{ key: 'pool', operator: 'Equal', value: 'graviton', effect: 'NoSchedule' }] }),
}).map((overrides) => ({ ...basePolicy, ...overrides }));

function namesArch(candidate: unknown): boolean {
  const expressions = (candidate as { matchExpressions?: Array<{ key: string }> }).matchExpressions ?? [];
  return expressions.some((expression) => ARCH_KEYS.includes(expression.key));
}

function isEmptyTerm(candidate: unknown): boolean {
  const { matchExpressions = [], matchFields = [] } = candidate as { matchExpressions?: unknown[]; matchFields?: unknown[] };
  return matchExpressions.length === 0 && matchFields.length === 0;
}

describe('placement properties', () => {
  test('random pods: the patch applies, constrains every term, keeps the user fields, and is idempotent', () => {
    fc.assert(
      fc.property(pod, resolutions, policy, (input, answers, chosen) => {
        const before = structuredClone(input);
        const decision = decide({ pod: input, resolutions: answers }, chosen);
        assert.deepEqual(input, before, 'decide does not modify its input');
        if (decision.kind === 'skip') return;

        const patched = applied(input, decision);
        assertKept(input, patched);
        if (patched.spec?.nodeSelector?.['kubernetes.io/arch'] === undefined) {
          const terms = required(patched);
          assert.ok(terms.length > 0, 'a required term exists');
          for (const candidate of terms) assert.ok(namesArch(candidate) || isEmptyTerm(candidate), `term unconstrained: ${JSON.stringify(candidate)}`);
        } else {
          assert.deepEqual(decision.architectures, [patched.spec.nodeSelector['kubernetes.io/arch']]);
        }
        assert.equal(patched.metadata?.annotations?.['archy.io/architectures'], decision.architectures.join(','));
        for (const warning of decision.warnings) assert.ok(warning.length < 256);

        const again = decide({ pod: patched, resolutions: answers }, chosen);
        assert.equal(again.kind, 'skip', 'a second decision yields no patch');
        assert.equal(again.kind === 'skip' && again.reason, 'already-placed');
      }),
      { numRuns: 500 },
    );
  });

  test('random platform sets: placed architectures are exactly the intersection of the checked images (affinity)', () => {
    fc.assert(
      fc.property(resolutions, (answers) => {
        const input = { metadata: { name: 'p' }, spec: { containers: IMAGES.map((image, index) => ({ name: `c${index}`, image })) } };
        const decision = decide({ pod: input, resolutions: answers }, basePolicy);
        const checked = answers.filter((answer) => answer.ok);
        const arches = checked.map((answer) => new Set(answer.ok ? answer.platforms.filter((p) => p.os === 'linux').map((p) => p.architecture) : []));
        const common = ['amd64', 'arm', 'arm64', 's390x'].filter((arch) => arches.every((set) => set.has(arch)));
        if (checked.length === 0) assert.deepEqual(decision.kind === 'mutate' && decision.architectures, ['amd64']);
        else if (common.length === 0) assert.equal(decision.kind === 'skip' && decision.reason, 'no-common-arch');
        else assert.deepEqual(decision.kind === 'mutate' && decision.architectures, common);
      }),
      { numRuns: 300 },
    );
  });
});
