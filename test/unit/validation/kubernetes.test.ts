import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARCHITECTURE_ALIASES,
  KUBERNETES_ARCHITECTURES,
  isDns1123Label,
  isLabelValue,
  isPlausibleArchitecture,
  isQualifiedName,
  tolerationProblems,
} from '../../../lib/validation/kubernetes.ts';

function table(check: (value: string) => boolean, valid: string[], invalid: string[]): void {
  for (const value of valid) {
    test(`accepts ${JSON.stringify(value)}`, () => assert.equal(check(value), true));
  }
  for (const value of invalid) {
    test(`refuses ${JSON.stringify(value)}`, () => assert.equal(check(value), false));
  }
}

describe('label values', () => {
  table(
    isLabelValue,
    ['', 'a', 'amd64', 'arm64', 'A-b_c.D', '1', 'a'.repeat(63), 'v1.2.3'],
    ['a'.repeat(64), 'amd64 evil', 'arm64\nX', 'arm64\n', '-a', 'a-', '_a', 'a.', 'a/b', 'ä', 'a:b'],
  );
});

describe('qualified names (label keys)', () => {
  table(
    isQualifiedName,
    ['kubernetes.io/arch', 'arch', 'Arch_1.x', 'a', 'example.com/' + 'n'.repeat(63), `${'a'.repeat(253)}/x`, 'node-role.kubernetes.io/worker'],
    [
      '', '/arch', 'kubernetes.io/', 'a/b/c', 'Kubernetes.io/arch', 'kubernetes.io/-arch', 'example.com/' + 'n'.repeat(64),
      `${'a'.repeat(254)}/x`, 'my key', 'kubernetes..io/arch', 'kubernetes.io/arch\n', '_x',
    ],
  );
});

describe('DNS-1123 labels (namespace names)', () => {
  table(
    isDns1123Label,
    ['kube-system', 'a', '0', 'a'.repeat(63), 'team-1'],
    ['', 'Kube-System', 'a'.repeat(64), '-a', 'a-', 'a.b', 'a_b', 'kube system', 'kube-system\n'],
  );
});

describe('architectures', () => {
  table(
    isPlausibleArchitecture,
    ['amd64', 'arm64', '386', 'ppc64le', 'sparc64', 'mips64le', 'x86_64', 'a'.repeat(16)],
    ['', 'a'.repeat(17), 'AMD64', 'amd64 evil', 'arm64\nX', 'arm64_', '_arm', 'arm-v7', 'arm/v7', 'arm.64'],
  );

  test('every alias points at a Kubernetes architecture and is not one itself', () => {
    for (const [alias, right] of Object.entries(ARCHITECTURE_ALIASES)) {
      assert.ok(KUBERNETES_ARCHITECTURES.includes(right), `${alias} → ${right}`);
      assert.ok(!KUBERNETES_ARCHITECTURES.includes(alias), alias);
    }
    assert.equal(ARCHITECTURE_ALIASES.x86_64, 'amd64');
    assert.equal(ARCHITECTURE_ALIASES.aarch64, 'arm64');
    assert.equal(ARCHITECTURE_ALIASES.armhf, 'arm');
    assert.equal(ARCHITECTURE_ALIASES.i686, '386');
    assert.equal(ARCHITECTURE_ALIASES.ppc64el, 'ppc64le');
  });

  test('every Kubernetes architecture is itself a plausible architecture', () => {
    for (const arch of KUBERNETES_ARCHITECTURES) assert.ok(isPlausibleArchitecture(arch), arch);
  });

  test('the lists cannot be changed at run time', () => {
    assert.throws(() => (KUBERNETES_ARCHITECTURES as string[]).push('sparc64'));
    assert.throws(() => {
      (ARCHITECTURE_ALIASES as Record<string, string>).sparc = 'amd64';
    });
  });
});

describe('tolerations', () => {
  const valid: unknown[] = [
    { key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' },
    { key: 'kubernetes.io/arch', value: 'arm64' },
    { key: 'dedicated', operator: 'Exists', effect: 'PreferNoSchedule' },
    { operator: 'Exists' },
    { key: '', operator: 'Exists', value: '' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'k', value: '', effect: 'NoExecute', tolerationSeconds: -1 },
    { key: 'k', operator: '', effect: '' },
  ];
  for (const toleration of valid) {
    test(`accepts ${JSON.stringify(toleration)}`, () => assert.deepEqual(tolerationProblems(toleration), []));
  }

  const invalid: Array<[unknown, string[]]> = [
    [null, ['a toleration must be an object']],
    ['kubernetes.io/arch', ['a toleration must be an object']],
    [[{ key: 'k' }], ['a toleration must be an object']],
    [{}, ['key may be empty only with operator "Exists"']],
    [{ key: '', operator: 'Equal' }, ['key may be empty only with operator "Exists"']],
    [{ key: 'k', color: 'red' }, ['unknown field "color" (allowed: key, operator, value, effect, tolerationSeconds)']],
    [{ key: 'my key' }, ['key "my key" is not a valid label key']],
    [{ key: 'a/b/c' }, ['key "a/b/c" is not a valid label key']],
    [{ key: 'k', operator: 'In' }, ['operator must be "Equal" or "Exists"']],
    [{ key: 'k', operator: 'equal' }, ['operator must be "Equal" or "Exists"']],
    [{ operator: 'Exists', value: 'x' }, ['value must be empty with operator "Exists"']],
    [{ key: 'k', value: 'amd64 evil' }, [
      'value "amd64 evil" is not a valid label value (at most 63 letters, digits, "-", "_", ".", starting and ending with a letter or digit)',
    ]],
    [{ key: 'k', value: 'v'.repeat(64) }, [
      `value "${'v'.repeat(40)}…" is not a valid label value (at most 63 letters, digits, "-", "_", ".", starting and ending with a letter or digit)`,
    ]],
    [{ key: 'k', value: 7 }, ['value must be a string']],
    [{ key: 'k', effect: 'NoScheduleNoAdmit' }, ['effect must be "NoSchedule", "PreferNoSchedule" or "NoExecute"']],
    [{ key: 'k', effect: 'NoExecute', tolerationSeconds: 1.5 }, ['tolerationSeconds must be an integer']],
    [{ key: 'k', effect: 'NoExecute', tolerationSeconds: 2 ** 60 }, ['tolerationSeconds must be an integer']],
    [{ key: 'k', effect: 'NoExecute', tolerationSeconds: null }, ['tolerationSeconds must be an integer']],
    [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 60 }, ['tolerationSeconds needs effect "NoExecute"']],
    [{ key: 'k', tolerationSeconds: 60 }, ['tolerationSeconds needs effect "NoExecute"']],
    [{ key: 5, tolerationSeconds: 'soon' }, ['key must be a string', 'tolerationSeconds must be an integer', 'tolerationSeconds needs effect "NoExecute"']],
    [{ key: 'k', operator: 'Equal', effect: 'NoSchedule', tolerationSeconds: 60, extra: true }, [
      'unknown field "extra" (allowed: key, operator, value, effect, tolerationSeconds)',
      'tolerationSeconds needs effect "NoExecute"',
    ]],
  ];
  for (const [toleration, problems] of invalid) {
    test(`refuses ${JSON.stringify(toleration)}`, () => assert.deepEqual(tolerationProblems(toleration), problems));
  }

  test('a value with a newline is shown escaped, on one line', () => {
    const [problem = ''] = tolerationProblems({ key: 'k', value: 'arm64\nX' });
    assert.match(problem, /^value "arm64\\nX" is not a valid label value/);
  });
});
