import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type PodLike } from '../../../lib/placement/index.ts';
import { applied, archIn, pod, policy, preferred, required, resolved, withPolicy } from './fixtures.ts';

const multi = [resolved('nginx:1', 'linux/arm64', 'linux/amd64', 'linux/arm/v7')];
const osLinux = { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] };
const preferAmd64 = { weight: 50, preference: { matchExpressions: [archIn('amd64')] } };

function placeMulti(input: PodLike, overrides = {}): PodLike {
  return applied(input, decide({ pod: input, resolutions: multi }, withPolicy(overrides)));
}

describe('several architectures, strategy affinity', () => {
  test('creates required and preferred node affinity when the pod has no affinity', () => {
    const patched = placeMulti(pod());
    assert.deepEqual(patched.spec?.affinity, {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [archIn('amd64', 'arm', 'arm64')] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [preferAmd64],
      },
    });
    assert.equal(patched.metadata?.annotations?.['archy.io/architectures'], 'amd64,arm,arm64');
    assert.equal(patched.spec?.nodeSelector, undefined);
  });

  test('fills an empty affinity map and a null affinity', () => {
    for (const affinity of [{}, null, { nodeAffinity: null }, { nodeAffinity: {} }]) {
      const patched = placeMulti(pod({ affinity }));
      assert.deepEqual(required(patched), [{ matchExpressions: [archIn('amd64', 'arm', 'arm64')] }], JSON.stringify(affinity));
      assert.deepEqual(preferred(patched), [preferAmd64]);
    }
  });

  test('keeps podAffinity and podAntiAffinity untouched beside the new nodeAffinity', () => {
    const podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } }] };
    const patched = placeMulti(pod({ affinity: { podAntiAffinity, podAffinity: {} } }));
    assert.deepEqual(patched.spec?.affinity?.podAntiAffinity, podAntiAffinity);
    assert.deepEqual(patched.spec?.affinity?.podAffinity, {});
    assert.equal(required(patched).length, 1);
  });

  test('ANDs the arch into an os-only term instead of adding a new term', () => {
    const input = pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [osLinux] }] } } } });
    assert.deepEqual(required(placeMulti(input)), [{ matchExpressions: [osLinux, archIn('amd64', 'arm', 'arm64')] }]);
  });

  test('ANDs into every term, also those that already name the arch, and adds matchExpressions to matchFields-only terms', () => {
    const terms = [
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'Exists' }] },
      { matchExpressions: [{ key: 'beta.kubernetes.io/arch', operator: 'In', values: ['arm64'] }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] },
      { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'NotIn', values: ['s390x'] }, osLinux] },
      { matchExpressions: [archIn('arm64'), osLinux] },
    ];
    const input = pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
    const decision = decide({ pod: input, resolutions: multi }, policy);
    const arch = archIn('amd64', 'arm', 'arm64');
    assert.deepEqual(required(applied(input, decision)), [
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'Exists' }, arch] },
      { matchExpressions: [...(terms[1]?.matchExpressions ?? []), arch] },
      { matchFields: terms[2]?.matchFields, matchExpressions: [arch] },
      { matchExpressions: [...(terms[3]?.matchExpressions ?? []), arch] },
      terms[4],
    ]);
    assert.deepEqual(decision.warnings, [], 'every term still admits a supported architecture');
  });

  test('a term that allows only architectures the images lack is closed, and the warning says so', () => {
    const terms = [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['zone-a'] }] }, { matchExpressions: [archIn('s390x')] }];
    const input = pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
    const decision = decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/amd64', 'linux/arm64')] }, policy);
    const arch = archIn('amd64', 'arm64');
    assert.deepEqual(required(applied(input, decision)), [
      { matchExpressions: [...(terms[0]?.matchExpressions ?? []), arch] },
      { matchExpressions: [archIn('s390x'), arch] },
    ]);
    assert.deepEqual(decision.warnings, [
      'required node-affinity term 1 allows no architecture its images support (amd64, arm64), so it can no longer match a node; the other terms still can',
    ]);
  });

  test('leaves an empty term alone: it matches no node, and adding the arch would make it match', () => {
    const terms = [{}, { matchExpressions: [osLinux] }];
    const patched = placeMulti(pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } }));
    assert.deepEqual(required(patched), [{}, { matchExpressions: [osLinux, archIn('amd64', 'arm', 'arm64')] }]);
  });

  test('an empty nodeSelectorTerms list gets one arch term', () => {
    const patched = placeMulti(pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }));
    assert.deepEqual(required(patched), [{ matchExpressions: [archIn('amd64', 'arm', 'arm64')] }]);
  });

  test('appends the preference after existing preferred terms and does not duplicate an arch preference', () => {
    const zone = { weight: 10, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] }] } };
    assert.deepEqual(preferred(placeMulti(pod({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [zone] } } }))), [zone, preferAmd64]);

    const own = [zone, preferAmd64];
    assert.deepEqual(preferred(placeMulti(pod({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: own } } }))), own);

    const userPrefersArm = [{ weight: 80, preference: { matchExpressions: [archIn('arm64')] } }];
    const patched = placeMulti(pod({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: userPrefersArm } } }));
    assert.deepEqual(preferred(patched), userPrefersArm);
    assert.equal(required(patched).length, 1);
  });

  test('uses the configured weight and preferred architecture; none when the preferred one is not allowed', () => {
    assert.deepEqual(preferred(placeMulti(pod(), { preferredArch: 'arm64', preferenceWeight: 7 })), [
      { weight: 7, preference: { matchExpressions: [archIn('arm64')] } },
    ]);
    const withoutPreference = placeMulti(pod(), { preferredArch: 's390x' });
    assert.deepEqual(preferred(withoutPreference), []);
    assert.equal(withoutPreference.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution, undefined);
  });
});

