// The JSON report's documented interface, checked field by field (README: "Plan a Graviton
// migration"). A field renamed or retyped fails here.
import assert from 'node:assert/strict';

type Check = (value: unknown, path: string) => void;

const number: Check = (value, path) => assert.ok(typeof value === 'number' && Number.isFinite(value), `${path} is a number`);
const count: Check = (value, path) => assert.ok(Number.isInteger(value) && (value as number) >= 0, `${path} is a count`);
const string: Check = (value, path) => assert.equal(typeof value, 'string', `${path} is a string`);
const share: Check = (value, path) => assert.ok(value === null || (typeof value === 'number' && value >= 0 && value <= 1), `${path} is a share or null`);
const strings: Check = (value, path) => assert.ok(Array.isArray(value) && value.every((item) => typeof item === 'string'), `${path} is an array of strings`);
const arm64: Check = (value, path) => assert.ok(value === true || value === false || value === null, `${path} is true, false or null`);
const optionalString: Check = (value, path) => assert.ok(value === undefined || typeof value === 'string', `${path} is a string when present`);

function fields(object: unknown, path: string, checks: Record<string, Check>): void {
  assert.ok(typeof object === 'object' && object !== null && !Array.isArray(object), `${path} is an object`);
  for (const [field, check] of Object.entries(checks)) check((object as Record<string, unknown>)[field], `${path}.${field}`);
}

function each(value: unknown, path: string, checks: Record<string, Check>): void {
  assert.ok(Array.isArray(value), `${path} is an array`);
  value.forEach((item, index) => fields(item, `${path}[${index}]`, checks));
}

export function assertReportSchema(document: unknown): void {
  fields(document, 'report', {
    schemaVersion: (value) => assert.equal(value, 1),
    generatedAt: (value, path) => assert.ok(typeof value === 'string' && !Number.isNaN(Date.parse(value)), `${path} is a date`),
    input: (value, path) => fields(value, path, { kind: (kind) => assert.ok(kind === 'cluster' || kind === 'manifests') }),
    warnings: strings,
    summary: (value, path) => fields(value, path, {
      workloads: count, arm64Ready: count, blocked: count, unknown: count, readyShare: share,
      cpu: number, readyCpu: number, blockedCpu: number, unknownCpu: number, readyCpuShare: share,
      memory: count, readyMemory: count,
      images: count, resolvedImages: count, unresolvedImages: count, imagesWithoutArm64: count, imagesFromCache: count, imagesFromRegistry: count,
      estimate: (estimate, at) => fields(estimate, at, {
        currency: (c) => assert.equal(c, 'USD'), vcpuHourPrice: number, priceRatio: number, hoursPerMonth: number, readyCpu: number,
        monthlyCostOnX86: number, monthlyCostOnGraviton: number, monthlySaving: number,
      }),
    }),
    namespaces: (value, path) => each(value, path, {
      namespace: string, workloads: count, arm64Ready: count, blocked: count, unknown: count, cpu: number, readyCpu: number, blockedCpu: number, unknownCpu: number,
    }),
    blockingImages: (value, path) => each(value, path, { image: string, architectures: strings, workloads: count, cpu: number, unlocksCpu: number }),
    workloads: (value, path) => each(value, path, {
      kind: string, namespace: string, name: string, source: string, replicas: count, cpu: number, memory: count,
      cpuPerReplica: number, memoryPerReplica: count, images: strings, architectures: strings, arm64, blockingImages: strings, unresolvedImages: strings,
    }),
    images: (value, path) => each(value, path, {
      image: string, canonical: optionalString, digest: optionalString, platforms: strings, architectures: strings, arm64, source: optionalString, error: optionalString, workloads: count,
    }),
  });
}
