// From NodePool and EC2NodeClass objects to what placement sees of each pool.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ec2NodeClassArchitectures, nodePoolViews, parseNodePool, type NodePoolSpec } from '../../../lib/kube/karpenter.ts';
import { archIn, autoModeGeneralPurpose, autoModeSystem, ec2NodeClass, gravitonPool, nodePool, type Requirement } from './karpenter-objects.ts';

function spec(object: Record<string, unknown>): NodePoolSpec {
  const { pool, problems } = parseNodePool(object);
  assert.deepEqual(problems, []);
  assert.ok(pool);
  return pool;
}

/** The architectures a pool offers, with the EC2NodeClasses given (undefined: not readable). */
function offered(requirements: Requirement[], classes?: Record<string, string[]>, nodeClass?: string): string[] {
  const [view] = nodePoolViews([spec(nodePool('p', { requirements, ...(nodeClass ? { nodeClass } : {}) }))], classes ? new Map(Object.entries(classes)) : undefined);
  return [...(view?.architectures ?? [])];
}

describe('NodePool architectures', () => {
  test('In lists what the pool launches; several In requirements are ANDed', () => {
    assert.deepEqual(offered([archIn('arm64')]), ['arm64']);
    assert.deepEqual(offered([archIn('amd64', 'arm64'), archIn('arm64', 's390x')]), ['arm64']);
  });

  test('no requirement, or Exists: what the EC2NodeClass AMIs run on when readable, else amd64 and arm64', () => {
    assert.deepEqual(offered([]), ['amd64', 'arm64']);
    assert.deepEqual(offered([{ key: 'kubernetes.io/arch', operator: 'Exists' }]), ['amd64', 'arm64']);
    assert.deepEqual(offered([], { default: ['arm64'] }), ['arm64']);
    assert.deepEqual(offered([], { other: ['arm64'] }), ['amd64', 'arm64'], 'another class');
  });

  test('NotIn takes architectures away', () => {
    assert.deepEqual(offered([{ key: 'kubernetes.io/arch', operator: 'NotIn', values: ['amd64'] }]), ['arm64']);
    assert.deepEqual(offered([archIn('amd64', 'arm64'), { key: 'kubernetes.io/arch', operator: 'NotIn', values: ['arm64'] }]), ['amd64']);
  });

  test('an In list is narrowed to what the AMIs run on, when known', () => {
    assert.deepEqual(offered([archIn('amd64', 'arm64')], { default: ['amd64'] }), ['amd64']);
  });

  test('DoesNotExist, or an operator no architecture satisfies: the pool launches nothing', () => {
    assert.deepEqual(offered([{ key: 'kubernetes.io/arch', operator: 'DoesNotExist' }]), []);
    assert.deepEqual(offered([{ key: 'kubernetes.io/arch', operator: 'Gt', values: ['1'] }]), []);
  });

  test('the beta label counts as the architecture; other keys and implausible names do not', () => {
    assert.deepEqual(offered([{ key: 'beta.kubernetes.io/arch', operator: 'In', values: ['arm64'] }]), ['arm64']);
    assert.deepEqual(offered([archIn('arm64', 'AMD64', 'x'.repeat(30)), { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }]), ['arm64']);
  });

  test('a NodeClass that is not an EC2NodeClass (EKS Auto Mode) is not looked up', () => {
    const pool = spec(autoModeGeneralPurpose());
    assert.equal(pool.ec2NodeClass, undefined);
    assert.equal(spec(nodePool('p', { nodeClass: 'gpu' })).ec2NodeClass, 'gpu');
  });
});

