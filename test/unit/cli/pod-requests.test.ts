// What one replica asks the scheduler for, as Kubernetes counts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podRequests, type ContainerSpec } from '../../../lib/cli/workloads/pod-requests.ts';

function container(requests?: Record<string, string>, limits?: Record<string, string>, restartPolicy?: string): ContainerSpec {
  return { resources: { requests, limits }, restartPolicy };
}

test('regular containers add up', () => {
  const result = podRequests({ containers: [container({ cpu: '250m', memory: '64Mi' }), container({ cpu: '1', memory: '1Gi' })], initContainers: [] });
  assert.deepEqual(result, { cpuMillis: 1250, memoryBytes: 64 * 2 ** 20 + 2 ** 30 });
});

test('a request falls back to the limit of the same resource only', () => {
  const result = podRequests({ containers: [container({ memory: '100Mi' }, { cpu: '2', memory: '1Gi' })], initContainers: [] });
  assert.deepEqual(result, { cpuMillis: 2000, memoryBytes: 100 * 2 ** 20 });
});

test('no requests and no limits count as zero', () => {
  assert.deepEqual(podRequests({ containers: [container()], initContainers: [] }), { cpuMillis: 0, memoryBytes: 0 });
});

test('the largest init container wins over the containers when it is larger, per resource', () => {
  const result = podRequests({
    containers: [container({ cpu: '500m', memory: '2Gi' })],
    initContainers: [container({ cpu: '2', memory: '128Mi' }), container({ cpu: '1', memory: '256Mi' })],
  });
  assert.deepEqual(result, { cpuMillis: 2000, memoryBytes: 2 * 2 ** 30 });
});

test('sidecars (init containers that keep running) add to the containers and to the init containers after them', () => {
  const result = podRequests({
    containers: [container({ cpu: '1' })],
    initContainers: [container({ cpu: '100m' }, undefined, 'Always'), container({ cpu: '3' })],
  });
  // Running: 1 + 0.1 = 1.1; second init container: 3 + the sidecar started before it = 3.1.
  assert.equal(result.cpuMillis, 3100);
  const steady = podRequests({ containers: [container({ cpu: '1' })], initContainers: [container({ cpu: '500m' }, undefined, 'Always')] });
  assert.equal(steady.cpuMillis, 1500);
});

test('pod-level resources replace the containers total for what they name; overhead is added', () => {
  const result = podRequests({
    containers: [container({ cpu: '1', memory: '1Gi' })],
    initContainers: [],
    resources: { requests: { cpu: '4' } },
    overhead: { cpu: '250m', memory: '120Mi' },
  });
  assert.deepEqual(result, { cpuMillis: 4250, memoryBytes: 2 ** 30 + 120 * 2 ** 20 });
});