describe('strategy pin', () => {
  test('writes a nodeSelector with the preferred architecture when it is allowed', () => {
    const patched = placeMulti(pod(), { multiArchStrategy: 'pin', preferredArch: 'arm64' });
    assert.deepEqual(patched.spec?.nodeSelector, { 'kubernetes.io/arch': 'arm64' });
    assert.equal(patched.spec?.affinity, undefined);
    assert.equal(patched.metadata?.annotations?.['archy.io/architectures'], 'arm64');
  });

  test('otherwise the default architecture, then the first alphabetically', () => {
    assert.equal(placeMulti(pod(), { multiArchStrategy: 'pin', preferredArch: 's390x' }).spec?.nodeSelector?.['kubernetes.io/arch'], 'amd64');
    const input = pod();
    const decision = decide({ pod: input, resolutions: [resolved('nginx:1', 'linux/s390x', 'linux/arm64', 'linux/ppc64le')] }, withPolicy({ multiArchStrategy: 'pin' }));
    assert.equal(applied(input, decision).spec?.nodeSelector?.['kubernetes.io/arch'], 'arm64');
  });
});

describe('idempotence: the patched pod sent again yields no patch', () => {
  const cases: Array<[string, PodLike, Record<string, unknown>]> = [
    ['no affinity', pod(), {}],
    ['empty affinity', pod({ affinity: {} }), {}],
    ['os-only term', pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [osLinux] }] } } } }), {}],
    [
      'several terms, one with the arch',
      pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [archIn('arm64')] }, { matchExpressions: [osLinux] }, {}] } } } }),
      {},
    ],
    ['pin', pod(), { multiArchStrategy: 'pin' }],
  ];
  for (const [name, input, overrides] of cases) {
    test(name, () => {
      const once = placeMulti(input, overrides);
      const again = decide({ pod: once, resolutions: multi }, withPolicy(overrides));
      assert.equal(again.kind, 'skip');
      assert.equal(again.kind === 'skip' && again.reason, 'already-placed');
    });
  }

  test('a pod constrained by its user (no annotation of ours) is reported as arch-constrained', () => {
    const input = pod({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } });
    const decision = decide({ pod: input, resolutions: multi }, policy);
    assert.equal(decision.kind === 'skip' && decision.reason, 'arch-constrained');
  });

  test('the annotation alone is not enough: a pod without the constraint is placed again', () => {
    const input = pod({}, { annotations: { 'archy.io/architectures': 'amd64' } });
    const patched = applied(input, decide({ pod: input, resolutions: multi }, policy));
    assert.equal(required(patched).length, 1);
    assert.equal(patched.metadata?.annotations?.['archy.io/architectures'], 'amd64,arm,arm64');
  });
});
