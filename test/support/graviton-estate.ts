// A plausible estate for the HTML report's end-to-end test and its screenshot (docs/report.png):
// real-looking image names (docker.io, ghcr.io, quay.io, registry.k8s.io) served from the loopback
// registry through ARCHY_REGISTRY_MIRRORS, workloads across teams, a few amd64-only images holding
// the rest back, and one image nobody can find.
import type { Platform } from '../../lib/types.ts';
import type { FakeObject, WorkloadApiFake } from './kube-workload-lists.ts';
import type { TestRegistry } from './registry/harness.ts';

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64' };
const MULTI = [AMD64, ARM64];

/** Mirror prefix on the test registry per public registry. */
const MIRRORS: Record<string, string> = { 'docker.io': 'hub', 'ghcr.io': 'ghcr', 'quay.io': 'quay', 'registry.k8s.io': 'k8s' };

const IMAGES: Array<[string, Platform[]]> = [
  ['docker.io/library/nginx:1.27', [...MULTI, { os: 'linux', architecture: 'arm', variant: 'v7' }]],
  ['docker.io/envoyproxy/envoy:v1.30.1', MULTI],
  ['docker.io/library/busybox:1.36', MULTI],
  ['docker.io/library/postgres:16', MULTI],
  ['docker.io/library/redis:7.2', MULTI],
  ['docker.io/bitnami/kafka:3.7', MULTI],
  ['docker.io/opensearchproject/opensearch:2.14', MULTI],
  ['docker.io/acme/billing-legacy:4.2', [AMD64]],
  ['docker.io/acme/log-shipper:2.0', [AMD64]],
  ['ghcr.io/acme/checkout:2.3.1', MULTI],
  ['ghcr.io/acme/payments-api:5.2', MULTI],
  ['ghcr.io/acme/invoice-export:1.4', MULTI],
  ['ghcr.io/acme/recommendations:0.9', [AMD64]],
  ['ghcr.io/acme/search:1.8', [AMD64]],
  ['ghcr.io/acme/ml-inference:3.1', [AMD64]],
  ['quay.io/jetstack/cert-manager-controller:v1.15.0', [...MULTI, { os: 'linux', architecture: 's390x' }, { os: 'linux', architecture: 'ppc64le' }]],
  ['quay.io/prometheus/node-exporter:v1.8.1', [...MULTI, { os: 'linux', architecture: 's390x' }]],
  ['registry.k8s.io/ingress-nginx/controller:v1.10.1', MULTI],
];

export interface Estate {
  /** ARCHY_* variables that make the names above resolve on the test registry. */
  env: Record<string, string>;
  workloads: number;
}

export async function seedEstate(registry: TestRegistry, api: WorkloadApiFake): Promise<Estate> {
  for (const [image, platforms] of IMAGES) {
    const [registryHost = '', ...path] = image.split('/');
    const [repository = '', tag = ''] = path.join('/').split(':');
    const mirrored = `${MIRRORS[registryHost] ?? ''}/${repository}`;
    if (platforms.length === 1 && platforms[0] !== undefined) await registry.pushImage(mirrored, tag, platforms[0]);
    else await registry.pushIndex(mirrored, tag, platforms, { attestations: true });
  }
  const port = registry.host.split(':')[1] ?? '';
  const internal = `localhost:${port}/internal/batch-tools:dev`;
  const objects = workloads(internal);
  for (const object of objects) api.addObject(object);
  const mirrors = Object.fromEntries(Object.entries(MIRRORS).map(([host, prefix]) => [host, `${registry.host}/${prefix}`]));
  return {
    env: { ARCHY_INSECURE_REGISTRIES: `${registry.host},localhost:${port}`, ARCHY_REGISTRY_MIRRORS: JSON.stringify(mirrors) },
    workloads: objects.length,
  };
}

interface ContainerSpec {
  image: string;
  cpu: string;
  memory: string;
}

