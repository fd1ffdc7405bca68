// Kubernetes objects for the CLI's unit tests, as manifests write them.
import type { JsonObject } from '../../../lib/cli/input/kube-object.ts';

export interface ContainerInput {
  image: string;
  cpu?: string;
  memory?: string;
  limits?: { cpu?: string; memory?: string };
  restartPolicy?: string;
}

export function podSpec(containers: ContainerInput[], extra: JsonObject = {}, initContainers: ContainerInput[] = []): JsonObject {
  return { ...extra, containers: containers.map(toContainer), ...(initContainers.length > 0 ? { initContainers: initContainers.map(toContainer) } : {}) };
}

function toContainer(input: ContainerInput, index: number): JsonObject {
  const requests = { ...(input.cpu ? { cpu: input.cpu } : {}), ...(input.memory ? { memory: input.memory } : {}) };
  return {
    name: `c${index}`,
    image: input.image,
    resources: { ...(Object.keys(requests).length > 0 ? { requests } : {}), ...(input.limits ? { limits: input.limits } : {}) },
    ...(input.restartPolicy ? { restartPolicy: input.restartPolicy } : {}),
  };
}

export function deployment(name: string, namespace: string, spec: JsonObject, replicas?: number, extra: JsonObject = {}): JsonObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, ...extra }, spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec } } };
}

export function workloadObject(kind: string, name: string, namespace: string, spec: JsonObject, fields: JsonObject = {}): JsonObject {
  const apiVersion = kind === 'Pod' ? 'v1' : kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1';
  const metadata = { name, namespace, ...((fields.metadata as JsonObject | undefined) ?? {}) };
  if (kind === 'Pod') return { apiVersion, kind, ...fields, metadata, spec };
  if (kind === 'CronJob') return { apiVersion, kind, ...fields, metadata, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec } } } } };
  return { apiVersion, kind, ...fields, metadata, spec: { ...((fields.spec as JsonObject | undefined) ?? {}), template: { spec } } };
}
