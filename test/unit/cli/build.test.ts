// The report's arithmetic: verdicts per workload, the summary, namespaces, the blocking ranking and
// the saving estimate.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../../lib/cli/report/build.ts';
import type { ImageAnswer } from '../../../lib/cli/resolution/resolve-images.ts';
import type { Workload, WorkloadKind } from '../../../lib/cli/workloads/workload.ts';

function workload(kind: WorkloadKind, namespace: string, name: string, images: string[], replicas: number, cpuMillis: number, memoryBytes = 0): Workload {
  return { kind, namespace, name, source: 'cluster', replicas, perReplica: { cpuMillis, memoryBytes }, images, access: { namespace, imagePullSecrets: [] } };
}

function resolved(image: string, architectures: string[], source: 'cache' | 'registry' = 'registry'): [string, ImageAnswer] {
  return [image, { ok: true, image, canonical: image, digest: 'sha256:0', platforms: architectures.map((a) => `linux/${a}`), architectures, source, warnings: [] }];
}

function failed(image: string, error: string): [string, ImageAnswer] {
  return [image, { ok: false, image, error, warnings: [] }];
}

const answers = new Map<string, ImageAnswer>([
  resolved('multi:1', ['amd64', 'arm64']),
  resolved('multi:2', ['amd64', 'arm64', 's390x'], 'cache'),
  resolved('legacy:1', ['amd64']),
  resolved('oracle:19', ['amd64']),
  failed('private:1', 'registry answered 401'),
]);

const workloads = [
  workload('Deployment', 'shop', 'web', ['multi:1'], 3, 500, 256 * 2 ** 20), // ready, 1.5 vCPU
  workload('Deployment', 'shop', 'api', ['multi:1', 'multi:2'], 2, 1000), // ready, 2 vCPU
  workload('StatefulSet', 'shop', 'db', ['oracle:19'], 1, 4000), // blocked by oracle alone, 4 vCPU
  workload('Deployment', 'billing', 'invoices', ['multi:2', 'legacy:1', 'oracle:19'], 2, 250), // blocked by two, 0.5 vCPU
  workload('CronJob', 'billing', 'export', ['private:1'], 1, 100), // unknown, 0.1
  workload('Deployment', 'billing', 'mixed', ['legacy:1', 'private:1'], 1, 200), // blocked (legacy), 0.2: not "alone"
  workload('Deployment', 'idle', 'zero', ['multi:1'], 0, 1000), // ready, 0 vCPU
];

const report = buildReport(workloads, answers, {
  input: { kind: 'manifests', paths: ['-'] },
  pricing: { vcpuHourPrice: 0.05, priceRatio: 0.8 },
  now: new Date('2025-01-02T03:04:05Z'),
});

describe('per workload', () => {
  const byName = new Map(report.workloads.map((w) => [w.name, w]));

  test('arm64 is true when every image has it, false as soon as a resolved image lacks it, null when only unknown', () => {
    assert.equal(byName.get('web')?.arm64, true);
    assert.equal(byName.get('invoices')?.arm64, false);
    assert.equal(byName.get('export')?.arm64, null);
    assert.equal(byName.get('mixed')?.arm64, false);
    assert.equal(byName.get('zero')?.arm64, true);
  });

  test('architectures are those every resolved image has; blocking and unresolved images are named', () => {
    assert.deepEqual(byName.get('api')?.architectures, ['amd64', 'arm64']);
    assert.deepEqual(byName.get('invoices')?.architectures, ['amd64']);
    assert.deepEqual(byName.get('invoices')?.blockingImages, ['legacy:1', 'oracle:19']);
    assert.deepEqual(byName.get('export')?.architectures, []);
    assert.deepEqual(byName.get('mixed')?.unresolvedImages, ['private:1']);
  });

  test('cpu and memory are requests × replicas', () => {
    assert.equal(byName.get('web')?.cpu, 1.5);
    assert.equal(byName.get('web')?.cpuPerReplica, 0.5);
    assert.equal(byName.get('web')?.memory, 3 * 256 * 2 ** 20);
    assert.equal(byName.get('zero')?.cpu, 0);
  });

  test('workloads are listed by namespace, kind and name', () => {
    assert.deepEqual(report.workloads.map((w) => `${w.kind} ${w.namespace}/${w.name}`), [
      'CronJob billing/export', 'Deployment billing/invoices', 'Deployment billing/mixed', 'Deployment idle/zero',
      'Deployment shop/api', 'Deployment shop/web', 'StatefulSet shop/db',
    ]);
  });
});