function spec(containers: ContainerSpec[], initContainers: ContainerSpec[] = []): Record<string, unknown> {
  const toContainer = (c: ContainerSpec, index: number) => ({ name: `c${index}`, image: c.image, resources: { requests: { cpu: c.cpu, memory: c.memory } } });
  return { containers: containers.map(toContainer), ...(initContainers.length ? { initContainers: initContainers.map(toContainer) } : {}) };
}

function apps(kind: string, namespace: string, name: string, replicas: number, podSpec: Record<string, unknown>, status?: Record<string, unknown>): FakeObject {
  return { apiVersion: 'apps/v1', kind, metadata: { name, namespace }, spec: { replicas, template: { spec: podSpec } }, ...(status ? { status } : {}) };
}

function cronJob(namespace: string, name: string, parallelism: number, podSpec: Record<string, unknown>): FakeObject {
  return { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { parallelism, template: { spec: podSpec } } } } };
}

function workloads(internal: string): FakeObject[] {
  const c = (image: string, cpu: string, memory: string): ContainerSpec => ({ image, cpu, memory });
  return [
    apps('Deployment', 'storefront', 'frontend', 6, spec([c('nginx:1.27', '500m', '512Mi')])),
    apps('Deployment', 'storefront', 'checkout', 4, spec([c('ghcr.io/acme/checkout:2.3.1', '1', '1Gi'), c('envoyproxy/envoy:v1.30.1', '250m', '256Mi')])),
    apps('Deployment', 'storefront', 'recommendations', 3, spec([c('ghcr.io/acme/recommendations:0.9', '2', '4Gi')])),
    apps('Deployment', 'payments', 'payments-api', 4, spec([c('ghcr.io/acme/payments-api:5.2', '1', '2Gi')])),
    apps('Deployment', 'payments', 'billing', 2, spec([c('acme/billing-legacy:4.2', '2', '4Gi')], [c('busybox:1.36', '100m', '64Mi')])),
    cronJob('payments', 'invoice-export', 1, spec([c('ghcr.io/acme/invoice-export:1.4', '500m', '1Gi')])),
    apps('StatefulSet', 'search', 'opensearch', 3, spec([c('opensearchproject/opensearch:2.14', '4', '8Gi')])),
    apps('Deployment', 'search', 'search-api', 3, spec([c('ghcr.io/acme/search:1.8', '1', '2Gi')])),
    apps('StatefulSet', 'data', 'postgres', 2, spec([c('postgres:16', '2', '8Gi')])),
    apps('StatefulSet', 'data', 'kafka', 3, spec([c('bitnami/kafka:3.7', '2', '6Gi')])),
    apps('StatefulSet', 'data', 'redis', 3, spec([c('redis:7.2', '500m', '2Gi')])),
    apps('Deployment', 'ml', 'inference', 2, spec([c('ghcr.io/acme/ml-inference:3.1', '8', '16Gi')])),
    cronJob('ml', 'retrain', 2, spec([c('ghcr.io/acme/ml-inference:3.1', '4', '16Gi')])),
    apps('Deployment', 'platform', 'ingress-nginx-controller', 3, spec([c('registry.k8s.io/ingress-nginx/controller:v1.10.1', '500m', '512Mi')])),
    apps('Deployment', 'platform', 'cert-manager', 1, spec([c('quay.io/jetstack/cert-manager-controller:v1.15.0', '100m', '128Mi')])),
    apps('DaemonSet', 'platform', 'node-exporter', 1, spec([c('quay.io/prometheus/node-exporter:v1.8.1', '100m', '64Mi')]), { desiredNumberScheduled: 12 }),
    apps('DaemonSet', 'platform', 'log-shipper', 1, spec([c('acme/log-shipper:2.0', '200m', '256Mi')]), { desiredNumberScheduled: 12 }),
    cronJob('tools', 'batch-tools', 1, spec([c(internal, '250m', '256Mi')])),
  ];
}
