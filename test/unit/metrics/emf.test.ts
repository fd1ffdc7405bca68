import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createApp } from '../../../lib/app.ts';
import { createEmfMetrics, OVERFLOW_DIMENSION_VALUE } from '../../../lib/metrics/emf.ts';
import { FUZZ_REGISTRY, FuzzRegistryTransport } from '../../support/memory-registry.ts';

interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** Runs `fn` with process.stdout captured; returns the EMF lines it wrote. */
function captureEmf(fn: () => void): EmfLine[] {
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    fn();
  } finally {
    process.stdout.write = original;
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as EmfLine)
    .filter((line) => line._aws !== undefined);
}

function metricNames(line: EmfLine): string[] {
  return line._aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics.map((metric) => metric.Name)).sort();
}

function dimensionNames(line: EmfLine): string[] {
  return [...new Set(line._aws.CloudWatchMetrics.flatMap((directive) => directive.Dimensions.flat()))].sort();
}

describe('EMF metrics', () => {
  test('one admission produces EMF lines with the expected names, values and dimensions', () => {
    const metrics = createEmfMetrics({ namespace: 'Archy', serviceName: 'archy' });
    const lines = captureEmf(() => {
      metrics.count('Admissions');
      metrics.count('Mutations');
      metrics.count('Warnings', 2);
      metrics.count('CacheHits', 1, { tier: 'memory' });
      metrics.count('CacheHits', 1, { tier: 'memory' });
      metrics.count('CacheMisses');
      metrics.count('RegistryRequests', 1, { registry: 'ghcr.io' });
      metrics.count('RegistryErrors', 1, { registry: 'ghcr.io', kind: 'timeout' });
      metrics.timing('ResolutionLatency', 42);
      metrics.flush();
    });

    for (const line of lines) {
      assert.equal(line._aws.CloudWatchMetrics[0]?.Namespace, 'Archy');
      assert.equal(line.service, 'archy', 'every line carries the service dimension');
    }
    const plain = lines.find((line) => line.Admissions !== undefined);
    assert.ok(plain, 'Admissions is written');
    assert.deepEqual(metricNames(plain), ['Admissions', 'CacheMisses', 'Mutations', 'ResolutionLatency', 'Warnings']);
    assert.deepEqual(dimensionNames(plain), ['service']);
    assert.equal(plain.Warnings, 2, 'counts add up within one admission');
    assert.equal(plain.ResolutionLatency, 42);
    const latencyUnit = plain._aws.CloudWatchMetrics[0]?.Metrics.find((metric) => metric.Name === 'ResolutionLatency')?.Unit;
    assert.equal(latencyUnit, 'Milliseconds');

    const cache = lines.find((line) => line.CacheHits !== undefined);
    assert.ok(cache);
    assert.equal(cache.tier, 'memory');
    assert.equal(cache.CacheHits, 2);
    assert.deepEqual(dimensionNames(cache), ['service', 'tier']);

    const requests = lines.find((line) => line.RegistryRequests !== undefined);
    assert.equal(requests?.registry, 'ghcr.io');
    assert.deepEqual(requests && dimensionNames(requests), ['registry', 'service']);

    const errors = lines.find((line) => line.RegistryErrors !== undefined);
    assert.deepEqual(errors && dimensionNames(errors), ['kind', 'registry', 'service']);
    assert.equal(errors?.kind, 'timeout');

    assert.equal(lines.length, 4, 'one line per distinct dimension set');
  });

  test('skips carry their reason; nothing is written twice or before flush', () => {
    const metrics = createEmfMetrics();
    const beforeFlush = captureEmf(() => {
      metrics.count('Skips', 1, { reason: 'daemonset' });
      metrics.count('Fallbacks');
    });
    assert.equal(beforeFlush.length, 0);
    const flushed = captureEmf(() => metrics.flush());
    const skips = flushed.find((line) => line.Skips !== undefined);
    assert.equal(skips?.reason, 'daemonset');
    assert.equal(flushed.find((line) => line.Fallbacks !== undefined)?.Fallbacks, 1);
    assert.equal(captureEmf(() => metrics.flush()).length, 0, 'a second flush has nothing to write');
  });

  test('dimension values beyond the cap are reported as "other" (registry hosts come from users)', () => {
    const metrics = createEmfMetrics({ maxValuesPerDimension: 2 });
    const lines = captureEmf(() => {
      for (const registry of ['a.example', 'b.example', 'c.example', 'd.example', 'a.example']) {
        metrics.count('RegistryRequests', 1, { registry });
      }
      metrics.flush();
    });
    const byRegistry = Object.fromEntries(lines.map((line) => [line.registry, line.RegistryRequests]));
    assert.deepEqual(byRegistry, { 'a.example': 2, 'b.example': 1, [OVERFLOW_DIMENSION_VALUE]: 2 });
  });
});

describe('EMF from a real admission', () => {
  test('one admission through the app emits the expected metric names and low-cardinality dimensions', async () => {
    const metrics = createEmfMetrics({ namespace: 'Archy', serviceName: 'archy' });
    const app = createApp({
      env: { KUBECONFIG: '/nonexistent' },
      metrics,
      logDestination: new Writable({ write: (_chunk, _encoding, done) => done() }),
      registryTransport: new FuzzRegistryTransport(),
    });
    const pod = { metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'a', image: `${FUZZ_REGISTRY}/multi:1` }] } };
    const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', operation: 'CREATE', namespace: 'shop', object: pod } });
    const response = await app.handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.statusCode, 200);
    const lines = captureEmf(() => metrics.flush());
    const names = lines.flatMap((line) => line._aws.CloudWatchMetrics.flatMap((set) => set.Metrics.map((metric) => metric.Name))).sort();
    for (const expected of ['Admissions', 'AdmissionLatency', 'CacheMisses', 'Mutations', 'RegistryRequests', 'ResolutionLatency']) {
      assert.ok(names.includes(expected), `${expected} missing from ${names.join(', ')}`);
    }
    const dimensions = new Set(lines.flatMap((line) => line._aws.CloudWatchMetrics.flatMap((set) => set.Dimensions.flat())));
    assert.deepEqual([...dimensions].sort(), ['mode', 'registry', 'service']);
    assert.ok(lines.some((line) => line.mode === 'enforce'), 'the admission counts carry the mode');
    const text = JSON.stringify(lines);
    assert.doesNotMatch(text, /multi:1|"web"|shop/, 'no image, pod or namespace names in metrics');
    assert.ok(lines.every((line) => line._aws.CloudWatchMetrics.every((set) => set.Namespace === 'Archy')));
  });
});