describe('NodePool fields', () => {
  test("EKS Auto Mode's built-in pools: general-purpose amd64 untainted, system both and CriticalAddonsOnly", () => {
    const views = nodePoolViews([spec(autoModeGeneralPurpose()), spec(autoModeSystem())], undefined);
    assert.deepEqual(views, [
      { name: 'general-purpose', architectures: ['amd64'], taints: [], weight: 0, tolerate: false },
      { name: 'system', architectures: ['amd64', 'arm64'], taints: [{ key: 'CriticalAddonsOnly', effect: 'NoSchedule' }], weight: 0, tolerate: false },
    ]);
  });

  test('taints, not startupTaints; the weight; the archy.io/tolerate annotation ("true" only)', () => {
    const pool = spec(gravitonPool({ tolerate: true, weight: 30 }));
    assert.deepEqual(pool.taints, [{ key: 'arch', value: 'arm64', effect: 'NoSchedule' }]);
    assert.equal(pool.weight, 30);
    assert.equal(pool.tolerate, true);
    assert.equal(spec(nodePool('p', { annotations: { 'archy.io/tolerate': 'True' } })).tolerate, false);
    assert.equal(spec(nodePool('p', { weight: 1000 })).weight, 0, 'a weight outside 1-100 counts as none');
  });

  test('a pool that is not Ready is left out of the view', () => {
    const views = nodePoolViews([spec(gravitonPool({ ready: false })), spec(autoModeGeneralPurpose())], undefined);
    assert.deepEqual(views.map((view) => view.name), ['general-purpose']);
    assert.equal(spec(nodePool('p', { ready: false })).ready, false);
  });

  test('a taint that could not be a toleration is left out and said; the others stay', () => {
    const object = nodePool('odd', {
      taints: [
        { key: 'bad key', value: 'x', effect: 'NoSchedule' },
        { key: 'ok', value: 'v'.repeat(64), effect: 'NoSchedule' },
        { key: 'ok', value: 'x', effect: 'Sometimes' as 'NoSchedule' },
        { key: 'team.example.com/dedicated', value: 'ml', effect: 'NoExecute' },
      ],
    });
    const { pool, problems } = parseNodePool(object);
    assert.deepEqual(pool?.taints, [{ key: 'team.example.com/dedicated', value: 'ml', effect: 'NoExecute' }]);
    assert.equal(problems.length, 3);
    assert.ok(problems.every((problem) => problem.startsWith('NodePool odd: a taint the API server would not accept')));
  });

  test('bounded: too many taints are none tolerated, too many requirements and a missing name ignore the pool', () => {
    const taints = Array.from({ length: 33 }, (_, index) => ({ key: `t${index}`, effect: 'NoSchedule' as const }));
    const many = parseNodePool(nodePool('many', { taints }));
    assert.deepEqual(many.pool?.taints, []);
    assert.match(many.problems[0] ?? '', /more than 32 taints/);
    const requirements = Array.from({ length: 101 }, () => archIn('arm64'));
    assert.equal(parseNodePool(nodePool('big', { requirements })).pool, undefined);
    assert.equal(parseNodePool(nodePool('vals', { requirements: [archIn(...Array.from({ length: 101 }, () => 'arm64'))] })).pool, undefined);
    assert.equal(parseNodePool({ metadata: {} }).pool, undefined);
    assert.equal(parseNodePool({ metadata: { name: 'x'.repeat(254) } }).pool, undefined);
    assert.equal(parseNodePool(null).pool, undefined);
  });
});

describe('EC2NodeClass architectures', () => {
  test('the architectures of its resolved AMIs', () => {
    assert.deepEqual(ec2NodeClassArchitectures(ec2NodeClass('default', ['amd64', 'arm64', 'amd64'])), { name: 'default', architectures: ['amd64', 'arm64'] });
    assert.deepEqual(ec2NodeClassArchitectures(ec2NodeClass('graviton', ['arm64'])), { name: 'graviton', architectures: ['arm64'] });
  });

  test('no AMI resolved yet: nothing known', () => {
    assert.deepEqual(ec2NodeClassArchitectures(ec2NodeClass('new', undefined)), { name: 'new' });
    assert.equal(ec2NodeClassArchitectures({}), undefined);
  });
});