describe('summary', () => {
  const s = report.summary;

  test('counts and shares of workloads', () => {
    assert.deepEqual([s.workloads, s.arm64Ready, s.blocked, s.unknown], [7, 3, 3, 1]);
    assert.equal(s.readyShare, 0.4286);
  });

  test('requested vCPU: totals exact in millicores, share of the ready part', () => {
    assert.equal(s.cpu, 8.3);
    assert.equal(s.readyCpu, 3.5);
    assert.equal(s.blockedCpu, 4.7);
    assert.equal(s.unknownCpu, 0.1);
    assert.equal(s.readyCpuShare, 0.4217);
    assert.equal(s.memory, 3 * 256 * 2 ** 20);
    assert.equal(s.readyMemory, 3 * 256 * 2 ** 20);
  });

  test('images: distinct, resolved, from where, without arm64', () => {
    assert.deepEqual(
      [s.images, s.resolvedImages, s.unresolvedImages, s.imagesWithoutArm64, s.imagesFromCache, s.imagesFromRegistry],
      [5, 4, 1, 2, 1, 3],
    );
    assert.deepEqual(report.images.find((image) => image.image === 'private:1'), { image: 'private:1', platforms: [], architectures: [], arm64: null, error: 'registry answered 401', workloads: 2 });
  });

  test('the saving: ready vCPU × price × 730 h × (1 − ratio)', () => {
    assert.deepEqual(s.estimate, {
      currency: 'USD', vcpuHourPrice: 0.05, priceRatio: 0.8, hoursPerMonth: 730, readyCpu: 3.5,
      monthlyCostOnX86: 127.75, monthlyCostOnGraviton: 102.2, monthlySaving: 25.55,
    });
  });

  test('shares are null when there is nothing to divide', () => {
    const empty = buildReport([], new Map(), { input: { kind: 'manifests', paths: ['x'] }, pricing: { vcpuHourPrice: 1, priceRatio: 1 } });
    assert.equal(empty.summary.readyShare, null);
    assert.equal(empty.summary.readyCpuShare, null);
    const idle = buildReport([workloads[6] as Workload], answers, { input: { kind: 'manifests', paths: ['x'] }, pricing: { vcpuHourPrice: 1, priceRatio: 1 } });
    assert.equal(idle.summary.readyShare, 1);
    assert.equal(idle.summary.readyCpuShare, null);
  });
});

describe('namespaces and blocking images', () => {
  test('namespaces, the most requested vCPU first, with their own tallies', () => {
    assert.deepEqual(report.namespaces.map((n) => [n.namespace, n.workloads, n.arm64Ready, n.blocked, n.unknown, n.cpu, n.readyCpu]), [
      ['shop', 3, 2, 1, 0, 7.5, 3.5],
      ['billing', 3, 0, 2, 1, 0.8, 0],
      ['idle', 1, 1, 0, 0, 0, 0],
    ]);
  });

  test('blocking images ranked by the vCPU they hold back; "unlocks" counts only workloads they block alone', () => {
    assert.deepEqual(report.blockingImages, [
      { image: 'oracle:19', architectures: ['amd64'], workloads: 2, cpu: 4.5, unlocksCpu: 4 },
      { image: 'legacy:1', architectures: ['amd64'], workloads: 2, cpu: 0.7, unlocksCpu: 0 },
    ]);
  });

  test('the document says what it was made from and when', () => {
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.generatedAt, '2025-01-02T03:04:05.000Z');
    assert.deepEqual(report.input, { kind: 'manifests', paths: ['-'] });
  });
});
